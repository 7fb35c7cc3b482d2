/**
 * A small read-only HDF5 reader that fetches only the bytes it needs through
 * an async range source (HTTP Range on S3, `File.slice` on a local file).
 *
 * Scope: what the stimulus files need (bucket-layout.md §6):
 * - one element of a 1-D variable-length uint8 dataset (`images` of
 *   task-images_stimuli.h5): its 16-byte heap reference, then the global heap
 *   collection that holds it;
 * - one index along axis 0 of a chunked (optionally shuffle + deflate)
 *   dataset (`masks` of the segmentations file), chunk by chunk via the
 *   v1 B-tree chunk index.
 * Format coverage: superblock v0–v3; object headers v1 and v2 with
 * continuations; old-style (symbol table) and compact new-style (link
 * message) groups; layout message v1–v3 (contiguous, compact, chunked with
 * v1 B-tree). Anything else (dense link storage, v4 chunk indexes, other
 * filters) fails with an Hdf5Error naming the file and the feature.
 *
 * The opened structure (superblock, dataset headers, heap-reference blocks,
 * B-tree nodes) is cached in the `Hdf5File`, so the second read of the same
 * file only fetches its payload.
 */

export interface RangeSource {
  /** A name for messages (bucket key or file name). */
  readonly name: string;
  /** Bytes [offset, offset + length); may return fewer only at the end of the file. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
}

export class Hdf5Error extends Error {
  readonly fileName: string;
  constructor(fileName: string, fault: string) {
    super(`${fileName}: ${fault}`);
    this.name = 'Hdf5Error';
    this.fileName = fileName;
  }
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEF = Number.MAX_SAFE_INTEGER;
/** Metadata is read in pages of this size (and cached). */
const PAGE = 4096;

export interface DatasetInfo {
  name: string;
  shape: number[];
  /** 'vlen-u8' for a sequence of uint8; 'u1' etc. for fixed-size numbers. */
  dtype: { kind: 'vlen-u8' } | { kind: 'fixed'; size: number; signed: boolean; cls: number };
  layout:
    | { kind: 'contiguous'; address: number; size: number }
    | { kind: 'compact'; data: Uint8Array }
    | { kind: 'chunked'; btree: number; chunk: number[]; elementSize: number };
  filters: Array<{ id: number; clientData: number[]; optional: boolean }>;
}

class Cursor {
  pos: number;
  readonly v: DataView;
  constructor(readonly b: Uint8Array, pos = 0) {
    this.pos = pos;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8(): number {
    return this.v.getUint8(this.pos++);
  }
  u16(): number {
    const x = this.v.getUint16(this.pos, true);
    this.pos += 2;
    return x;
  }
  u32(): number {
    const x = this.v.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }
  uN(n: number): number {
    let x = 0;
    let allOnes = true;
    for (let i = 0; i < n; i++) {
      const byte = this.v.getUint8(this.pos + i);
      if (byte !== 0xff) allOnes = false;
      x += byte * 2 ** (8 * i);
    }
    this.pos += n;
    return allOnes ? UNDEF : x;
  }
  skip(n: number): this {
    this.pos += n;
    return this;
  }
  bytes(n: number): Uint8Array {
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  sig(s: string): boolean {
    for (let i = 0; i < s.length; i++) if (this.b[this.pos + i] !== s.charCodeAt(i)) return false;
    this.pos += s.length;
    return true;
  }
}

interface Message {
  type: number;
  body: Uint8Array;
}

/**
 * Waits for a promise shared by several callers, giving up when this
 * caller's signal aborts. The shared work itself is never bound to one
 * caller's signal: one cancelled reader must not fail the others.
 */
function waitFor<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Inflates a zlib stream (HDF5's deflate filter) with the platform's DecompressionStream. */
async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const ds = new DecompressionStream('deflate');
  const out = new Response(new Blob([data as BlobPart]).stream().pipeThrough(ds));
  return new Uint8Array(await out.arrayBuffer());
}

function unshuffle(src: Uint8Array, elementSize: number): Uint8Array {
  if (elementSize <= 1) return src;
  const n = Math.floor(src.length / elementSize);
  const out = new Uint8Array(src.length);
  for (let j = 0; j < elementSize; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[i * elementSize + j] = src[base + i];
  }
  out.set(src.subarray(n * elementSize), n * elementSize);
  return out;
}

export class Hdf5File {
  private offsetSize = 8;
  private lengthSize = 8;
  private rootHeader = 0;
  private readonly pages = new Map<number, Promise<Uint8Array>>();
  private readonly datasets = new Map<string, Promise<DatasetInfo>>();
  private readonly refBlocks = new Map<string, Promise<Uint8Array>>();
  private readonly btreeNodes = new Map<number, Promise<Uint8Array>>();
  private opened: Promise<void> | null = null;

  constructor(readonly src: RangeSource) {}

  private fail(fault: string): never {
    throw new Hdf5Error(this.src.name, fault);
  }

  /** Reads metadata through a page cache (metadata is small; payloads bypass it). */
  private async meta(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + length - 1) / PAGE);
    const parts: Uint8Array[] = [];
    // Fetch the missing run of pages in one request.
    let missingFrom = -1;
    for (let p = first; p <= last + 1; p++) {
      const missing = p <= last && !this.pages.has(p);
      if (missing && missingFrom < 0) missingFrom = p;
      if (!missing && missingFrom >= 0) {
        const from = missingFrom;
        const count = p - from;
        const all = this.src.read(from * PAGE, count * PAGE); // shared by every reader of these pages
        for (let k = 0; k < count; k++) {
          const page = all.then((b) => b.subarray(k * PAGE, (k + 1) * PAGE));
          page.catch(() => this.pages.delete(from + k));
          this.pages.set(from + k, page);
        }
        missingFrom = -1;
      }
    }
    for (let p = first; p <= last; p++) parts.push(await waitFor(this.pages.get(p)!, signal));
    const joined = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    const start = offset - first * PAGE;
    if (joined.length < start + length) this.fail(`the file ends before byte ${offset + length} (truncated or not HDF5).`);
    return joined.subarray(start, start + length);
  }

