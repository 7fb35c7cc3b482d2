/**
 * From loaded volumes and viewer settings to the layers NiiVue draws. Pure
 * (no GL): every rule about what is shown lives here and is unit-tested.
 */
import { sameGrid, type NiftiHeader } from '../../formats/nifti.ts';
import { nonzeroMask } from '../../science/masks.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import type { ViewerSettings } from '../../state/viewer.ts';
import type { LabelLayer, LabelLut, LayerSpec, ScalarLayer } from './niivue-scene.ts';

/** Category colours (the same hues as the ROI chips). */
export const CATEGORY_COLORS: Record<string, [number, number, number]> = {
  face: [226, 80, 140],
  place: [70, 190, 100],
  body: [240, 150, 50],
  character: [160, 110, 240],
  object: [60, 180, 230],
  motion: [230, 220, 60],
  retinotopy: [100, 135, 255],
  laion: [190, 200, 215],
};

function hashHue(s: string): [number, number, number] {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hue = (h % 360) / 60;
  const x = 1 - Math.abs((hue % 2) - 1);
  const [r, g, b] = hue < 1 ? [1, x, 0] : hue < 2 ? [x, 1, 0] : hue < 3 ? [0, 1, x] : hue < 4 ? [0, x, 1] : hue < 5 ? [x, 0, 1] : [1, 0, x];
  return [Math.round(60 + 180 * r), Math.round(60 + 180 * g), Math.round(60 + 180 * b)];
}

/** One colour per ROI: its category's hue, lighter or darker by position within the category. */
export function roiColor(category: string, indexInCategory: number, countInCategory: number): [number, number, number] {
  const base = CATEGORY_COLORS[category] ?? hashHue(category);
  const t = countInCategory <= 1 ? 0 : indexInCategory / (countInCategory - 1) - 0.5; // -0.5 .. 0.5
  const f = 1 + t * 0.7;
  return base.map((c) => Math.max(0, Math.min(255, Math.round(t >= 0 ? c + (255 - c) * t * 0.8 : c * f)))) as [number, number, number];
}

