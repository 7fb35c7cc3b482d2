/**
 * The viewer's 2-D first picture (preview.ts): orientation against the
 * affine, NiiVue's multiplanar arrangement, and the colour rules of each
 * layer kind, on small synthetic grids whose every voxel is known.
 */
import { describe, expect, it } from 'vitest';
import { multiplanarTiles, rasAxes, rasVoxel, renderSlice, tilesFor, type ColourTable } from '../../src/views/viewer/preview.ts';
import type { LabelLayer, LayerSpec, ScalarLayer } from '../../src/views/viewer/niivue-scene.ts';
import type { Affine } from '../../src/formats/nifti.ts';

const LAS: Affine = [[-2, 0, 0, 40], [0, 2, 0, -50], [0, 0, 2, -30], [0, 0, 0, 1]];
const RAS: Affine = [[2, 0, 0, -40], [0, 2, 0, -50], [0, 0, 2, -30], [0, 0, 0, 1]];
/** Voxel axes permuted: i runs along S, j along R, k along A. */
const PERMUTED: Affine = [[0, 2, 0, 0], [0, 0, 2, 0], [2, 0, 0, 0], [0, 0, 0, 1]];

/** Tables: `gray` (k, k, k) and `red` (k, 0, 0) and `blue` (0, 0, k), 256 entries each. */
const tables = (name: string): ColourTable => {
  const t = new Uint8ClampedArray(256 * 4);
  for (let k = 0; k < 256; k++) t.set(name === 'red' ? [k, 0, 0, 255] : name === 'blue' ? [0, 0, k, 255] : [k, k, k, 255], k * 4);
  return t;
};

const DIMS: [number, number, number] = [4, 3, 2];
const n = DIMS[0] * DIMS[1] * DIMS[2];
const at = (i: number, j: number, k: number) => i + DIMS[0] * (j + DIMS[1] * k);

function scalar(id: string, data: Float32Array, extra: Partial<ScalarLayer> = {}, affine = LAS): ScalarLayer {
  return { id, kind: 'scalar', dataVersion: id, dims: DIMS, voxelSize: [2, 2, 2], affine, opacity: 1, data, colormap: 'gray', calMin: 0, calMax: 255, colorbar: false, ...extra };
}
const rgbAt = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
const BACK: [number, number, number] = [10, 20, 30];

describe('rasAxes', () => {
  it('finds the voxel axis and direction along R, A and S', () => {
    expect(rasAxes(LAS)).toEqual({ axis: [0, 1, 2], flip: [true, false, false] });
    expect(rasAxes(RAS)).toEqual({ axis: [0, 1, 2], flip: [false, false, false] });
    expect(rasAxes(PERMUTED)).toEqual({ axis: [1, 2, 0], flip: [false, false, false] });
  });

  it('maps a grid voxel to its RAS voxel, clamped', () => {
    expect(rasVoxel(LAS, DIMS, [0, 2, 1])).toEqual([3, 2, 1]); // i = 0 is the rightmost column of an LAS grid
    expect(rasVoxel(RAS, DIMS, [9, -1, 0.6])).toEqual([3, 0, 1]);
  });
});

describe('tiles in NiiVue’s arrangement', () => {
  it('a squarish canvas gets the 2×2 grid: coronal | sagittal over axial', () => {
    const t = multiplanarTiles([100, 100, 100], 600, 600);
    expect(t.map((x) => x.plane)).toEqual([1, 2, 0]);
    expect(t[0]).toEqual({ plane: 1, x: 0, y: 0, w: 300, h: 300 });
    expect(t[2]).toEqual({ plane: 0, x: 0, y: 300, w: 300, h: 300 });
  });

  it('a wide canvas gets a row (axial, coronal, sagittal), a tall one a column', () => {
    expect(multiplanarTiles([100, 100, 100], 1500, 400).map((x) => [x.plane, x.x])).toEqual([[0, 150], [1, 550], [2, 950]]);
    expect(multiplanarTiles([100, 100, 100], 300, 1200).map((x) => [x.plane, x.y])).toEqual([[0, 150], [1, 450], [2, 750]]);
  });

  it('single planes fill the canvas at the slice’s aspect; the 3-D render has no preview', () => {
    expect(tilesFor('sagittal', [100, 200, 100], 400, 400)).toEqual([{ plane: 2, x: 0, y: 100, w: 400, h: 200 }]);
    expect(tilesFor('render', [100, 100, 100], 400, 400)).toEqual([]);
  });
});

