/**
 * Chunked storage: cuts a C-order array into chunks (edge chunks are stored
 * full-size, zero-padded, as HDF5 does), runs the filter pipeline (shuffle
 * then deflate, like h5py's `compression='gzip', shuffle=True`), appends the
 * chunks and indexes them with a version 1 B-tree (node type 1).
 */
import { deflateSync } from 'node:zlib';
import { ByteWriter, FileSink } from './bytes.ts';
import { writeBTreeV1 } from './btree.ts';
import { DEFLATE_ID, SHUFFLE_ID, type FilterSpec } from './messages.ts';

/** 2K for chunk B-trees: HDF5's default "indexed storage internal node K" is 32. */
const CHUNK_BTREE_CHILDREN = 64;

export interface ChunkOptions {
  shape: number[];
  chunks: number[];
  elementSize: number;
  shuffle: boolean;
  /** Deflate level 0-9, or undefined for no compression. */
  gzip?: number;
}

/** The byte shuffle: byte j of element i goes to position j * n + i. */
export function shuffleBytes(src: Uint8Array, elementSize: number): Uint8Array {
  if (elementSize <= 1) return src;
  const n = Math.floor(src.length / elementSize);
  const out = new Uint8Array(src.length);
  for (let j = 0; j < elementSize; j++) {
    const base = j * n;
    for (let i = 0, s = j; i < n; i++, s += elementSize) out[base + i] = src[s];
  }
  // Trailing bytes that do not form a whole element are copied unchanged.
  out.set(src.subarray(n * elementSize), n * elementSize);
  return out;
}

export function chunkFilters(opts: ChunkOptions): FilterSpec[] {
  const filters: FilterSpec[] = [];
  if (opts.shuffle) filters.push({ id: SHUFFLE_ID, name: 'shuffle', clientData: [opts.elementSize] });
  if (opts.gzip !== undefined) filters.push({ id: DEFLATE_ID, name: 'deflate', clientData: [opts.gzip] });
  return filters;
}

export function validateChunks(name: string, shape: number[], chunks: number[], elementSize: number): void {
  if (chunks.length !== shape.length || shape.length === 0) {
    throw new Error(`hdf5-writer: dataset '${name}': chunks ${JSON.stringify(chunks)} must have the rank of shape ${JSON.stringify(shape)}`);
  }
  let bytes = elementSize;
  chunks.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1 || c > shape[i]) {
      throw new Error(`hdf5-writer: dataset '${name}': chunk dimension ${i} (${c}) must be an integer in 1..${shape[i]}`);
    }
    bytes *= c;
  });
  if (bytes >= 2 ** 32) throw new Error(`hdf5-writer: dataset '${name}': a chunk must be smaller than 4 GiB`);
}

function chunkKey(size: number, offset: number[]): Uint8Array {
  const w = new ByteWriter(8 + 8 * (offset.length + 1));
  w.u32(size).u32(0); // filtered size; filter mask 0 = all filters applied
  for (const o of offset) w.u64(o);
  w.u64(0); // the element-size "dimension"
  return w.finish();
}

/** Copies the chunk at `origin` out of the C-order source, zero-padding past the edges. */
function extractChunk(src: Uint8Array, shape: number[], chunks: number[], origin: number[], elementSize: number): Uint8Array {
  const rank = shape.length;
  const out = new Uint8Array(chunks.reduce((a, b) => a * b, elementSize));
  const extent = origin.map((o, i) => Math.min(chunks[i], shape[i] - o));
  // Row-major strides (in elements) of the source and of the chunk.
  const srcStride = new Array<number>(rank).fill(1);
  const dstStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) {
    srcStride[i] = srcStride[i + 1] * shape[i + 1];
    dstStride[i] = dstStride[i + 1] * chunks[i + 1];
  }
  const runBytes = extent[rank - 1] * elementSize;
  const idx = new Array<number>(rank).fill(0); // position within the chunk (last dim unused)
  for (;;) {
    let s = origin[rank - 1];
    let d = 0;
    for (let i = 0; i < rank - 1; i++) {
      s += (origin[i] + idx[i]) * srcStride[i];
      d += idx[i] * dstStride[i];
    }
    out.set(src.subarray(s * elementSize, s * elementSize + runBytes), d * elementSize);
    let k = rank - 2;
    while (k >= 0 && ++idx[k] >= extent[k]) idx[k--] = 0;
    if (k < 0) break;
  }
  return out;
}

/** Writes all chunks and their B-tree; returns the B-tree root address. */
export function writeChunked(sink: FileSink, src: Uint8Array, opts: ChunkOptions): number {
  const { shape, chunks, elementSize } = opts;
  const rank = shape.length;
  const grid = shape.map((s, i) => Math.ceil(s / chunks[i]));
  const entries: { key: Uint8Array; child: number }[] = [];
  const pos = new Array<number>(rank).fill(0);
  for (;;) {
    const origin = pos.map((p, i) => p * chunks[i]);
    let data = extractChunk(src, shape, chunks, origin, elementSize);
    if (opts.shuffle) data = shuffleBytes(data, elementSize);
    if (opts.gzip !== undefined) data = new Uint8Array(deflateSync(data, { level: opts.gzip }));
    const addr = sink.append(data);
    entries.push({ key: chunkKey(data.length, origin), child: addr });
    let k = rank - 1;
    while (k >= 0 && ++pos[k] >= grid[k]) pos[k--] = 0;
    if (k < 0) break;
  }
  // The right key of the last chunk lies one chunk beyond it in every dimension.
  const finalKey = chunkKey(0, grid.map((g, i) => g * chunks[i]));
  return writeBTreeV1(sink, { nodeType: 1, maxChildren: CHUNK_BTREE_CHILDREN, keySize: 8 + 8 * (rank + 1), entries, finalKey });
}
