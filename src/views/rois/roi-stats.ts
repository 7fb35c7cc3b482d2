/**
 * The numbers behind the ROI inspector, built from the science functions and
 * kept so that a threshold move costs only binary searches:
 *
 * 1. brain = nonzeroMask(mask file) (the package's load_nifti_mask rule);
 * 2. per ROI, roiSelection(brain, {roi}, [roi]) gives roi[brain] and the voxels
 *    the package drops outside the brain; its voxels are listed once
 *    (voxelsInCOrder);
 * 3. per ROI and NC map, the NC values at those voxels (gather = valuesInMask
 *    with the listing hoisted out of the loop) are sorted once; "n >= thr" is
 *    then a binary search with the package's float32 comparison.
 *
 * Every step is cached on the identity of its inputs (WeakMaps keyed by the
 * decoded arrays), so volumes that arrive one by one never make the earlier
 * ones recompute, and a volume dropped from react-query's cache frees its
 * derived data too. Pure: no React, no DOM.
 */
import type { NiftiHeader } from '../../formats/nifti.ts';
import { assertSameGrid, GridMismatchError, nonzeroMask, roiSelection } from '../../science/masks.ts';
import { lowerBound, packageThreshold, summaryOfSorted, type NcSummary } from '../../science/noise-ceiling.ts';
import { gather, voxelsInCOrder, type Dims3 } from '../../science/voxel-order.ts';

/** A decoded volume with its header, as the volume hooks return it. */
export interface GridVolume {
  key: string;
  header: NiftiHeader;
  data: Float32Array;
}

export const fileName = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

export function dimsOf(h: Pick<NiftiHeader, 'dims'>): Dims3 {
  return [h.dims[0], h.dims[1], h.dims[2]];
}

/** The grids differ (dims or affine): the error names both files and both dims. Null when they agree. */
export function gridMismatch(reference: GridVolume, other: GridVolume): GridMismatchError | null {
  const ref = (v: GridVolume) => ({ file: fileName(v.key), dims: v.header.dims, affine: v.header.affine });
  try {
    assertSameGrid(ref(reference), ref(other));
    const n = reference.header.dims[0] * reference.header.dims[1] * reference.header.dims[2];
    if (other.data.length !== n) throw new GridMismatchError(ref(reference), { file: fileName(other.key), dims: [other.data.length] }, 'the decoded array has another length');
    return null;
  } catch (e) {
    if (e instanceof GridMismatchError) return e;
    throw e;
  }
}

/** NC values of some voxels: sorted once, summarised, and a reliability curve. */
export interface Distribution {
  /** Non-NaN values, ascending. */
  sorted: Float32Array;
  /** Voxels asked for (the denominator: NaN voxels are in the ROI but never pass a threshold). */
  n: number;
  nNaN: number;
  summary: NcSummary;
  /** Fraction of the n voxels with NC >= t, for t in CURVE_THRESHOLDS. */
  curve: number[];
}

export const CURVE_THRESHOLDS: readonly number[] = Array.from({ length: 201 }, (_, i) => i / 2);

/** How many values of an ascending array pass `nc >= thr`, compared in float32 as the package does. */
export function countAtLeastSorted(sorted: Float32Array, threshold: number): number {
  const t = packageThreshold(threshold);
  if (t !== t) return 0;
  return sorted.length - lowerBound(sorted, t);
}

function distributionOf(values: Float32Array): Distribution {
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) finite++;
  const sorted = new Float32Array(finite);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) sorted[k++] = values[i];
  sorted.sort();
  const n = values.length;
  const summary = summaryOfSorted(sorted, n - finite);
  const curve = CURVE_THRESHOLDS.map((t) => (n ? countAtLeastSorted(sorted, t) / n : NaN));
  return { sorted, n, nNaN: n - finite, summary, curve };
}

const brainCache = new WeakMap<Float32Array, { mask: Uint8Array; indices: Uint32Array }>();

/** The brain mask of a mask file (value != 0 and not NaN) and its voxels. */
export function brainOf(vol: GridVolume): { mask: Uint8Array; indices: Uint32Array } {
  let b = brainCache.get(vol.data);
  if (!b) {
    const mask = nonzeroMask(vol.data);
    b = { mask, indices: voxelsInCOrder(mask, dimsOf(vol.header)) };
    brainCache.set(vol.data, b);
  }
  return b;
}

export interface RoiVoxels {
  /** roi[brain]: the voxels the package keeps. */
  nInBrain: number;
  /** ROI voxels outside the brain mask, which the package drops silently. */
  nOutsideBrain: number;
  /** The kept voxels (NIfTI indices, listed in the package's C order). */
  indices: Uint32Array;
}

const roiCache = new WeakMap<Uint8Array, WeakMap<Float32Array, RoiVoxels>>();

