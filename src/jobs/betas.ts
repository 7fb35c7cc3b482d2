/** UI-side access to the betas worker (one: the pass is I/O and inflate bound). */
import { WorkerClient } from './rpc.ts';
import type { BetasApi } from './betas-api.ts';

let client: WorkerClient<BetasApi> | null = null;
export function betasWorker(): WorkerClient<BetasApi> {
  client ??= new WorkerClient<BetasApi>(new Worker(new URL('../../workers/betas.worker.ts', import.meta.url), { type: 'module', name: 'betas' }));
  return client;
}
