/**
 * The package's split files: where they are read from (configurable, kept in
 * this browser), one split as a query, and per-trial membership for a trial
 * table (`get_split_masks` over the subject's global trial order).
 */
import { useMemo } from 'react';
import { create } from 'zustand';
import { useQuery } from '@tanstack/react-query';
import { DEMO_SPLITS_URL, PACKAGE_SPLITS_URL } from '../app/config.ts';
import { DataError } from '../data/errors.ts';
import { isSplitPool, parseSplitJson, splitMasks, splitMembership, SplitError, type Split } from '../science/splits.ts';
import { useSelection } from './selection.ts';

const KEY = 'laion-fmri-explorer.splitsUrl';

function stored(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const useSplitsSource = create<{ override: string | null; setOverride(url: string | null): void }>((set) => ({
  override: stored(),
  setOverride(url) {
    const v = url && url.trim() ? url.trim().replace(/\/+$/, '') : null;
    try {
      if (v) localStorage.setItem(KEY, v);
      else localStorage.removeItem(KEY);
    } catch {
      /* private mode: memory only */
    }
    set({ override: v });
  },
}));

/** The base URL split files are read from: the user's choice, else the demo's own or the package's. */
export function useSplitsBase(): { url: string; isDefault: boolean } {
  const kind = useSelection((s) => s.source.kind);
  const override = useSplitsSource((s) => s.override);
  return { url: override ?? (kind === 'demo' ? DEMO_SPLITS_URL : PACKAGE_SPLITS_URL), isDefault: override === null };
}

export async function fetchSplit(base: string, pool: string, name: string, signal?: AbortSignal): Promise<Split> {
  if (!isSplitPool(pool)) throw new SplitError(`'${pool}' is not a split pool (shared, pooled or a subject).`);
  const url = `${base}/${encodeURIComponent(pool)}/${encodeURIComponent(name)}.json`;
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new DataError('network', url, `The split file ${url} could not be reached.`, { hint: 'Check the splits source (a folder of {pool}/{name}.json files, as in laion_fmri/splits/data).', cause: e });
  }
  if (res.status === 404 || res.status === 403) {
    throw new DataError('not-found', url, `There is no split '${name}' for pool ${pool} at ${base} (HTTP ${res.status}).`, { status: res.status, hint: 'Check the splits source, or choose another pool.' });
  }
  if (!res.ok) throw new DataError('server', url, `The split file ${url} answered HTTP ${res.status}.`, { status: res.status });
  try {
    return parseSplitJson(await res.text(), pool, `${pool}/${name}.json`);
  } catch (e) {
    if (e instanceof SplitError) throw new DataError('malformed', url, `${e.message} (from ${base})`);
    throw e;
  }
}

export function useSplit(pool: string | null, name: string | null) {
  const { url } = useSplitsBase();
  return useQuery({
    queryKey: ['split', url, pool, name],
    queryFn: ({ signal }) => fetchSplit(url, pool!, name!, signal),
    enabled: pool !== null && name !== null,
    staleTime: Infinity,
    retry: false,
  });
}

/** Per-trial train/test membership of `labels` (the subject's trials, global order) for one split. */
export function useSplitMembership(labels: readonly string[] | undefined, pool: string | null, name: string | null, variantId = 0, oodTypes: readonly string[] | null = null) {
  const split = useSplit(pool, name);
  const typesKey = oodTypes?.join(',') ?? null;
  const result = useMemo(() => {
    if (!labels || !split.data) return undefined;
    const types = typesKey === null ? null : typesKey === '' ? [] : typesKey.split(',');
    const masks = splitMasks(labels, split.data, variantId, types);
    let nTrain = 0;
    let nTest = 0;
    for (let i = 0; i < labels.length; i++) {
      nTrain += masks.train[i];
      nTest += masks.test[i];
    }
    return { split: split.data, ...masks, membership: splitMembership(labels, split.data, variantId, types), nTrain, nTest };
  }, [labels, split.data, variantId, typesKey]);
  return { data: result, error: split.error, isPending: split.isPending };
}