export function roiVoxels(name: string, roi: GridVolume, brain: Uint8Array, dims: Dims3): RoiVoxels {
  let perBrain = roiCache.get(brain);
  if (!perBrain) roiCache.set(brain, (perBrain = new WeakMap()));
  let r = perBrain.get(roi.data);
  if (!r) {
    const sel = roiSelection(brain, new Map([[name, nonzeroMask(roi.data)]]), [name]);
    r = { nInBrain: sel.nInBrain, nOutsideBrain: sel.nOutsideBrain, indices: voxelsInCOrder(sel.mask, dims) };
    perBrain.set(roi.data, r);
  }
  return r;
}

const distCache = new WeakMap<Float32Array, WeakMap<Uint32Array, Distribution>>();

/** The distribution of an NC map over some voxels (cached per map and voxel list). */
export function distribution(nc: Float32Array, indices: Uint32Array): Distribution {
  let perMap = distCache.get(nc);
  if (!perMap) distCache.set(nc, (perMap = new WeakMap()));
  let d = perMap.get(indices);
  if (!d) {
    d = distributionOf(gather(nc, indices));
    perMap.set(indices, d);
  }
  return d;
}

let lastUnion: { brain: Uint8Array; parts: Uint32Array[]; indices: Uint32Array } | null = null;

/**
 * Voxels of the union of several ROIs, each already restricted to the brain:
 * the same set as roiSelection(brain, rois, names).mask, without holding every
 * ROI's full-grid mask at once. One slot of memory: the query's union.
 */
export function unionVoxels(brain: Uint8Array, parts: Uint32Array[], dims: Dims3): Uint32Array {
  if (lastUnion && lastUnion.brain === brain && lastUnion.parts.length === parts.length && lastUnion.parts.every((p, i) => p === parts[i])) {
    return lastUnion.indices;
  }
  const mark = new Uint8Array(brain.length);
  for (const p of parts) for (let j = 0; j < p.length; j++) mark[p[j]] = 1;
  const indices = voxelsInCOrder(mark, dims);
  lastUnion = { brain, parts, indices };
  return indices;
}

export interface NamedVolume<K extends string = string> {
  id: K;
  vol: GridVolume | undefined;
}

export interface RoiStats extends RoiVoxels {
  /** Per NC map id. */
  dist: Map<string, Distribution>;
}

export interface InspectorStats {
  nBrain: number;
  dims: Dims3;
  /** Volumes (by key) whose grid differs from the brain mask's: their numbers are withheld. */
  gridErrors: Map<string, GridMismatchError>;
  /** Whole-brain distribution per map id. */
  brain: Map<string, Distribution>;
  rois: Map<string, RoiStats>;
  /** The union of all ROIs asked for, once they all loaded (what get_betas(roi=query) selects). */
  union: { nInBrain: number; indices: Uint32Array; dist: Map<string, Distribution> } | null;
}

/**
 * Everything that does not depend on the threshold. `maps` and `rois` may be
 * partly loaded (vol undefined); numbers appear as volumes arrive.
 */
export function inspectorStats(mask: GridVolume, maps: NamedVolume[], rois: NamedVolume[], opts: { brainTotals: boolean }): InspectorStats {
  const dims = dimsOf(mask.header);
  const brain = brainOf(mask);
  const gridErrors = new Map<string, GridMismatchError>();
  const onGrid = (v: GridVolume | undefined): v is GridVolume => {
    if (!v) return false;
    const e = gridMismatch(mask, v);
    if (e) gridErrors.set(v.key, e);
    return !e;
  };
  const readyMaps = maps.filter((m): m is { id: string; vol: GridVolume } => onGrid(m.vol));
  const brainDist = new Map<string, Distribution>();
  if (opts.brainTotals) for (const m of readyMaps) brainDist.set(m.id, distribution(m.vol.data, brain.indices));
  const out = new Map<string, RoiStats>();
  for (const r of rois) {
    if (!onGrid(r.vol)) continue;
    const v = roiVoxels(r.id, r.vol, brain.mask, dims);
    out.set(r.id, { ...v, dist: new Map(readyMaps.map((m) => [m.id, distribution(m.vol.data, v.indices)])) });
  }
  let union: InspectorStats['union'] = null;
  if (rois.length > 0 && out.size === rois.length) {
    const parts = rois.map((r) => out.get(r.id)!);
    const indices = unionVoxels(brain.mask, parts.map((p) => p.indices), dims);
    union = {
      nInBrain: indices.length,
      indices,
      dist: new Map(readyMaps.map((m) => [m.id, distribution(m.vol.data, indices)])),
    };
  }
  return { nBrain: brain.indices.length, dims, gridErrors, brain: brainDist, rois: out, union };
}
