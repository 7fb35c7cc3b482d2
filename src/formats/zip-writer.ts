/**
 * A streaming ZIP writer (APPNOTE 6.3.x) for exports that do not fit in
 * memory: entries are STORED (no compression: float32 betas barely compress
 * and stored entries let the reader memory-map them), each written as its
 * bytes arrive, with the CRC-32 and sizes in a data descriptor after the
 * data (general purpose flag bit 3) and again in the central directory.
 * ZIP64 records are added when an entry or an offset passes 4 GiB, so a
 * multi-session export of many gigabytes stays a valid archive for Python's
 * zipfile, `unzip` and every OS.
 *
 * Pure: no DOM, no Node; the bytes go to a `ByteSink`.
 */

export interface ByteSink {
  write(chunk: Uint8Array): void | Promise<void>;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // Slicing-by-4 tables: four bytes per step.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let s = 1; s < 4; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32 (IEEE) of `data`, continuing from `crc` (0 for a new one). */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = CRC_TABLE;
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const end4 = n - (n % 4);
  for (; i < end4; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < n; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const MAX32 = 0xffffffff;

interface EntryRecord {
  name: Uint8Array;
  offset: number;
  size: number;
  crc: number;
  zip64: boolean;
}

class Bytes {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  constructor(n: number) {
    this.buf = new Uint8Array(n);
    this.view = new DataView(this.buf.buffer);
  }
  u16(v: number) {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number) {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  u64(v: number) {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }
  bytes(b: Uint8Array) {
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }
  done(): Uint8Array {
    if (this.at !== this.buf.length) throw new Error(`zip record size mismatch (${this.at} of ${this.buf.length})`);
    return this.buf;
  }
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Writes one archive: `begin` → `data`* → `end` per entry, then `finish`. */
export class ZipStreamWriter {
  private offset = 0;
  private readonly entries: EntryRecord[] = [];
  private current: (EntryRecord & { written: number; expected: number }) | null = null;
  private readonly stamp: { time: number; date: number };
  private readonly names = new Set<string>();

  constructor(
    private readonly sink: ByteSink,
    date = new Date(),
  ) {
    this.stamp = dosDateTime(date);
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** The archive size for entries of these names and sizes (exact; lets a caller check free space first). */
  static archiveSize(entries: readonly { name: string; size: number }[]): number {
    let total = 0;
    let cd = 0;
    for (const e of entries) {
      const nameLen = new TextEncoder().encode(e.name).length;
      const zip64 = e.size >= MAX32;
      const offset64 = total >= MAX32;
      total += 30 + nameLen + (zip64 ? 20 : 0) + e.size + (zip64 ? 24 : 16);
      cd += 46 + nameLen + (zip64 || offset64 ? 4 + (zip64 ? 16 : 0) + (offset64 ? 8 : 0) : 0);
    }
    const needs64 = total + cd >= MAX32 || total >= MAX32 || entries.length >= 0xffff;
    return total + cd + (needs64 ? 56 + 20 : 0) + 22;
  }

  private async put(b: Uint8Array): Promise<void> {
    await this.sink.write(b);
    this.offset += b.length;
  }

  async begin(name: string, size: number): Promise<void> {
    if (this.current) throw new Error(`zip entry ${this.current.name} was not ended`);
    if (this.names.has(name)) throw new Error(`zip entry ${name} written twice`);
    this.names.add(name);
    const nameBytes = new TextEncoder().encode(name);
    const zip64 = size >= MAX32;
    const h = new Bytes(30 + nameBytes.length + (zip64 ? 20 : 0))
      .u32(0x04034b50)
      .u16(zip64 ? 45 : 20) // version needed
      .u16(0x0808) // bit 3: sizes in a data descriptor; bit 11: UTF-8 names
      .u16(0) // stored
      .u16(this.stamp.time)
      .u16(this.stamp.date)
      .u32(0)
      .u32(zip64 ? MAX32 : 0)
      .u32(zip64 ? MAX32 : 0)
      .u16(nameBytes.length)
      .u16(zip64 ? 20 : 0)
      .bytes(nameBytes);
    if (zip64) h.u16(0x0001).u16(16).u64(0).u64(0);
    this.current = { name: nameBytes, offset: this.offset, size, crc: 0, zip64, written: 0, expected: size };
    await this.put(h.done());
  }

  async data(chunk: Uint8Array): Promise<void> {
    const c = this.current;
    if (!c) throw new Error('zip data outside an entry');
    if (c.written + chunk.length > c.expected) throw new Error(`zip entry ${new TextDecoder().decode(c.name)} is longer than announced (${c.expected} bytes)`);
    c.crc = crc32(chunk, c.crc);
    c.written += chunk.length;
    await this.put(chunk);
  }

  async end(): Promise<void> {
    const c = this.current;
    if (!c) throw new Error('zip end outside an entry');
    if (c.written !== c.expected) throw new Error(`zip entry ${new TextDecoder().decode(c.name)} has ${c.written} bytes, ${c.expected} announced`);
    this.current = null;
    const d = c.zip64 ? new Bytes(24).u32(0x08074b50).u32(c.crc).u64(c.size).u64(c.size) : new Bytes(16).u32(0x08074b50).u32(c.crc).u32(c.size).u32(c.size);
    this.entries.push({ name: c.name, offset: c.offset, size: c.size, crc: c.crc, zip64: c.zip64 });
    await this.put(d.done());
  }

  /** A small entry in one call. */
  async file(name: string, bytes: Uint8Array): Promise<void> {
    await this.begin(name, bytes.length);
    await this.data(bytes);
    await this.end();
  }

  /** Central directory and end records. */
  async finish(): Promise<void> {
    if (this.current) throw new Error('zip finish with an open entry');
    const cdStart = this.offset;
    for (const e of this.entries) {
      const sizes64 = e.size >= MAX32;
      const offset64 = e.offset >= MAX32;
      const extraLen = sizes64 || offset64 ? 4 + (sizes64 ? 16 : 0) + (offset64 ? 8 : 0) : 0;
      const r = new Bytes(46 + e.name.length + extraLen)
        .u32(0x02014b50)
        .u16((3 << 8) | 45) // made by: UNIX, 4.5
        .u16(sizes64 || offset64 ? 45 : 20)
        .u16(0x0808)
        .u16(0)
        .u16(this.stamp.time)
        .u16(this.stamp.date)
        .u32(e.crc)
        .u32(sizes64 ? MAX32 : e.size)
        .u32(sizes64 ? MAX32 : e.size)
        .u16(e.name.length)
        .u16(extraLen)
        .u16(0)
        .u16(0)
        .u16(0)
        .u32((0o100644 << 16) >>> 0) // -rw-r--r--
        .u32(offset64 ? MAX32 : e.offset)
        .bytes(e.name);
      if (extraLen) {
        r.u16(0x0001).u16(extraLen - 4);
        if (sizes64) r.u64(e.size).u64(e.size);
        if (offset64) r.u64(e.offset);
      }
      await this.put(r.done());
    }
    const cdSize = this.offset - cdStart;
    const n = this.entries.length;
    const needs64 = cdStart >= MAX32 || cdSize >= MAX32 || this.offset >= MAX32 || n >= 0xffff;
    if (needs64) {
      const z64At = this.offset;
      await this.put(new Bytes(56).u32(0x06064b50).u64(44).u16((3 << 8) | 45).u16(45).u32(0).u32(0).u64(n).u64(n).u64(cdSize).u64(cdStart).done());
      await this.put(new Bytes(20).u32(0x07064b50).u32(0).u64(z64At).u32(1).done());
    }
    await this.put(
      new Bytes(22)
        .u32(0x06054b50)
        .u16(0)
        .u16(0)
        .u16(needs64 ? 0xffff : n)
        .u16(needs64 ? 0xffff : n)
        .u32(needs64 ? MAX32 : cdSize)
        .u32(needs64 ? MAX32 : cdStart)
        .u16(0)
        .done(),
    );
  }
}
