/**
 * NIfTI-1 single-file encoder (`.nii`; gzip it yourself for `.nii.gz`).
 *
 * Pure: no Node or DOM APIs, so the browser can reuse it for exports and the
 * demo generator for the synthetic bucket. Always little-endian, 348-byte
 * header + 4-byte "no extension" flag, data at vox_offset 352.
 *
 * The affine goes into the sform (code 2, "aligned anat" by default) *and* into
 * a qform derived from it (quaternion + qfac), because some readers (FSL,
 * older nibabel paths, NiiVue fallbacks) prefer the qform. Both must describe
 * the same space or viewers disagree by a flip; the LAS grids of LAION-fMRI
 * have a negative determinant, which the qform can only express through
 * qfac = -1 (pixdim[0]).
 */

export type NiftiDatatype = 'uint8' | 'int16' | 'int32' | 'float32' | 'float64';

export type NiftiTypedArray = Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Nifti1WriteOptions {
  /** 3 or 4 dimensions, x fastest (NIfTI order). */
  dims: number[];
  /** Voxel sizes, one per dim; the spatial ones must match the affine's column norms. */
  pixdim: number[];
  datatype: NiftiDatatype;
  /** Voxel values in NIfTI order (x fastest, then y, z, t). */
  data: NiftiTypedArray;
  /** 4x4 voxel-to-world matrix, row-major. */
  affine: number[][];
  sclSlope?: number;
  sclInter?: number;
  /** At most 79 ASCII characters. */
  description?: string;
  intentCode?: number;
  /** At most 15 ASCII characters. */
  intentName?: string;
  /** NIFTI_UNITS_* bit field; default 2 (mm, no time unit). */
  xyztUnits?: number;
  calMin?: number;
  calMax?: number;
  /** Default 2 (aligned anat) for both. */
  sformCode?: number;
  qformCode?: number;
}

interface DatatypeInfo {
  code: number;
  bitpix: number;
  /** The typed array that holds this datatype (checked so a Float64Array is never written as float32 bytes). */
  ctor: new (n: number) => NiftiTypedArray;
}

const DATATYPES: Record<NiftiDatatype, DatatypeInfo> = {
  uint8: { code: 2, bitpix: 8, ctor: Uint8Array },
  int16: { code: 4, bitpix: 16, ctor: Int16Array },
  int32: { code: 8, bitpix: 32, ctor: Int32Array },
  float32: { code: 16, bitpix: 32, ctor: Float32Array },
  float64: { code: 64, bitpix: 64, ctor: Float64Array },
};

export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI1_VOX_OFFSET = 352;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface Quatern {
  b: number;
  c: number;
  d: number;
  qx: number;
  qy: number;
  qz: number;
  /** +1 or -1 (stored in pixdim[0]). */
  qfac: number;
  /** Column norms of the affine's 3x3 part. */
  dx: number;
  dy: number;
  dz: number;
}

/**
 * The qform of an affine, following nifti1_io.c `nifti_mat44_to_quatern`.
 * Columns are orthonormalised by Gram–Schmidt rather than nifti1_io's polar
 * decomposition: identical for the orthogonal grids we write, and a sheared
 * affine cannot be expressed by a qform anyway.
 */