describe('renderSlice', () => {
  it('axial: R to the right and A up, through the crosshair’s slice', () => {
    const d = new Float32Array(n);
    d[at(0, 0, 1)] = 200; // LAS: i = 0 is the rightmost voxel; j = 0 the most posterior
    const img = renderSlice([scalar('bg', d)], tables, 0, [0, 0, 1], BACK);
    expect([img.width, img.height]).toEqual([4, 3]);
    expect(rgbAt(img, 3, 2)).toEqual([200, 200, 200]); // right, bottom (posterior)
    expect(rgbAt(img, 0, 2)).toEqual([0, 0, 0]); // the background layer below cal_min is black, not transparent
    expect(rgbAt(renderSlice([scalar('bg', d)], tables, 0, [0, 0, 0], BACK), 3, 2)).toEqual([0, 0, 0]); // another slice
  });

  it('coronal: x→R, y→S; sagittal: x→A, y→S; a permuted grid gives the same picture', () => {
    const d = new Float32Array(n);
    d[at(3, 1, 1)] = 100; // LAS: R index 0, A index 1, S index 1
    const cor = renderSlice([scalar('bg', d)], tables, 1, [0, 1, 0], BACK);
    expect([cor.width, cor.height]).toEqual([4, 2]);
    expect(rgbAt(cor, 0, 0)).toEqual([100, 100, 100]);
    const sag = renderSlice([scalar('bg', d)], tables, 2, [0, 0, 0], BACK);
    expect([sag.width, sag.height]).toEqual([3, 2]);
    expect(rgbAt(sag, 1, 0)).toEqual([100, 100, 100]);
    // The same voxel on a grid stored S, R, A: dims (S=2, R=4, A=3).
    const pd = new Float32Array(n);
    pd[1 + 2 * (0 + 4 * 1)] = 100; // i = S 1, j = R 0, k = A 1
    const perm = { ...scalar('bg', pd, {}, PERMUTED), dims: [2, 4, 3] as [number, number, number] };
    expect(rgbAt(renderSlice([perm], tables, 1, [0, 1, 0], BACK), 0, 0)).toEqual([100, 100, 100]);
  });

  it('overlays: transparent below cal_min and where NaN, clamped above cal_max, negative table for ≤ −cal_min, opacity', () => {
    const bg = scalar('bg', new Float32Array(n).fill(100));
    const v = new Float32Array(n);
    const slice = [at(3, 2, 0), at(2, 2, 0), at(1, 2, 0), at(0, 2, 0)]; // top row, left to right
    [5, 30, 99, -40].forEach((x, i) => (v[slice[i]] = x));
    v[at(3, 1, 0)] = NaN;
    const map = scalar('map', v, { colormap: 'red', colormapNegative: 'blue', calMin: 10, calMax: 20 });
    const img = renderSlice([bg, map], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(img, 0, 0)).toEqual([100, 100, 100]); // 5 < cal_min: the anatomy shows
    expect(rgbAt(img, 1, 0)).toEqual([255, 0, 0]); // 30 > cal_max: the top of the table
    expect(rgbAt(img, 2, 0)).toEqual([255, 0, 0]);
    expect(rgbAt(img, 3, 0)).toEqual([0, 0, 255]); // −40: the negative table
    expect(rgbAt(img, 0, 1)).toEqual([100, 100, 100]); // NaN
    const half = renderSlice([bg, { ...map, opacity: 0.5 }], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(half, 1, 0)).toEqual([178, 50, 50]);
  });

  it('dual coding: the modulator scales the opacity; a zero-opacity modulator is not drawn itself', () => {
    const bg = scalar('bg', new Float32Array(n));
    const map = scalar('map', new Float32Array(n).fill(20), { colormap: 'red', calMin: 10, calMax: 20, modulateBy: 'mod' });
    const m = new Float32Array(n);
    m[at(3, 2, 0)] = 50; // 50 % of [0, 100]
    m[at(2, 2, 0)] = 300;
    const mod = scalar('mod', m, { opacity: 0, calMin: 0, calMax: 100 });
    const img = renderSlice([bg, mod, map], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(img, 0, 0)).toEqual([128, 0, 0]);
    expect(rgbAt(img, 1, 0)).toEqual([255, 0, 0]);
    expect(rgbAt(img, 2, 0)).toEqual([0, 0, 0]);
  });

  it('labels: filled with their table colour × opacity, or only their edges in outline mode', () => {
    const bg = scalar('bg', new Float32Array(n));
    const lab = new Uint8Array(n);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) lab[at(i, j, 0)] = 1;
    lab[at(1, 1, 0)] = 2;
    const lut = { R: [0, 200, 0], G: [0, 0, 100], B: [0, 0, 0], A: [0, 255, 255], I: [0, 1, 2], labels: ['', 'a', 'b'] };
    const fill: LabelLayer = { id: 'rois', kind: 'label', dataVersion: 'r', dims: DIMS, voxelSize: [2, 2, 2], affine: LAS, data: lab, lut, opacity: 0.5, outline: false };
    const filled = renderSlice([bg, fill], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(filled, 0, 0)).toEqual([100, 0, 0]);
    expect(rgbAt(filled, 2, 1)).toEqual([0, 50, 0]); // voxel (1, 1): x = 3 − 1
    const outlined = renderSlice([bg, { ...fill, outline: true }], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(outlined, 0, 0)).toEqual([200, 0, 0]); // on the slice's border: an edge, at full alpha
    expect(rgbAt(outlined, 2, 1)).toEqual([0, 100, 0]); // label 2 is all edge
    expect(rgbAt(outlined, 1, 1)).toEqual([200, 0, 0]); // label 1 next to label 2
  });

  it('a layer list whose background is NaN shows the view colour there', () => {
    const img = renderSlice([scalar('bg', new Float32Array(n).fill(NaN))] as LayerSpec[], tables, 0, [0, 0, 0], BACK);
    expect(rgbAt(img, 0, 0)).toEqual(BACK);
  });
});
