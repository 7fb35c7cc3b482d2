/**
 * NumPy `.npy` format, version 1.0 (numpy/lib/format.py; NEP 1): the magic
 * `\x93NUMPY`, version 1.0, a little-endian uint16 header length, then an
 * ASCII Python dict literal padded with spaces and ending in `\n` so that the
 * data starts at a multiple of 64 bytes. Data follows in C order.
 *
 * Only the header is built here: the data of a large array is streamed after
 * it, so a gigabyte of betas never has to sit in memory as one array.
 */

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '|b1';

const ITEM_BYTES: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };

export function npyItemBytes(dtype: NpyDtype): number {
  return ITEM_BYTES[dtype];
}

/** The header bytes (magic … padding) for an array of `shape` and `dtype`, C order. */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  for (const n of shape) if (!Number.isInteger(n) || n < 0) throw new RangeError(`npy shape entries must be non-negative integers (got ${shape.join(', ')})`);
  // numpy writes a 1-tuple with a trailing comma: (5,)
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pre = 10; // magic(6) + version(2) + header length(2)
  let len = dict.length + 1; // + '\n'
  const pad = (64 - ((pre + len) % 64)) % 64;
  len += pad;
  if (len > 0xffff) throw new RangeError('npy header too long for format version 1.0');
  const out = new Uint8Array(pre + len);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = len & 0xff;
  out[9] = len >> 8;
  const text = dict + ' '.repeat(pad) + '\n';
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
  return out;
}

/** Total bytes of a `.npy` file: header + data. */
export function npyByteLength(dtype: NpyDtype, shape: readonly number[]): number {
  return npyHeader(dtype, shape).length + shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype];
}

type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A small array as a complete `.npy` file (header + little-endian data). */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: NpyData): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new RangeError(`npy data has ${data.length} values for shape (${shape.join(', ')}) = ${n}`);
  if (data.BYTES_PER_ELEMENT !== ITEM_BYTES[dtype]) throw new TypeError(`npy dtype ${dtype} does not match a ${data.constructor.name}`);
  const head = npyHeader(dtype, shape);
  const out = new Uint8Array(head.length + data.byteLength);
  out.set(head, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), head.length);
  return out;
}
