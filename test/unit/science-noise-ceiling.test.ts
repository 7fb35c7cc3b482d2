/**
 * Noise-ceiling rules (bucket-layout.md §3 step 4): `nc >= thr` with the
 * threshold rounded to float32 as numpy does, NaN never passing; values
 * listed in C order; numpy-compatible quantiles. Cross-checks against numpy
 * itself are in science-numpy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { atLeastMask, countAtLeast, quantileSorted, summary, survivalCurve, valuesInMask } from '../../src/science/noise-ceiling.ts';
import { niftiIndex, type Dims3 } from '../../src/science/voxel-order.ts';

describe('nc_threshold', () => {
  const nc = Float32Array.from([0, 10, 20, 20, 35.5, NaN, 80, 100, NaN]);
  it('keeps nc >= thr (inclusive) and never NaN', () => {
    expect(countAtLeast(nc, 20)).toBe(5);
    expect(countAtLeast(nc, 20.0001)).toBe(3);
    expect(countAtLeast(nc, 0)).toBe(7); // 0 passes ">= 0"; the two NaN do not
    expect(countAtLeast(nc, -Infinity)).toBe(7);
    expect(countAtLeast(nc, NaN)).toBe(0);
    expect(Array.from(atLeastMask(nc, 20))).toEqual([0, 0, 1, 1, 1, 0, 1, 1, 0]);
  });
  it('compares in float32 like numpy: float32(0.7) passes ">= 0.7"', () => {
    const v = Float32Array.from([0.7, 0.3, 0.1]);
    expect(v[0] < 0.7).toBe(true); // 0.699999988… in double precision
    expect(countAtLeast(v, 0.7)).toBe(1);
    expect(countAtLeast(v, 0.3)).toBe(2);
    expect(countAtLeast(v, 0.1)).toBe(3);
  });
});

describe('survivalCurve', () => {
  it('is the fraction of non-NaN values passing each threshold', () => {
    const nc = Float32Array.from([NaN, 0, 10, 20, 30, NaN]);
    expect(survivalCurve(nc, [-1, 0, 5, 10, 25, 30, 31])).toEqual([1, 1, 0.75, 0.75, 0.25, 0.25, 0]);
    expect(survivalCurve(nc, [NaN])).toEqual([0]);
  });
  it('agrees with countAtLeast on float32 edge values and is NaN without data', () => {
    const v = Float32Array.from([0.7, 0.7, 0.2]);
    expect(survivalCurve(v, [0.7])).toEqual([countAtLeast(v, 0.7) / 3]);
    expect(survivalCurve(Float32Array.from([NaN]), [0, 1])).toEqual([NaN, NaN]);
  });
});

describe('summary', () => {
  it('uses numpy linear-interpolation quantiles', () => {
    const s = summary(Float32Array.from([4, 1, 3, 2]));
    expect(s).toEqual({ n: 4, nNaN: 0, min: 1, q25: 1.75, median: 2.5, q75: 3.25, max: 4, mean: 2.5 });
  });
  it('ignores NaN and counts it', () => {
    const s = summary(Float32Array.from([NaN, 5, NaN, -1, 2]));
    expect(s.n).toBe(3);
    expect(s.nNaN).toBe(2);
    expect([s.min, s.q25, s.median, s.q75, s.max]).toEqual([-1, 0.5, 2, 3.5, 5]);
    expect(s.mean).toBe(2);
  });
  it('single value, and no value at all', () => {
    expect(summary(Float32Array.from([7]))).toMatchObject({ n: 1, min: 7, q25: 7, median: 7, q75: 7, max: 7, mean: 7 });
    const empty = summary(Float32Array.from([NaN]));
    expect(empty.n).toBe(0);
    expect(empty.nNaN).toBe(1);
    for (const k of ['min', 'q25', 'median', 'q75', 'max', 'mean'] as const) expect(empty[k]).toBeNaN();
  });
  it('quantileSorted interpolates between order statistics', () => {
    const xs = [0, 10, 20, 30, 40];
    expect(quantileSorted(xs, 0)).toBe(0);
    expect(quantileSorted(xs, 1)).toBe(40);
    expect(quantileSorted(xs, 0.1)).toBeCloseTo(4, 12);
    expect(quantileSorted(xs, 0.9)).toBeCloseTo(36, 12);
    expect(quantileSorted(xs, 1.5)).toBeNaN();
  });
});

describe('valuesInMask', () => {
  it('lists NC at the mask voxels in C order, NaN kept', () => {
    const D: Dims3 = [3, 4, 5];
    const nc = new Float32Array(60);
    const mask = new Uint8Array(60);
    const at = (x: number, y: number, z: number, v: number) => {
      nc[niftiIndex(x, y, z, D)] = v;
      mask[niftiIndex(x, y, z, D)] = 1;
    };
    at(2, 0, 0, 1); // c = 40
    at(0, 0, 4, 2); // c = 4
    at(0, 1, 0, NaN); // c = 5
    at(1, 3, 1, 3); // c = 36
    expect(Array.from(valuesInMask(nc, mask, D))).toEqual([2, NaN, 3, 1]);
  });
});
