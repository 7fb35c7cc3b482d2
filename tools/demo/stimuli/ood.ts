/**
 * Drawers for the nine out-of-distribution types (bucket-layout.md §4). Each
 * is a recognisable miniature of its real category: a true Gabor patch, a
 * Kanizsa square, a tight face crop, a loud pattern, ball/box relations, a
 * child's drawing, an object in an odd place and a face-like object.
 */
import type { OodType } from '../catalog.ts';
import type { Rng } from '../rng.ts';
import type { Appearance } from './appearance.ts';
import { drawBall, drawBox, drawFish, drawTree, type Frame } from './objects.ts';
import { arcPoints, box, circle, ellipse, line, polygon, polyline, SIZE, subtract, tint, type Painter, type Rgb } from './raster.ts';

const SKIN: Rgb = [232, 190, 155];

/** Sinusoidal grating under a Gaussian envelope, mean grey 128, ±110 at the centre. */
function gabor(p: Painter, _f: Frame, a: Appearance): void {
  if (a.pose.kind !== 'gabor') throw new Error('gabor pose expected');
  const th = (a.pose.angleDeg * Math.PI) / 180;
  const freq = a.pose.cyclesPerImage / SIZE;
  const sigma = SIZE * 0.16;
  const env = (x: number, y: number) => Math.exp(-((x - 128) ** 2 + (y - 128) ** 2) / (2 * sigma * sigma));
  p.shade(
    (x, y) => {
      const v = 128 + 110 * env(x, y) * Math.cos(2 * Math.PI * freq * ((x - 128) * Math.cos(th) + (y - 128) * Math.sin(th)));
      return { rgb: [v, v, v], alpha: 1 };
    },
    (x, y) => env(x, y) > 0.2,
  );
}

function shape(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  p.fill(polygon([[cx, cy - 0.8 * s], [cx + 0.85 * s, cy + 0.65 * s], [cx - 0.85 * s, cy + 0.65 * s]]), a.colour.rgb);
}

/**
 * Kanizsa square: four "pac-men" whose missing quarters line up into a square
 * nobody drew. The pac-men are `circle` instances; the illusory square gets a
 * mask (what a segmenter prompted with "square" would return) but no paint.
 */
function illusionClassic(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  const square = box(cx, cy, 0.5 * s, 0.5 * s);
  for (const [sx, sy] of [[-1, -1], [1, -1], [1, 1], [-1, 1]]) {
    p.begin('circle', 'extra');
    p.fill(subtract(circle(cx + sx * 0.5 * s, cy + sy * 0.5 * s, 0.3 * s), square), a.colour.rgb);
    p.end();
  }
  p.begin('square', 'main');
  p.mark(square);
  p.end();
}

/** An extreme close-up of one eye: skin fills the frame (or a rounded cut-out on PNGs). */
function cropped(p: Painter, _f: Frame, a: Appearance): void {
  const skinShape = a.background.kind === 'transparent' ? box(128, 128, 112, 112, 0, 40) : box(128, 128, 140, 140);
  p.fill(skinShape, SKIN);
  p.fill(line(40, 62, 210, 52, 26), [80, 55, 35]);
  p.begin('eye', 'part');
  p.fill(ellipse(128, 122, 92, 46), [250, 248, 245]);
  p.fill(circle(128, 122, 40), a.colour.rgb);
  p.fill(circle(128, 122, 17), [20, 15, 15]);
  p.fill(circle(140, 110, 7), [255, 255, 255], 0.9);
  p.end();
  p.fill(polyline(arcPoints(128, 170, 96, Math.PI * 1.15, Math.PI * 1.85), 5), tint(SKIN, -0.3));
  p.fill(polyline([[196, 186], [210, 220], [188, 230]], 8), tint(SKIN, -0.25));
}

function gaudy(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  const c = a.colour.rgb;
  p.fill(polyline(arcPoints(cx + 0.4 * s, cy - 0.02 * s, 0.24 * s, -Math.PI / 2, Math.PI / 2), 0.1 * s), tint(c, -0.1));
  p.fill(polygon([[cx - 0.45 * s, cy - 0.42 * s], [cx + 0.45 * s, cy - 0.42 * s], [cx + 0.34 * s, cy + 0.47 * s], [cx - 0.34 * s, cy + 0.47 * s]]), c);
  for (const [u, v] of [[-0.2, -0.2], [0.15, -0.1], [-0.05, 0.15], [0.2, 0.3], [-0.22, 0.32]]) p.fill(circle(cx + u * s, cy + v * s, 0.07 * s), [255, 235, 0]);
  p.fill(ellipse(cx, cy - 0.42 * s, 0.45 * s, 0.08 * s), tint(c, -0.35));
}

/** Paints the loud background of the gaudy images: diagonal magenta / lime stripes. */
export function gaudyBackground(p: Painter): void {
  p.shade((x, y) => ({ rgb: Math.floor((x + y) / 22) % 2 ? [230, 30, 200] : [120, 240, 20], alpha: 1 }));
}