export function affineToQuatern(affine: number[][]): Quatern {
  const col = (j: number): [number, number, number] => [affine[0][j], affine[1][j], affine[2][j]];
  const norm = (v: number[]) => Math.hypot(v[0], v[1], v[2]);
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const c0 = col(0);
  const c1 = col(1);
  const c2 = col(2);
  const dx = norm(c0);
  const dy = norm(c1);
  const dz = norm(c2);
  if (!(dx > 0 && dy > 0 && dz > 0)) throw new Error('affine has a zero-length voxel axis');
  const u0 = c0.map((v) => v / dx);
  let u1 = c1.map((v, i) => v - dot(c1, u0) * u0[i]);
  const n1 = norm(u1);
  u1 = u1.map((v) => v / n1);
  let u2 = c2.map((v, i) => v - dot(c2, u0) * u0[i] - dot(c2, u1) * u1[i]);
  const n2 = norm(u2);
  u2 = u2.map((v) => v / n2);
  // r[i][j]: row i, column j of the rotation (columns = voxel axes).
  const r = [
    [u0[0], u1[0], u2[0]],
    [u0[1], u1[1], u2[1]],
    [u0[2], u1[2], u2[2]],
  ];
  // A left-handed grid (LAS: det < 0) is no rotation; the qform stores it as qfac = -1 with the z column flipped.
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    for (let i = 0; i < 3; i++) r[i][2] = -r[i][2];
  }
  const [r11, r12, r13] = r[0];
  const [r21, r22, r23] = r[1];
  const [r31, r32, r33] = r[2];
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    // The header stores b, c, d only; a is recovered as sqrt(1 - b² - c² - d²) ≥ 0.
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qx: affine[0][3], qy: affine[1][3], qz: affine[2][3], qfac, dx, dy, dz };
}

function writeAscii(view: DataView, offset: number, text: string, maxLen: number): void {
  if (text.length > maxLen) throw new Error(`NIfTI text field longer than ${maxLen}: ${JSON.stringify(text)}`);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 126) throw new Error(`NIfTI text fields are ASCII: ${JSON.stringify(text)}`);
    view.setUint8(offset + i, code);
  }
}

function checkAffine(affine: number[][]): void {
  const ok = affine.length === 4 && affine.every((row) => row.length === 4 && row.every(Number.isFinite));
  if (!ok) throw new Error('affine must be a finite 4x4 row-major matrix');
  const last = affine[3];
  if (last[0] !== 0 || last[1] !== 0 || last[2] !== 0 || last[3] !== 1) throw new Error('affine bottom row must be [0,0,0,1]');
}

export type Nifti1HeaderOptions = Omit<Nifti1WriteOptions, 'data'>;

/** A typed-array view of the image bytes inside `bytes`, for writers that fill the volume in place. */
function viewOf(datatype: NiftiDatatype, buffer: ArrayBuffer, offset: number, n: number): NiftiTypedArray {
  switch (datatype) {
    case 'uint8':
      return new Uint8Array(buffer, offset, n);
    case 'int16':
      return new Int16Array(buffer, offset, n);
    case 'int32':
      return new Int32Array(buffer, offset, n);
    case 'float32':
      return new Float32Array(buffer, offset, n);
    case 'float64':
      return new Float64Array(buffer, offset, n);
  }
}

/**
 * Allocates a complete NIfTI-1 file (header written, image zero-filled) and
 * returns it with a typed view on its image part. Large writers (4-D betas)
 * fill `data` directly instead of building a second full-size array and
 * copying it. On a big-endian host the view is not little-endian; use
 * `encodeNifti1` there.
 */
export function allocateNifti1(opts: Nifti1HeaderOptions): { bytes: Uint8Array; data: NiftiTypedArray } {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('allocateNifti1 needs a little-endian host; use encodeNifti1');
  const bytes = writeHeader(opts);
  const nvox = opts.dims.reduce((a, b) => a * b, 1);
  return { bytes, data: viewOf(opts.datatype, bytes.buffer as ArrayBuffer, NIFTI1_VOX_OFFSET, nvox) };
}

/** Encodes one NIfTI-1 single file (`n+1`, little-endian). */
export function encodeNifti1(opts: Nifti1WriteOptions): Uint8Array {
  const { data, datatype } = opts;
  const info = DATATYPES[datatype];
  if (!info) throw new Error(`unsupported datatype ${String(datatype)}`);
  if (!(data instanceof info.ctor)) throw new Error(`datatype ${datatype} needs a ${info.ctor.name}, got ${data.constructor.name}`);
  const nvox = opts.dims.reduce((a, b) => a * b, 1);
  if (data.length !== nvox) throw new Error(`data has ${data.length} values, dims ${opts.dims.join('x')} need ${nvox}`);
  const out = writeHeader(opts);
  const bytesPerVoxel = info.bitpix / 8;
  if (HOST_IS_LITTLE_ENDIAN || bytesPerVoxel === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), NIFTI1_VOX_OFFSET);
  } else {
    const v = new DataView(out.buffer);
    const setter = {
      int16: (o: number, x: number) => v.setInt16(o, x, true),
      int32: (o: number, x: number) => v.setInt32(o, x, true),
      float32: (o: number, x: number) => v.setFloat32(o, x, true),
      float64: (o: number, x: number) => v.setFloat64(o, x, true),
      uint8: (o: number, x: number) => v.setUint8(o, x),
    }[datatype];
    for (let i = 0; i < nvox; i++) setter(NIFTI1_VOX_OFFSET + i * bytesPerVoxel, data[i]);
  }
  return out;
}

