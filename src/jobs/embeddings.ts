/** UI-side access to the embeddings worker (one: the indexes are large and live there). */
import { WorkerClient } from './rpc.ts';
import type { EmbeddingsApi } from './embeddings-api.ts';

let client: WorkerClient<EmbeddingsApi> | null = null;
export function embeddingsWorker(): WorkerClient<EmbeddingsApi> {
  client ??= new WorkerClient<EmbeddingsApi>(new Worker(new URL('../../workers/embeddings.worker.ts', import.meta.url), { type: 'module', name: 'embeddings' }));
  return client;
}
