/**
 * NIfTI order (x fastest) vs laion_fmri's C order (z fastest), on asymmetric
 * grids so that a swapped axis cannot pass by symmetry (bucket-layout.md §3).
 * numpy's own ordering is checked in science-numpy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GridMismatchError } from '../../src/science/grid.ts';
import {
  cIndex,
  cOrderPositions,
  cToNifti,
  gather,
  ijkOfC,
  ijkOfNifti,
  niftiIndex,
  niftiToC,
  niftiVolumeToC,
  voxelsInCOrder,
  type Dims3,
} from '../../src/science/voxel-order.ts';

const D: Dims3 = [3, 4, 5];
const N = 60;

function* voxels(dims: Dims3): Generator<[number, number, number]> {
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) yield [x, y, z];
}

describe('flat indices', () => {
  it('follow the two formulas', () => {
    expect(niftiIndex(1, 2, 3, D)).toBe(1 + 3 * (2 + 4 * 3));
    expect(cIndex(1, 2, 3, D)).toBe((1 * 4 + 2) * 5 + 3);
    expect(niftiIndex(2, 0, 0, D)).toBe(2); // x is fastest on disk
    expect(cIndex(0, 0, 2, D)).toBe(2); // z is fastest in C order
    expect(niftiIndex(2, 3, 4, D)).toBe(N - 1);
    expect(cIndex(2, 3, 4, D)).toBe(N - 1);
  });
  it('round-trip through (x, y, z) and between orders on 3×4×5', () => {
    const seenC = new Set<number>();
    for (const [x, y, z] of voxels(D)) {
      const n = niftiIndex(x, y, z, D);
      const c = cIndex(x, y, z, D);
      expect(ijkOfNifti(n, D)).toEqual([x, y, z]);
      expect(ijkOfC(c, D)).toEqual([x, y, z]);
      expect(niftiToC(n, D)).toBe(c);
      expect(cToNifti(c, D)).toBe(n);
      seenC.add(c);
    }
    expect(seenC.size).toBe(N); // a bijection onto 0..N-1
    expect(Math.max(...seenC)).toBe(N - 1);
  });
  it('the two orders differ on an asymmetric grid (a swapped convention would be caught)', () => {
    expect(niftiToC(1, D)).toBe(20); // (1,0,0): next x on disk is 4·5 steps away in C order
    expect(cToNifti(1, D)).toBe(12); // (0,0,1): next z in C order is 3·4 steps away on disk
  });
  it('reject voxels outside the grid and non-integers', () => {
    expect(() => niftiIndex(3, 0, 0, D)).toThrow(RangeError);
    expect(() => cIndex(0, -1, 0, D)).toThrow(/outside the 3×4×5 grid/);
    expect(() => niftiToC(N, D)).toThrow(RangeError);
    expect(() => cToNifti(1.5, D)).toThrow(RangeError);
  });
});

describe('voxelsInCOrder', () => {
  const mask = new Uint8Array(N);
  for (const n of [0, 1, 2, 5, 13, 30, 47, 59]) mask[n] = 1;

  it('lists the set voxels by increasing C index, as NIfTI indices', () => {
    const order = voxelsInCOrder(mask, D);
    expect(order.length).toBe(8);
    const cs = Array.from(order, (n) => niftiToC(n, D));
    expect(cs).toEqual([...cs].sort((a, b) => a - b));
    expect(new Set(order)).toEqual(new Set([0, 1, 2, 5, 13, 30, 47, 59]));
    // By hand: NIfTI 0→c0, 30=(0,2,2)→c12, 1=(1,0,0)→c20, 13=(1,0,1)→c21, 2→c40, 5=(2,1,0)→c45, 47=(2,3,3)→c58, 59→c59.
    expect(Array.from(order)).toEqual([0, 30, 1, 13, 2, 5, 47, 59]);
  });
  it('treats any non-zero byte as set and handles empty and full masks', () => {
    const m = new Uint8Array(N);
    m[7] = 255;
    expect(Array.from(voxelsInCOrder(m, D))).toEqual([7]);
    expect(voxelsInCOrder(new Uint8Array(N), D).length).toBe(0);
    const all = voxelsInCOrder(new Uint8Array(N).fill(1), D);
    expect(Array.from(all, (n) => niftiToC(n, D))).toEqual(Array.from({ length: N }, (_, i) => i));
  });
  it('refuses a mask of another grid', () => {
    expect(() => voxelsInCOrder(new Uint8Array(59), D)).toThrow(GridMismatchError);
  });
  it('cOrderPositions gives each selected voxel its column, -1 elsewhere', () => {
    const pos = cOrderPositions(mask, D);
    const order = voxelsInCOrder(mask, D);
    order.forEach((n, j) => expect(pos[n]).toBe(j));
    expect(Array.from(pos).filter((p) => p < 0)).toHaveLength(N - 8);
  });
  it('gather + niftiVolumeToC reproduce `vol.ravel()[mask]` of a C-order array', () => {
    const vol = Float32Array.from({ length: N }, (_, n) => n * 1.5 - 7);
    const cVol = niftiVolumeToC(vol, D);
    for (let n = 0; n < N; n++) expect(cVol[niftiToC(n, D)]).toBe(vol[n]);
    const picked = gather(vol, voxelsInCOrder(mask, D));
    const expected = Array.from(cVol).filter((_, c) => mask[cToNifti(c, D)] !== 0);
    expect(Array.from(picked)).toEqual(expected);
  });
});
