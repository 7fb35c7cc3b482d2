/** UI-side access to the export worker. */
import { WorkerClient } from './rpc.ts';
import type { ExportApi } from './export-api.ts';

let client: WorkerClient<ExportApi> | null = null;
export function exportWorker(): WorkerClient<ExportApi> {
  client ??= new WorkerClient<ExportApi>(new Worker(new URL('../../workers/export.worker.ts', import.meta.url), { type: 'module', name: 'export' }));
  return client;
}
