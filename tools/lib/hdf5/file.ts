/**
 * Assembles a complete HDF5 file: superblock v0, a root group with a symbol
 * table (local heap + v1 B-tree + symbol table nodes), v1 object headers,
 * contiguous or chunked (v1 B-tree indexed) storage and global heaps for
 * variable-length data. This is the layout HDF5 itself writes with default
 * ("earliest") library version bounds, which every HDF5 since 1.8 reads.
 *
 * Everything is appended in dependency order (data before the headers that
 * point at it, headers before the group that lists them), so only the
 * superblock at address 0 is written last.
 */
import { ByteWriter, FileSink, assertLittleEndianHost, compareBytes, utf8, UNDEFINED_ADDR } from './bytes.ts';
import { writeBTreeV1 } from './btree.ts';
import { chunkFilters, validateChunks, writeChunked } from './chunks.ts';
import { encodeHeapRefs, writeGlobalHeap, type HeapRef } from './gheap.ts';
import {
  FLAG_CONSTANT, MSG, attributeMessage, boolDatatype, chunkedLayout, contiguousLayout, dataspace, fillValue,
  filterPipeline, numericDatatype, numericSize, objectHeaderV1, symbolTableMessage, vlenDatatype,
  type HeaderMessage, type NumericType,
} from './messages.ts';
import { float32ToFloat16Bits } from '../../../src/formats/hdf5-float16.ts';

export type H5NumericType = NumericType;
export type H5Attr = string | number;
export type H5DatasetSpec =
  | {
      name: string; type: H5NumericType; shape: number[]; data: ArrayBufferView;
      chunks?: number[]; gzip?: number; shuffle?: boolean; attrs?: Record<string, H5Attr>;
    }
  | { name: string; type: 'bool'; shape: number[]; data: Uint8Array; attrs?: Record<string, H5Attr> }
  | { name: string; type: 'vlen-str'; values: string[]; attrs?: Record<string, H5Attr> }
  | { name: string; type: 'vlen-u1'; values: Uint8Array[]; attrs?: Record<string, H5Attr> };

const SUPERBLOCK_SIZE = 96;
/** Symbol table nodes hold 2 × "group leaf node K" (4) entries; group B-tree nodes 2 × 16 children. */
const GROUP_LEAF_K = 4;
const GROUP_INTERNAL_K = 16;
const SYMBOL_ENTRY_SIZE = 40;

type TypedArrayCtor = { new (n: number): ArrayBufferView; name: string };
const ARRAY_TYPES: Record<H5NumericType, TypedArrayCtor[]> = {
  u1: [Uint8Array, Uint8ClampedArray], i1: [Int8Array], u2: [Uint16Array], i2: [Int16Array],
  u4: [Uint32Array], i4: [Int32Array], u8: [BigUint64Array], i8: [BigInt64Array],
  f2: [Uint16Array, Float32Array], f4: [Float32Array], f8: [Float64Array],
};

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(name: string, shape: number[]): void {
  if (!Array.isArray(shape) || shape.length > 32 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`hdf5-writer: dataset '${name}': invalid shape ${JSON.stringify(shape)}`);
  }
}

/** The C-order little-endian bytes of a numeric dataset (a view, no copy, when possible). */
function numericBytes(name: string, type: H5NumericType, shape: number[], data: ArrayBufferView): Uint8Array {
  const allowed = ARRAY_TYPES[type];
  if (!allowed.some((c) => data instanceof c)) {
    throw new TypeError(`hdf5-writer: dataset '${name}' of type ${type} needs a ${allowed.map((c) => c.name).join(' or ')}, got ${data.constructor.name}`);
  }
  const count = product(shape);
  let view = data;
  if (type === 'f2' && data instanceof Float32Array) {
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = float32ToFloat16Bits(data[i]);
    view = bits;
  }
  if (view.byteLength !== count * numericSize(type)) {
    throw new Error(`hdf5-writer: dataset '${name}': ${view.byteLength / numericSize(type)} values for shape ${JSON.stringify(shape)} (${count})`);
  }
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name === '.' || name.includes('/') || name.includes('\0')) {
    throw new Error(`hdf5-writer: invalid ${kind} name ${JSON.stringify(name)}`);
  }
}

/** Writes every string attribute value into global heaps; returns a lookup of their references. */
function writeAttributeStrings(sink: FileSink, owners: (Record<string, H5Attr> | undefined)[]): Map<string, HeapRef>[] {
  const values: Uint8Array[] = [];
  const slots: { owner: number; key: string }[] = [];
  owners.forEach((attrs, owner) => {
    for (const [key, v] of Object.entries(attrs ?? {})) {
      checkName('attribute', key);
      if (typeof v === 'string') {
        values.push(utf8.encode(v));
        slots.push({ owner, key });
      } else if (typeof v !== 'number') {
        throw new TypeError(`hdf5-writer: attribute '${key}' must be a string or a number`);
      }
    }
  });
  const refs = writeGlobalHeap(sink, values);
  const maps = owners.map(() => new Map<string, HeapRef>());
  slots.forEach((s, i) => maps[s.owner].set(s.key, refs[i]));
  return maps;
}

