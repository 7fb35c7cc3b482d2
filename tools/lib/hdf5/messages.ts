/**
 * Encoders for the object-header messages the writer needs (HDF5 File Format
 * Specification, section IV.A.2), in the versions HDF5 1.8+ writes by
 * default: datatype v1, dataspace v1, fill value v2, layout v3, filter
 * pipeline v1, attribute v1, and the v1 object header that holds them.
 */
import { ByteWriter, align8, utf8 } from './bytes.ts';

export type NumericType = 'u1' | 'i1' | 'u2' | 'i2' | 'u4' | 'i4' | 'u8' | 'i8' | 'f2' | 'f4' | 'f8';

export const MSG = {
  dataspace: 0x0001,
  datatype: 0x0003,
  fillValue: 0x0005,
  layout: 0x0008,
  filterPipeline: 0x000b,
  attribute: 0x000c,
  symbolTable: 0x0011,
} as const;

/** Message flag: the message is constant (never changes). */
export const FLAG_CONSTANT = 0x01;

export interface HeaderMessage {
  type: number;
  flags: number;
  body: Uint8Array;
}

export function numericSize(t: NumericType): number {
  return Number(t.slice(1));
}

// ---- Datatype messages (version 1) ------------------------------------------------

function fixedPoint(size: number, signed: boolean): Uint8Array {
  const w = new ByteWriter(12);
  w.u8((1 << 4) | 0); // version 1, class 0 (fixed-point)
  w.u8(signed ? 0x08 : 0x00).u8(0).u8(0); // little-endian, zero padding, sign flag
  w.u32(size);
  w.u16(0).u16(size * 8); // bit offset, bit precision
  return w.finish();
}

const FLOAT_LAYOUT: Record<2 | 4 | 8, { expLoc: number; expSize: number; mantSize: number; bias: number }> = {
  2: { expLoc: 10, expSize: 5, mantSize: 10, bias: 15 },
  4: { expLoc: 23, expSize: 8, mantSize: 23, bias: 127 },
  8: { expLoc: 52, expSize: 11, mantSize: 52, bias: 1023 },
};

function floatingPoint(size: 2 | 4 | 8): Uint8Array {
  const f = FLOAT_LAYOUT[size];
  const w = new ByteWriter(20);
  w.u8((1 << 4) | 1); // version 1, class 1 (floating-point)
  // little-endian, zero padding, mantissa normalization "msb implied" (2), sign bit position
  w.u8(0x20).u8(size * 8 - 1).u8(0);
  w.u32(size);
  w.u16(0).u16(size * 8); // bit offset, bit precision
  w.u8(f.expLoc).u8(f.expSize).u8(0).u8(f.mantSize);
  w.u32(f.bias);
  return w.finish();
}

export function numericDatatype(t: NumericType): Uint8Array {
  const size = numericSize(t);
  if (t[0] === 'f') return floatingPoint(size as 2 | 4 | 8);
  return fixedPoint(size, t[0] === 'i');
}

/** h5py's bool: enum {FALSE = 0, TRUE = 1} over a signed 8-bit integer. */
export function boolDatatype(): Uint8Array {
  const w = new ByteWriter(40);
  w.u8((1 << 4) | 8); // version 1, class 8 (enumeration)
  w.u16(2).u8(0); // number of members
  w.u32(1);
  w.bytes(fixedPoint(1, true));
  for (const name of ['FALSE', 'TRUE']) {
    const bytes = utf8.encode(name);
    w.bytes(bytes).zeros(align8(bytes.length + 1) - bytes.length); // v1: null-terminated, padded to 8
  }
  w.u8(0).u8(1);
  return w.finish();
}

/** Variable-length datatype: a UTF-8 string, or a sequence of uint8. */
export function vlenDatatype(kind: 'string' | 'u1'): Uint8Array {
  const w = new ByteWriter(24);
  w.u8((1 << 4) | 9); // version 1, class 9 (variable-length)
  if (kind === 'string') w.u8(0x01).u8(0x01).u8(0); // type string, null-terminated padding; charset UTF-8
  else w.u8(0x00).u8(0x00).u8(0); // type sequence
  w.u32(4 + 8 + 4); // length, global heap collection address, object index
  w.bytes(fixedPoint(1, false)); // base type: unsigned 8-bit
  return w.finish();
}

