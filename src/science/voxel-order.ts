/**
 * Two orders of one 3-D grid (bucket-layout.md §3 "Flat voxel index"):
 *
 * - NIfTI files store x fastest: n = x + X·(y + Y·z). Decoded volumes in this
 *   app keep that order (it is what the bytes are).
 * - laion_fmri flattens the (X, Y, Z) array in C order: c = (x·Y + y)·Z + z.
 *   Its streaming loader reshapes each volume with order='F' and ravels in C
 *   order (laion_fmri/io.py `_stream_chunked_gz_4d`), and `load_nifti_mask`
 *   ravels in C order too, so every brain / ROI / NC / betas vector the
 *   package returns lists voxels in increasing c.
 *
 * Masks stay in NIfTI order here; only the *listing* of selected voxels uses
 * C order, so a column j of our betas matrix is column j of the package's.
 */
import { assertLengths } from './grid.ts';

export type Dims3 = readonly [number, number, number];

export function voxelCount(dims: Dims3): number {
  return dims[0] * dims[1] * dims[2];
}

function checkDims(dims: Dims3): void {
  for (const d of dims) if (!Number.isInteger(d) || d < 1) throw new RangeError(`invalid grid dims ${dims.join('×')}`);
}

function checkIjk(x: number, y: number, z: number, dims: Dims3): void {
  if (!(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(z) && x >= 0 && y >= 0 && z >= 0 && x < dims[0] && y < dims[1] && z < dims[2])) {
    throw new RangeError(`voxel (${x}, ${y}, ${z}) is outside the ${dims.join('×')} grid`);
  }
}

function checkFlat(i: number, dims: Dims3): void {
  if (!(Number.isInteger(i) && i >= 0 && i < voxelCount(dims))) throw new RangeError(`flat index ${i} is outside the ${dims.join('×')} grid`);
}

export function niftiIndex(x: number, y: number, z: number, dims: Dims3): number {
  checkIjk(x, y, z, dims);
  return x + dims[0] * (y + dims[1] * z);
}

export function cIndex(x: number, y: number, z: number, dims: Dims3): number {
  checkIjk(x, y, z, dims);
  return (x * dims[1] + y) * dims[2] + z;
}

export function ijkOfNifti(n: number, dims: Dims3): [number, number, number] {
  checkFlat(n, dims);
  const x = n % dims[0];
  const t = (n - x) / dims[0];
  const y = t % dims[1];
  return [x, y, (t - y) / dims[1]];
}

export function ijkOfC(c: number, dims: Dims3): [number, number, number] {
  checkFlat(c, dims);
  const z = c % dims[2];
  const t = (c - z) / dims[2];
  const y = t % dims[1];
  return [(t - y) / dims[1], y, z];
}

export function niftiToC(n: number, dims: Dims3): number {
  const [x, y, z] = ijkOfNifti(n, dims);
  return (x * dims[1] + y) * dims[2] + z;
}

export function cToNifti(c: number, dims: Dims3): number {
  const [x, y, z] = ijkOfC(c, dims);
  return x + dims[0] * (y + dims[1] * z);
}

function checkMask(mask: ArrayLike<number>, dims: Dims3): void {
  checkDims(dims);
  assertLengths({ label: 'mask', length: mask.length }, { label: `the ${dims.join('×')} grid`, length: voxelCount(dims) });
}

/**
 * Visits the grid in C order (x slowest, z fastest) and calls `visit` with the
 * NIfTI-order index of every voxel. One strided pass; no per-voxel division.
 */
function forEachInCOrder(dims: Dims3, visit: (n: number) => void): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  for (let x = 0; x < X; x++) {
    for (let y = 0; y < Y; y++) {
      let n = x + X * y;
      for (let z = 0; z < Z; z++, n += XY) visit(n);
    }
  }
}

/**
 * NIfTI-order flat indices of the set voxels of `mask` (NIfTI order), listed in
 * laion_fmri's C order = the package's voxel axis order. Equals
 * `np.flatnonzero(mask_xyz.ravel())` mapped back to NIfTI indices.
 */
export function voxelsInCOrder(mask: Uint8Array, dims: Dims3): Uint32Array {
  checkMask(mask, dims);
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  const out = new Uint32Array(count);
  let k = 0;
  const [X, Y, Z] = dims;
  const XY = X * Y;
  // Inlined forEachInCOrder: this runs over 2.9 M voxels for every mask change.
  for (let x = 0; x < X; x++) {
    for (let y = 0; y < Y; y++) {
      let n = x + X * y;
      for (let z = 0; z < Z; z++, n += XY) if (mask[n] !== 0) out[k++] = n;
    }
  }
  return out;
}

/**
 * For every grid voxel (NIfTI index), its column on the package's voxel axis
 * selected by `mask`, or -1 if not selected. Lets a hover or a streamed volume
 * find "column j" without a search.
 */
export function cOrderPositions(mask: Uint8Array, dims: Dims3): Int32Array {
  checkMask(mask, dims);
  const pos = new Int32Array(mask.length).fill(-1);
  let k = 0;
  forEachInCOrder(dims, (n) => {
    if (mask[n] !== 0) pos[n] = k++;
  });
  return pos;
}

/** values[indices[j]] for every j, as float32 (the package's dtype for betas and NC). */
export function gather(values: ArrayLike<number>, indices: Uint32Array, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(indices.length);
  if (dst.length < indices.length) throw new RangeError(`output holds ${dst.length} values, need ${indices.length}`);
  for (let j = 0; j < indices.length; j++) dst[j] = values[indices[j]];
  return dst;
}

/** Reorders a whole NIfTI-order volume into C order (what `vol.ravel()` gives in the package). */
export function niftiVolumeToC(values: Float32Array, dims: Dims3): Float32Array {
  checkMask(values, dims);
  const out = new Float32Array(values.length);
  let k = 0;
  forEachInCOrder(dims, (n) => {
    out[k++] = values[n];
  });
  return out;
}