function attributeMessages(attrs: Record<string, H5Attr> | undefined, strings: Map<string, HeapRef>): HeaderMessage[] {
  return Object.entries(attrs ?? {}).map(([key, v]) => {
    const body = typeof v === 'number'
      ? attributeMessage(key, numericDatatype('f8'), new ByteWriter(8).f64(v).finish())
      : attributeMessage(key, vlenDatatype('string'), encodeHeapRefs([strings.get(key) as HeapRef]));
    return { type: MSG.attribute, flags: 0, body };
  });
}

/** Writes one dataset's data and object header; returns the header address. */
function writeDataset(sink: FileSink, spec: H5DatasetSpec, attrStrings: Map<string, HeapRef>): number {
  const { name } = spec;
  const msgs: HeaderMessage[] = [];
  const contiguous = (shape: number[], datatype: Uint8Array, bytes: Uint8Array, fillTime: 'alloc' | 'ifset'): void => {
    const addr = bytes.length > 0 ? sink.append(bytes) : UNDEFINED_ADDR;
    msgs.push(
      { type: MSG.dataspace, flags: FLAG_CONSTANT, body: dataspace(shape) },
      { type: MSG.datatype, flags: FLAG_CONSTANT, body: datatype },
      { type: MSG.fillValue, flags: FLAG_CONSTANT, body: fillValue('late', fillTime) },
      { type: MSG.layout, flags: 0, body: contiguousLayout(addr, bytes.length) },
    );
  };

  if (spec.type === 'vlen-str' || spec.type === 'vlen-u1') {
    if (!Array.isArray(spec.values)) throw new TypeError(`hdf5-writer: dataset '${name}' needs a values array`);
    const objects = spec.type === 'vlen-str'
      ? spec.values.map((s) => {
          if (typeof s !== 'string') throw new TypeError(`hdf5-writer: dataset '${name}': every value must be a string`);
          return utf8.encode(s); // '' is stored as a zero-length heap object, as HDF5 does
        })
      : spec.values.map((b) => {
          if (!(b instanceof Uint8Array)) throw new TypeError(`hdf5-writer: dataset '${name}': every value must be a Uint8Array`);
          return b.length > 0 ? b : null; // an empty sequence is a null reference, as HDF5 does
        });
    const refs = writeGlobalHeap(sink, objects);
    contiguous([spec.values.length], vlenDatatype(spec.type === 'vlen-str' ? 'string' : 'u1'), encodeHeapRefs(refs), 'alloc');
  } else if (spec.type === 'bool') {
    checkShape(name, spec.shape);
    if (!(spec.data instanceof Uint8Array)) throw new TypeError(`hdf5-writer: bool dataset '${name}' needs a Uint8Array of 0/1`);
    if (spec.data.length !== product(spec.shape)) throw new Error(`hdf5-writer: dataset '${name}': ${spec.data.length} values for shape ${JSON.stringify(spec.shape)}`);
    if (spec.data.some((v) => v > 1)) throw new Error(`hdf5-writer: bool dataset '${name}' may only hold 0 and 1`);
    contiguous(spec.shape, boolDatatype(), spec.data, 'ifset');
  } else {
    if (!(spec.type in ARRAY_TYPES)) throw new Error(`hdf5-writer: dataset '${name}': unknown type ${JSON.stringify(spec.type)}`);
    checkShape(name, spec.shape);
    const bytes = numericBytes(name, spec.type, spec.shape, spec.data);
    const elementSize = numericSize(spec.type);
    if (spec.chunks === undefined) {
      if (spec.gzip !== undefined || spec.shuffle) throw new Error(`hdf5-writer: dataset '${name}': gzip/shuffle need chunks`);
      contiguous(spec.shape, numericDatatype(spec.type), bytes, 'ifset');
    } else {
      validateChunks(name, spec.shape, spec.chunks, elementSize);
      if (spec.gzip !== undefined && !(Number.isInteger(spec.gzip) && spec.gzip >= 0 && spec.gzip <= 9)) {
        throw new Error(`hdf5-writer: dataset '${name}': gzip level must be 0..9`);
      }
      const opts = { shape: spec.shape, chunks: spec.chunks, elementSize, shuffle: spec.shuffle === true, gzip: spec.gzip };
      const btree = writeChunked(sink, bytes, opts);
      const filters = chunkFilters(opts);
      msgs.push(
        { type: MSG.dataspace, flags: FLAG_CONSTANT, body: dataspace(spec.shape) },
        { type: MSG.datatype, flags: FLAG_CONSTANT, body: numericDatatype(spec.type) },
        { type: MSG.fillValue, flags: FLAG_CONSTANT, body: fillValue('incremental', 'alloc') },
      );
      if (filters.length > 0) msgs.push({ type: MSG.filterPipeline, flags: FLAG_CONSTANT, body: filterPipeline(filters) });
      msgs.push({ type: MSG.layout, flags: 0, body: chunkedLayout(btree, spec.chunks, elementSize) });
    }
  }
  msgs.push(...attributeMessages(spec.attrs, attrStrings));
  return sink.append(objectHeaderV1(msgs));
}