  private open(signal?: AbortSignal): Promise<void> {
    this.opened ??= this.readSuperblock().catch((e) => {
      this.opened = null;
      throw e;
    });
    return waitFor(this.opened, signal);
  }

  private async readSuperblock(signal?: AbortSignal): Promise<void> {
    const base = 0;
    const sig = await this.meta(0, 8, signal);
    if (!SIGNATURE.every((x, i) => sig[i] === x)) this.fail('not an HDF5 file (no HDF5 signature at the start; files with a user block are not supported).');
    const head = new Cursor(await this.meta(base, 96, signal).catch(() => this.meta(base, 48, signal)));
    head.skip(8);
    const version = head.u8();
    if (version === 0 || version === 1) {
      head.skip(4);
      this.offsetSize = head.u8();
      this.lengthSize = head.u8();
      head.skip(1 + 4 + 4);
      if (version === 1) head.skip(4);
      const O = this.offsetSize;
      head.skip(4 * O); // base, free space, EOF, driver info
      head.uN(O); // root link name offset
      this.rootHeader = head.uN(O);
    } else if (version === 2 || version === 3) {
      this.offsetSize = head.u8();
      this.lengthSize = head.u8();
      head.skip(1);
      const O = this.offsetSize;
      head.skip(3 * O); // base, extension, EOF
      this.rootHeader = head.uN(O);
    } else this.fail(`unsupported HDF5 superblock version ${version}.`);
    if (this.offsetSize !== 8 && this.offsetSize !== 4) this.fail(`unsupported offset size ${this.offsetSize}.`);
  }

