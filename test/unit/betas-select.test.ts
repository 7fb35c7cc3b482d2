/**
 * resolveBetasSelection = laion_fmri get_betas' voxel and trial selection
 * (bucket-layout.md §3, §4) on a hand-built 3×4×2 grid, where every expected
 * column is worked out below in C order ((x, y, z) sorted lexicographically).
 */
import { describe, expect, it } from 'vitest';
import { BetasSelectionError, resolveBetasSelection, type BetasSelectionInputs, type BetasSelectionParams, type GridVolume } from '../../src/science/betas-select.ts';
import { GridMismatchError } from '../../src/science/grid.ts';
import { RoiQueryError } from '../../src/science/roi-query.ts';
import { niftiIndex, type Dims3 } from '../../src/science/voxel-order.ts';

const DIMS: Dims3 = [3, 4, 2];
type Ijk = [number, number, number];
const N = DIMS[0] * DIMS[1] * DIMS[2];

function vol(file: string, set: Array<[Ijk, number]>, Arr: typeof Float32Array | typeof Uint8Array = Float32Array, dims: Dims3 = DIMS): GridVolume {
  const data = new Arr(dims[0] * dims[1] * dims[2]);
  for (const [[x, y, z], v] of set) data[niftiIndex(x, y, z, dims)] = v;
  return { file, dims: [...dims], data };
}
const ones = (...ijks: Ijk[]): Array<[Ijk, number]> => ijks.map((p) => [p, 1]);

// Anatomical brain, in C order: positions 0..7.
const ANAT_C: Ijk[] = [[0, 0, 0], [0, 1, 1], [0, 3, 0], [1, 0, 0], [1, 0, 1], [1, 2, 0], [2, 0, 0], [2, 3, 1]];
const anat = vol('anat_mask.nii.gz', ones(...[...ANAT_C].reverse()), Uint8Array);
// R2mean: negatives stay in, NaN and 0 drop out, and (0,2,0) lies outside the anatomical mask.
const rsq = vol('R2mean.nii.gz', [[[0, 1, 1], 0.5], [[1, 0, 0], -0.2], [[1, 0, 1], NaN], [[2, 3, 1], 3], [[2, 0, 0], 0], [[0, 2, 0], 1]]);
const RSQ_C: Ijk[] = [[0, 1, 1], [0, 2, 0], [1, 0, 0], [2, 3, 1]];

const rois = new Map<string, GridVolume>([
  // (1,1,1) is outside both brains: roi[brain] drops it.
  ['FFA1', vol('FFA-1_mask.nii.gz', ones([0, 0, 0], [1, 0, 1], [1, 1, 1]), Uint8Array)],
  ['OFA', vol('OFA_mask.nii.gz', [[[1, 0, 1], 2.5], [[2, 3, 1], 2.5]])],
  // A NaN ROI value is not "in" the ROI.
  ['PPA', vol('PPA_mask.nii.gz', [[[0, 3, 0], 1], [[0, 2, 0], 1], [[1, 2, 0], NaN]])],
]);
const catalog = new Map<string, string[]>([['face', ['FFA1', 'OFA']], ['place', ['PPA']]]);
// NC at the anatomical brain voxels, by C position: 10, NaN, f32(0.7), 30, f32(29.999998), 0, 50, -1.
const NC_VALUES = [10, NaN, Math.fround(0.7), 30, Math.fround(29.999998), 0, 50, -1];
const nc = vol('ses-01_desc-Noiseceiling_statmap.nii.gz', ANAT_C.map((p, j) => [p, NC_VALUES[j]] as [Ijk, number]));
const trials = ['shared_a.jpg', 'unique_b.jpg', 'shared_4rep_OOD_c.png', 'unique_d.jpg'].map((label, i) => ({ session: 'ses-01', run: 1, betaIndex: i, label }));

const INPUTS: BetasSelectionInputs = { dims: DIMS, brain: { anatomical: anat, rsquare: rsq }, rois, catalog, nc, trials };
const sel = (p: Partial<BetasSelectionParams>, inputs: BetasSelectionInputs = INPUTS) => resolveBetasSelection({ maskSource: 'anatomical', ...p }, inputs);
const cols = (p: Partial<BetasSelectionParams>) => Array.from(sel(p).selected);
const nifti = (ijks: Ijk[]) => ijks.map(([x, y, z]) => niftiIndex(x, y, z, DIMS));

