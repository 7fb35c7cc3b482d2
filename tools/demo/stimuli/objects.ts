/**
 * Drawers for the everyday nouns of the catalogue (faces, bodies, places,
 * objects, animals, food) and the extras (ball, tree, sun, box). Each draws
 * inside a frame (centre cx, cy and half-size s, in pixels) and is called
 * with the instance of its noun already open; sub-parts that get their own
 * segmentation rows (eyes) open nested instances.
 */
import type { Appearance } from './appearance.ts';
import {
  arcPoints,
  box,
  circle,
  ellipse,
  intersect,
  line,
  polygon,
  polyline,
  subtract,
  tint,
  union,
  type Painter,
  type Rgb,
  type Shape,
} from './raster.ts';

export interface Frame {
  cx: number;
  cy: number;
  s: number;
}

const SKIN: Rgb = [236, 196, 160];
const DARK: Rgb = [35, 30, 30];
const WHITE: Rgb = [250, 250, 250];

export type Drawer = (p: Painter, f: Frame, a: Appearance) => void;

function eye(p: Painter, x: number, y: number, rx: number, ry: number, iris: Rgb | null): void {
  p.begin('eye', 'part');
  p.fill(ellipse(x, y, rx, ry), WHITE);
  if (iris) p.fill(circle(x, y, ry * 0.9), iris);
  p.fill(circle(x, y, ry * (iris ? 0.45 : 0.7)), DARK);
  p.end();
}

const face: Drawer = (p, { cx, cy, s }, a) => {
  const hair = a.colour.rgb;
  p.fill(ellipse(cx, cy - 0.12 * s, 0.82 * s, 0.86 * s), hair);
  p.fill(ellipse(cx - 0.68 * s, cy + 0.05 * s, 0.1 * s, 0.17 * s), tint(SKIN, -0.08));
  p.fill(ellipse(cx + 0.68 * s, cy + 0.05 * s, 0.1 * s, 0.17 * s), tint(SKIN, -0.08));
  p.fill(ellipse(cx, cy + 0.06 * s, 0.68 * s, 0.84 * s), SKIN);
  p.fill(ellipse(cx, cy - 0.6 * s, 0.62 * s, 0.26 * s), hair);
  for (const sx of [-1, 1]) {
    eye(p, cx + sx * 0.27 * s, cy - 0.05 * s, 0.14 * s, 0.085 * s, null);
    p.fill(line(cx + sx * 0.15 * s, cy - 0.22 * s, cx + sx * 0.4 * s, cy - 0.25 * s, 0.05 * s), tint(hair, -0.3));
  }
  p.fill(polyline([[cx, cy - 0.02 * s], [cx - 0.08 * s, cy + 0.22 * s], [cx + 0.04 * s, cy + 0.25 * s]], 0.035 * s), tint(SKIN, -0.3));
  const lips: Rgb = [170, 60, 60];
  if (a.pose.kind === 'face' && a.pose.mouth === 'smile') p.fill(polyline(arcPoints(cx, cy + 0.22 * s, 0.24 * s, 0.2 * Math.PI, 0.8 * Math.PI), 0.05 * s), lips);
  else if (a.pose.kind === 'face' && a.pose.mouth === 'open') p.fill(ellipse(cx, cy + 0.48 * s, 0.13 * s, 0.09 * s), [90, 30, 30]);
  else p.fill(line(cx - 0.17 * s, cy + 0.47 * s, cx + 0.17 * s, cy + 0.47 * s, 0.05 * s), lips);
  if (a.pose.kind === 'face' && a.pose.glasses) {
    for (const sx of [-1, 1]) p.fill(polyline(arcPoints(cx + sx * 0.27 * s, cy - 0.05 * s, 0.18 * s, 0, 2 * Math.PI, 24), 0.035 * s), DARK);
    p.fill(line(cx - 0.09 * s, cy - 0.07 * s, cx + 0.09 * s, cy - 0.07 * s, 0.035 * s), DARK);
  }
};