  /** All messages of an object header (v1 or v2), following continuation blocks. */
  private async headerMessages(addr: number, signal?: AbortSignal): Promise<Message[]> {
    const first = await this.meta(addr, 16, signal);
    const msgs: Message[] = [];
    const blocks: Array<{ addr: number; len: number; v2: boolean; cont: boolean }> = [];
    let v2flags = 0;
    if (first[0] === 1) {
      const c = new Cursor(first);
      c.skip(2);
      c.u16(); // message count
      c.u32();
      const size = c.u32();
      blocks.push({ addr: addr + 16, len: size, v2: false, cont: false });
    } else if (new Cursor(first).sig('OHDR')) {
      const pre = new Cursor(await this.meta(addr, 32, signal));
      pre.skip(4);
      if (pre.u8() !== 2) this.fail(`object header at ${addr}: unsupported version.`);
      const flags = pre.u8();
      if (flags & 0x20) pre.skip(16);
      if (flags & 0x10) pre.skip(4);
      const sizeBytes = 1 << (flags & 3);
      const size = pre.uN(sizeBytes);
      v2flags = flags;
      blocks.push({ addr: addr + pre.pos, len: size, v2: true, cont: false });
    } else this.fail(`no object header at address ${addr}.`);

    for (let bi = 0; bi < blocks.length && bi < 1000; bi++) {
      const blk = blocks[bi];
      const data = await this.meta(blk.addr, blk.len, signal);
      const c = new Cursor(data);
      const flags = v2flags;
      if (blk.v2 && blk.cont && !c.sig('OCHK')) this.fail(`object header continuation at ${blk.addr} lacks its OCHK signature.`);
      const end = blk.v2 ? blk.len - (blk.cont ? 4 : 0) : blk.len;
      while (c.pos + (blk.v2 ? 4 : 8) <= end) {
        let type: number;
        let size: number;
        if (blk.v2) {
          type = c.u8();
          size = c.u16();
          c.u8();
          if (flags & 0x04) c.skip(2);
        } else {
          type = c.u16();
          size = c.u16();
          c.skip(4);
        }
        if (c.pos + size > data.length) break;
        const body = c.bytes(size);
        if (type === 0x10) {
          const cc = new Cursor(body);
          const at = cc.uN(this.offsetSize);
          const len = cc.uN(this.lengthSize);
          blocks.push({ addr: at, len, v2: blk.v2, cont: true });
        } else if (type !== 0) msgs.push({ type, body });
      }
    }
    return msgs;
  }

  /** Object header address of a child of the root group. */
  private async lookup(name: string, signal?: AbortSignal): Promise<number> {
    await this.open(signal);
    const msgs = await this.headerMessages(this.rootHeader, signal);
    const O = this.offsetSize;
    const L = this.lengthSize;
    const symtab = msgs.find((m) => m.type === 0x11);
    if (symtab) {
      const c = new Cursor(symtab.body);
      const btree = c.uN(O);
      const heap = c.uN(O);
      const hh = new Cursor(await this.meta(heap, 8 + 2 * L + O, signal));
      if (!hh.sig('HEAP')) this.fail('the root group local heap is damaged.');
      hh.skip(4);
      const heapSize = hh.uN(L);
      hh.uN(L);
      const heapData = await this.meta(hh.uN(O), heapSize, signal);
      const nameAt = (off: number) => {
        let e = off;
        while (e < heapData.length && heapData[e] !== 0) e++;
        return new TextDecoder().decode(heapData.subarray(off, e));
      };
      const visit = async (addr: number, depth: number): Promise<number | null> => {
        if (depth > 20) this.fail('the group B-tree is too deep (damaged file).');
        const head = new Cursor(await this.meta(addr, 8 + 2 * O, signal));
        if (head.sig('SNOD')) {
          head.skip(2);
          const n = head.u16();
          const entry = 2 * O + 24;
          const body = new Cursor(await this.meta(addr + 8, n * entry, signal));
          for (let i = 0; i < n; i++) {
            const off = body.uN(O);
            const hdr = body.uN(O);
            body.skip(24);
            if (nameAt(off) === name) return hdr;
          }
          return null;
        }
        if (!head.sig('TREE')) this.fail(`group B-tree node at ${addr} is damaged.`);
        head.skip(2);
        const n = head.u16();
        const node = new Cursor(await this.meta(addr + 8 + 2 * O, (n + 1) * L + n * O, signal));
        for (let i = 0; i < n; i++) {
          node.uN(L);
          const child = node.uN(O);
          const hit = await visit(child, depth + 1);
          if (hit !== null) return hit;
        }
        return null;
      };
      const hit = await visit(btree, 0);
      if (hit === null) this.fail(`there is no dataset '${name}' in the file.`);
      return hit;
    }
    for (const m of msgs) {
      if (m.type === 0x02) {
        const c = new Cursor(m.body);
        c.skip(1);
        const flags = c.u8();
        if (flags & 1) c.skip(8);
        if (c.uN(O) !== UNDEF) this.fail('groups with dense link storage are not supported.');
      }
      if (m.type !== 0x06) continue;
      const c = new Cursor(m.body);
      c.u8();
      const flags = c.u8();
      const linkType = flags & 0x08 ? c.u8() : 0;
      if (flags & 0x04) c.skip(8);
      if (flags & 0x10) c.skip(1);
      const len = c.uN(1 << (flags & 3));
      const linkName = new TextDecoder().decode(c.bytes(len));
      if (linkName === name && linkType === 0) return c.uN(O);
    }
    this.fail(`there is no dataset '${name}' in the file.`);
  }

