/**
 * Global heap collections (format spec III.E) for variable-length data, and
 * the 16-byte descriptors (length, collection address, object index) that a
 * vlen dataset or attribute stores in place of each element.
 */
import { ByteWriter, FileSink, align8 } from './bytes.ts';

/** HDF5 reads at least this much of a collection, so none may be smaller. */
const MIN_COLLECTION = 4096;
/** Collections are closed once they would exceed this (one large object may exceed it alone). */
const TARGET_COLLECTION = 64 * 1024;
const HEADER = 16;
const OBJECT_HEADER = 16;
const MAX_OBJECTS = 0xffff;

export interface HeapRef {
  /** Number of base elements (bytes, for strings and uint8 sequences). */
  length: number;
  address: number;
  index: number;
}

const NULL_REF: HeapRef = { length: 0, address: 0, index: 0 };

function writeCollection(sink: FileSink, objects: Uint8Array[], used: number): number {
  let size = Math.max(MIN_COLLECTION, used);
  if (size - used === 8) size += 8; // keep any free-space object at least a header long
  const w = new ByteWriter(size);
  w.bytes(new Uint8Array([0x47, 0x43, 0x4f, 0x4c])).u8(1).zeros(3).u64(size); // "GCOL", version 1
  objects.forEach((obj, i) => {
    w.u16(i + 1).u16(0).u32(0).u64(obj.length); // index, reference count (0, as HDF5 writes), reserved, size
    w.bytes(obj).pad(8);
  });
  const free = size - w.length;
  if (free > 0) w.u16(0).u16(0).u32(0).u64(free).zeros(free - OBJECT_HEADER); // object 0: free space
  return sink.append(w.finish());
}

/**
 * Appends the objects to the file in as many collections as needed and
 * returns one reference per object. `null` gives a null reference (an empty
 * sequence with no heap object).
 */
export function writeGlobalHeap(sink: FileSink, objects: (Uint8Array | null)[]): HeapRef[] {
  const refs: HeapRef[] = new Array<HeapRef>(objects.length);
  let pending: { obj: Uint8Array; at: number }[] = [];
  let used = HEADER;
  const flush = (): void => {
    if (pending.length === 0) return;
    const addr = writeCollection(sink, pending.map((p) => p.obj), used);
    pending.forEach((p, i) => (refs[p.at] = { length: p.obj.length, address: addr, index: i + 1 }));
    pending = [];
    used = HEADER;
  };
  objects.forEach((obj, at) => {
    if (obj === null) {
      refs[at] = NULL_REF;
      return;
    }
    const need = OBJECT_HEADER + align8(obj.length);
    if (pending.length > 0 && (used + need > TARGET_COLLECTION || pending.length >= MAX_OBJECTS)) flush();
    pending.push({ obj, at });
    used += need;
  });
  flush();
  return refs;
}

/** Encodes references as the on-disk vlen elements (16 bytes each). */
export function encodeHeapRefs(refs: HeapRef[]): Uint8Array {
  const w = new ByteWriter(16 * refs.length);
  for (const r of refs) w.u32(r.length).addr(r.address).u32(r.index);
  return w.finish();
}