const person: Drawer = (p, { cx, cy, s }, a) => {
  const shirt = a.colour.rgb;
  const trousers: Rgb = [50, 60, 110];
  p.fill(line(cx - 0.1 * s, cy + 0.18 * s, cx - 0.2 * s, cy + 0.88 * s, 0.13 * s), trousers);
  p.fill(line(cx + 0.1 * s, cy + 0.18 * s, cx + 0.2 * s, cy + 0.88 * s, 0.13 * s), trousers);
  const up = a.pose.kind === 'person' && a.pose.arms === 'up';
  for (const sx of [-1, 1]) {
    const hx = cx + sx * (up ? 0.45 : 0.4) * s;
    const hy = cy + (up ? -0.8 : 0.15) * s;
    p.fill(line(cx + sx * 0.2 * s, cy - 0.35 * s, hx, hy, 0.1 * s), tint(shirt, -0.15));
    p.fill(circle(hx, hy, 0.065 * s), SKIN);
  }
  p.fill(box(cx, cy - 0.1 * s, 0.23 * s, 0.33 * s, 0, 0.08 * s), shirt);
  p.fill(circle(cx, cy - 0.63 * s, 0.2 * s), SKIN);
  p.fill(ellipse(cx, cy - 0.76 * s, 0.19 * s, 0.09 * s), [70, 45, 30]);
  p.fill(circle(cx - 0.07 * s, cy - 0.64 * s, 0.025 * s), DARK);
  p.fill(circle(cx + 0.07 * s, cy - 0.64 * s, 0.025 * s), DARK);
};

const house: Drawer = (p, { cx, cy, s }, a) => {
  p.fill(box(cx + 0.38 * s, cy - 0.5 * s, 0.08 * s, 0.2 * s), [110, 60, 50]);
  p.fill(box(cx, cy + 0.25 * s, 0.6 * s, 0.45 * s), a.colour.rgb);
  p.fill(polygon([[cx - 0.75 * s, cy - 0.18 * s], [cx + 0.75 * s, cy - 0.18 * s], [cx, cy - 0.8 * s]]), [125, 45, 40]);
  p.fill(box(cx, cy + 0.45 * s, 0.12 * s, 0.25 * s), [90, 55, 35]);
  p.fill(circle(cx + 0.07 * s, cy + 0.47 * s, 0.025 * s), [230, 200, 60]);
  for (const sx of [-1, 1]) {
    p.fill(box(cx + sx * 0.36 * s, cy + 0.12 * s, 0.13 * s, 0.12 * s), [170, 210, 240]);
    p.fill(line(cx + sx * 0.36 * s, cy + 0.0 * s, cx + sx * 0.36 * s, cy + 0.24 * s, 0.025 * s), WHITE);
    p.fill(line(cx + sx * 0.23 * s, cy + 0.12 * s, cx + sx * 0.49 * s, cy + 0.12 * s, 0.025 * s), WHITE);
  }
};

const tower: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  p.fill(box(cx, cy + 0.12 * s, 0.26 * s, 0.8 * s), c);
  p.fill(polygon([[cx - 0.34 * s, cy - 0.66 * s], [cx + 0.34 * s, cy - 0.66 * s], [cx, cy - 1.0 * s]]), tint(c, -0.4));
  for (const v of [-0.4, -0.05, 0.3]) p.fill(box(cx, cy + v * s, 0.06 * s, 0.1 * s, 0, 0.03 * s), DARK);
  p.fill(box(cx, cy + 0.8 * s, 0.1 * s, 0.13 * s), [80, 50, 30]);
};

