/**
 * Little-endian byte building blocks for the HDF5 writer: a growable writer
 * for metadata structures and an append-only file sink that hands out
 * addresses. Every multi-byte field in the HDF5 format is little-endian.
 */

/** Size of offsets and size of lengths used throughout the file (superblock). */
export const SIZEOF_ADDR = 8;
/** The undefined address (all bits set). */
export const UNDEFINED_ADDR = -1;

export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('hdf5-writer: a little-endian host is required');
}

/** A growable little-endian byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(Math.max(16, initial));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`hdf5-writer: ${v} does not fit in 16 bits`);
    this.ensure(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`hdf5-writer: ${v} does not fit in 32 bits`);
    this.ensure(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** An 8-byte unsigned integer (a length or offset); -1 writes the undefined address. */
  u64(v: number): this {
    this.ensure(8);
    if (v === UNDEFINED_ADDR) {
      this.view.setUint32(this.len, 0xffffffff, true);
      this.view.setUint32(this.len + 4, 0xffffffff, true);
    } else {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`hdf5-writer: ${v} is not a valid 64-bit length`);
      this.view.setUint32(this.len, v % 0x100000000, true);
      this.view.setUint32(this.len + 4, Math.floor(v / 0x100000000), true);
    }
    this.len += 8;
    return this;
  }

  addr(v: number): this {
    return this.u64(v);
  }

  f64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Pads with zero bytes up to a multiple of `n`. */
  pad(n = 8): this {
    const rem = this.len % n;
    return rem === 0 ? this : this.zeros(n - rem);
  }

  /** Overwrites 8 bytes at `at` (already written) with an address. */
  patchAddr(at: number, v: number): void {
    const saved = this.len;
    this.len = at;
    this.u64(v);
    this.len = saved;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/**
 * Append-only file image. Each appended block is placed at the next 8-byte
 * boundary and its address returned; blocks are kept by reference (no copy)
 * until `finish` concatenates them.
 */
export class FileSink {
  private readonly parts: { at: number; bytes: Uint8Array }[] = [];
  private pos: number;

  constructor(reserved: number) {
    this.pos = reserved;
  }

  get size(): number {
    return this.pos;
  }

  append(bytes: Uint8Array): number {
    const at = align8(this.pos);
    this.parts.push({ at, bytes });
    this.pos = at + bytes.length;
    return at;
  }

  /** Concatenates everything, with `head` written at address 0. */
  finish(head: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(head, 0);
    for (const p of this.parts) out.set(p.bytes, p.at);
    return out;
  }
}

export const utf8 = new TextEncoder();

/** Byte-wise comparison (C strcmp order), which HDF5 uses to sort link names. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
