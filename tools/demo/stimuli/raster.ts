/**
 * A tiny anti-aliased rasterizer for the demo stimuli. Shapes are signed
 * distance functions (negative inside), so one evaluation per pixel gives
 * both the coverage used for anti-aliasing and the binary pixel used for the
 * segmentation masks. Every drawn object is an "instance"; its mask is
 * recorded while it is painted, so segmentations never have to be guessed
 * back from the pixels.
 */
export const SIZE = 256;

export type Rgb = readonly [number, number, number];

export interface Shape {
  /** Pixel bounds [x0, y0, x1, y1] (inclusive-exclusive) outside of which sd > 1. */
  bbox: [number, number, number, number];
  /** Signed distance in pixels at (x, y); < 0 inside. */
  sd(x: number, y: number): number;
}

/** One drawn object: a noun, its score class and the pixels it covers. */
export interface Instance {
  noun: string;
  /** 'main' | 'extra' | 'part': drives the synthetic detector score. */
  role: 'main' | 'extra' | 'part' | 'scene';
  mask: Uint8Array;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function bounds(x0: number, y0: number, x1: number, y1: number, pad = 2): [number, number, number, number] {
  return [Math.max(0, Math.floor(x0 - pad)), Math.max(0, Math.floor(y0 - pad)), Math.min(SIZE, Math.ceil(x1 + pad)), Math.min(SIZE, Math.ceil(y1 + pad))];
}

export function circle(cx: number, cy: number, r: number): Shape {
  return { bbox: bounds(cx - r, cy - r, cx + r, cy + r), sd: (x, y) => Math.hypot(x - cx, y - cy) - r };
}

/** Ellipse, optionally rotated by `rot` radians. The distance is approximate (exact on the axes), enough for 1-px anti-aliasing. */
export function ellipse(cx: number, cy: number, rx: number, ry: number, rot = 0): Shape {
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  const m = Math.max(rx, ry);
  return {
    bbox: bounds(cx - m, cy - m, cx + m, cy + m),
    sd: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * c + dy * s) / rx;
      const v = (-dx * s + dy * c) / ry;
      return (Math.hypot(u, v) - 1) * Math.min(rx, ry);
    },
  };
}

/** Rectangle centred at (cx, cy) with half sizes hw, hh, rotation `rot`, corner radius `round`. */
export function box(cx: number, cy: number, hw: number, hh: number, rot = 0, round = 0): Shape {
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  const m = Math.hypot(hw, hh);
  return {
    bbox: rot === 0 ? bounds(cx - hw, cy - hh, cx + hw, cy + hh) : bounds(cx - m, cy - m, cx + m, cy + m),
    sd: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const qx = Math.abs(dx * c + dy * s) - hw + round;
      const qy = Math.abs(-dx * s + dy * c) - hh + round;
      return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - round;
    },
  };
}

function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const px = x - ax;
  const py = y - ay;
  const ex = bx - ax;
  const ey = by - ay;
  const len2 = ex * ex + ey * ey;
  const t = len2 === 0 ? 0 : clamp01((px * ex + py * ey) / len2);
  return Math.hypot(px - ex * t, py - ey * t);
}

/** A stroked open polyline of width `w` with round caps and joins. */
export function polyline(points: ReadonlyArray<readonly [number, number]>, w: number): Shape {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return {
    bbox: bounds(Math.min(...xs) - w, Math.min(...ys) - w, Math.max(...xs) + w, Math.max(...ys) + w),
    sd: (x, y) => {
      let d = Infinity;
      for (let i = 0; i + 1 < points.length; i++) d = Math.min(d, segmentDistance(x, y, points[i][0], points[i][1], points[i + 1][0], points[i + 1][1]));
      return d - w / 2;
    },
  };
}

export const line = (ax: number, ay: number, bx: number, by: number, w: number): Shape => polyline([[ax, ay], [bx, by]], w);

/** A filled simple polygon (even-odd rule). */
export function polygon(points: ReadonlyArray<readonly [number, number]>): Shape {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const n = points.length;
  return {
    bbox: bounds(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)),
    sd: (x, y) => {
      let d = Infinity;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const [xi, yi] = points[i];
        const [xj, yj] = points[j];
        d = Math.min(d, segmentDistance(x, y, xj, yj, xi, yi));
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside ? -d : d;
    },
  };
}

/** Points on a circular arc from angle a0 to a1 (radians, y down), for polylines. */
export function arcPoints(cx: number, cy: number, r: number, a0: number, a1: number, steps = 16): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i <= steps; i++) {
    const a = a0 + ((a1 - a0) * i) / steps;
    out.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return out;
}

/** Parts of `a` that are not in `b`. */
export function subtract(a: Shape, b: Shape): Shape {
  return { bbox: a.bbox, sd: (x, y) => Math.max(a.sd(x, y), -b.sd(x, y)) };
}