const bridge: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  const ring = subtract(ellipse(cx, cy + 0.55 * s, 0.78 * s, 0.7 * s), ellipse(cx, cy + 0.55 * s, 0.62 * s, 0.55 * s));
  p.fill(intersect(ring, box(cx, cy + 0.1 * s, s, 0.45 * s)), tint(c, -0.15));
  p.fill(box(cx, cy - 0.15 * s, 1.0 * s, 0.08 * s), c);
  for (const sx of [-1, 1]) p.fill(box(cx + sx * 0.86 * s, cy + 0.25 * s, 0.08 * s, 0.42 * s), tint(c, -0.25));
  for (let k = -4; k <= 4; k++) p.fill(line(cx + k * 0.2 * s, cy - 0.22 * s, cx + k * 0.2 * s, cy - 0.42 * s, 0.03 * s), tint(c, -0.3));
  p.fill(line(cx - s, cy - 0.42 * s, cx + s, cy - 0.42 * s, 0.04 * s), tint(c, -0.3));
};

const cup: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  p.fill(ellipse(cx, cy + 0.52 * s, 0.66 * s, 0.1 * s), [235, 235, 232]);
  p.fill(polyline(arcPoints(cx + 0.4 * s, cy - 0.02 * s, 0.24 * s, -Math.PI / 2, Math.PI / 2), 0.1 * s), tint(c, -0.1));
  p.fill(polygon([[cx - 0.45 * s, cy - 0.42 * s], [cx + 0.45 * s, cy - 0.42 * s], [cx + 0.34 * s, cy + 0.47 * s], [cx - 0.34 * s, cy + 0.47 * s]]), c);
  p.fill(ellipse(cx, cy - 0.42 * s, 0.45 * s, 0.08 * s), tint(c, -0.35));
};

const chair: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  const leg = tint(c, -0.3);
  p.fill(box(cx - 0.22 * s, cy + 0.42 * s, 0.04 * s, 0.32 * s), leg);
  p.fill(box(cx + 0.26 * s, cy + 0.42 * s, 0.04 * s, 0.32 * s), leg);
  p.fill(box(cx, cy - 0.42 * s, 0.36 * s, 0.4 * s, 0, 0.06 * s), c);
  p.fill(box(cx, cy - 0.42 * s, 0.24 * s, 0.28 * s), tint(c, 0.35));
  p.fill(polygon([[cx - 0.42 * s, cy + 0.02 * s], [cx + 0.42 * s, cy + 0.02 * s], [cx + 0.5 * s, cy + 0.16 * s], [cx - 0.5 * s, cy + 0.16 * s]]), tint(c, -0.1));
  p.fill(box(cx - 0.44 * s, cy + 0.5 * s, 0.05 * s, 0.36 * s), leg);
  p.fill(box(cx + 0.44 * s, cy + 0.5 * s, 0.05 * s, 0.36 * s), leg);
};

const lamp: Drawer = (p, { cx, cy, s }, a) => {
  p.fill(circle(cx, cy - 0.05 * s, 0.14 * s), [255, 240, 170], 0.9);
  p.fill(ellipse(cx, cy + 0.82 * s, 0.32 * s, 0.08 * s), [70, 70, 75]);
  p.fill(line(cx, cy + 0.8 * s, cx, cy - 0.25 * s, 0.06 * s), [120, 120, 125]);
  p.fill(polygon([[cx - 0.2 * s, cy - 0.78 * s], [cx + 0.2 * s, cy - 0.78 * s], [cx + 0.46 * s, cy - 0.15 * s], [cx - 0.46 * s, cy - 0.15 * s]]), a.colour.rgb);
};

const hammer: Drawer = (p, { cx, cy, s }, a) => {
  const rot = 0.6;
  const [sn, cs] = [Math.sin(rot), Math.cos(rot)];
  const hx = cx + 0.05 * s;
  const hy = cy + 0.15 * s;
  p.fill(box(hx, hy, 0.08 * s, 0.72 * s, rot, 0.04 * s), a.colour.rgb);
  const tx = hx + 0.72 * s * sn;
  const ty = hy - 0.72 * s * cs;
  p.fill(box(tx, ty, 0.38 * s, 0.13 * s, rot, 0.03 * s), [150, 152, 162]);
  p.fill(box(tx - 0.3 * s * cs, ty - 0.3 * s * sn, 0.06 * s, 0.16 * s, rot), [120, 122, 132]);
};

