/// <reference lib="webworker" />
// Thread entry point only: the work is in src/jobs/betas-handlers.ts.
import { serveWorker } from '../src/jobs/rpc.ts';
import { betasHandlers } from '../src/jobs/betas-handlers.ts';
import type { BetasApi } from '../src/jobs/betas-api.ts';

serveWorker<BetasApi>(self, betasHandlers);