// ---- Dataspace, fill value, layout, filters ----------------------------------------

/** Dataspace v1. An empty shape is a scalar. Maximum dimensions equal the dimensions. */
export function dataspace(shape: number[]): Uint8Array {
  const w = new ByteWriter(8 + 16 * shape.length);
  w.u8(1).u8(shape.length).u8(shape.length > 0 ? 0x01 : 0x00).u8(0).u32(0);
  for (const d of shape) w.u64(d);
  for (const d of shape) w.u64(d);
  return w.finish();
}

/** Fill value v2: "defined" with a zero-size value, i.e. the library default (zeros). */
export function fillValue(allocTime: 'late' | 'incremental', fillTime: 'alloc' | 'ifset'): Uint8Array {
  const w = new ByteWriter(8);
  w.u8(2).u8(allocTime === 'late' ? 2 : 3).u8(fillTime === 'alloc' ? 0 : 2).u8(1).u32(0);
  return w.finish();
}

export function contiguousLayout(address: number, size: number): Uint8Array {
  const w = new ByteWriter(24);
  w.u8(3).u8(1).addr(address).u64(size);
  return w.finish();
}

/** Layout v3, chunked, indexed by a version 1 B-tree. */
export function chunkedLayout(btreeAddress: number, chunk: number[], elementSize: number): Uint8Array {
  const w = new ByteWriter(16 + 4 * chunk.length);
  w.u8(3).u8(2).u8(chunk.length + 1).addr(btreeAddress);
  for (const c of chunk) w.u32(c);
  w.u32(elementSize); // the extra "dimension" is the element size
  return w.finish();
}

export interface FilterSpec {
  id: number;
  name: string;
  clientData: number[];
}

export const SHUFFLE_ID = 2;
export const DEFLATE_ID = 1;

/** Filter pipeline v1. Filters are flagged optional, as HDF5's H5Pset_shuffle/H5Pset_deflate do. */
export function filterPipeline(filters: FilterSpec[]): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(1).u8(filters.length).u16(0).u32(0);
  for (const f of filters) {
    const name = utf8.encode(f.name);
    const nameLen = align8(name.length + 1);
    w.u16(f.id).u16(nameLen).u16(0x0001).u16(f.clientData.length);
    w.bytes(name).zeros(nameLen - name.length);
    for (const v of f.clientData) w.u32(v);
    if (f.clientData.length % 2 === 1) w.u32(0);
  }
  return w.finish();
}

export function symbolTableMessage(btreeAddress: number, heapAddress: number): Uint8Array {
  return new ByteWriter(16).addr(btreeAddress).addr(heapAddress).finish();
}

/** Attribute message v1 with a scalar dataspace. */
export function attributeMessage(name: string, datatype: Uint8Array, data: Uint8Array): Uint8Array {
  const nameBytes = utf8.encode(name);
  const space = dataspace([]);
  const w = new ByteWriter(64);
  w.u8(1).u8(0).u16(nameBytes.length + 1).u16(datatype.length).u16(space.length);
  w.bytes(nameBytes).u8(0).pad(8);
  w.bytes(datatype).pad(8);
  w.bytes(space).pad(8);
  w.bytes(data);
  return w.finish();
}

// ---- Object header (version 1) -------------------------------------------------------

/** A version 1 object header holding all messages in one chunk (no continuation). */
export function objectHeaderV1(messages: HeaderMessage[]): Uint8Array {
  let chunkSize = 0;
  for (const m of messages) {
    if (m.body.length > 0xffff) throw new RangeError('hdf5-writer: an object header message exceeds 64 KiB');
    chunkSize += 8 + align8(m.body.length);
  }
  const w = new ByteWriter(16 + chunkSize);
  w.u8(1).u8(0).u16(messages.length).u32(1).u32(chunkSize).u32(0); // version, #messages, refcount, size, pad
  for (const m of messages) {
    const size = align8(m.body.length);
    w.u16(m.type).u16(size).u8(m.flags).zeros(3);
    w.bytes(m.body).zeros(size - m.body.length);
  }
  return w.finish();
}
