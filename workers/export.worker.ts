/// <reference lib="webworker" />
// Thread entry point only: the work is in src/jobs/export-handlers.ts.
import { serveWorker } from '../src/jobs/rpc.ts';
import { exportHandlers } from '../src/jobs/export-handlers.ts';
import type { ExportApi } from '../src/jobs/export-api.ts';

serveWorker<ExportApi>(self, exportHandlers);
