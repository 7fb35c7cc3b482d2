/**
 * Spatial helpers on a voxel grid: separable Gaussian smoothing, smooth random
 * fields, 6-neighbourhood tests. Everything biological in the demo (response
 * profiles, gains, noise) varies smoothly in space, as in real fMRI, so it is
 * built from these.
 */
import type { Rng } from '../rng.ts';
import type { Vec3 } from './grid.ts';
import { fillNormals } from './normals.ts';

/** Gaussian taps truncated at 2.5 sigma (98.8% of the mass: plenty for synthetic fields, and fewer taps). */
function kernel(sigma: number): Float64Array {
  const half = Math.max(1, Math.round(2.5 * sigma));
  const k = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) sum += k[i + half] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Separable Gaussian smoothing (sigma in voxels). Edges are renormalised by
 * the kernel weight inside the grid, so a constant stays constant up to the
 * border instead of fading to zero.
 *
 * The volume is viewed as [outer][n][inner] for the axis being smoothed and
 * whole rows/planes are accumulated at once, so the innermost loop always
 * walks contiguous memory (the naive per-line gather along z is several
 * times slower on this grid).
 */
export function smooth3d(vol: Float32Array, dims: Vec3, sigma: number): Float32Array {
  const k = kernel(sigma);
  const half = (k.length - 1) / 2;
  let src = Float32Array.from(vol);
  let dst = new Float32Array(vol.length);
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis];
    const inner = axis === 0 ? 1 : axis === 1 ? dims[0] : dims[0] * dims[1];
    const outer = vol.length / (n * inner);
    dst.fill(0);
    // Edge-renormalised kernel weights for each output position along the axis.
    const weights: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - half);
      const hi = Math.min(n - 1, i + half);
      let w = 0;
      for (let j = lo; j <= hi; j++) w += k[j - i + half];
      weights.push(Float64Array.from({ length: hi - lo + 1 }, (_, m) => k[lo + m - i + half] / w));
    }
    if (inner === 1) {
      // Along x the data is contiguous already: one pass per line.
      for (let o = 0; o < outer; o++) {
        const base = o * n;
        for (let i = 0; i < n; i++) {
          const wi = weights[i];
          const lo = Math.max(0, i - half);
          let acc = 0;
          for (let m = 0; m < wi.length; m++) acc += wi[m] * src[base + lo + m];
          dst[base + i] = acc;
        }
      }
      [src, dst] = [dst, src];
      continue;
    }
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - half);
      const hi = Math.min(n - 1, i + half);
      let w = 0;
      for (let j = lo; j <= hi; j++) w += k[j - i + half];
      for (let j = lo; j <= hi; j++) {
        const kw = k[j - i + half] / w;
        for (let o = 0; o < outer; o++) {
          const d = (o * n + i) * inner;
          const s0 = (o * n + j) * inner;
          for (let q = 0; q < inner; q++) dst[d + q] += kw * src[s0 + q];
        }
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Gaussian white noise smoothed with `sigma` voxels, rescaled to zero mean and unit SD. */
export function randomField(rng: Rng, dims: Vec3, sigma: number): Float32Array {
  const n = dims[0] * dims[1] * dims[2];
  const f = smooth3d(fillNormals(rng, new Float32Array(n)), dims, sigma);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += f[i];
  mean /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (f[i] - mean) ** 2;
  const sd = Math.sqrt(sq / n) || 1;
  for (let i = 0; i < n; i++) f[i] = (f[i] - mean) / sd;
  return f;
}

/**
 * Unit-variance random combination of independent unit-variance fields: a
 * cheap new smooth field (per-session offsets and jitters) without another
 * smoothing pass.
 */
export function mixFields(basis: Float32Array[], rng: Rng): Float32Array {
  const w = basis.map(() => rng.normal());
  const norm = Math.hypot(...w) || 1;
  const out = new Float32Array(basis[0].length);
  basis.forEach((b, j) => {
    const c = w[j] / norm;
    for (let i = 0; i < out.length; i++) out[i] += c * b[i];
  });
  return out;
}

/** Flat indices of the 6-neighbours of voxel p that lie inside the grid. */
export function neighbours6(dims: Vec3, p: number, out: number[]): number[] {
  const [nx, ny, nz] = dims;
  const i = p % nx;
  const j = Math.floor(p / nx) % ny;
  const k = Math.floor(p / (nx * ny));
  out.length = 0;
  if (i > 0) out.push(p - 1);
  if (i < nx - 1) out.push(p + 1);
  if (j > 0) out.push(p - nx);
  if (j < ny - 1) out.push(p + nx);
  if (k > 0) out.push(p - nx * ny);
  if (k < nz - 1) out.push(p + nx * ny);
  return out;
}

/** Voxels of `mask` with at least one 6-neighbour in `other`. */
export function touching(dims: Vec3, mask: Uint8Array, other: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  const nb: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (const q of neighbours6(dims, p, nb))
      if (other[q]) {
        out[p] = 1;
        break;
      }
  }
  return out;
}