function facing(a: Appearance): number {
  return a.pose.kind === 'animal' && a.pose.facing === 'left' ? -1 : 1;
}

const dog: Drawer = (p, { cx, cy, s }, a) => {
  const k = facing(a);
  const c = a.colour.rgb;
  p.fill(line(cx - 0.48 * s * k, cy, cx - 0.78 * s * k, cy - 0.32 * s, 0.08 * s), c);
  for (const u of [-0.35, -0.2, 0.15, 0.3]) p.fill(box(cx + u * s * k, cy + 0.42 * s, 0.06 * s, 0.22 * s, 0, 0.03 * s), tint(c, -0.15));
  p.fill(ellipse(cx - 0.05 * s * k, cy + 0.1 * s, 0.5 * s, 0.26 * s), c);
  p.fill(circle(cx + 0.48 * s * k, cy - 0.26 * s, 0.23 * s), c);
  p.fill(ellipse(cx + 0.68 * s * k, cy - 0.18 * s, 0.14 * s, 0.09 * s), tint(c, 0.3));
  p.fill(circle(cx + 0.8 * s * k, cy - 0.2 * s, 0.045 * s), DARK);
  p.fill(ellipse(cx + 0.33 * s * k, cy - 0.2 * s, 0.08 * s, 0.19 * s, 0.3 * k), tint(c, -0.35));
  eye(p, cx + 0.52 * s * k, cy - 0.34 * s, 0.045 * s, 0.045 * s, null);
};

const cat: Drawer = (p, { cx, cy, s }, a) => {
  const k = facing(a);
  const c = a.colour.rgb;
  p.fill(polyline(arcPoints(cx - 0.62 * s * k, cy - 0.1 * s, 0.25 * s, Math.PI * 0.5, Math.PI * 1.4).map(([x, y]) => [cx + (x - cx) * k, y] as [number, number]), 0.07 * s), c);
  for (const u of [-0.3, -0.15, 0.15, 0.28]) p.fill(box(cx + u * s * k, cy + 0.42 * s, 0.05 * s, 0.2 * s, 0, 0.03 * s), tint(c, -0.15));
  p.fill(ellipse(cx - 0.05 * s * k, cy + 0.15 * s, 0.45 * s, 0.22 * s), c);
  const hx = cx + 0.45 * s * k;
  const hy = cy - 0.2 * s;
  for (const e of [-1, 1]) p.fill(polygon([[hx + e * 0.2 * s, hy - 0.08 * s], [hx + e * 0.05 * s, hy - 0.15 * s], [hx + e * 0.17 * s, hy - 0.38 * s]]), tint(c, -0.2));
  p.fill(circle(hx, hy, 0.22 * s), c);
  for (const e of [-1, 1]) eye(p, hx + e * 0.08 * s, hy - 0.04 * s, 0.045 * s, 0.035 * s, [90, 170, 60]);
  p.fill(polygon([[hx - 0.03 * s, hy + 0.05 * s], [hx + 0.03 * s, hy + 0.05 * s], [hx, hy + 0.09 * s]]), [230, 120, 140]);
  for (const e of [-1, 1]) for (const d of [-0.03, 0.03]) p.fill(line(hx + e * 0.06 * s, hy + 0.09 * s, hx + e * 0.32 * s, hy + (0.07 + d * 2) * s, 0.012 * s), [60, 60, 60]);
};

