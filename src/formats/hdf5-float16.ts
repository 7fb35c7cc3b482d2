/**
 * IEEE 754 half-precision helpers and a float16 dataset reader for h5wasm.
 *
 * h5wasm 0.10.3 throws "Float16 not supported" from `.value` and `.slice()`,
 * but its low-level `Module.get_dataset_data` reads any hyperslab into wasm
 * memory in the file's own type (made little-endian). We copy the raw halves
 * out of HEAPU8 and decode them here. Works with both `h5wasm` (browser,
 * worker) and `h5wasm/node`: pass the resolved module (`await h5wasm.ready`)
 * and an open `h5wasm.File`. Pure: no DOM, no Node APIs.
 */

// ---- Conversions ----------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Rounds `x` to float32, then to the nearest IEEE half (ties to even), and
 * returns the 16-bit pattern. Overflow gives ±Inf, tiny values give
 * subnormals or ±0, NaN stays NaN (quiet).
 */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  const e = exp - 127 + 15; // biased half exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): value / 2^-24, rounded.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e; // 14..24
    const q = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rem > halfway || (rem === halfway && (q & 1) === 1) ? q + 1 : q);
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is correct
  return sign | h;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

let table: Float32Array | null = null;

/** Decodes an array of half bit patterns (65,536-entry lookup table, built once). */
export function decodeFloat16Array(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  if (out.length < bits.length) throw new RangeError('decodeFloat16Array: output is too short');
  if (table === null) {
    table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = float16BitsToFloat32(i);
  }
  const t = table;
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}

// ---- Reading through h5wasm -----------------------------------------------------------

/** The parts of h5wasm's dataset metadata this module uses. */
export interface H5wasmDatasetMetadata {
  shape: number[] | null;
  size: number;
  type: number;
}

/** The parts of h5wasm's emscripten module (`await h5wasm.ready`) this module uses. */
export interface H5wasmModuleLike {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  get_dataset_metadata(fileId: bigint, path: string): H5wasmDatasetMetadata;
  get_dataset_data(
    fileId: bigint,
    path: string,
    count: bigint[] | null,
    offset: bigint[] | null,
    strides: bigint[] | null,
    ptr: bigint,
  ): number;
}

/** An open `h5wasm.File` (only its id is used). */
export interface H5wasmFileLike {
  readonly file_id: bigint;
}

/** HDF5's H5T_FLOAT class id, as reported in h5wasm metadata. */
const H5T_FLOAT = 1;

function float16Shape(module: H5wasmModuleLike, file: H5wasmFileLike, path: string): number[] {
  let meta: H5wasmDatasetMetadata;
  try {
    meta = module.get_dataset_metadata(file.file_id, path);
  } catch (err) {
    throw new Error(`HDF5 dataset '${path}' could not be opened: ${String(err)}`, { cause: err });
  }
  if (meta.type !== H5T_FLOAT || meta.size !== 2) {
    throw new Error(`HDF5 dataset '${path}' is not float16 (type class ${meta.type}, ${meta.size}-byte elements)`);
  }
  if (meta.shape === null || meta.shape.length === 0) throw new Error(`HDF5 dataset '${path}' is scalar or empty, not an array`);
  return meta.shape;
}

/** Reads a hyperslab (offset, count per dimension) as float16 bit patterns. */
function readHalves(module: H5wasmModuleLike, file: H5wasmFileLike, path: string, offset: number[], count: number[]): Uint16Array {
  const n = count.reduce((a, b) => a * b, 1);
  if (n === 0) return new Uint16Array(0);
  const nbytes = n * 2;
  const ptr = module._malloc(nbytes);
  if (!ptr) throw new Error(`HDF5 dataset '${path}': cannot allocate ${nbytes} bytes in wasm memory`);
  try {
    const status = module.get_dataset_data(
      file.file_id,
      path,
      count.map((c) => BigInt(c)),
      offset.map((o) => BigInt(o)),
      count.map(() => 1n), // strides must be given: null strides crash h5wasm
      BigInt(ptr),
    );
    if (status < 0) throw new Error(`HDF5 dataset '${path}': reading failed (status ${status})`);
    // Read HEAPU8 only now: the call may have grown (and replaced) wasm memory.
    const bytes = module.HEAPU8.slice(ptr, ptr + nbytes);
    return new Uint16Array(bytes.buffer, 0, n);
  } finally {
    module._free(ptr);
  }
}

/**
 * Reads rows [rowStart, rowStart + rowCount) of a 2-D float16 dataset as
 * float32, row-major (rowCount × columns).
 */
export function readFloat16Rows(
  module: H5wasmModuleLike,
  file: H5wasmFileLike,
  path: string,
  rowStart: number,
  rowCount: number,
): Float32Array {
  const shape = float16Shape(module, file, path);
  if (shape.length !== 2) throw new Error(`HDF5 dataset '${path}' is ${shape.length}-D, expected 2-D (rows × columns)`);
  const [rows, cols] = shape;
  if (!Number.isInteger(rowStart) || !Number.isInteger(rowCount) || rowStart < 0 || rowCount < 0 || rowStart + rowCount > rows) {
    throw new RangeError(`HDF5 dataset '${path}': rows ${rowStart}..${rowStart + rowCount} are outside 0..${rows}`);
  }
  return decodeFloat16Array(readHalves(module, file, path, [rowStart, 0], [rowCount, cols]));
}

/** Reads a whole float16 dataset of any rank ≥ 1 as float32 (C order), with its shape. */
export function readFloat16Dataset(
  module: H5wasmModuleLike,
  file: H5wasmFileLike,
  path: string,
): { shape: number[]; data: Float32Array } {
  const shape = float16Shape(module, file, path);
  const data = decodeFloat16Array(readHalves(module, file, path, shape.map(() => 0), shape));
  return { shape, data };
}
