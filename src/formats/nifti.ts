/**
 * NIfTI-1/-2 headers and voxel decoding. Pure: runs in workers, the UI and
 * Node tests. nifti-reader-js parses the header fields; the affine is chosen
 * like nibabel's `get_best_affine` (sform if sform_code > 0, else qform, else
 * a pixdim-only base affine), which is what laion_fmri's arrays are aligned to.
 */
import * as nifti from 'nifti-reader-js';

export type NiftiDtype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** NIfTI datatype codes we decode (nifti1.h). */
export const DTYPE_BY_CODE: Record<number, { dtype: NiftiDtype; bytes: number }> = {
  2: { dtype: 'uint8', bytes: 1 },
  4: { dtype: 'int16', bytes: 2 },
  8: { dtype: 'int32', bytes: 4 },
  16: { dtype: 'float32', bytes: 4 },
  64: { dtype: 'float64', bytes: 8 },
  256: { dtype: 'int8', bytes: 1 },
  512: { dtype: 'uint16', bytes: 2 },
  768: { dtype: 'uint32', bytes: 4 },
};
const DTYPE_NAMES: Record<number, string> = { 1: 'binary', 32: 'complex64', 128: 'RGB24', 1024: 'int64', 1280: 'uint64', 1536: 'float128', 1792: 'complex128', 2048: 'complex256', 2304: 'RGBA32' };

export type Affine = [number[], number[], number[], number[]];

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** Image dimensions (dim[1..dim[0]]): [X, Y, Z] or [X, Y, Z, T]. */
  dims: number[];
  datatypeCode: number;
  dtype: NiftiDtype;
  bytesPerVoxel: number;
  /** Byte offset of the voxel data in the (decompressed) file. */
  voxOffset: number;
  /** Scaling as the standard defines it: slope 0 or non-finite means "no scaling". */
  sclSlope: number;
  sclInter: number;
  /** Voxel sizes (pixdim[1..3]), mm. */
  voxelSize: [number, number, number];
  /** Voxel (i, j, k, 1) → scanner mm (x, y, z, 1), row-major. */
  affine: Affine;
  affineSource: 'sform' | 'qform' | 'pixdim';
  qformCode: number;
  sformCode: number;
  description: string;
  intentCode: number;
  intentName: string;
  calMin: number;
  calMax: number;
}

/** A file that is not what its name says, or is damaged. The message names the file. */
export class NiftiFormatError extends Error {
  readonly fileName: string;
  constructor(fileName: string, fault: string) {
    super(`${fileName}: ${fault}`);
    this.name = 'NiftiFormatError';
    this.fileName = fileName;
  }
}