/** Ball on (or beside) a box, plus a smaller ball in the other relation: two `ball` instances in one image. */
function relations(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  const on = a.pose.kind === 'relations' && a.pose.relation === 'on';
  const floor = cy + 0.75 * s;
  p.fill(line(cx - 1.1 * s, floor + 2, cx + 1.1 * s, floor + 2, 3), [90, 90, 90]);
  const bx = on ? cx : cx + 0.3 * s;
  p.begin('box', 'extra');
  drawBox(p, bx, floor - 0.38 * s, 0.42 * s, 0.38 * s);
  p.end();
  const big = 0.26 * s;
  const small = 0.15 * s;
  p.begin('ball', 'main');
  if (on) drawBall(p, bx, floor - 0.76 * s - big, big, a.colour.rgb);
  else drawBall(p, bx - 0.42 * s - big - 3, floor - big, big, a.colour.rgb);
  p.end();
  p.begin('ball', 'main');
  if (on) drawBall(p, bx - 0.42 * s - small - 4, floor - small, small, a.colour.rgb);
  else drawBall(p, bx, floor - 0.76 * s - small, small, a.colour.rgb);
  p.end();
}

/** A child's crayon house: wobbly strokes, scribbled walls, zigzag roof. */
function selfmade(p: Painter, { cx, cy, s }: Frame, a: Appearance, rng: Rng): void {
  const c = a.colour.rgb;
  const w = () => rng.uniform(-0.03, 0.03) * s;
  const wob = (pts: Array<[number, number]>) => pts.map(([x, y]) => [x + w(), y + w()] as [number, number]);
  const stroke = Math.max(3, 0.05 * s);
  for (let k = 0; k < 9; k++) {
    const y = cy - 0.1 * s + k * 0.09 * s;
    p.fill(polyline(wob([[cx - 0.5 * s, y], [cx + 0.5 * s, y + 0.05 * s]]), stroke * 0.8), c, 0.85);
  }
  p.fill(polyline(wob([[cx - 0.55 * s, cy - 0.15 * s], [cx + 0.55 * s, cy - 0.15 * s], [cx + 0.55 * s, cy + 0.7 * s], [cx - 0.55 * s, cy + 0.7 * s], [cx - 0.55 * s, cy - 0.15 * s]]), stroke), tint(c, -0.4));
  p.fill(polyline(wob([[cx - 0.7 * s, cy - 0.1 * s], [cx - 0.3 * s, cy - 0.5 * s], [cx, cy - 0.85 * s], [cx + 0.3 * s, cy - 0.5 * s], [cx + 0.7 * s, cy - 0.1 * s]]), stroke), [200, 40, 40]);
  p.fill(polyline(wob([[cx - 0.1 * s, cy + 0.7 * s], [cx - 0.1 * s, cy + 0.3 * s], [cx + 0.12 * s, cy + 0.3 * s], [cx + 0.12 * s, cy + 0.7 * s]]), stroke), [60, 40, 30]);
}

/** Something in the wrong place: a fish sitting in a tree. */
function unusual(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  p.begin('tree', 'extra');
  drawTree(p, cx, cy, s);
  p.end();
  p.begin('fish', 'main');
  drawFish(p, { cx, cy: cy - 0.3 * s, s: 0.42 * s }, a.colour.rgb, 1);
  p.end();
}

/** Pareidolia: a wall socket whose two slots and round ground hole read as a surprised face. */
function illusionNatural(p: Painter, { cx, cy, s }: Frame, a: Appearance): void {
  p.fill(box(cx, cy, 0.62 * s, 0.62 * s, 0, 0.16 * s), a.colour.rgb);
  p.fill(box(cx, cy, 0.5 * s, 0.5 * s, 0, 0.12 * s), tint(a.colour.rgb, 0.15));
  for (const sx of [-1, 1]) p.fill(box(cx + sx * 0.2 * s, cy - 0.14 * s, 0.05 * s, 0.14 * s, 0, 0.02 * s), [30, 30, 30]);
  p.fill(subtract(circle(cx, cy + 0.27 * s, 0.11 * s), box(cx, cy + 0.38 * s, 0.12 * s, 0.04 * s)), [30, 30, 30]);
}

/**
 * The main-noun drawer of each OOD type. Scenes with several labelled objects
 * (relations: two balls and a box; the Kanizsa figure; the fish in a tree)
 * open their own instances; the others are called with the noun's instance
 * already open.
 */
export const OOD_DRAWERS: Record<OodType, { draw: (p: Painter, f: Frame, a: Appearance, rng: Rng) => void; opensOwnInstances: boolean }> = {
  gabor: { draw: gabor, opensOwnInstances: false },
  shape: { draw: shape, opensOwnInstances: false },
  'illusion-classic': { draw: illusionClassic, opensOwnInstances: true },
  cropped: { draw: cropped, opensOwnInstances: false },
  gaudy: { draw: gaudy, opensOwnInstances: false },
  relations: { draw: relations, opensOwnInstances: true },
  selfmade: { draw: selfmade, opensOwnInstances: false },
  unusual: { draw: unusual, opensOwnInstances: true },
  'illusion-natural': { draw: illusionNatural, opensOwnInstances: false },
};