  /** Shape, type, layout and filters of a dataset in the root group (cached). */
  dataset(name: string, signal?: AbortSignal): Promise<DatasetInfo> {
    let p = this.datasets.get(name);
    if (!p) {
      p = this.readDataset(name);
      p.catch(() => this.datasets.delete(name));
      this.datasets.set(name, p);
    }
    return waitFor(p, signal);
  }

  private async readDataset(name: string, signal?: AbortSignal): Promise<DatasetInfo> {
    const addr = await this.lookup(name, signal);
    const msgs = await this.headerMessages(addr, signal);
    const O = this.offsetSize;
    const L = this.lengthSize;
    const get = (t: number) => msgs.find((m) => m.type === t);
    const ds = get(0x01);
    const dt = get(0x03);
    const lay = get(0x08);
    if (!ds || !dt || !lay) this.fail(`'${name}' is not a dataset.`);
    // Dataspace
    const s = new Cursor(ds.body);
    const sv = s.u8();
    const rank = s.u8();
    s.u8();
    if (sv === 1) s.skip(5);
    else s.skip(1);
    const shape: number[] = [];
    for (let i = 0; i < rank; i++) shape.push(s.uN(L));
    // Datatype
    const t = new Cursor(dt.body);
    const cls = t.u8() & 0x0f;
    const bits0 = t.u8();
    t.skip(2);
    const size = t.u32();
    let dtype: DatasetInfo['dtype'];
    if (cls === 9) {
      const vlType = bits0 & 0x0f;
      t.skip(0);
      const baseCls = t.u8() & 0x0f;
      t.skip(3);
      const baseSize = t.u32();
      if (vlType !== 0 || baseCls !== 0 || baseSize !== 1) this.fail(`'${name}' is a variable-length type other than a sequence of uint8.`);
      dtype = { kind: 'vlen-u8' };
    } else if (cls === 0 || cls === 1 || cls === 8) {
      if (bits0 & 1) this.fail(`'${name}' is big-endian; not supported.`);
      dtype = { kind: 'fixed', size, signed: cls === 0 && (bits0 & 0x08) !== 0, cls };
    } else this.fail(`'${name}' has HDF5 type class ${cls}, not supported.`);
    // Layout
    const l = new Cursor(lay.body);
    const lv = l.u8();
    let layout: DatasetInfo['layout'];
    if (lv === 3 || lv === 4) {
      const lc = l.u8();
      if (lc === 0) layout = { kind: 'compact', data: l.bytes(l.u16()) };
      else if (lc === 1) layout = { kind: 'contiguous', address: l.uN(O), size: l.uN(L) };
      else if (lc === 2 && lv === 4) this.fail(`'${name}' uses data layout message version 4 (its chunk index type is not supported; v1 B-tree indexes are).`);
      else if (lc === 2) {
        const dims = l.u8();
        const btree = l.uN(O);
        const all: number[] = [];
        for (let i = 0; i < dims; i++) all.push(l.u32());
        layout = { kind: 'chunked', btree, chunk: all.slice(0, -1), elementSize: all[all.length - 1] };
      } else this.fail(`'${name}' has layout class ${lc}, not supported.`);
    } else if (lv === 1 || lv === 2) {
      const dims = l.u8();
      const lc = l.u8();
      l.skip(5);
      const address = lc === 0 ? 0 : l.uN(O);
      const all: number[] = [];
      for (let i = 0; i < dims; i++) all.push(l.u32());
      if (lc === 1) layout = { kind: 'contiguous', address, size: all.reduce((a, b) => a * b, 1) };
      else if (lc === 2) layout = { kind: 'chunked', btree: address, chunk: all.slice(0, -1), elementSize: l.u32() };
      else layout = { kind: 'compact', data: l.bytes(l.u32()) };
    } else this.fail(`'${name}' uses data layout message version ${lv} (newer chunk indexes are not supported).`);
    // Filters
    const filters: DatasetInfo['filters'] = [];
    const fp = get(0x0b);
    if (fp) {
      const f = new Cursor(fp.body);
      const fv = f.u8();
      const n = f.u8();
      if (fv === 1) f.skip(6);
      for (let i = 0; i < n; i++) {
        const id = f.u16();
        const nameLen = fv === 1 || id >= 256 ? f.u16() : 0;
        const flags = f.u16();
        const nv = f.u16();
        if (nameLen) f.skip(fv === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen);
        const clientData: number[] = [];
        for (let k = 0; k < nv; k++) clientData.push(f.u32());
        if (fv === 1 && nv % 2 === 1) f.skip(4);
        filters.push({ id, clientData, optional: (flags & 1) !== 0 });
      }
      for (const flt of filters) if (![1, 2, 3].includes(flt.id)) this.fail(`'${name}' uses HDF5 filter ${flt.id}; only deflate, shuffle and fletcher32 are supported.`);
    }
    return { name, shape, dtype, layout, filters };
  }

