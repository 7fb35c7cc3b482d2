/**
 * Brain and ROI masks as laion_fmri builds them (bucket-layout.md §3 steps 1–2
 * and 5): the mask rule (non-zero and not NaN, negatives kept), the roi[brain]
 * drop, the union of ROIs, the brain-axis vector in C order, and refusing to
 * combine volumes of different grids.
 */
import { describe, expect, it } from 'vitest';
import {
  assertSameGrid,
  assertSameLength,
  countMask,
  fromBrainAxis,
  GridMismatchError,
  intersectMasks,
  nonzeroMask,
  roiSelection,
  toBrainAxis,
  unionMasks,
} from '../../src/science/masks.ts';
import { niftiIndex, niftiToC, type Dims3 } from '../../src/science/voxel-order.ts';

const D: Dims3 = [3, 4, 5];
const N = 60;
const maskOf = (idx: number[]) => {
  const m = new Uint8Array(N);
  for (const i of idx) m[i] = 1;
  return m;
};

describe('the mask rule: value != 0 && !NaN', () => {
  it('keeps negatives (R2mean can be negative), drops 0, -0 and NaN', () => {
    const r2 = Float32Array.from([0, -0, NaN, -3.5, 0.001, 42, Infinity, -Infinity]);
    expect(Array.from(nonzeroMask(r2))).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
  });
  it('reads integer ROI volumes (uint8 0/1, or other labels) the same way', () => {
    expect(Array.from(nonzeroMask(Uint8Array.from([0, 1, 2, 255])))).toEqual([0, 1, 1, 1]);
    expect(Array.from(nonzeroMask(Int16Array.from([0, -1, 7])))).toEqual([0, 1, 1]);
  });
  it('the rsquare mask of an R2mean map with failed fits keeps every non-NaN fit', () => {
    const r2mean = new Float32Array(N);
    r2mean[3] = 12.5;
    r2mean[4] = -0.2; // bad fit, still "any non-zero fit"
    r2mean[5] = NaN; // GLMsingle failed here
    const m = nonzeroMask(r2mean);
    expect(countMask(m)).toBe(2);
    expect(m[5]).toBe(0);
  });
});

describe('union, intersection, count', () => {
  it('combine 0/1 masks and treat any non-zero byte as set', () => {
    const a = maskOf([1, 2, 3]);
    const b = maskOf([3, 4]);
    b[5] = 9;
    expect(countMask(unionMasks([a, b]))).toBe(5);
    expect(Array.from(unionMasks([a, b])).filter((v) => v > 1)).toEqual([]);
    expect(Array.from(intersectMasks(a, b)).flatMap((v, i) => (v ? [i] : []))).toEqual([3]);
    expect(countMask(unionMasks([a]))).toBe(3);
    expect(() => unionMasks([])).toThrow(RangeError);
  });
  it('refuse masks of different lengths', () => {
    expect(() => unionMasks([maskOf([1]), new Uint8Array(59)])).toThrow(GridMismatchError);
    expect(() => intersectMasks(maskOf([1]), new Uint8Array(61))).toThrow(/61 .*60|60.*61/);
  });
});

describe('grid agreement between files', () => {
  const LAS = [
    [-1.7778, 0, 0, 40],
    [0, 1.7778, 0, -50],
    [0, 0, 1.7778, -30],
    [0, 0, 0, 1],
  ];
  it('names both files and both dims', () => {
    const brain = { file: 'sub-01_ses-PrismaAnat_space-T1w_res-1pt8_desc-brain_mask.nii.gz', dims: [143, 143, 143], data: new Uint8Array(143 ** 3) };
    const roi = { file: 'sub-01_space-T1w_res-1pt5_label-FFA-1_mask.nii.gz', dims: [171, 171, 171], data: new Uint8Array(171 ** 3) };
    let err: unknown;
    try {
      assertSameLength(brain, roi);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GridMismatchError);
    const msg = (err as Error).message;
    expect(msg).toContain(brain.file);
    expect(msg).toContain(roi.file);
    expect(msg).toContain('143×143×143');
    expect(msg).toContain('171×171×171');
  });
  it('accepts identical grids, 4-D files by their spatial part, and catches arrays that do not fit their header', () => {
    const nc = { file: 'nc.nii.gz', dims: [3, 4, 5], data: new Float32Array(N), affine: LAS };
    const betas = { file: 'betas.nii.gz', dims: [3, 4, 5, 1050], data: new Float32Array(N), affine: LAS };
    expect(() => assertSameLength(nc, betas)).not.toThrow();
    expect(() => assertSameLength({ ...nc, data: new Float32Array(59) })).toThrow(/nc\.nii\.gz.*header promises 60 voxels/);
  });
  it('same dims but a shifted affine is a different grid', () => {
    const shifted = LAS.map((r, i) => (i === 0 ? [r[0], r[1], r[2], r[3] + 1.7778] : r));
    expect(() => assertSameGrid({ file: 'a', dims: [3, 4, 5], affine: LAS }, { file: 'b', dims: [3, 4, 5], affine: shifted })).toThrow(/affines differ/);
    expect(() => assertSameGrid({ file: 'a', dims: [3, 4, 5], affine: LAS }, { file: 'b', dims: [3, 4, 5] })).not.toThrow();
  });
});

