/**
 * A first picture of the layers, drawn with the 2-D canvas while NiiVue
 * starts. NiiVue's start-up (compiling its shaders, then baking every layer
 * into 3-D textures) blocks the page for a few hundred ms even on a GPU, and
 * for most of a second under software GL; the volumes are usually decoded
 * well before that. So the viewer first draws the same slices itself, in
 * NiiVue's own multiplanar arrangement and colour tables, and hands over to
 * NiiVue when its first frame is up. The preview is not interactive.
 *
 * What it draws as NiiVue does: slices through the crosshair in RAS order
 * (neurological: left on the left; sagittal nose right), nearest-neighbour
 * sampling, a scalar layer's values below cal_min transparent (the background
 * layer black), values above cal_max clamped, the colour table's own alpha
 * times the layer opacity, a negative colour table for values ≤ −cal_min,
 * opacity modulation (dual coding), label layers filled or outlined, and the
 * crosshair, and the colour bar (without its numbers). Not drawn:
 * orientation letters, the 3-D tile.
 */
import type { Affine } from '../../formats/nifti.ts';
import type { SliceLayout } from '../../state/viewer.ts';
import type { LayerSpec } from './niivue-scene.ts';

/** 256 × RGBA colour table, as NiiVue's `cmapper.colormap(name)` returns. */
export type ColourTable = Uint8ClampedArray;

