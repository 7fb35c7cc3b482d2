/**
 * Noise-ceiling statistics. NC maps are in percent (0–100) in the bucket
 * (bucket-layout.md §3); the docs' examples use 0.2–0.3, so a threshold of
 * 0.3 keeps almost every voxel — the UI should say which unit it means.
 *
 * `nc_threshold` in the package (`Subject._build_voxel_mask`):
 * `nc = load_nifti_data(...)` casts to float32, then `nc >= nc_threshold`.
 * numpy compares a float32 array with a Python float *in float32*, so the
 * threshold is rounded to float32 first: a voxel stored as float32(0.7) passes
 * `>= 0.7` in the package although 0.699999988 < 0.7 in double precision. We
 * do the same with Math.fround. NaN never passes (every comparison with NaN is
 * false, in numpy and here).
 */
import { gather, voxelsInCOrder, type Dims3 } from './voxel-order.ts';

/** NC values at the set voxels of `mask`, in laion_fmri's C order (NaN kept). */
export function valuesInMask(values: Float32Array, mask: Uint8Array, dims: Dims3): Float32Array {
  return gather(values, voxelsInCOrder(mask, dims));
}

/** The threshold as the package compares it (float32). */
export function packageThreshold(threshold: number): number {
  return Math.fround(threshold);
}

/** Voxels kept by nc_threshold: nc >= thr in float32 (NaN never passes). */
export function countAtLeast(values: Float32Array, threshold: number): number {
  const t = packageThreshold(threshold);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] >= t) n++;
  return n;
}

/** Full-grid (or any-axis) 0/1 mask of nc >= thr, same comparison as countAtLeast. */
export function atLeastMask(values: Float32Array, threshold: number): Uint8Array {
  const t = packageThreshold(threshold);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] >= t ? 1 : 0;
  return out;
}

/** The non-NaN values, ascending, as float64 (exact for float32 input). */
function sortedFinite(values: Float32Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) out[k++] = values[i];
  return out.sort();
}

/** First index whose value is >= t in an ascending array (its length if none). */
export function lowerBound(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Fraction of the non-NaN values that pass each threshold (>=, float32 as
 * above): a reliability curve. NaN for every threshold when there is no value.
 */
export function survivalCurve(values: Float32Array, thresholds: readonly number[]): number[] {
  const sorted = sortedFinite(values);
  const n = sorted.length;
  return thresholds.map((thr) => {
    if (n === 0) return NaN;
    const t = packageThreshold(thr);
    if (t !== t) return 0;
    return (n - lowerBound(sorted, t)) / n;
  });
}

/**
 * numpy's default quantile (method='linear', type 7 of Hyndman & Fan):
 * h = (n-1)·q, interpolate between the neighbouring order statistics. The
 * two-sided form mirrors numpy's `_lerp`, which is exact at both ends.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0 || !(q >= 0 && q <= 1)) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const g = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const d = b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

export interface NcSummary {
  /** Values that are not NaN (the statistics below are over these). */
  n: number;
  nNaN: number;
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
  mean: number;
}

/** Distribution of NC values ignoring NaN (like numpy's nan-functions); NaN statistics when n = 0. */
export function summary(values: Float32Array): NcSummary {
  const sorted = sortedFinite(values);
  return summaryOfSorted(sorted, values.length - sorted.length);
}

/** The summary of values already sorted ascending with NaN removed (`nNaN` of them were dropped). */
export function summaryOfSorted(sorted: ArrayLike<number>, nNaN: number): NcSummary {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    n,
    nNaN,
    min: n ? sorted[0] : NaN,
    q25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q75: quantileSorted(sorted, 0.75),
    max: n ? sorted[n - 1] : NaN,
    mean: n ? sum / n : NaN,
  };
}
