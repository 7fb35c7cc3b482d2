/**
 * Voxel masks as laion_fmri builds them (bucket-layout.md §3 "How the voxel
 * axis is built"). Every mask here is a Uint8Array of 0/1 over the FULL grid
 * in NIfTI order; the package's "vector over brain voxels" is derived from it
 * with `toBrainAxis` (C order, see voxel-order.ts).
 *
 * Package references (ViCCo-Group/LAION-fMRI):
 * - `io.load_nifti_mask`: a voxel is in a mask when its value is non-zero and
 *   not NaN. The newest tests (`tests/test_io.py::test_load_nifti_mask_excludes_nan`)
 *   pin the NaN rule, because a plain `astype(bool)` — what older io.py did —
 *   turns NaN into True. Negative values stay in: R2mean's docstring says
 *   "data > 0" but the code tests "!= 0".
 * - `Subject._load_roi_volume_mask`: `roi_vol[brain]`, then OR-ed over the
 *   resolved ROIs (`get_roi_mask`), so ROI voxels outside the brain mask
 *   disappear without a word. We count them so the UI can say so.
 * - `get_betas`: `combined_mask[brain_mask] = voxel_filter` (= `fromBrainAxis`).
 */
import { assertLengths } from './grid.ts';
import { voxelsInCOrder, type Dims3 } from './voxel-order.ts';

export { GridMismatchError, assertSameLength, assertSameGrid, type GridArray, type GridRef } from './grid.ts';

/** Which file defines "brain": the anatomical res-1pt8 mask (package default) or the R2mean statmap. */
export type MaskSource = 'anatomical' | 'rsquare';
export const MASK_SOURCES: readonly MaskSource[] = ['anatomical', 'rsquare'];
export const DEFAULT_MASK_SOURCE: MaskSource = 'anatomical';

/** value != 0 && !NaN: the package's rule for every mask file (anat mask, R2mean, ROI volumes). */
export function nonzeroMask(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v === v is false only for NaN.
    out[i] = v !== 0 && v === v ? 1 : 0;
  }
  return out;
}

export function countMask(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) n++;
  return n;
}

export function unionMasks(masks: readonly Uint8Array[]): Uint8Array {
  if (masks.length === 0) throw new RangeError('unionMasks needs at least one mask (the grid size is unknown otherwise)');
  const out = new Uint8Array(masks[0].length);
  masks.forEach((m, i) => {
    assertLengths({ label: `mask #${i}`, length: m.length }, { label: 'mask #0', length: out.length });
    for (let p = 0; p < m.length; p++) if (m[p] !== 0) out[p] = 1;
  });
  return out;
}

export function intersectMasks(a: Uint8Array, b: Uint8Array): Uint8Array {
  assertLengths({ label: 'first mask', length: a.length }, { label: 'second mask', length: b.length });
  const out = new Uint8Array(a.length);
  for (let p = 0; p < a.length; p++) out[p] = a[p] !== 0 && b[p] !== 0 ? 1 : 0;
  return out;
}

export interface RoiSelection {
  /** Full grid, NIfTI order: brain AND union(ROIs). */
  mask: Uint8Array;
  /** Voxels of the union that are inside the brain (= the package's `get_roi_mask(q).sum()`). */
  nInBrain: number;
  /** Distinct voxels of the union outside the brain: the package drops them silently. */
  nOutsideBrain: number;
  /** The same two counts per resolved ROI, in `names` order. */
  perRoi: Array<{ name: string; nInBrain: number; nOutsideBrain: number }>;
}

/**
 * The package's ROI voxel selection: each ROI in `names` taken as `roi != 0`,
 * restricted to the brain (roi[brain]) and OR-ed. `names` come from
 * resolveRoiQuery; an empty list selects nothing (as `get_roi_mask([])` does).
 */
export function roiSelection(brain: Uint8Array, rois: ReadonlyMap<string, Uint8Array>, names: readonly string[]): RoiSelection {
  const union = new Uint8Array(brain.length);
  const perRoi: RoiSelection['perRoi'] = [];
  for (const name of names) {
    const roi = rois.get(name);
    if (!roi) throw new Error(`roiSelection: no volume was loaded for ROI '${name}'.`);
    assertLengths({ label: `ROI ${name}`, length: roi.length }, { label: 'the brain mask', length: brain.length });
    let inside = 0;
    let outside = 0;
    for (let p = 0; p < roi.length; p++) {
      if (roi[p] === 0) continue;
      if (brain[p] !== 0) inside++;
      else outside++;
      union[p] = 1;
    }
    perRoi.push({ name, nInBrain: inside, nOutsideBrain: outside });
  }
  let nInBrain = 0;
  let nOutsideBrain = 0;
  for (let p = 0; p < union.length; p++) {
    if (union[p] === 0) continue;
    if (brain[p] !== 0) nInBrain++;
    else {
      nOutsideBrain++;
      union[p] = 0;
    }
  }
  return { mask: union, nInBrain, nOutsideBrain, perRoi };
}

/**
 * The package's brain-axis vector for a full-grid mask: `full[brain]` with the
 * brain voxels listed in C order. `toBrainAxis(roiSelection(...).mask, brain)`
 * equals `Subject.get_roi_mask(query)`.
 */
export function toBrainAxis(full: Uint8Array, brain: Uint8Array, dims: Dims3): Uint8Array {
  assertLengths({ label: 'mask', length: full.length }, { label: 'the brain mask', length: brain.length });
  const order = voxelsInCOrder(brain, dims);
  const out = new Uint8Array(order.length);
  for (let j = 0; j < order.length; j++) out[j] = full[order[j]] !== 0 ? 1 : 0;
  return out;
}

/**
 * The inverse: a brain-axis vector (a `mask=` argument, length n_brain, C
 * order) scattered back onto the full grid, i.e. `combined[brain] = vector`.
 */
export function fromBrainAxis(vector: ArrayLike<number>, brain: Uint8Array, dims: Dims3): Uint8Array {
  const order = voxelsInCOrder(brain, dims);
  assertLengths({ label: 'the mask= vector', length: vector.length }, { label: `the brain mask's ${order.length} voxels`, length: order.length });
  const out = new Uint8Array(brain.length);
  for (let j = 0; j < order.length; j++) out[order[j]] = vector[j] !== 0 ? 1 : 0;
  return out;
}