  private async decodeChunk(info: DatasetInfo, raw: Uint8Array, mask: number): Promise<Uint8Array> {
    let data = raw;
    for (let i = info.filters.length - 1; i >= 0; i--) {
      if (mask & (1 << i)) continue;
      const f = info.filters[i];
      if (f.id === 1) {
        try {
          data = await inflate(data);
        } catch (e) {
          this.fail(`a compressed chunk of '${info.name}' does not inflate (${(e as Error).message}); the file is damaged.`);
        }
      } else if (f.id === 2) data = unshuffle(data, f.clientData[0] ?? (info.layout.kind === 'chunked' ? info.layout.elementSize : 1));
      else if (f.id === 3) data = data.subarray(0, data.length - 4);
    }
    return data;
  }

  private btreeNode(addr: number, size: number, signal?: AbortSignal): Promise<Uint8Array> {
    let p = this.btreeNodes.get(addr);
    if (!p) {
      p = this.src.read(addr, size);
      p.catch(() => this.btreeNodes.delete(addr));
      this.btreeNodes.set(addr, p);
    }
    return waitFor(p, signal);
  }

  /** Chunks (offset, address, stored size, filter mask) whose axis-0 range contains `index`. */
  private async chunksAt(info: DatasetInfo, index: number, signal?: AbortSignal): Promise<Array<{ offset: number[]; addr: number; size: number; mask: number }>> {
    if (info.layout.kind !== 'chunked') throw new Error('not chunked');
    const rank = info.shape.length;
    const c0 = info.layout.chunk[0];
    const O = this.offsetSize;
    const keySize = 8 + 8 * (rank + 1);
    const out: Array<{ offset: number[]; addr: number; size: number; mask: number }> = [];
    const visit = async (addr: number, depth: number): Promise<void> => {
      if (depth > 30) this.fail(`the chunk index of '${info.name}' is too deep (damaged file).`);
      const head = new Cursor(await this.btreeNode(addr, 8 + 2 * O, signal));
      if (!head.sig('TREE')) this.fail(`the chunk index of '${info.name}' is damaged (no B-tree node at ${addr}).`);
      head.skip(1);
      const level = head.u8();
      const n = head.u16();
      const c = new Cursor(await this.btreeNode(addr + 8 + 2 * O, (n + 1) * keySize + n * O, signal));
      const keys: Array<{ size: number; mask: number; offset: number[] }> = [];
      const children: number[] = [];
      for (let i = 0; i <= n; i++) {
        const size = c.u32();
        const mask = c.u32();
        const offset: number[] = [];
        for (let d = 0; d <= rank; d++) offset.push(Number(c.v.getBigUint64((c.pos += 8) - 8, true)));
        keys.push({ size, mask, offset: offset.slice(0, rank) });
        if (i < n) children.push(c.uN(O));
      }
      for (let i = 0; i < n; i++) {
        const lo = keys[i].offset[0];
        const hi = keys[i + 1].offset[0];
        if (level === 0) {
          if (lo <= index && index < lo + c0) out.push({ offset: keys[i].offset, addr: children[i], size: keys[i].size, mask: keys[i].mask });
        } else if (lo <= index && (i === n - 1 || hi > index - c0)) await visit(children[i], depth + 1);
      }
    };
    await visit(info.layout.btree, 0);
    return out;
  }

