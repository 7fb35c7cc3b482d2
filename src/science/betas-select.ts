/**
 * Which voxels and which trials `Subject.get_betas` returns (bucket-layout.md
 * §3 "How the voxel axis is built", §4), without touching the betas file: the
 * streaming pass (formats/masked-pass.ts) then gathers exactly `nifti` from
 * each volume, and keeps the volumes listed in `trials`.
 *
 * Package reference (laion_fmri/subject.py `get_betas`,
 * `_build_voxel_mask`, `_stimulus_trial_filter`):
 * - `roi` and `mask` together raise ValueError("roi and mask are mutually
 *   exclusive.");
 * - roi: union over the resolved ROIs of `roi_vol[brain]`; ROI voxels outside
 *   the brain drop out;
 * - mask: a bool vector over the brain voxels (C order), used as is;
 * - nc_threshold: `nc[brain] >= thr` on float32 NC, AND-ed with the above;
 * - stimuli: a filter on trials (rows), not voxels.
 * The columns of the result are the selected brain voxels in C order, so
 * `selected` is ascending and column j here is column j of the package.
 */
import { assertSameLength, type GridRef } from './grid.ts';
import { nonzeroMask, roiSelection, type MaskSource } from './masks.ts';
import { packageThreshold } from './noise-ceiling.ts';
import { resolveRoiQuery, type RoiCatalog, type RoiQuery } from './roi-query.ts';
import { trialsForStimuli, type StimulusSet, type TrialRow } from './trials.ts';
import { voxelsInCOrder, type Dims3 } from './voxel-order.ts';

/** One decoded 3-D volume (NIfTI order) and the file it came from, for error messages. */
export interface GridVolume extends GridRef {
  data: ArrayLike<number>;
}

export interface BetasSelectionParams {
  maskSource: MaskSource;
  /** ROI name, category, 'all', or a list; `[]` selects no voxel. Exclusive with `mask`. */
  roi?: RoiQuery | null;
  /** Bool (0/1) over the brain voxel axis, length n_brain, C order. Exclusive with `roi`. */
  mask?: Uint8Array | null;
  /** Percent NC; keeps voxels with nc >= thr compared in float32. NaN NC never passes. */
  ncThreshold?: number | null;
  stimuli?: StimulusSet | null;
}

export interface BetasSelectionInputs {
  /** The grid of the betas file. Every volume below must match it. */
  dims: Dims3;
  /** The brain-defining volume per mask source; only the one `maskSource` names is needed. */
  brain: Partial<Record<MaskSource, GridVolume>>;
  /** ROI volumes by clean (de-hyphenated) name; needed for the names `roi` resolves to. */
  rois?: ReadonlyMap<string, GridVolume>;
  catalog?: RoiCatalog;
  /** The session's `desc-Noiseceiling` volume; needed when `ncThreshold` is set. */
  nc?: GridVolume;
  /** The session's trial table; needed when `stimuli` is set. */
  trials?: readonly TrialRow[];
}

export interface BetasSelection {
  /** NIfTI-order flat indices of the brain voxels, listed in C order (the package's voxel axis). */
  brainVoxels: Uint32Array;
  /** Positions into brainVoxels of the selected voxels, ascending (= C order). */
  selected: Uint32Array;
  /** NIfTI flat index of each selected voxel: the gather list for the streaming pass. */
  nifti: Uint32Array;
  /** The ROI names the query resolved to, in the package's order (null without `roi`). */
  roiNames: string[] | null;
  /** ROI voxels dropped because they lie outside the brain (the package drops them silently). */
  roiOutsideBrain: number;
  /** Trial rows kept, ascending; every row without `stimuli`; null when no trial table was given. */
  trials: Uint32Array | null;
}

/** A parameter set that the package would reject too. */
export class BetasSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BetasSelectionError';
  }
}

const isSet = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/** `v` is on the betas grid (dims) and, when both carry an affine, on the brain volume's grid. */
function checkGrid(v: GridVolume, dims: Dims3, brain?: GridVolume): void {
  // The betas grid has no file here; a pseudo-volume lets grid.ts word the error.
  assertSameLength(v, { file: 'the betas grid', dims: [...dims], data: { length: dims[0] * dims[1] * dims[2] } });
  if (brain) assertSameLength(brain, v);
}

