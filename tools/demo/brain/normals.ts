/**
 * Fast standard-normal draws for bulk noise (tens of millions per build):
 * one uniform from the seeded stream gives two 16-bit indices into a table of
 * the normal quantiles at (k + 0.5) / 65536. Box–Muller costs a log, a sqrt
 * and a sin per pair and dominated the build time. The table truncates the
 * tails at |z| ≈ 4.3, which no noise model here can notice.
 */
import type { Rng } from '../rng.ts';

/** Inverse standard-normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const TABLE = Float32Array.from({ length: 65536 }, (_, k) => probit((k + 0.5) / 65536));

/** Fills out[0..n) with independent N(0,1) draws from `rng`. */
export function fillNormals(rng: Rng, out: Float32Array, n: number = out.length): Float32Array {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const u = rng.next() * 4294967296;
    out[i] = TABLE[u >>> 16];
    out[i + 1] = TABLE[u & 0xffff];
  }
  if (i < n) out[i] = TABLE[(rng.next() * 65536) | 0];
  return out;
}
