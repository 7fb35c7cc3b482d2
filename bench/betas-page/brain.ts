/**
 * The synthetic "brain" of the betas benchmark, shared by the Node generator
 * (bench/betas-pass.ts) and the page's worker so both agree on which voxels
 * are in-brain and in which order they are gathered.
 *
 * Brain-like per /work/shared/toolchain.md "On brain-like data": a 143³ grid
 * (the LAION-fMRI betas grid) of which ≈9% is an in-brain ellipsoid of
 * noise-like float32 values; everything else is exactly 0. At gzip level 1
 * such a file compresses ≈11:1, like the real betas files.
 */

import { voxelsInCOrder } from '../../src/science/voxel-order.ts';

export const DIMS: [number, number, number] = [143, 143, 143];
export const VOXELS = DIMS[0] * DIMS[1] * DIMS[2];
/** Ellipsoid centre and semi-axes, in voxels (≈271k voxels, 9.3% of the grid). */
const CENTRE: [number, number, number] = [71, 71, 71];
const SEMI_AXES: [number, number, number] = [35, 44, 42];

/** NIfTI-order flat indices (x fastest) of the in-brain voxels, ascending. */
export function brainIndices(): Uint32Array {
  const [nx, ny, nz] = DIMS;
  const [cx, cy, cz] = CENTRE;
  const [a, b, c] = SEMI_AXES;
  const out: number[] = [];
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const r = ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 + ((z - cz) / c) ** 2;
        if (r <= 1) out.push(x + nx * (y + ny * z));
      }
    }
  }
  return Uint32Array.from(out);
}

/**
 * The same voxels in laion_fmri's C order (`voxelsInCOrder`), as an export
 * straight from the file gathers them: the file visits them in another order,
 * so the pass writes its output scattered.
 */
export function brainIndicesCOrder(): Uint32Array {
  const mask = new Uint8Array(VOXELS);
  for (const v of brainIndices()) mask[v] = 1;
  return voxelsInCOrder(mask, DIMS);
}

/**
 * The bench's check of a gathered output against the generator's sum: the
 * generator adds in file order, a pass's output may come in C order, so
 * the float64 sums differ by rounding only (~1e-8 here), while one wrong voxel
 * moves the sum by ~0.1–3.
 */
export const sumsAgree = (got: number | undefined, want: number) => got !== undefined && Math.abs(got - want) <= 1e-4;

/**
 * Fills `values` (one entry per in-brain voxel) with the betas of trial `t`:
 * a per-voxel offset plus Gaussian-ish noise, full float32 mantissas, so the
 * in-brain part barely compresses. Deterministic in (t, voxel order).
 */
export function fillTrial(t: number, values: Float32Array): void {
  let s = (0x9e3779b9 ^ Math.imul(t + 1, 0x85ebca6b)) >>> 0;
  const next = (): number => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  for (let k = 0; k < values.length; k++) {
    const offset = ((k * 2654435761) >>> 0) / 4294967296 - 0.5;
    const noise = next() + next() + next() - 1.5;
    values[k] = offset + 2 * noise;
  }
}