export interface Tile {
  /** 0 axial, 1 coronal, 2 sagittal (NiiVue's SLICE_TYPE). */
  plane: 0 | 1 | 2;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** For each RAS axis (x→R, y→A, z→S): the voxel axis along it and whether the voxel index runs against it. */
export interface RasAxes {
  axis: [number, number, number];
  flip: [boolean, boolean, boolean];
}

/** The voxel axis closest to each scanner axis (NiiVue reorients to RAS the same way, by permutation and flips). */
export function rasAxes(affine: Affine): RasAxes {
  const axis: [number, number, number] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  const used = new Set<number>();
  for (let w = 0; w < 3; w++) {
    let best = -1;
    for (let j = 0; j < 3; j++) if (!used.has(j) && (best < 0 || Math.abs(affine[w][j]) > Math.abs(affine[w][best]))) best = j;
    used.add(best);
    axis[w] = best;
    flip[w] = affine[w][best] < 0;
  }
  return { axis, flip };
}

/**
 * NiiVue's multiplanar arrangement (Niivue.drawSceneCore, layout AUTO, no
 * padding): the 2×2 grid (coronal | sagittal over axial), a row or a column,
 * whichever gives the largest slices in `w × h`. `fov` is the RAS field of
 * view in mm.
 */
export function multiplanarTiles(fov: [number, number, number], w: number, h: number): Tile[] {
  const m = Math.max(...fov);
  const [vx, vy, vz] = fov.map((f) => f / m);
  const fit = (tw: number, th: number) => {
    const s = Math.min(w / tw, h / th);
    return { s, left: (w - tw * s) / 2, top: (h - th * s) / 2 };
  };
  const grid = fit(vx + vy, vy + vz);
  const row = fit(vx + vx + vy, Math.max(vy, vz));
  const column = fit(Math.max(vx, vy, vz), vy + vz + vz);
  const pick = column.s > row.s && column.s > grid.s ? 'column' : row.s > grid.s ? 'row' : 'grid';
  const { s, left, top } = pick === 'column' ? column : pick === 'row' ? row : grid;
  const sX = vx * s, sY = vy * s, sZ = vz * s;
  if (pick === 'row') {
    return [
      { plane: 0, x: left, y: top, w: sX, h: sY },
      { plane: 1, x: left + sX, y: top, w: sX, h: sZ },
      { plane: 2, x: left + 2 * sX, y: top, w: sY, h: sZ },
    ];
  }
  if (pick === 'column') {
    return [
      { plane: 0, x: left, y: top, w: sX, h: sY },
      { plane: 1, x: left, y: top + sY, w: sX, h: sZ },
      { plane: 2, x: left, y: top + sY + sZ, w: sY, h: sZ },
    ];
  }
  return [
    { plane: 1, x: left, y: top, w: sX, h: sZ },
    { plane: 2, x: left + sX, y: top, w: sY, h: sZ },
    { plane: 0, x: left, y: top + sZ, w: sX, h: sY },
  ];
}

/** One tile for a single-plane layout; none for the 3-D render. */
export function tilesFor(layout: SliceLayout, fov: [number, number, number], w: number, h: number): Tile[] {
  if (layout === 'multiplanar' || layout === 'multiplanar3d') return multiplanarTiles(fov, w, h);
  if (layout === 'render') return [];
  const plane = layout === 'axial' ? 0 : layout === 'coronal' ? 1 : 2;
  const [pw, ph] = plane === 0 ? [fov[0], fov[1]] : plane === 1 ? [fov[0], fov[2]] : [fov[1], fov[2]];
  const s = Math.min(w / pw, h / ph);
  return [{ plane, x: (w - pw * s) / 2, y: (h - ph * s) / 2, w: pw * s, h: ph * s }];
}

/**
 * The slice of the composited layers through RAS voxel `at`, as RGBA pixels:
 * width along screen x, rows from the top of the screen.
 */
export function renderSlice(layers: LayerSpec[], tables: (name: string) => ColourTable, plane: 0 | 1 | 2, at: [number, number, number], back: [number, number, number]): ImageData | { width: number; height: number; data: Uint8ClampedArray } {
  const base = layers[0];
  const { axis, flip } = rasAxes(base.affine);
  const dims = base.dims;
  const n = (w: number) => dims[axis[w]];
  // Screen axes in RAS: axial x→R y→A, coronal x→R y→S, sagittal x→A y→S; the third axis is fixed at `at`.
  const [u, v, f] = plane === 0 ? [0, 1, 2] : plane === 1 ? [0, 2, 1] : [1, 2, 0];
  const W = n(u), H = n(v);
  const stride = [1, dims[0], dims[0] * dims[1]];
  const step = (w: number) => (flip[w] ? -1 : 1) * stride[axis[w]];
  const origin = (w: number, r: number) => (flip[w] ? n(w) - 1 - r : r) * stride[axis[w]];
  const fixed = origin(f, Math.max(0, Math.min(n(f) - 1, at[f])));
  const su = step(u);
  const index = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = fixed + origin(v, H - 1 - y) + origin(u, 0);
    for (let x = 0; x < W; x++) index[y * W + x] = row + x * su;
  }
  const rgb = new Float32Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(back, i * 3);
  const byId = new Map(layers.map((l) => [l.id, l]));
  layers.forEach((layer, li) => {
    if (layer.kind === 'scalar') {
      if (layer.opacity <= 0) return; // a modulator, not drawn itself
      const lut = tables(layer.colormap);
      const neg = layer.colormapNegative ? tables(layer.colormapNegative) : null;
      const mod = layer.modulateBy ? byId.get(layer.modulateBy) : undefined;
      const lo = layer.calMin, span = layer.calMax - layer.calMin || 1;
      for (let p = 0; p < W * H; p++) {
        const val = layer.data[index[p]];
        if (Number.isNaN(val)) continue;
        let t: ColourTable | null = null;
        let k = 0;
        if (li === 0) {
          t = lut;
          k = Math.round(((val - lo) / span) * 255);
        } else if (val >= lo) {
          t = lut;
          k = Math.round(((val - lo) / span) * 255);
        } else if (neg && val <= -lo) {
          t = neg;
          k = Math.round(((-val - lo) / span) * 255);
        }
        if (!t) continue;
        k = k < 0 ? 0 : k > 255 ? 255 : k;
        // Overlays are opaque from cal_min up, as NiiVue draws them (the table's alpha ramp is not applied).
        let a = li === 0 ? 1 : layer.opacity;
        if (mod && mod.kind === 'scalar') {
          const m = (mod.data[index[p]] - mod.calMin) / (mod.calMax - mod.calMin || 1);
          a *= m < 0 || Number.isNaN(m) ? 0 : m > 1 ? 1 : m;
        }
        blend(rgb, p, t[k * 4], t[k * 4 + 1], t[k * 4 + 2], a);
      }
    } else {
      const colour = new Map<number, [number, number, number, number]>();
      layer.lut.I.forEach((label, i) => colour.set(label, [layer.lut.R[i], layer.lut.G[i], layer.lut.B[i], layer.lut.A[i] / 255]));
      const label = (p: number) => layer.data[index[p]];
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = y * W + x;
          const l = label(p);
          if (l === 0) continue;
          const c = colour.get(l);
          if (!c) continue;
          let a = c[3] * layer.opacity;
          if (layer.outline) {
            // An edge: a 4-neighbour in the slice carries another label (or lies outside it).
            const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1 || label(p - 1) !== l || label(p + 1) !== l || label(p - W) !== l || label(p + W) !== l;
            a = edge ? c[3] : 0;
          }
          if (a > 0) blend(rgb, p, c[0], c[1], c[2], a);
        }
      }
    }
  });
  const data = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    data[p * 4] = rgb[p * 3];
    data[p * 4 + 1] = rgb[p * 3 + 1];
    data[p * 4 + 2] = rgb[p * 3 + 2];
    data[p * 4 + 3] = 255;
  }
  return typeof ImageData === 'function' ? new ImageData(data, W, H) : { width: W, height: H, data };
}

function blend(rgb: Float32Array, p: number, r: number, g: number, b: number, a: number): void {
  const o = p * 3;
  rgb[o] += (r - rgb[o]) * a;
  rgb[o + 1] += (g - rgb[o + 1]) * a;
  rgb[o + 2] += (b - rgb[o + 2]) * a;
}