/** Validates the options and returns a zero-filled file of the right size with the header written. */
function writeHeader(opts: Nifti1HeaderOptions): Uint8Array {
  const { dims, pixdim, datatype, affine } = opts;
  if (dims.length < 3 || dims.length > 4) throw new Error(`NIfTI writer supports 3 or 4 dims, got ${dims.length}`);
  if (!dims.every((d) => Number.isInteger(d) && d >= 1 && d <= 32767)) throw new Error(`bad dims ${dims.join('x')}`);
  if (pixdim.length !== dims.length) throw new Error('pixdim needs one entry per dim');
  const info = DATATYPES[datatype];
  if (!info) throw new Error(`unsupported datatype ${String(datatype)}`);
  const nvox = dims.reduce((a, b) => a * b, 1);
  checkAffine(affine);
  const q = affineToQuatern(affine);
  [q.dx, q.dy, q.dz].forEach((n, i) => {
    if (Math.abs(n - pixdim[i]) > 1e-4 * Math.max(1, n)) {
      throw new Error(`pixdim[${i + 1}]=${pixdim[i]} disagrees with the affine's voxel size ${n}`);
    }
  });

  const out = new Uint8Array(NIFTI1_VOX_OFFSET + nvox * (info.bitpix / 8));
  const v = new DataView(out.buffer);
  const LE = true;
  v.setInt32(0, NIFTI1_HEADER_SIZE, LE);
  v.setUint8(38, 'r'.charCodeAt(0));
  v.setInt16(40, dims.length, LE);
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, i < dims.length ? dims[i] : 1, LE);
  v.setInt16(68, opts.intentCode ?? 0, LE);
  v.setInt16(70, info.code, LE);
  v.setInt16(72, info.bitpix, LE);
  v.setFloat32(76, q.qfac, LE);
  for (let i = 0; i < 7; i++) v.setFloat32(80 + 4 * i, i < pixdim.length ? pixdim[i] : 1, LE);
  v.setFloat32(108, NIFTI1_VOX_OFFSET, LE);
  // slope 0 means "no scaling" to every reader; write 1/0 only when asked so the default stays unscaled.
  v.setFloat32(112, opts.sclSlope ?? 0, LE);
  v.setFloat32(116, opts.sclInter ?? 0, LE);
  v.setUint8(123, opts.xyztUnits ?? 2);
  v.setFloat32(124, opts.calMax ?? 0, LE);
  v.setFloat32(128, opts.calMin ?? 0, LE);
  writeAscii(v, 148, opts.description ?? '', 79);
  v.setInt16(252, opts.qformCode ?? 2, LE);
  v.setInt16(254, opts.sformCode ?? 2, LE);
  v.setFloat32(256, q.b, LE);
  v.setFloat32(260, q.c, LE);
  v.setFloat32(264, q.d, LE);
  v.setFloat32(268, q.qx, LE);
  v.setFloat32(272, q.qy, LE);
  v.setFloat32(276, q.qz, LE);
  for (let row = 0; row < 3; row++) for (let j = 0; j < 4; j++) v.setFloat32(280 + 16 * row + 4 * j, affine[row][j], LE);
  writeAscii(v, 328, opts.intentName ?? '', 15);
  writeAscii(v, 344, 'n+1', 3); // byte 347 stays 0; bytes 348..351 (extension flag) stay 0.
  return out;
}