describe('resolveBetasSelection: brain axis', () => {
  it('anatomical: every brain voxel, listed in C order, as NIfTI indices', () => {
    const s = sel({});
    expect(Array.from(s.brainVoxels)).toEqual(nifti(ANAT_C));
    expect(Array.from(s.selected)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(s.nifti)).toEqual(nifti(ANAT_C));
    expect(s.roiNames).toBeNull();
    expect(Array.from(s.trials!)).toEqual([0, 1, 2, 3]);
  });

  it('rsquare: value != 0 and not NaN (negatives in), from the R2mean volume', () => {
    const s = sel({ maskSource: 'rsquare' });
    expect(Array.from(s.brainVoxels)).toEqual(nifti(RSQ_C));
    expect(Array.from(s.nifti)).toEqual(nifti(RSQ_C));
  });

  it('nifti[k] = brainVoxels[selected[k]] and selected is ascending', () => {
    const s = sel({ roi: ['OFA', 'place'] });
    expect(Array.from(s.nifti)).toEqual(Array.from(s.selected, (j) => s.brainVoxels[j]));
    expect(Array.from(s.selected)).toEqual([...s.selected].sort((a, b) => a - b));
  });
});

describe('resolveBetasSelection: roi', () => {
  it('one ROI: roi[brain], the voxel outside the brain dropped and counted', () => {
    const s = sel({ roi: 'FFA1' });
    expect(Array.from(s.selected)).toEqual([0, 4]);
    expect(Array.from(s.nifti)).toEqual(nifti([[0, 0, 0], [1, 0, 1]]));
    expect(s.roiNames).toEqual(['FFA1']);
    expect(s.roiOutsideBrain).toBe(1);
  });

  it('a category is the union of its ROIs (overlap counted once); the bucket spelling FFA-1 works', () => {
    expect(cols({ roi: 'face' })).toEqual([0, 4, 7]);
    expect(sel({ roi: 'face' }).roiNames).toEqual(['FFA1', 'OFA']);
    expect(cols({ roi: 'FFA-1' })).toEqual([0, 4]);
  });

  it('a list mixing an ROI and a category is the union, in C order whatever the list order', () => {
    expect(cols({ roi: ['OFA', 'place'] })).toEqual([2, 4, 7]);
    expect(cols({ roi: ['place', 'OFA'] })).toEqual([2, 4, 7]);
    expect(sel({ roi: ['OFA', 'place'] }).roiOutsideBrain).toBe(1); // PPA's (0,2,0)
  });

  it('the same ROI against the rsquare brain: different columns (its own brain axis)', () => {
    expect(cols({ maskSource: 'rsquare', roi: 'place' })).toEqual([1]);
    const ffa = sel({ maskSource: 'rsquare', roi: 'FFA1' });
    expect(Array.from(ffa.selected)).toEqual([]); // (1,0,1) is NaN in R2mean, (0,0,0) is 0
    expect(ffa.roiOutsideBrain).toBe(3);
  });

  it('roi=[] selects no voxel (an empty union, not "no filter")', () => {
    const s = sel({ roi: [] });
    expect(s.selected).toHaveLength(0);
    expect(s.nifti).toHaveLength(0);
    expect(s.brainVoxels).toHaveLength(8);
  });

  it('unknown ROI names raise RoiQueryError; a missing ROI volume or catalog is named', () => {
    expect(() => sel({ roi: 'ffa1' })).toThrow(RoiQueryError);
    expect(() => sel({ roi: 'FFA1' }, { ...INPUTS, rois: new Map([...rois].filter(([k]) => k !== 'FFA1')) })).toThrow("roi= resolved to 'FFA1', but its volume was not loaded.");
    expect(() => sel({ roi: 'FFA1' }, { ...INPUTS, catalog: undefined })).toThrow(BetasSelectionError);
  });
});

describe('resolveBetasSelection: mask=', () => {
  it('a bool vector over the brain voxels (C order) picks those columns', () => {
    expect(cols({ mask: Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 1]) })).toEqual([0, 3, 4, 7]);
    expect(cols({ mask: new Uint8Array(8) })).toEqual([]);
  });

  it('roi and mask together raise the package error, even roi=[]', () => {
    expect(() => sel({ roi: 'FFA1', mask: new Uint8Array(8) })).toThrow(new BetasSelectionError('roi and mask are mutually exclusive.'));
    expect(() => sel({ roi: [], mask: new Uint8Array(8) })).toThrow('roi and mask are mutually exclusive.');
  });

  it('a mask of the wrong length is refused, naming both counts and the brain file', () => {
    expect(() => sel({ maskSource: 'rsquare', mask: new Uint8Array(8) })).toThrow(
      "mask= has 8 entries, but the rsquare brain mask (R2mean.nii.gz) has 4 voxels; mask= is a bool vector over the brain voxels in C order.",
    );
  });
});

