/**
 * Version 1 B-trees (format spec III.A.1), built bottom-up and appended to
 * the file: used for the root group (node type 0, children are symbol table
 * nodes) and for chunk indexes (node type 1, children are chunks).
 *
 * A node holds up to 2K children and 2K+1 keys; key i and key i+1 bound
 * child i. The reader always loads the full node size, so nodes are padded.
 */
import { ByteWriter, FileSink, UNDEFINED_ADDR } from './bytes.ts';

export interface BTreeEntry {
  /** The left key of this child (encoded). */
  key: Uint8Array;
  /** Address of the child (chunk, symbol table node or lower B-tree node). */
  child: number;
}

export interface BTreeSpec {
  nodeType: 0 | 1;
  /** 2K: the maximum number of children per node. */
  maxChildren: number;
  keySize: number;
  entries: BTreeEntry[];
  /** The right key of the last child. */
  finalKey: Uint8Array;
}

const HEADER_SIZE = 4 + 1 + 1 + 2 + 8 + 8;

export function btreeNodeSize(maxChildren: number, keySize: number): number {
  return HEADER_SIZE + maxChildren * 8 + (maxChildren + 1) * keySize;
}

/** Splits n items into the fewest groups of at most `max`, with sizes as even as possible. */
function split(n: number, max: number): number[] {
  const groups = Math.max(1, Math.ceil(n / max));
  const base = Math.floor(n / groups);
  const extra = n % groups;
  return Array.from({ length: groups }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Writes the tree and returns the address of its root node. */
export function writeBTreeV1(sink: FileSink, spec: BTreeSpec): number {
  const { nodeType, maxChildren, keySize, finalKey } = spec;
  const nodeSize = btreeNodeSize(maxChildren, keySize);
  for (const e of spec.entries) if (e.key.length !== keySize) throw new Error('hdf5-writer: B-tree key size mismatch');
  if (finalKey.length !== keySize) throw new Error('hdf5-writer: B-tree key size mismatch');

  let level = 0;
  let entries = spec.entries;
  for (;;) {
    const sizes = split(entries.length, maxChildren);
    // Nodes of one level are appended back to back; nodeSize is a multiple of 8,
    // so each node's address (and its siblings') is known before writing.
    const base = Math.ceil(sink.size / 8) * 8;
    const parents: BTreeEntry[] = [];
    let start = 0;
    sizes.forEach((count, j) => {
      const w = new ByteWriter(nodeSize);
      w.bytes(new Uint8Array([0x54, 0x52, 0x45, 0x45])); // "TREE"
      w.u8(nodeType).u8(level).u16(count);
      w.addr(j > 0 ? base + (j - 1) * nodeSize : UNDEFINED_ADDR);
      w.addr(j < sizes.length - 1 ? base + (j + 1) * nodeSize : UNDEFINED_ADDR);
      for (let i = start; i < start + count; i++) w.bytes(entries[i].key).addr(entries[i].child);
      const end = start + count;
      w.bytes(count === 0 ? finalKey : end < entries.length ? entries[end].key : finalKey);
      w.zeros(nodeSize - w.length);
      const at = sink.append(w.finish());
      if (at !== base + j * nodeSize) throw new Error('hdf5-writer: B-tree node placement');
      parents.push({ key: count === 0 ? finalKey : entries[start].key, child: at });
      start = end;
    });
    if (parents.length === 1) return parents[0].child;
    entries = parents;
    level++;
  }
}