interface Link {
  name: Uint8Array;
  header: number;
}

/** Writes the root group's local heap, symbol table nodes and B-tree. */
function writeRootGroup(sink: FileSink, links: Link[]): { btree: number; heap: number } {
  const sorted = [...links].sort((a, b) => compareBytes(a.name, b.name));
  // Local heap data segment: offset 0 is the empty string, then the names, then one free block.
  const data = new ByteWriter(256);
  data.zeros(8);
  const offsets = sorted.map((l) => {
    const at = data.length;
    data.bytes(l.name).u8(0).pad(8);
    return at;
  });
  const freeAt = data.length;
  data.u64(1).u64(16); // free block: next = 1 (end of list, as HDF5 writes), size
  const heapHeader = new ByteWriter(32);
  const heapHeaderSize = 32;
  const expectedHeapAt = Math.ceil(sink.size / 8) * 8;
  heapHeader.bytes(utf8.encode('HEAP')).u8(0).zeros(3).u64(data.length).u64(freeAt).addr(expectedHeapAt + heapHeaderSize);
  const heapAddr = sink.append(concat(heapHeader.finish(), data.finish()));
  if (heapAddr !== expectedHeapAt) throw new Error('hdf5-writer: local heap placement');

  // Symbol table nodes of at most 2K entries each.
  const perNode = 2 * GROUP_LEAF_K;
  const entries: { key: Uint8Array; child: number }[] = [];
  const keyOf = (offset: number): Uint8Array => new ByteWriter(8).u64(offset).finish();
  for (let start = 0; start < sorted.length; start += perNode) {
    const w = new ByteWriter(8 + perNode * SYMBOL_ENTRY_SIZE);
    const count = Math.min(perNode, sorted.length - start);
    w.bytes(utf8.encode('SNOD')).u8(1).u8(0).u16(count);
    for (let i = start; i < start + count; i++) w.u64(offsets[i]).addr(sorted[i].header).u32(0).u32(0).zeros(16);
    w.zeros(8 + perNode * SYMBOL_ENTRY_SIZE - w.length);
    // Key before child i: the last name of child i-1 (the empty string for the first).
    entries.push({ key: keyOf(start === 0 ? 0 : offsets[start - 1]), child: sink.append(w.finish()) });
  }
  const finalKey = keyOf(sorted.length > 0 ? offsets[sorted.length - 1] : 0);
  const btree = writeBTreeV1(sink, { nodeType: 0, maxChildren: 2 * GROUP_INTERNAL_K, keySize: 8, entries, finalKey });
  return { btree, heap: heapAddr };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function superblock(rootHeader: number, btree: number, heap: number, eof: number): Uint8Array {
  const w = new ByteWriter(SUPERBLOCK_SIZE);
  w.bytes(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0); // versions: superblock, free space, root entry, -, shared header; sizes
  w.u16(GROUP_LEAF_K).u16(GROUP_INTERNAL_K).u32(0); // K values, consistency flags
  w.addr(0).addr(UNDEFINED_ADDR).addr(eof).addr(UNDEFINED_ADDR); // base, free space, EOF, driver info
  // Root group symbol table entry, caching the B-tree and heap addresses (cache type 1).
  w.u64(0).addr(rootHeader).u32(1).u32(0).addr(btree).addr(heap);
  if (w.length !== SUPERBLOCK_SIZE) throw new Error('hdf5-writer: superblock size');
  return w.finish();
}

export function writeHdf5(datasets: H5DatasetSpec[], opts: { rootAttrs?: Record<string, H5Attr> } = {}): Uint8Array {
  assertLittleEndianHost();
  const seen = new Set<string>();
  for (const d of datasets) {
    checkName('dataset', d.name);
    if (seen.has(d.name)) throw new Error(`hdf5-writer: duplicate dataset name '${d.name}'`);
    seen.add(d.name);
  }
  const sink = new FileSink(SUPERBLOCK_SIZE);
  const attrStrings = writeAttributeStrings(sink, [opts.rootAttrs, ...datasets.map((d) => d.attrs)]);
  const links = datasets.map((d, i) => ({ name: utf8.encode(d.name), header: writeDataset(sink, d, attrStrings[i + 1]) }));
  const group = writeRootGroup(sink, links);
  const root = sink.append(objectHeaderV1([
    { type: MSG.symbolTable, flags: 0, body: symbolTableMessage(group.btree, group.heap) },
    ...attributeMessages(opts.rootAttrs, attrStrings[0]),
  ]));
  return sink.finish(superblock(root, group.btree, group.heap, sink.size));
}
