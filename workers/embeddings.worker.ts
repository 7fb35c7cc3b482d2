/// <reference lib="webworker" />
// Thread entry point only: the work is in src/jobs/embeddings-handlers.ts.
import { serveWorker } from '../src/jobs/rpc.ts';
import { embeddingsHandlers } from '../src/jobs/embeddings-handlers.ts';
import type { EmbeddingsApi } from '../src/jobs/embeddings-api.ts';

serveWorker<EmbeddingsApi>(self, embeddingsHandlers);