/** The RAS voxel (see rasAxes) of a voxel of the grid of `affine`/`dims`, rounded and clamped to the grid. */
export function rasVoxel(affine: Affine, dims: [number, number, number], voxel: [number, number, number]): [number, number, number] {
  const { axis, flip } = rasAxes(affine);
  return [0, 1, 2].map((w) => {
    const n = dims[axis[w]];
    const r = Math.max(0, Math.min(n - 1, Math.round(voxel[axis[w]])));
    return flip[w] ? n - 1 - r : r;
  }) as [number, number, number];
}

export interface PreviewInput {
  layers: LayerSpec[];
  layout: SliceLayout;
  /** The crosshair as a voxel of the first layer's grid (fractional allowed). */
  voxel: [number, number, number];
  tables: (name: string) => ColourTable;
  backColor: [number, number, number];
  crosshairColor: [number, number, number, number];
  /** NiiVue's font size in device pixels (niivueFontPx): its colour bar takes 3 × this at the bottom. */
  fontPx: number;
}

/** NiiVue's label font size for a canvas of `w × h` CSS px (Niivue.resizeListener: 13 px, grown with the area). */
export function niivueFontPx(w: number, h: number, dpr: number): number {
  return 13 * Math.pow(Math.max((w * h) / (800 * 600), 1), 0.4) * dpr;
}

/** Draws the preview into `canvas` (already sized in device pixels). Returns false when there is nothing to draw. */
export function drawPreview(canvas: HTMLCanvasElement, input: PreviewInput): boolean {
  const base = input.layers[0];
  const ctx = canvas.getContext('2d');
  if (!base || !ctx) return false;
  const { axis } = rasAxes(base.affine);
  const fov = [0, 1, 2].map((w) => base.dims[axis[w]] * Math.abs(base.voxelSize[axis[w]])) as [number, number, number];
  const W = canvas.width, H = canvas.height;
  const back = input.backColor.map((c) => Math.round(c * 255)) as [number, number, number];
  ctx.fillStyle = `rgb(${back.join(',')})`;
  ctx.fillRect(0, 0, W, H);
  const bar = input.layers.find((l): l is Extract<LayerSpec, { kind: 'scalar' }> => l.kind === 'scalar' && l.colorbar);
  const f = input.fontPx;
  // Multiplanar tiles stay above the colour bar; NiiVue fits a single plane to the whole canvas.
  const multiplanar = input.layout === 'multiplanar' || input.layout === 'multiplanar3d';
  const tiles = tilesFor(input.layout, fov, W, Math.max(1, H - (bar && multiplanar ? 3 * f + 1 : 0)));
  if (tiles.length === 0) return false;
  const at = rasVoxel(base.affine, base.dims, input.voxel);
  const scratch = document.createElement('canvas');
  const sctx = scratch.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  // NiiVue draws its 2-D crosshair opaque, whatever the colour's alpha.
  const [cr, cg, cb] = input.crosshairColor;
  ctx.strokeStyle = `rgb(${Math.round(cr * 255)},${Math.round(cg * 255)},${Math.round(cb * 255)})`;
  ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
  for (const t of tiles) {
    const img = renderSlice(input.layers, input.tables, t.plane, at, back) as ImageData;
    scratch.width = img.width;
    scratch.height = img.height;
    sctx.putImageData(img, 0, 0);
    ctx.drawImage(scratch, t.x, t.y, t.w, t.h);
    // The crosshair: the other two planes through `at`, at voxel centres.
    const [u, v] = t.plane === 0 ? [0, 1] : t.plane === 1 ? [0, 2] : [1, 2];
    const nu = base.dims[axis[u]], nv = base.dims[axis[v]];
    const cx = t.x + ((at[u] + 0.5) / nu) * t.w;
    const cy = t.y + t.h - ((at[v] + 0.5) / nv) * t.h;
    ctx.beginPath();
    ctx.moveTo(cx, t.y);
    ctx.lineTo(cx, t.y + t.h);
    ctx.moveTo(t.x, cy);
    ctx.lineTo(t.x + t.w, cy);
    ctx.stroke();
  }
  if (bar) {
    const lut = input.tables(bar.colormap);
    const x0 = f, y0 = H - 3 * f, bw = W - 2 * f;
    const g = ctx.createLinearGradient(x0, 0, x0 + bw, 0);
    for (let k = 0; k < 256; k += 15) g.addColorStop(k / 255, `rgb(${lut[k * 4]},${lut[k * 4 + 1]},${lut[k * 4 + 2]})`);
    ctx.fillStyle = g;
    ctx.fillRect(x0, y0, bw, f);
    ctx.strokeStyle = 'rgba(200,200,200,0.9)';
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, y0 + 0.5, bw - 1, f - 1);
  }
  return true;
}
