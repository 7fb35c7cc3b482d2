/**
 * Single-trial betas in the app: the session's cache entry (looked up in
 * OPFS), building it (a streaming pass in the betas worker, with progress
 * and cancel), and reading one trial's map or one voxel's series from it.
 */
import { useCallback, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { betasWorker } from '../jobs/betas.ts';
import { betasEntryParts, type BetasProgress, type BuildBetasArgs } from '../jobs/betas-api.ts';
import type { BetasManifest } from '../cache/betas-store.ts';
import { isAbortError } from '../data/errors.ts';

export type BetasSource = Omit<BuildBetasArgs, 'brain' | 'dims' | 'trials' | 'keepCopy' | 'connections' | 'partSize'>;

/** The compressed betas file's copy in this browser (whole, a resumable prefix, or none). */
export function useBetasCopy(src: BetasSource | null) {
  return useQuery({
    queryKey: ['betas-copy', src?.endpoint, src?.betasKey, src?.betasEtag],
    queryFn: () => betasWorker().call('copyStatus', { endpoint: src!.endpoint, key: src!.betasKey, etag: src!.betasEtag }),
    enabled: src !== null,
    staleTime: 0,
    retry: false,
  });
}

const KEEP_COPY = 'laion-fmri-explorer.keepBetasCopy';
/** Whether the user wants sessions' compressed files kept offline (remembered). */
export function useKeepCopyPreference(): [boolean, (v: boolean) => void] {
  const [keep, setKeep] = useState(() => {
    try {
      return localStorage.getItem(KEEP_COPY) !== 'false';
    } catch {
      return true;
    }
  });
  const set = useCallback((v: boolean) => {
    setKeep(v);
    try {
      localStorage.setItem(KEEP_COPY, String(v));
    } catch {
      /* private mode */
    }
  }, []);
  return [keep, set];
}

export function useBetasEntry(src: BetasSource | null) {
  return useQuery({
    queryKey: ['betas-entry', src ? betasEntryParts(src) : null],
    queryFn: () => betasWorker().call('lookup', { parts: betasEntryParts(src!) }),
    enabled: src !== null,
    staleTime: Infinity,
    retry: false,
  });
}

/** Starts / cancels the streaming pass; exposes its progress and error. */
export function useBuildBetas() {
  const qc = useQueryClient();
  const [progress, setProgress] = useState<BetasProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [startedAt, setStartedAt] = useState(0);
  /** Why the offline copy the last pass was asked to keep was not kept, and for which file. */
  const [copyFault, setCopyFault] = useState<{ betasKey: string; reason: string } | null>(null);
  const abort = useRef<AbortController | null>(null);
  const start = useCallback(
    async (args: BuildBetasArgs) => {
      abort.current?.abort();
      const ac = new AbortController();
      abort.current = ac;
      setError(null);
      setCopyFault(null);
      setStartedAt(performance.now());
      setProgress({ phase: 'stream', bytesFetched: 0, bytesTotal: args.expectedSize, bytesInflated: 0, volumesDone: 0, volumes: args.trials });
      try {
        const onProgress = (q: BetasProgress) => {
          setProgress(q);
          if (q.offlineCopy && q.offlineCopy !== 'kept') setCopyFault({ betasKey: args.betasKey, reason: q.offlineCopy });
        };
        const m = await betasWorker().call('build', args, { signal: ac.signal, onProgress });
        qc.setQueryData(['betas-entry', betasEntryParts(args)], m as BetasManifest);
      } catch (e) {
        if (!isAbortError(e)) setError(e);
      } finally {
        void qc.invalidateQueries({ queryKey: ['betas-copy'] });
        if (abort.current === ac) abort.current = null;
        setProgress(null);
      }
    },
    [qc],
  );
  const cancel = useCallback(() => abort.current?.abort(), []);
  return { start, cancel, progress, error, startedAt, copyFault };
}

/** One trial's brain row, or the mean of several (`trials` with more than one index). */
export function useTrialMap(entry: BetasManifest | null | undefined, trials: number[] | null) {
  return useQuery({
    queryKey: ['betas-map', entry?.id, trials?.join(',')],
    queryFn: ({ signal }) =>
      trials!.length === 1
        ? betasWorker().call('readTrial', { id: entry!.id, t: trials![0], nBrain: entry!.nBrain }, { signal })
        : betasWorker().call('meanOfTrials', { id: entry!.id, trials: trials!, nBrain: entry!.nBrain }, { signal }),
    enabled: !!entry && trials !== null && trials.length > 0,
    staleTime: Infinity,
    gcTime: 30_000,
    placeholderData: (prev) => prev,
  });
}

function voxelsHash(v: number[] | null): number {
  let h = 0x811c9dc5;
  for (const x of v ?? []) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h;
}

/** Per trial, the mean beta over a set of brain voxels (an ROI). */
export function useVoxelsMeanSeries(entry: BetasManifest | null | undefined, voxels: number[] | null, label: string) {
  return useQuery({
    queryKey: ['betas-voxels-mean', entry?.id, label, voxels?.length, voxelsHash(voxels)],
    queryFn: ({ signal }) => betasWorker().call('meanOfVoxels', { id: entry!.id, voxels: voxels!, trials: entry!.trials }, { signal }),
    enabled: !!entry && voxels !== null && voxels.length > 0,
    staleTime: Infinity,
    gcTime: 30_000,
  });
}

export function useVoxelSeries(entry: BetasManifest | null | undefined, v: number | null) {
  return useQuery({
    queryKey: ['betas-voxel', entry?.id, v],
    queryFn: () => betasWorker().call('readVoxel', { id: entry!.id, v: v!, trials: entry!.trials }),
    enabled: !!entry && v !== null && v >= 0,
    staleTime: Infinity,
    gcTime: 30_000,
  });
}
