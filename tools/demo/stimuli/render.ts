/**
 * Renders one catalogue image: background, main object, extras; returns the
 * encoded bytes (JPEG q85 or RGBA PNG with real transparency, as the file
 * extension says) and the mask of every drawn instance for the segmentations.
 */
import pngjs from 'pngjs';
import type { Rng } from '../rng.ts';
import type { Appearance } from './appearance.ts';
import { drawText, GLYPH_H, textCells } from './font.ts';
import jpeg from 'jpeg-js';
import { EXTRA_DRAWERS, MAIN_DRAWERS, type Frame } from './objects.ts';
import { gaudyBackground, OOD_DRAWERS } from './ood.ts';
import { box, Painter, SIZE, type Instance } from './raster.ts';

export const JPEG_QUALITY = 85;

export interface RenderedImage {
  bytes: Uint8Array;
  rgba: Uint8Array;
  /** Instances with at least one pixel, in drawing order. */
  instances: Instance[];
}

/** Main frame and the frames of the extras, with a little per-image jitter so images are not clones. */
function layout(a: Appearance, rng: Rng): { main: Frame; extras: Frame[] } {
  const jx = rng.uniform(-6, 6);
  const jy = rng.uniform(-6, 6);
  const scale = rng.uniform(0.92, 1.04);
  if (a.extras.length === 0) return { main: { cx: 128 + jx, cy: 134 + jy, s: 90 * scale }, extras: [] };
  const main = { cx: 98 + jx * 0.5, cy: 134 + jy, s: 72 * scale };
  const ys = a.extras.length === 1 ? [150] : [72, 188];
  return { main, extras: ys.map((y) => ({ cx: 212, cy: y + jy * 0.5, s: a.extras.length === 1 ? 36 : 31 })) };
}

const PLACES = new Set(['house', 'tower']);

function paintBackground(p: Painter, a: Appearance): void {
  if (a.background.kind === 'transparent') return;
  if (a.background.kind === 'stripes') {
    gaudyBackground(p);
    return;
  }
  const [r, g, b] = a.background.rgb;
  // A faint top-to-bottom shading keeps flat backgrounds from looking synthetic without changing their colour name.
  for (let y = 0; y < SIZE; y++) {
    const k = 1.04 - 0.08 * (y / SIZE);
    p.r.fill(r * k, y * SIZE, (y + 1) * SIZE);
    p.g.fill(g * k, y * SIZE, (y + 1) * SIZE);
    p.b.fill(b * k, y * SIZE, (y + 1) * SIZE);
  }
  p.a.fill(1);
}

export function renderImage(a: Appearance, rng: Rng): RenderedImage {
  const p = new Painter();
  paintBackground(p, a);
  const { main, extras } = layout(a, rng);

  if (PLACES.has(a.noun) && !a.oodType) {
    // Grass under houses and towers; captions say so. Not a segmentation instance.
    const top = main.cy + 0.7 * main.s;
    p.fill(box(128, (top + SIZE) / 2 + 1, 130, (SIZE - top) / 2 + 1), [105, 165, 85]);
  }
  if (a.noun === 'bridge' && !a.oodType) {
    p.begin('water', 'scene');
    const top = main.cy + 0.45 * main.s;
    p.fill(box(128, (top + SIZE) / 2 + 1, 130, (SIZE - top) / 2 + 1), [70, 125, 200]);
    p.end();
  }

  if (a.oodType) {
    const d = OOD_DRAWERS[a.oodType];
    if (!d.opensOwnInstances) p.begin(a.noun, 'main');
    d.draw(p, main, a, rng);
    if (!d.opensOwnInstances) p.end();
  } else if (a.noun === 'word') {
    const text = a.image.depiction.text ?? '';
    const cell = Math.min(22, Math.floor(210 / textCells(text)));
    p.begin('word', 'main');
    drawText(p, text, 128 - (textCells(text) * cell) / 2, main.cy - (GLYPH_H * cell) / 2, cell, a.colour.rgb);
    p.end();
  } else {
    const drawer = MAIN_DRAWERS[a.noun];
    if (!drawer) throw new Error(`no drawer for noun '${a.noun}' (${a.image.name})`);
    p.begin(a.noun, 'main');
    drawer(p, main, a);
    p.end();
  }

  a.extras.forEach((noun, k) => {
    p.begin(noun, 'extra');
    EXTRA_DRAWERS[noun](p, extras[k]);
    p.end();
  });

  const rgba = p.toRgba();
  return { bytes: encode(rgba, a.image.format), rgba, instances: p.instances.filter((inst) => inst.mask.some((v) => v !== 0)) };
}

export function encode(rgba: Uint8Array, format: 'jpg' | 'png'): Uint8Array {
  if (format === 'jpg') return new Uint8Array(jpeg.encode({ data: rgba, width: SIZE, height: SIZE }, JPEG_QUALITY).data);
  const png = new pngjs.PNG({ width: SIZE, height: SIZE, colorType: 6 });
  png.data = Buffer.from(rgba);
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType: 6 }));
}
