/**
 * Data hooks for decoded 3-D volumes. A volume is identified by endpoint,
 * key and ETag (from the listing), so the OPFS cache can never serve a stale
 * copy and a changed file is re-read. Loading happens in the volume workers.
 */
import { useMemo } from 'react';
import { useQueries, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { loadVolume, readHeader } from '../jobs/volumes.ts';
import { PRIORITY, type Priority } from '../jobs/queue.ts';
import type { LoadedVolume } from '../jobs/volume-api.ts';
import type { S3Object } from '../data/s3/xml.ts';
import { useAreaListings, useEndpoint } from './queries.ts';
import type { InventoryArea } from '../data/discovery.ts';
import { useProgress } from './progress.ts';

export type VolumeRef = Pick<S3Object, 'key' | 'etag' | 'size'>;

/** The folders that hold volumes (betas grid maps, anatomy, ROIs). */
const VOLUME_AREAS: InventoryArea[] = ['glmsingle', 'anatomical', 'rois'];

/** Every listed volume-bearing object of a subject, by key (from the folder listings). */
export function useObjectIndex(subject: string | null): { index: Map<string, S3Object> | undefined; isPending: boolean; error: unknown } {
  const inv = useAreaListings(subject, VOLUME_AREAS);
  const index = useMemo(() => (inv.data ? new Map(inv.data.map((o) => [o.key, o as S3Object])) : undefined), [inv.data]);
  return { index, isPending: inv.isPending, error: inv.error };
}

function volumeQuery(endpoint: string, ref: VolumeRef | null, priority: Priority) {
  return {
    queryKey: ['volume', endpoint, ref?.key ?? null, ref?.etag ?? null],
    enabled: ref !== null,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<LoadedVolume> => {
      const r = ref!;
      const jobId = `volume:${endpoint}:${r.key}`;
      const name = r.key.slice(r.key.lastIndexOf('/') + 1);
      const progress = useProgress.getState();
      const controller = new AbortController();
      signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
      progress.start(jobId, name, () => controller.abort(new DOMException('Cancelled', 'AbortError')));
      try {
        return await loadVolume(
          { endpoint, key: r.key, etag: r.etag, expectedSize: r.size },
          { signal: controller.signal, onProgress: (p) => progress.update(jobId, p), priority },
        );
      } finally {
        performance.mark(`volume:${name}`);
        progress.finish(jobId);
      }
    },
  };
}

/** One volume; by default a layer on screen, so it goes ahead of lists. */
export function useVolume(ref: VolumeRef | null, priority: Priority = PRIORITY.visible): UseQueryResult<LoadedVolume> {
  const endpoint = useEndpoint();
  return useQuery(volumeQuery(endpoint, ref, priority));
}

/** Many volumes (ROI masks, readout maps); they queue behind single layers unless told otherwise. */
export function useVolumeList(refs: VolumeRef[], priority: Priority = PRIORITY.panel): UseQueryResult<LoadedVolume>[] {
  const endpoint = useEndpoint();
  return useQueries({ queries: refs.map((r) => volumeQuery(endpoint, r, priority)) });
}

/** The NIfTI header of a (possibly huge) file, from its first bytes only. */
export function useNiftiHeader(key: string | null, etag: string | undefined) {
  const endpoint = useEndpoint();
  return useQuery({
    queryKey: ['nifti-header', endpoint, key, etag ?? null],
    queryFn: ({ signal }) => readHeader(endpoint, key!, signal),
    enabled: key !== null && etag !== undefined,
    staleTime: Infinity,
    retry: false,
  });
}