/** The voxel filter over the brain axis from `roi`, as a full-grid mask (roi[brain] OR-ed). */
function roiFilter(query: RoiQuery, brain: Uint8Array, source: GridVolume, inputs: BetasSelectionInputs): { full: Uint8Array; names: string[]; outside: number } {
  if (!inputs.catalog) throw new BetasSelectionError('roi= needs the ROI catalog of the subject (none was given).');
  const names = resolveRoiQuery(query, inputs.catalog);
  const masks = new Map<string, Uint8Array>();
  for (const name of names) {
    const vol = inputs.rois?.get(name);
    if (!vol) throw new BetasSelectionError(`roi= resolved to '${name}', but its volume was not loaded.`);
    checkGrid(vol, inputs.dims, source);
    masks.set(name, nonzeroMask(vol.data));
  }
  const sel = roiSelection(brain, masks, names);
  return { full: sel.mask, names, outside: sel.nOutsideBrain };
}

/**
 * Resolves get_betas parameters to the voxel columns and trial rows of the
 * result. Pure and synchronous; over the real 143³ grid this is a few passes
 * of 2.9 M voxels.
 */
export function resolveBetasSelection(params: BetasSelectionParams, inputs: BetasSelectionInputs): BetasSelection {
  const { dims } = inputs;
  if (isSet(params.roi) && isSet(params.mask)) throw new BetasSelectionError('roi and mask are mutually exclusive.');
  const source = inputs.brain[params.maskSource];
  if (!source) throw new BetasSelectionError(`mask_source '${params.maskSource}' was chosen, but its brain volume was not loaded.`);
  checkGrid(source, dims);

  const brain = nonzeroMask(source.data);
  const brainVoxels = voxelsInCOrder(brain, dims);
  const nBrain = brainVoxels.length;

  // keep[j] for brain column j; starts as "every brain voxel" (no roi, no mask).
  const keep = new Uint8Array(nBrain).fill(1);
  let roiNames: string[] | null = null;
  let roiOutsideBrain = 0;
  if (isSet(params.roi)) {
    const r = roiFilter(params.roi, brain, source, inputs);
    roiNames = r.names;
    roiOutsideBrain = r.outside;
    for (let j = 0; j < nBrain; j++) keep[j] = r.full[brainVoxels[j]];
  } else if (isSet(params.mask)) {
    if (params.mask.length !== nBrain) {
      throw new BetasSelectionError(
        `mask= has ${params.mask.length} entries, but the ${params.maskSource} brain mask (${source.file}) has ${nBrain} voxels; ` +
          'mask= is a bool vector over the brain voxels in C order.',
      );
    }
    for (let j = 0; j < nBrain; j++) keep[j] = params.mask[j] !== 0 ? 1 : 0;
  }

  if (isSet(params.ncThreshold)) {
    if (!inputs.nc) throw new BetasSelectionError('nc_threshold= needs the session noise-ceiling volume (none was given).');
    checkGrid(inputs.nc, dims, source);
    const thr = packageThreshold(params.ncThreshold);
    const nc = inputs.nc.data;
    // Math.fround: the package compares float32 NC; a float64 source must round the same way.
    for (let j = 0; j < nBrain; j++) if (keep[j] && !(Math.fround(nc[brainVoxels[j]]) >= thr)) keep[j] = 0;
  }

  let n = 0;
  for (let j = 0; j < nBrain; j++) n += keep[j];
  const selected = new Uint32Array(n);
  const nifti = new Uint32Array(n);
  for (let j = 0, k = 0; j < nBrain; j++) {
    if (!keep[j]) continue;
    selected[k] = j;
    nifti[k++] = brainVoxels[j];
  }

  let trials: Uint32Array | null = null;
  if (inputs.trials) trials = trialsForStimuli(inputs.trials, params.stimuli ?? null);
  else if (isSet(params.stimuli)) throw new BetasSelectionError('stimuli= needs the session trial table (none was given).');

  return { brainVoxels, selected, nifti, roiNames, roiOutsideBrain, trials };
}