describe('roiSelection: roi[brain], OR-ed', () => {
  const brain = maskOf([...Array(40).keys()]); // voxels 0..39 are brain
  const rois = new Map<string, Uint8Array>([
    ['FFA1', maskOf([10, 11, 12, 45])], // 45 lies outside the brain
    ['FFA2', maskOf([12, 13])], // overlaps FFA1 at 12
    ['OFA', maskOf([45, 50, 20])], // 45 again, and 50 outside
  ]);

  it('an ROI voxel outside the brain disappears from the selection and is counted', () => {
    const s = roiSelection(brain, rois, ['FFA1']);
    expect(s.nInBrain).toBe(3);
    expect(s.nOutsideBrain).toBe(1);
    expect(s.mask[45]).toBe(0);
    expect(countMask(s.mask)).toBe(3);
  });
  it('the union counts distinct voxels; per-ROI counts are kept in query order', () => {
    const s = roiSelection(brain, rois, ['FFA1', 'FFA2', 'OFA']);
    expect(s.nInBrain).toBe(5); // 10 11 12 13 20
    expect(s.nOutsideBrain).toBe(2); // 45 50
    expect(s.perRoi).toEqual([
      { name: 'FFA1', nInBrain: 3, nOutsideBrain: 1 },
      { name: 'FFA2', nInBrain: 2, nOutsideBrain: 0 },
      { name: 'OFA', nInBrain: 1, nOutsideBrain: 2 },
    ]);
    expect(Array.from(s.mask).flatMap((v, i) => (v ? [i] : []))).toEqual([10, 11, 12, 13, 20]);
  });
  it('no names select nothing; a name without a loaded volume or of another grid is an error', () => {
    const s = roiSelection(brain, rois, []);
    expect(countMask(s.mask)).toBe(0);
    expect(s.nOutsideBrain).toBe(0);
    expect(() => roiSelection(brain, rois, ['PPA'])).toThrow(/'PPA'/);
    expect(() => roiSelection(brain, new Map([['X', new Uint8Array(10)]]), ['X'])).toThrow(GridMismatchError);
  });
});

describe('the brain axis (the package vectors over brain voxels, C order)', () => {
  // Brain: every voxel with z ≤ 2; ROI: a few voxels, one outside the brain.
  const brain = new Uint8Array(N);
  for (let z = 0; z <= 2; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) brain[niftiIndex(x, y, z, D)] = 1;
  const nBrain = countMask(brain);
  const roi = maskOf([niftiIndex(1, 0, 0, D), niftiIndex(0, 1, 2, D), niftiIndex(2, 3, 4, D)]);

  it('toBrainAxis(roiSelection) = get_roi_mask: one entry per brain voxel, set where the ROI is', () => {
    const vec = toBrainAxis(roiSelection(brain, new Map([['R', roi]]), ['R']).mask, brain, D);
    expect(vec.length).toBe(nBrain);
    expect(countMask(vec)).toBe(2);
    // Position on the axis = rank of the C index among brain voxels.
    const brainCs = Array.from(brain, (v, n) => (v ? niftiToC(n, D) : -1)).filter((c) => c >= 0).sort((a, b) => a - b);
    const setAt = Array.from(vec).flatMap((v, j) => (v ? [brainCs[j]] : []));
    expect(setAt).toEqual([niftiToC(niftiIndex(0, 1, 2, D), D), niftiToC(niftiIndex(1, 0, 0, D), D)].sort((a, b) => a - b));
  });
  it('fromBrainAxis scatters a mask= vector back (combined[brain] = vector) and round-trips', () => {
    const vec = new Uint8Array(nBrain);
    vec[0] = 1;
    vec[nBrain - 1] = 1;
    const full = fromBrainAxis(vec, brain, D);
    expect(countMask(full)).toBe(2);
    expect(full[niftiIndex(0, 0, 0, D)]).toBe(1); // c = 0 is the first brain voxel
    expect(full[niftiIndex(2, 3, 2, D)]).toBe(1); // the largest C index inside the brain
    expect(Array.from(toBrainAxis(full, brain, D))).toEqual(Array.from(vec));
    expect(() => fromBrainAxis(new Uint8Array(nBrain + 1), brain, D)).toThrow(GridMismatchError);
  });
});