  /**
   * The (rank-1)-D slab `dataset[index]` (e.g. one mask of `masks`), as raw
   * bytes in C order. Reads only the chunks that hold it.
   */
  async readSlab(name: string, index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const info = await this.dataset(name, signal);
    if (info.dtype.kind !== 'fixed') this.fail(`'${name}' is not a fixed-size dataset.`);
    if (index < 0 || index >= info.shape[0]) this.fail(`index ${index} is outside '${name}' (${info.shape[0]} entries).`);
    const es = info.dtype.size;
    const inner = info.shape.slice(1);
    const slabElems = inner.reduce((a, b) => a * b, 1);
    if (info.layout.kind === 'contiguous') {
      return this.src.read(info.layout.address + index * slabElems * es, slabElems * es, signal);
    }
    if (info.layout.kind === 'compact') return info.layout.data.slice(index * slabElems * es, (index + 1) * slabElems * es);
    const chunk = info.layout.chunk;
    const out = new Uint8Array(slabElems * es);
    const chunks = await this.chunksAt(info, index, signal);
    const rank = info.shape.length;
    for (const ch of chunks) {
      const raw = await this.src.read(ch.addr, ch.size, signal);
      const data = await this.decodeChunk(info, raw, ch.mask);
      const chunkElems = chunk.reduce((a, b) => a * b, 1);
      if (data.length !== chunkElems * es) this.fail(`a chunk of '${name}' decodes to ${data.length} bytes, expected ${chunkElems * es}.`);
      // Copy plane (index - offset0) of the chunk into the slab, row by row along the last axis.
      const plane = index - ch.offset[0];
      const cStride = new Array<number>(rank).fill(1);
      const sStride = new Array<number>(rank).fill(1);
      for (let d = rank - 2; d >= 0; d--) {
        cStride[d] = cStride[d + 1] * chunk[d + 1];
        sStride[d] = sStride[d + 1] * info.shape[d + 1];
      }
      const extent = ch.offset.map((o, d) => Math.min(chunk[d], info.shape[d] - o));
      const runBytes = extent[rank - 1] * es;
      const pos = new Array<number>(rank).fill(0);
      pos[0] = plane;
      for (;;) {
        let src = 0;
        let dst = 0;
        for (let d = 0; d < rank; d++) src += pos[d] * cStride[d];
        for (let d = 1; d < rank; d++) dst += (ch.offset[d] + pos[d]) * sStride[d];
        out.set(data.subarray(src * es, src * es + runBytes), dst * es);
        let d = rank - 2;
        for (; d >= 1; d--) {
          if (++pos[d] < extent[d]) break;
          pos[d] = 0;
        }
        if (d < 1) break;
      }
    }
    return out;
  }