/** Bytes of (decompressed) file needed to parse the header: 348 (NIfTI-1) or 540 (NIfTI-2), from the first 4 bytes. */
export function headerSizeFromMagic(first4: DataView): 348 | 540 | null {
  for (const le of [true, false]) {
    const n = first4.getInt32(0, le);
    if (n === 348 || n === 540) return n;
  }
  return null;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function qformAffine(h: nifti.NIFTI1 | nifti.NIFTI2): Affine {
  // nifti1.h METHOD 2: R from the quaternion (b, c, d; a = sqrt(1 - b² - c² - d²)), qfac flips k.
  const b = h.quatern_b;
  const c = h.quatern_c;
  const d = h.quatern_d;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = h.pixDims[0] < 0 ? -1 : 1;
  const s = [h.pixDims[1], h.pixDims[2], h.pixDims[3] * qfac];
  const off = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
  return [
    [R[0][0] * s[0], R[0][1] * s[1], R[0][2] * s[2], off[0]],
    [R[1][0] * s[0], R[1][1] * s[1], R[1][2] * s[2], off[1]],
    [R[2][0] * s[0], R[2][1] * s[1], R[2][2] * s[2], off[2]],
    [0, 0, 0, 1],
  ];
}

function baseAffine(dims: number[], vs: [number, number, number]): Affine {
  // nibabel's base affine: x flipped, origin at the volume centre.
  const c = [0, 1, 2].map((i) => ((dims[i] ?? 1) - 1) / 2);
  return [
    [-vs[0], 0, 0, vs[0] * c[0]],
    [0, vs[1], 0, -vs[1] * c[1]],
    [0, 0, vs[2], -vs[2] * c[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * Parses the header at the start of an uncompressed NIfTI buffer (at least
 * 348 bytes for NIfTI-1, 540 for NIfTI-2). Throws NiftiFormatError naming
 * `fileName` when it is not a NIfTI or uses an unsupported data type.
 */
export function parseNiftiHeader(buffer: ArrayBuffer, fileName: string): NiftiHeader {
  if (buffer.byteLength < 4) throw new NiftiFormatError(fileName, 'the file is empty or too short to hold a NIfTI header.');
  if (isGzip(new Uint8Array(buffer, 0, 2))) throw new NiftiFormatError(fileName, 'the header is still gzip-compressed (decompress it first).');
  const size = headerSizeFromMagic(new DataView(buffer, 0, 4));
  if (size === null) throw new NiftiFormatError(fileName, 'not a NIfTI file (the header does not start with sizeof_hdr 348 or 540).');
  if (buffer.byteLength < size) throw new NiftiFormatError(fileName, `the file ends inside its ${size}-byte NIfTI header (${buffer.byteLength} bytes).`);
  let h: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    h = nifti.readHeader(buffer);
  } catch (e) {
    throw new NiftiFormatError(fileName, `unreadable NIfTI header (${(e as Error).message}).`);
  }
  const ndim = h.dims[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new NiftiFormatError(fileName, `invalid number of dimensions (dim[0] = ${ndim}).`);
  const dims = h.dims.slice(1, 1 + ndim);
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims.pop();
  while (dims.length < 3) dims.push(1);
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new NiftiFormatError(fileName, `invalid dimensions [${dims.join(', ')}].`);
  const dt = DTYPE_BY_CODE[h.datatypeCode];
  if (!dt) {
    throw new NiftiFormatError(fileName, `unsupported data type ${DTYPE_NAMES[h.datatypeCode] ?? 'code'} (${h.datatypeCode}); supported: uint8, int8, int16, uint16, int32, uint32, float32, float64.`);
  }
  if (h.numBitsPerVoxel !== dt.bytes * 8) throw new NiftiFormatError(fileName, `bitpix ${h.numBitsPerVoxel} disagrees with data type ${dt.dtype}.`);
  const voxOffset = Math.max(h.vox_offset, size);
  const voxelSize: [number, number, number] = [Math.abs(h.pixDims[1]) || 1, Math.abs(h.pixDims[2]) || 1, Math.abs(h.pixDims[3]) || 1];
  let affine: Affine;
  let affineSource: NiftiHeader['affineSource'];
  if (h.sform_code > 0) {
    affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => h.affine[r][c])) as Affine;
    affine[3] = [0, 0, 0, 1];
    affineSource = 'sform';
  } else if (h.qform_code > 0) {
    affine = qformAffine(h);
    affineSource = 'qform';
  } else {
    affine = baseAffine(dims, voxelSize);
    affineSource = 'pixdim';
  }
  return {
    version: size === 348 ? 1 : 2,
    littleEndian: h.littleEndian,
    dims,
    datatypeCode: h.datatypeCode,
    dtype: dt.dtype,
    bytesPerVoxel: dt.bytes,
    voxOffset,
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    voxelSize,
    affine,
    affineSource,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    description: h.description,
    intentCode: h.intent_code,
    intentName: h.intent_name,
    calMin: h.cal_min,
    calMax: h.cal_max,
  };
}

export function voxelsPerVolume(h: Pick<NiftiHeader, 'dims'>): number {
  return h.dims[0] * h.dims[1] * h.dims[2];
}
export function volumeCount(h: Pick<NiftiHeader, 'dims'>): number {
  return h.dims.slice(3).reduce((a, b) => a * b, 1);
}
export function bytesPerVolume(h: Pick<NiftiHeader, 'dims' | 'bytesPerVoxel'>): number {
  return voxelsPerVolume(h) * h.bytesPerVoxel;
}
/** Decompressed size of the voxel data (all volumes). */
export function imageBytes(h: Pick<NiftiHeader, 'dims' | 'bytesPerVoxel'>): number {
  return bytesPerVolume(h) * volumeCount(h);
}
export function hasScaling(h: Pick<NiftiHeader, 'sclSlope' | 'sclInter'>): boolean {
  return Number.isFinite(h.sclSlope) && h.sclSlope !== 0 && (h.sclSlope !== 1 || h.sclInter !== 0);
}

/**
 * Decodes raw voxel bytes (one or more volumes, file order: x fastest) to
 * float32 with scl_slope/scl_inter applied. `out` may be given to avoid an
 * allocation. NaN stays NaN.
 */
export function decodeVoxels(raw: Uint8Array, h: NiftiHeader, out?: Float32Array): Float32Array {
  const n = Math.floor(raw.byteLength / h.bytesPerVoxel);
  const dst = out ?? new Float32Array(n);
  if (dst.length < n) throw new RangeError(`output holds ${dst.length} voxels, need ${n}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = h.littleEndian;
  const bpv = h.bytesPerVoxel;
  const aligned = raw.byteOffset % bpv === 0 && le;
  if (aligned && h.dtype === 'float32') dst.set(new Float32Array(raw.buffer, raw.byteOffset, n));
  else if (aligned && h.dtype === 'uint8') dst.set(raw.subarray(0, n));
  else if (aligned && h.dtype === 'int16') dst.set(new Int16Array(raw.buffer, raw.byteOffset, n));
  else {
    const get: (o: number) => number =
      h.dtype === 'uint8' ? (o) => view.getUint8(o)
      : h.dtype === 'int8' ? (o) => view.getInt8(o)
      : h.dtype === 'int16' ? (o) => view.getInt16(o, le)
      : h.dtype === 'uint16' ? (o) => view.getUint16(o, le)
      : h.dtype === 'int32' ? (o) => view.getInt32(o, le)
      : h.dtype === 'uint32' ? (o) => view.getUint32(o, le)
      : h.dtype === 'float32' ? (o) => view.getFloat32(o, le)
      : (o) => view.getFloat64(o, le);
    for (let i = 0; i < n; i++) dst[i] = get(i * bpv);
  }
  if (hasScaling(h)) {
    const s = h.sclSlope;
    const b = h.sclInter;
    for (let i = 0; i < n; i++) dst[i] = dst[i] * s + b;
  }
  return dst;
}

/** Voxel (i, j, k) → scanner mm. */
export function voxelToMm(affine: Affine, ijk: [number, number, number]): [number, number, number] {
  const [i, j, k] = ijk;
  return [0, 1, 2].map((r) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3]) as [number, number, number];
}

/** Scanner mm → voxel (fractional) via the inverse affine. */
export function mmToVoxel(affine: Affine, xyz: [number, number, number]): [number, number, number] {
  const m = affine;
  const a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2], g = m[2][0], h = m[2][1], k = m[2][2];
  const det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
  if (det === 0) throw new RangeError('singular affine');
  const x = xyz[0] - m[0][3], y = xyz[1] - m[1][3], z = xyz[2] - m[2][3];
  return [
    ((e * k - f * h) * x - (b * k - c * h) * y + (b * f - c * e) * z) / det,
    (-(d * k - f * g) * x + (a * k - c * g) * y - (a * f - c * d) * z) / det,
    ((d * h - e * g) * x - (a * h - b * g) * y + (a * e - b * d) * z) / det,
  ];
}

/** Same grid: identical dims (spatial) and affine within a tolerance (mm). */
export function sameGrid(a: Pick<NiftiHeader, 'dims' | 'affine'>, b: Pick<NiftiHeader, 'dims' | 'affine'>, tol = 1e-3): boolean {
  if (a.dims[0] !== b.dims[0] || a.dims[1] !== b.dims[1] || a.dims[2] !== b.dims[2]) return false;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (Math.abs(a.affine[r][c] - b.affine[r][c]) > tol) return false;
  return true;
}