export function intersect(a: Shape, b: Shape): Shape {
  return { bbox: a.bbox, sd: (x, y) => Math.max(a.sd(x, y), b.sd(x, y)) };
}

/** Lightens (k > 0) towards white or darkens (k < 0) towards black. */
export function tint(rgb: Rgb, k: number): Rgb {
  const t = (c: number) => Math.round(k >= 0 ? c + (255 - c) * k : c * (1 + k));
  return [t(rgb[0]), t(rgb[1]), t(rgb[2])];
}

export function union(...shapes: Shape[]): Shape {
  const bb = shapes.map((s) => s.bbox);
  return {
    bbox: [Math.min(...bb.map((b) => b[0])), Math.min(...bb.map((b) => b[1])), Math.max(...bb.map((b) => b[2])), Math.max(...bb.map((b) => b[3]))],
    sd: (x, y) => Math.min(...shapes.map((s) => s.sd(x, y))),
  };
}

/**
 * An RGBA float canvas with instance bookkeeping. `begin(noun)` opens an
 * instance; instances nest (an eye is painted while the face is open), and a
 * pixel painted at ≥ 50 % coverage joins the mask of every open instance.
 */
export class Painter {
  readonly r = new Float32Array(SIZE * SIZE);
  readonly g = new Float32Array(SIZE * SIZE);
  readonly b = new Float32Array(SIZE * SIZE);
  readonly a = new Float32Array(SIZE * SIZE);
  readonly instances: Instance[] = [];
  private open: Instance[] = [];

  /** Opaque fill of the whole canvas (JPEG backgrounds). */
  clear(rgb: Rgb): void {
    this.r.fill(rgb[0]);
    this.g.fill(rgb[1]);
    this.b.fill(rgb[2]);
    this.a.fill(1);
  }

  begin(noun: string, role: Instance['role']): Instance {
    const inst: Instance = { noun, role, mask: new Uint8Array(SIZE * SIZE) };
    this.instances.push(inst);
    this.open.push(inst);
    return inst;
  }

  end(): void {
    this.open.pop();
  }

  /** Paints `shape` in `rgb` with opacity `alpha` ('over' compositing). */
  fill(shape: Shape, rgb: Rgb, alpha = 1): void {
    const [x0, y0, x1, y1] = shape.bbox;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const cov = clamp01(0.5 - shape.sd(x + 0.5, y + 0.5));
        if (cov <= 0) continue;
        this.blend(y * SIZE + x, rgb, cov * alpha);
        if (cov >= 0.5 && alpha >= 0.5) for (const inst of this.open) inst.mask[y * SIZE + x] = 1;
      }
    }
  }

  /** Adds the pixels of `shape` to the open instances without painting (an illusory contour is seen, not drawn). */
  mark(shape: Shape): void {
    const [x0, y0, x1, y1] = shape.bbox;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) if (shape.sd(x + 0.5, y + 0.5) <= 0) for (const inst of this.open) inst.mask[y * SIZE + x] = 1;
  }

  /** Per-pixel painting for textures (Gabor, gradients): `f` returns colour and alpha, or null to skip. */
  shade(f: (x: number, y: number) => { rgb: Rgb; alpha: number } | null, maskWhen?: (x: number, y: number) => boolean): void {
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const s = f(x + 0.5, y + 0.5);
        if (s) this.blend(y * SIZE + x, s.rgb, s.alpha);
        if (maskWhen?.(x + 0.5, y + 0.5)) for (const inst of this.open) inst.mask[y * SIZE + x] = 1;
      }
    }
  }

  private blend(i: number, rgb: Rgb, alpha: number): void {
    const da = this.a[i];
    const oa = alpha + da * (1 - alpha);
    if (oa <= 0) return;
    const k = da * (1 - alpha);
    this.r[i] = (rgb[0] * alpha + this.r[i] * k) / oa;
    this.g[i] = (rgb[1] * alpha + this.g[i] * k) / oa;
    this.b[i] = (rgb[2] * alpha + this.b[i] * k) / oa;
    this.a[i] = oa;
  }

  /** 8-bit RGBA, row-major, as the encoders want it. */
  toRgba(): Uint8Array {
    const out = new Uint8Array(SIZE * SIZE * 4);
    for (let i = 0; i < SIZE * SIZE; i++) {
      out[i * 4] = Math.round(Math.min(255, Math.max(0, this.r[i])));
      out[i * 4 + 1] = Math.round(Math.min(255, Math.max(0, this.g[i])));
      out[i * 4 + 2] = Math.round(Math.min(255, Math.max(0, this.b[i])));
      out[i * 4 + 3] = Math.round(clamp01(this.a[i]) * 255);
    }
    return out;
  }
}
