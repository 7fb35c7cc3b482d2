/**
 * Embedding hooks: a model's file loaded once into the embeddings worker
 * (progress in the tray, with bytes), the coverage of a subject's images,
 * and nearest neighbours by image name.
 */
import { useQuery } from '@tanstack/react-query';
import { stimuliKeys, type EmbeddingModel } from '../data/layout.ts';
import { embeddingsWorker } from '../jobs/embeddings.ts';
import { useEndpoint } from './queries.ts';
import { useProgress } from './progress.ts';

export function useEmbeddings(model: EmbeddingModel | null) {
  const endpoint = useEndpoint();
  const key = model ? stimuliKeys.embeddings(model) : null;
  return useQuery({
    queryKey: ['embeddings', endpoint, key],
    enabled: key !== null,
    staleTime: Infinity,
    gcTime: Infinity,
    retry: false,
    queryFn: async ({ signal }) => {
      const jobId = `embeddings:${endpoint}:${key}`;
      const progress = useProgress.getState();
      const controller = new AbortController();
      signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
      progress.start(jobId, key!.slice(key!.lastIndexOf('/') + 1), () => controller.abort(new DOMException('Cancelled', 'AbortError')));
      try {
        return await embeddingsWorker().call(
          'load',
          { endpoint, key: key! },
          { signal: controller.signal, onProgress: (p) => progress.update(jobId, { bytesFetched: p.bytesFetched, bytesTotal: p.bytesTotal }) },
        );
      } finally {
        progress.finish(jobId);
      }
    },
  });
}

/** How many of `names` (a subject's images) the model's file has usable vectors for. */
export function useEmbeddingCoverage(model: EmbeddingModel | null, loaded: boolean, listId: string | null, names: string[] | undefined) {
  const endpoint = useEndpoint();
  const key = model ? stimuliKeys.embeddings(model) : null;
  return useQuery({
    queryKey: ['embeddings-coverage', endpoint, key, listId],
    enabled: loaded && key !== null && names !== undefined,
    staleTime: Infinity,
    retry: false,
    queryFn: ({ signal }) => embeddingsWorker().call('coverage', { endpoint, key: key!, names: names! }, { signal }),
  });
}

export function useNearestStimuli(
  model: EmbeddingModel | null,
  loaded: boolean,
  image: string | null,
  k: number,
  restrict: { id: string; names: string[] } | null,
) {
  const endpoint = useEndpoint();
  const key = model ? stimuliKeys.embeddings(model) : null;
  return useQuery({
    queryKey: ['embeddings-nn', endpoint, key, image, k, restrict?.id ?? null],
    enabled: loaded && key !== null && image !== null,
    staleTime: Infinity,
    gcTime: 60_000,
    retry: false,
    queryFn: ({ signal }) => embeddingsWorker().call('neighbours', { endpoint, key: key!, image: image!, k, restrict }, { signal }),
  });
}