  /** The 16-byte heap references of elements [start, start+count) of a 1-D vlen dataset (blocks of 256 cached). */
  private async heapRef(info: DatasetInfo, index: number, signal?: AbortSignal): Promise<{ length: number; collection: number; objectIndex: number }> {
    const refSize = 4 + this.offsetSize + 4;
    const per = 256;
    const block = Math.floor(index / per);
    const key = `${info.name}:${block}`;
    let p = this.refBlocks.get(key);
    if (!p) {
      const first = block * per;
      const count = Math.min(per, info.shape[0] - first);
      if (info.layout.kind === 'contiguous') p = this.src.read(info.layout.address + first * refSize, count * refSize);
      else if (info.layout.kind === 'compact') p = Promise.resolve(info.layout.data.subarray(first * refSize, (first + count) * refSize));
      else {
        // Chunked heap references: gather the chunks that cover this block.
        const chunked = info;
        p = (async () => {
          const out = new Uint8Array(count * refSize);
          const c0 = (chunked.layout as { chunk: number[] }).chunk[0];
          for (let at = first; at < first + count; ) {
            const chunks = await this.chunksAt(chunked, at);
            if (chunks.length !== 1) this.fail(`'${chunked.name}': no chunk holds element ${at}.`);
            const ch = chunks[0];
            const data = await this.decodeChunk(chunked, await this.src.read(ch.addr, ch.size), ch.mask);
            const from = at - ch.offset[0];
            const upto = Math.min(first + count, ch.offset[0] + c0);
            out.set(data.subarray(from * refSize, (from + upto - at) * refSize), (at - first) * refSize);
            at = upto;
          }
          return out;
        })();
      }
      p.catch(() => this.refBlocks.delete(key));
      this.refBlocks.set(key, p);
    }
    const c = new Cursor(await waitFor(p, signal), (index - block * per) * refSize);
    return { length: c.u32(), collection: c.uN(this.offsetSize), objectIndex: c.u32() };
  }

  /** Element `index` of a 1-D variable-length uint8 dataset (e.g. one encoded image of `images`). */
  async readVlenBytes(name: string, index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const info = await this.dataset(name, signal);
    if (info.dtype.kind !== 'vlen-u8' || info.shape.length !== 1) this.fail(`'${name}' is not a 1-D variable-length uint8 dataset.`);
    if (!Number.isInteger(index) || index < 0 || index >= info.shape[0]) this.fail(`index ${index} is outside '${name}' (${info.shape[0]} entries).`);
    const ref = await this.heapRef(info, index, signal);
    if (ref.length === 0) return new Uint8Array(0);
    if (ref.collection === UNDEF || ref.collection === 0) this.fail(`element ${index} of '${name}' has no data.`);
    const L = this.lengthSize;
    // One request usually suffices: the header plus the object when it is the first one (HDF5 gives big objects their own collection).
    const guess = Math.max(PAGE, 16 + 16 + ref.length + 8);
    let col = await this.src.read(ref.collection, guess, signal);
    const h = new Cursor(col);
    if (!h.sig('GCOL')) this.fail(`element ${index} of '${name}' points at ${ref.collection}, which is not a global heap collection (damaged file).`);
    h.skip(4);
    const colSize = h.uN(L);
    if (col.length < colSize) {
      const rest = await this.src.read(ref.collection + col.length, colSize - col.length, signal);
      const joined = new Uint8Array(col.length + rest.length);
      joined.set(col, 0);
      joined.set(rest, col.length);
      col = joined;
    }
    const c = new Cursor(col, 8 + L);
    while (c.pos + 8 + L <= Math.min(colSize, col.length)) {
      const idx = c.u16();
      c.skip(6);
      const size = c.uN(L);
      if (idx === 0) break;
      if (idx === ref.objectIndex) {
        if (size < ref.length || c.pos + ref.length > col.length) this.fail(`element ${index} of '${name}' is truncated in the file.`);
        return col.slice(c.pos, c.pos + ref.length);
      }
      c.skip(Math.ceil(size / 8) * 8);
    }
    this.fail(`element ${index} of '${name}': object ${ref.objectIndex} is missing from its heap collection (damaged file).`);
  }
}

/** A RangeSource over a local File (lazy: `File.slice`, nothing copied up front). */
export function fileRangeSource(file: Blob & { name?: string }): RangeSource {
  return {
    name: file.name ?? 'local file',
    async read(offset, length) {
      return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
    },
  };
}