const bird: Drawer = (p, { cx, cy, s }, a) => {
  const k = facing(a);
  const c = a.colour.rgb;
  p.fill(line(cx - 0.08 * s, cy + 0.25 * s, cx - 0.12 * s, cy + 0.6 * s, 0.03 * s), [230, 140, 40]);
  p.fill(line(cx + 0.08 * s, cy + 0.25 * s, cx + 0.1 * s, cy + 0.6 * s, 0.03 * s), [230, 140, 40]);
  p.fill(polygon([[cx - 0.35 * s * k, cy], [cx - 0.8 * s * k, cy - 0.15 * s], [cx - 0.75 * s * k, cy + 0.2 * s]]), tint(c, -0.25));
  p.fill(ellipse(cx, cy, 0.45 * s, 0.3 * s, -0.15 * k), c);
  p.fill(ellipse(cx - 0.05 * s * k, cy - 0.02 * s, 0.3 * s, 0.14 * s, 0.35 * k), tint(c, -0.3));
  p.fill(circle(cx + 0.4 * s * k, cy - 0.3 * s, 0.19 * s), c);
  p.fill(polygon([[cx + 0.56 * s * k, cy - 0.35 * s], [cx + 0.8 * s * k, cy - 0.28 * s], [cx + 0.56 * s * k, cy - 0.22 * s]]), [240, 150, 30]);
  eye(p, cx + 0.45 * s * k, cy - 0.35 * s, 0.04 * s, 0.04 * s, null);
};

export function drawFish(p: Painter, { cx, cy, s }: Frame, c: Rgb, k: number): void {
  p.fill(polygon([[cx - 0.45 * s * k, cy], [cx - 0.85 * s * k, cy - 0.32 * s], [cx - 0.85 * s * k, cy + 0.32 * s]]), tint(c, -0.2));
  p.fill(polygon([[cx - 0.15 * s * k, cy - 0.25 * s], [cx + 0.15 * s * k, cy - 0.28 * s], [cx - 0.05 * s * k, cy - 0.48 * s]]), tint(c, -0.2));
  p.fill(ellipse(cx, cy, 0.56 * s, 0.3 * s), c);
  p.fill(polyline(arcPoints(cx + 0.35 * s * k, cy, 0.2 * s, Math.PI * 0.65, Math.PI * 1.35).map(([x, y]) => [cx + (x - cx) * k, y] as [number, number]), 0.025 * s), tint(c, -0.35));
  eye(p, cx + 0.38 * s * k, cy - 0.08 * s, 0.06 * s, 0.06 * s, null);
}

const fish: Drawer = (p, f, a) => drawFish(p, f, a.colour.rgb, facing(a));

const banana: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  const crescent: Shape = subtract(circle(cx, cy - 0.45 * s, 0.82 * s), circle(cx, cy - 0.72 * s, 0.86 * s));
  p.fill(crescent, c);
  p.fill(polyline(arcPoints(cx, cy - 0.45 * s, 0.78 * s, Math.PI * 0.3, Math.PI * 0.7), 0.03 * s), tint(c, -0.3));
  // The two circles meet at (±0.82 s, −0.46 s): a stalk on one tip, a dark end on the other.
  p.fill(box(cx - 0.84 * s, cy - 0.52 * s, 0.05 * s, 0.1 * s, -0.5), [110, 80, 40]);
  p.fill(circle(cx + 0.79 * s, cy - 0.45 * s, 0.05 * s), [70, 50, 30]);
};

const apple: Drawer = (p, { cx, cy, s }, a) => {
  const c = a.colour.rgb;
  p.fill(line(cx, cy - 0.3 * s, cx + 0.06 * s, cy - 0.62 * s, 0.06 * s), [100, 70, 40]);
  p.fill(ellipse(cx + 0.2 * s, cy - 0.55 * s, 0.16 * s, 0.07 * s, -0.5), [60, 150, 60]);
  p.fill(union(circle(cx - 0.2 * s, cy + 0.08 * s, 0.45 * s), circle(cx + 0.2 * s, cy + 0.08 * s, 0.45 * s)), c);
  p.fill(ellipse(cx - 0.3 * s, cy - 0.08 * s, 0.1 * s, 0.16 * s, 0.4), WHITE, 0.35);
};

