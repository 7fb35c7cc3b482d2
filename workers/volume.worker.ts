/// <reference lib="webworker" />
// Thread entry point only: the work is in src/jobs/volume-handlers.ts.
import { serveWorker } from '../src/jobs/rpc.ts';
import { volumeHandlers } from '../src/jobs/volume-handlers.ts';
import type { VolumeApi } from '../src/jobs/volume-api.ts';

serveWorker<VolumeApi>(self, volumeHandlers);
