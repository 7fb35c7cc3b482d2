import { describe, expect, it } from 'vitest';
import { buildLayers, robustRange, roiColor, select } from '../../src/views/viewer/layers.ts';
import { DEFAULT_VIEWER, viewerFromQuery, viewerToQuery, type ViewerSettings } from '../../src/state/viewer.ts';
import type { LoadedVolume } from '../../src/jobs/volume-api.ts';
import type { LabelLayer, ScalarLayer } from '../../src/views/viewer/niivue-scene.ts';
import type { NiftiHeader } from '../../src/formats/nifti.ts';

const DIMS = [4, 3, 2] as const;
function vol(key: string, values: (i: number) => number, dims: readonly number[] = DIMS): LoadedVolume {
  const header: NiftiHeader = {
    version: 1, littleEndian: true, dims: [...dims], datatypeCode: 16, dtype: 'float32', bytesPerVoxel: 4, voxOffset: 352, sclSlope: 1, sclInter: 0,
    voxelSize: [1.7778, 1.7778, 1.7778],
    affine: [[-1.7778, 0, 0, 10], [0, 1.7778, 0, -5], [0, 0, 1.7778, 3], [0, 0, 0, 1]],
    affineSource: 'sform', qformCode: 0, sformCode: 2, description: '', intentCode: 0, intentName: '', calMin: 0, calMax: 0,
  };
  const n = dims[0] * dims[1] * dims[2];
  return { key, header, data: Float32Array.from({ length: n }, (_, i) => values(i)), source: 'network', bytesFetched: 0, ms: 0 };
}
const settings = (p: Partial<ViewerSettings> = {}): ViewerSettings => ({ ...DEFAULT_VIEWER, ...p });
const ref = vol('mask.nii.gz', (i) => (i % 5 === 0 ? 0 : 1));