describe('resolveBetasSelection: nc_threshold', () => {
  it('keeps nc >= thr (equality passes), NaN never', () => {
    expect(cols({ ncThreshold: 30 })).toEqual([3, 6]);
    expect(cols({ ncThreshold: 0 })).toEqual([0, 2, 3, 4, 5, 6]); // drops NaN (1) and -1 (7); 0 passes
    expect(cols({ ncThreshold: NaN })).toEqual([]);
    expect(cols({ ncThreshold: 1000 })).toEqual([]);
  });

  it('compares in float32 like numpy: float32(0.7) passes >= 0.7, float32(29.999998) fails >= 30', () => {
    expect(Math.fround(0.7) < 0.7).toBe(true); // would fail in float64
    expect(cols({ ncThreshold: 0.7 })).toEqual([0, 2, 3, 4, 6]);
    expect(cols({ ncThreshold: 29.999998 })).toEqual([3, 4, 6]);
  });

  it('ANDs with roi and with mask=', () => {
    expect(cols({ roi: 'face', ncThreshold: 10 })).toEqual([0, 4]);
    expect(cols({ roi: 'face', ncThreshold: 30 })).toEqual([]);
    expect(cols({ mask: Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 1]), ncThreshold: 30 })).toEqual([3]);
  });

  it('needs the NC volume, on the same grid (the error names the file)', () => {
    expect(() => sel({ ncThreshold: 1 }, { ...INPUTS, nc: undefined })).toThrow(BetasSelectionError);
    const wrong = vol('ses-02_desc-Noiseceiling_statmap.nii.gz', [], Float32Array, [4, 3, 2]);
    expect(() => sel({ ncThreshold: 1 }, { ...INPUTS, nc: wrong })).toThrow(GridMismatchError);
    expect(() => sel({ ncThreshold: 1 }, { ...INPUTS, nc: wrong })).toThrow(/ses-02_desc-Noiseceiling_statmap\.nii\.gz \(4×3×2\) and the betas grid \(3×4×2\)/);
  });
});

describe('resolveBetasSelection: stimuli and inputs', () => {
  it('stimuli filters trial rows, not voxels', () => {
    const s = sel({ stimuli: 'shared', roi: 'FFA1' });
    expect(Array.from(s.trials!)).toEqual([0, 2]);
    expect(Array.from(s.selected)).toEqual([0, 4]);
    expect(Array.from(sel({ stimuli: 'unique' }).trials!)).toEqual([1, 3]);
  });

  it('without a trial table: trials is null, and stimuli= is refused', () => {
    expect(sel({}, { ...INPUTS, trials: undefined }).trials).toBeNull();
    expect(() => sel({ stimuli: 'shared' }, { ...INPUTS, trials: undefined })).toThrow('stimuli= needs the session trial table (none was given).');
  });

  it('the chosen mask source must be loaded; a brain volume on another grid is refused', () => {
    expect(() => sel({ maskSource: 'rsquare' }, { ...INPUTS, brain: { anatomical: anat } })).toThrow("mask_source 'rsquare' was chosen, but its brain volume was not loaded.");
    const wrong = { ...anat, dims: [4, 3, 2] };
    expect(() => sel({}, { ...INPUTS, brain: { anatomical: wrong } })).toThrow(GridMismatchError);
    expect(N).toBe(24);
  });

  it('an ROI whose affine differs from the brain volume is refused (same dims, another space)', () => {
    const aff = (dx: number) => [[-1.7778, 0, 0, 40 + dx], [0, 1.7778, 0, -50], [0, 0, 1.7778, -30], [0, 0, 0, 1]];
    const brain = { anatomical: { ...anat, affine: aff(0) } };
    const shifted = new Map([...rois, ['FFA1', { ...rois.get('FFA1')!, affine: aff(1.7778) }]]);
    expect(cols({})).toHaveLength(8);
    expect(Array.from(sel({ roi: 'FFA1' }, { ...INPUTS, brain, rois: new Map([...rois].map(([k, v]) => [k, { ...v, affine: aff(0) }])) }).selected)).toEqual([0, 4]);
    expect(() => sel({ roi: 'FFA1' }, { ...INPUTS, brain, rois: shifted })).toThrow(/anat_mask\.nii\.gz \(3×4×2\) and FFA-1_mask\.nii\.gz \(3×4×2\) are not on the same voxel grid \(affines differ at \[0\]\[3\]\)/);
  });

  it('an empty brain gives empty selections everywhere', () => {
    const empty = vol('empty.nii.gz', []);
    const s = sel({ roi: 'face', ncThreshold: 0 }, { ...INPUTS, brain: { anatomical: empty } });
    expect(s.brainVoxels).toHaveLength(0);
    expect(s.selected).toHaveLength(0);
    expect(s.roiOutsideBrain).toBe(4);
  });
});