const pizza: Drawer = (p, { cx, cy, s }, a) => {
  p.fill(circle(cx, cy, 0.82 * s), [205, 145, 70]);
  p.fill(circle(cx, cy, 0.7 * s), [246, 208, 96]);
  for (let i = 0; i < 7; i++) {
    const ang = (i * 2 * Math.PI) / 7 + 0.3;
    const r = i % 2 ? 0.42 * s : 0.28 * s;
    p.fill(circle(cx + r * Math.cos(ang), cy + r * Math.sin(ang), 0.11 * s), a.colour.rgb);
  }
  for (let i = 0; i < 3; i++) {
    const ang = (i * Math.PI) / 3;
    p.fill(line(cx - 0.7 * s * Math.cos(ang), cy - 0.7 * s * Math.sin(ang), cx + 0.7 * s * Math.cos(ang), cy + 0.7 * s * Math.sin(ang), 0.02 * s), [190, 140, 60]);
  }
};

export const MAIN_DRAWERS: Record<string, Drawer> = { face, person, house, tower, bridge, cup, chair, lamp, hammer, dog, cat, bird, fish, banana, apple, pizza };

// ---------------------------------------------------------------- extras

export const BALL_RGB: Rgb = [225, 60, 55];
export const BOX_RGB: Rgb = [190, 140, 90];

export function drawBall(p: Painter, cx: number, cy: number, r: number, c: Rgb = BALL_RGB): void {
  // A beach-ball look: two white seams curving through the middle.
  p.fill(circle(cx, cy, r), c);
  p.fill(polyline(arcPoints(cx - r * 1.5, cy, r * 1.55, -0.62, 0.62), r * 0.12), WHITE);
  p.fill(polyline(arcPoints(cx + r * 1.5, cy, r * 1.55, Math.PI - 0.62, Math.PI + 0.62), r * 0.12), WHITE);
}

export function drawBox(p: Painter, cx: number, cy: number, hw: number, hh: number): void {
  p.fill(box(cx, cy, hw, hh), BOX_RGB);
  p.fill(box(cx, cy - hh * 0.75, hw, hh * 0.25), tint(BOX_RGB, -0.12));
  p.fill(line(cx, cy - hh, cx, cy - hh * 0.45, hw * 0.12), [220, 200, 150]);
}

export function drawTree(p: Painter, cx: number, cy: number, s: number): void {
  p.fill(box(cx, cy + 0.45 * s, 0.12 * s, 0.45 * s), [110, 75, 45]);
  p.fill(union(circle(cx, cy - 0.35 * s, 0.45 * s), circle(cx - 0.32 * s, cy - 0.05 * s, 0.35 * s), circle(cx + 0.32 * s, cy - 0.05 * s, 0.35 * s)), [55, 140, 60]);
}

export const EXTRA_DRAWERS: Record<string, (p: Painter, f: Frame) => void> = {
  ball: (p, { cx, cy, s }) => drawBall(p, cx, cy, 0.75 * s),
  tree: (p, { cx, cy, s }) => drawTree(p, cx, cy, s),
  sun: (p, { cx, cy, s }) => {
    for (let i = 0; i < 8; i++) {
      const ang = (i * Math.PI) / 4;
      p.fill(line(cx + 0.6 * s * Math.cos(ang), cy + 0.6 * s * Math.sin(ang), cx + 0.95 * s * Math.cos(ang), cy + 0.95 * s * Math.sin(ang), 0.1 * s), [245, 180, 30]);
    }
    p.fill(circle(cx, cy, 0.48 * s), [250, 205, 40]);
  },
  box: (p, { cx, cy, s }) => drawBox(p, cx, cy, 0.7 * s, 0.6 * s),
};