describe('buildLayers', () => {
  it('draws the anatomy under the map, brain mask and ROIs, in the chosen order', () => {
    const b = buildLayers({
      settings: settings({ order: ['rois', 'map', 'mask'] }),
      reference: ref,
      anatomy: vol('t1.nii.gz', (i) => i),
      brainSource: ref,
      map: vol('nc12.nii.gz', (i) => i * 4),
      rois: [{ name: 'FFA1', category: 'face', volume: vol('ffa.nii.gz', (i) => (i < 3 ? 1 : 0)) }],
    });
    expect(b.layers.map((l) => l.id)).toEqual(['anatomy', 'rois', 'map', 'mask']);
    expect(b.problems).toEqual({});
  });

  it('thresholds the map: values below the threshold are transparent (cal_min), range max as set', () => {
    const b = buildLayers({ settings: settings({ threshold: 30, rangeMax: 80 }), reference: ref, map: vol('nc.nii.gz', (i) => i * 4), rois: [] });
    const map = b.layers.find((l) => l.id === 'map') as ScalarLayer;
    expect(map.calMin).toBe(30);
    expect(map.calMax).toBe(80);
    expect(map.colorbar).toBe(true);
  });

  it('dual coding bakes the threshold into the opacity map (NiiVue modulation ignores cal_min)', () => {
    const b = buildLayers({
      settings: settings({ dual: true, threshold: 10, dualFull: 50 }),
      reference: ref,
      map: vol('beta.nii.gz', (i) => i),
      dualBy: vol('nc.nii.gz', (i) => (i === 20 ? NaN : 40)),
      rois: [],
    });
    const map = b.layers.find((l) => l.id === 'map') as ScalarLayer;
    const mod = b.layers.find((l) => l.id === 'map-opacity') as ScalarLayer;
    expect(map.modulateBy).toBe('map-opacity');
    expect(mod.calMax).toBe(50);
    expect(Array.from(mod.data.slice(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 40]);
    expect(mod.data[20]).toBe(0); // NaN NC gives no opacity
  });

  it('names both files and their dims when a layer is on another grid, and still draws the rest', () => {
    const b = buildLayers({
      settings: settings(),
      reference: ref,
      map: vol('derivatives/x/odd_statmap.nii.gz', () => 1, [5, 3, 2]),
      brainSource: ref,
      rois: [],
    });
    expect(b.problems.map).toBe(
      'derivatives/x/odd_statmap.nii.gz is on a different grid ([5 × 3 × 2]) than the brain mask mask.nii.gz ([4 × 3 × 2]); it is not drawn.',
    );
    expect(b.layers.map((l) => l.id)).toEqual(['anatomy', 'mask']);
  });

  it('draws each ROI in its own colour; index 0 is transparent; a later ROI wins an overlap', () => {
    const b = buildLayers({
      settings: settings(),
      reference: ref,
      rois: [
        { name: 'FFA1', category: 'face', volume: vol('a', (i) => (i < 4 ? 1 : 0)) },
        { name: 'OFA', category: 'face', volume: vol('b', (i) => (i >= 2 && i < 6 ? 1 : 0)) },
        { name: 'PPA', category: 'place', volume: vol('c', (i) => (i === 10 ? NaN : i === 11 ? 3 : 0)) },
      ],
    });
    const rois = b.layers.find((l) => l.id === 'rois') as LabelLayer;
    expect(Array.from(rois.data.slice(0, 12))).toEqual([1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 0, 3]);
    expect(rois.lut.I).toEqual([0, 1, 2, 3]);
    expect(rois.lut.A[0]).toBe(0);
    expect(rois.lut.labels).toEqual(['', 'FFA1', 'OFA', 'PPA']);
    const c1 = [rois.lut.R[1], rois.lut.G[1], rois.lut.B[1]];
    const c2 = [rois.lut.R[2], rois.lut.G[2], rois.lut.B[2]];
    expect(c1).not.toEqual(c2);
    expect(rois.outline).toBe(true);
  });

  it('hides what is switched off', () => {
    const b = buildLayers({ settings: settings({ maskMode: 'off', roiMode: 'off', map: null }), reference: ref, brainSource: ref, rois: [{ name: 'X', category: 'face', volume: vol('x', () => 1) }] });
    expect(b.layers.map((l) => l.id)).toEqual(['anatomy']);
  });
});

describe('helpers', () => {
  it('robustRange ignores zeros and NaN', () => {
    expect(robustRange(Float32Array.from([0, 0, NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0, 1)).toEqual([1, 10]);
    expect(robustRange(new Float32Array(5))).toEqual([0, 1]);
  });
  it('roiColor keeps the category hue and varies the shade', () => {
    const a = roiColor('face', 0, 3);
    const b = roiColor('face', 2, 3);
    expect(a).not.toEqual(b);
    expect(roiColor('face', 0, 1)).toEqual([226, 80, 140]);
  });
});

describe('viewer URL state', () => {
  it('round-trips every setting that differs from the defaults', () => {
    const s = settings({
      anatomy: 'T2w', maskSource: 'rsquare', maskMode: 'fill', roiQuery: 'face, V1v', roiMode: 'fill', map: 'nc:ses-02', colormap: 'viridis',
      rangeMax: 70, threshold: 35, dual: true, dualBy: 'nc4', dualFull: 45, order: ['rois', 'mask', 'map'], layout: 'axial', voxel: [10, 20, 30],
    });
    const q = new URLSearchParams();
    viewerToQuery(s, q);
    const back = viewerFromQuery(new URLSearchParams(q.toString()));
    expect(back.ignored).toEqual([]);
    expect({ ...DEFAULT_VIEWER, ...back.patch }).toEqual(s);
  });
  it('writes nothing for the defaults', () => {
    const q = new URLSearchParams();
    viewerToQuery(DEFAULT_VIEWER, q);
    expect(q.toString()).toBe('');
  });
  it('reports what it cannot restore and keeps the rest', () => {
    const r = viewerFromQuery(new URLSearchParams('map=banana&thr=abc&cmap=viridis&vox=1,2&layout=axial'));
    expect(r.patch).toEqual({ colormap: 'viridis', layout: 'axial' });
    expect(r.ignored).toEqual(['map=banana (unknown map)', 'thr=abc (expected a number in -1000000..1000000)', 'vox=1,2 (expected i,j,k)']);
  });
});

describe('select (the k-th smallest, for robustRange)', () => {
  it('agrees with a sort for every k, on random, sorted, constant and few-valued data', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 100 - 50;
    const cases = [Array.from({ length: 501 }, rnd), Array.from({ length: 300 }, (_, i) => i), Array.from({ length: 64 }, () => 3), Array.from({ length: 257 }, (_, i) => i % 3), [5]];
    for (const c of cases) {
      const sorted = [...c].sort((a, b) => a - b);
      for (let k = 0; k < c.length; k++) expect(select(Float64Array.from(c), k)).toBe(sorted[k]);
    }
  });
});