/** The k-th smallest of `v` (0-based), partially reordering `v` (Hoare's quickselect, median-of-three pivot). */
export function select(v: Float64Array, k: number): number {
  let lo = 0;
  let hi = v.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot: sorted or constant runs (masks, zero-padded maps) stay linear.
    const a = v[lo], b = v[mid], c = v[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

/** Robust display range: the p-th percentiles of the finite, nonzero values. */
export function robustRange(data: Float32Array, lo = 0.01, hi = 0.995): [number, number] {
  const step = Math.max(1, Math.floor(data.length / 200_000));
  const all = new Float64Array(Math.ceil(data.length / step));
  let m = 0;
  for (let i = 0; i < data.length; i += step) {
    const v = data[i];
    if (v !== 0 && Number.isFinite(v)) all[m++] = v;
  }
  if (m === 0) return [0, 1];
  // Two order statistics by selection (linear time) rather than a sort: this runs on the first picture's path.
  const vals = all.subarray(0, m);
  const rank = (p: number) => Math.min(m - 1, Math.max(0, Math.round(p * (m - 1))));
  const a = select(vals, rank(lo));
  const b = select(vals, rank(hi));
  return b > a ? [a, b] : [a, a + 1];
}

export interface RoiVolume {
  name: string;
  category: string;
  volume: LoadedVolume;
}

export interface LayerInputs {
  settings: ViewerSettings;
  /** The beta grid reference (the anatomical res-1pt8 brain mask): every overlay must share it. */
  reference?: LoadedVolume;
  anatomy?: LoadedVolume;
  brainSource?: LoadedVolume;
  map?: LoadedVolume;
  /** 'betas': a signed single-trial map (|β| threshold, negative colours); default 'nc'. */
  mapKind?: 'nc' | 'betas';
  dualBy?: LoadedVolume;
  /** Resolved ROIs, in the order they are drawn (later ones win where categories overlap). */
  rois: RoiVolume[];
}

export interface BuiltLayers {
  layers: LayerSpec[];
  /** Per layer id: why it is not shown. */
  problems: Record<string, string>;
}

function geometry(h: NiftiHeader) {
  return { dims: [h.dims[0], h.dims[1], h.dims[2]] as [number, number, number], voxelSize: h.voxelSize, affine: h.affine };
}

function gridProblem(v: LoadedVolume, ref: LoadedVolume): string | null {
  if (sameGrid(v.header, ref.header)) return null;
  return `${v.key} is on a different grid ([${v.header.dims.slice(0, 3).join(' × ')}]) than the brain mask ${ref.key} ([${ref.header.dims.slice(0, 3).join(' × ')}]); it is not drawn.`;
}

export function buildLayers(input: LayerInputs): BuiltLayers {
  const { settings: s, reference: ref } = input;
  const problems: Record<string, string> = {};
  const layers: LayerSpec[] = [];
  const bg = input.anatomy ?? ref;
  if (!bg) return { layers, problems };

  // Background: the anatomy in grey (or, with anatomy off, the brain mask's grid left black).
  // Headroom above the 99.5th percentile keeps white matter light grey instead of clipped white.
  const [lo, hi0] = input.anatomy ? robustRange(input.anatomy.data, 0.02, 0.995) : [0, 1];
  const hi = lo + (hi0 - lo) * 1.15;
  layers.push({
    id: 'anatomy',
    kind: 'scalar',
    dataVersion: input.anatomy ? `${input.anatomy.key}` : `blank:${bg.key}`,
    ...geometry(bg.header),
    data: input.anatomy ? input.anatomy.data : new Float32Array(bg.data.length),
    colormap: 'gray',
    calMin: lo,
    calMax: hi,
    opacity: 1,
    colorbar: false,
  });
  if (!ref) return { layers, problems };

  const overlays: Record<string, LayerSpec[]> = { map: [], mask: [], rois: [] };

  if (s.map && input.map) {
    const problem = gridProblem(input.map, ref);
    if (problem) problems.map = problem;
    else {
      const signed = input.mapKind === 'betas';
      const threshold = signed ? s.betaThreshold : s.threshold;
      let robustMax = robustRange(input.map.data, 0.01, 0.995)[1];
      if (signed) {
        const abs = Float32Array.from(input.map.data, Math.abs);
        robustMax = robustRange(abs, 0.01, 0.995)[1];
      }
      const calMax = Math.max(signed ? robustMax : (s.rangeMax ?? robustMax), threshold + 1e-3);
      const map: ScalarLayer = {
        id: 'map',
        kind: 'scalar',
        dataVersion: input.map.key,
        ...geometry(input.map.header),
        data: input.map.data,
        colormap: signed ? 'warm' : s.colormap,
        colormapNegative: signed ? 'winter' : undefined,
        calMin: threshold,
        calMax,
        opacity: 1,
        colorbar: true,
      };
      if (s.dual && input.dualBy) {
        const p = gridProblem(input.dualBy, ref);
        if (p) problems.map = p;
        else {
          // Modulation replaces NiiVue's threshold alpha, so the threshold is baked into the opacity map.
          const mod = new Float32Array(input.dualBy.data.length);
          const v = input.map.data;
          const nc = input.dualBy.data;
          for (let i = 0; i < mod.length; i++) mod[i] = (signed ? Math.abs(v[i]) : v[i]) >= threshold && Number.isFinite(nc[i]) ? Math.max(0, nc[i]) : 0;
          map.modulateBy = 'map-opacity';
          overlays.map.push({
            id: 'map-opacity',
            kind: 'scalar',
            dataVersion: `${input.dualBy.key}|${input.map.key}|${threshold}`,
            ...geometry(input.dualBy.header),
            data: mod,
            colormap: 'gray',
            calMin: 0,
            calMax: s.dualFull,
            opacity: 0,
            colorbar: false,
          });
        }
      }
      overlays.map.push(map);
    }
  }

  if (s.maskMode !== 'off' && input.brainSource) {
    const problem = gridProblem(input.brainSource, ref);
    if (problem) problems.mask = problem;
    else {
      const mask: LabelLayer = {
        id: 'mask',
        kind: 'label',
        dataVersion: `${input.brainSource.key}|${s.maskSource}`,
        ...geometry(input.brainSource.header),
        data: nonzeroMask(input.brainSource.data),
        lut: { R: [0, 235], G: [0, 235], B: [0, 245], A: [0, 255], I: [0, 1], labels: ['', s.maskSource === 'anatomical' ? 'brain (anatomical)' : 'brain (rsquare)'] },
        opacity: s.maskMode === 'fill' ? 0.25 : 1,
        outline: s.maskMode === 'outline',
      };
      overlays.mask.push(mask);
    }
  }

  if (s.roiMode !== 'off' && input.rois.length > 0) {
    const bad = input.rois.map((r) => gridProblem(r.volume, ref)).filter((p): p is string => p !== null);
    if (bad.length) problems.rois = bad.join(' ');
    const ok = input.rois.filter((r) => gridProblem(r.volume, ref) === null);
    if (ok.length) {
      const n = ref.data.length;
      const labels = ok.length < 255 ? new Uint8Array(n) : new Uint16Array(n);
      const lut: LabelLut = { R: [0], G: [0], B: [0], A: [0], I: [0], labels: [''] };
      const perCat = new Map<string, number>();
      for (const r of ok) perCat.set(r.category, (perCat.get(r.category) ?? 0) + 1);
      const seen = new Map<string, number>();
      ok.forEach((r, k) => {
        const idx = seen.get(r.category) ?? 0;
        seen.set(r.category, idx + 1);
        const [R, G, B] = roiColor(r.category, idx, perCat.get(r.category)!);
        lut.R.push(R);
        lut.G.push(G);
        lut.B.push(B);
        lut.A.push(255);
        lut.I.push(k + 1);
        lut.labels.push(r.name);
        const d = r.volume.data;
        for (let i = 0; i < n; i++) if (d[i] !== 0 && !Number.isNaN(d[i])) labels[i] = k + 1;
      });
      overlays.rois.push({
        id: 'rois',
        kind: 'label',
        dataVersion: ok.map((r) => r.volume.key).join('|'),
        ...geometry(ref.header),
        data: labels,
        lut,
        opacity: s.roiMode === 'fill' ? 0.55 : 1,
        outline: s.roiMode === 'outline',
      });
    }
  }

  for (const id of s.order) layers.push(...overlays[id]);
  return { layers, problems };
}
