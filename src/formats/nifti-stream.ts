/**
 * NIfTI over a byte stream: header first, then volume by volume, so memory
 * stays at one volume however large the file. Pure web streams (no fetch):
 * the caller supplies the (possibly gzip-compressed) byte stream.
 */
import { Gunzip } from 'fflate';
import { inflateOffThread } from './inflate-offthread.ts';
import { headerSizeFromMagic, isGzip, NiftiFormatError, parseNiftiHeader, bytesPerVolume, volumeCount, type NiftiHeader } from './nifti.ts';
import { paceDropped } from './gc-pacer.ts';

/** Reads exact byte counts from a stream of chunks, tracking the position. */
export class StreamCursor {
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  /** Bytes consumed so far. */
  position = 0;
  private done = false;
  private readonly mapError?: (e: unknown) => Error;

  private readonly abort?: { signal: AbortSignal; error: () => Error };

  /**
   * `mapError` turns a failure of the underlying stream (e.g. a gzip error)
   * into a readable one. With `abort`, an abort cancels the stream and fails
   * the pending read at once (a stalled download does not hold it), without
   * another stream layer in between.
   */
  constructor(stream: ReadableStream<Uint8Array>, mapError?: (e: unknown) => Error, abort?: { signal: AbortSignal; error: () => Error }) {
    this.reader = stream.getReader();
    this.mapError = mapError;
    this.abort = abort;
    abort?.signal.addEventListener('abort', () => void this.reader.cancel(abort.error()).catch(() => undefined), { once: true });
  }

  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.done) return false;
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        if (this.abort?.signal.aborted) throw this.abort.error();
        r = await this.reader.read();
        if (this.abort?.signal.aborted) throw this.abort.error();
      } catch (e) {
        this.done = true;
        if (this.abort?.signal.aborted) throw this.abort.error();
        throw this.mapError ? this.mapError(e) : e;
      }
      const { value, done } = r;
      if (done) {
        this.done = true;
        return false;
      }
      this.chunk = value;
      this.offset = 0;
      // The chunk is dropped once consumed: let the collector keep pace with it (gc-pacer.ts).
      paceDropped(value.byteLength);
    }
    return true;
  }

  /**
   * Copies the next `n` bytes into `into` (or a new buffer). Returns the
   * number of bytes copied, less than `n` only at the end of the stream.
   */
  async readInto(into: Uint8Array, n = into.length): Promise<number> {
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) break;
      const take = Math.min(n - got, this.chunk.length - this.offset);
      into.set(this.chunk.subarray(this.offset, this.offset + take), got);
      this.offset += take;
      got += take;
    }
    this.position += got;
    return got;
  }

  /**
   * The next bytes, up to `max`, as a view into the current chunk (no copy;
   * valid until the next call). Null at the end of the stream.
   */
  async nextChunk(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const take = Math.min(max, this.chunk.length - this.offset);
    const view = this.chunk.subarray(this.offset, this.offset + take);
    this.offset += take;
    this.position += take;
    return view;
  }

  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (!(await this.fill())) break;
      const take = Math.min(n - skipped, this.chunk.length - this.offset);
      this.offset += take;
      skipped += take;
    }
    this.position += skipped;
    return skipped;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  async cancel(reason?: unknown): Promise<void> {
    this.done = true;
    await this.reader.cancel(reason).catch(() => undefined);
  }
}

/**
 * Turns a DecompressionStream failure into a sentence naming the file. Other
 * failures (an aborted or dropped download) are returned unchanged: they are
 * not the file's fault.
 */
export function describeGzipError(fileName: string, e: unknown): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  if (e.name === 'AbortError' || e instanceof NiftiFormatError) return e;
  const msg = e.message;
  if (/truncated|unexpected end/i.test(msg)) return new NiftiFormatError(fileName, 'the gzip data is truncated (the file ends early; the download or the upload was cut).');
  if (/junk|trailing/i.test(msg)) return new NiftiFormatError(fileName, 'unexpected data after the end of the gzip stream (a multi-member gzip file, or garbage appended).');
  if (/incorrect data check|crc|checksum|length check/i.test(msg)) return new NiftiFormatError(fileName, 'the gzip checksum does not match: the file is corrupt.');
  if (/compress|deflate|inflate|zlib|header|invalid/i.test(msg)) return new NiftiFormatError(fileName, `the gzip data is corrupt (${msg}).`);
  return e;
}

/**
 * Gunzips a stream when it starts with the gzip magic, passes it through
 * otherwise (plain `.nii`). `inflater` (a factory of inflate workers) moves
 * the native inflater to another thread. Read it with a StreamCursor given
 * `describeGzipError` so decompression errors name the file.
 */
export async function maybeGunzip(stream: ReadableStream<Uint8Array>, opts: { decoder?: 'native' | 'fflate'; inflater?: () => Worker } = {}): Promise<ReadableStream<Uint8Array>> {
  const source = stream.getReader();
  const first = await source.read();
  if (!first.done && isGzip(first.value) && opts.decoder === 'fflate') return fflateGunzip(first.value, source);
  // The native inflater on a thread of its own (inflate-offthread.ts), when the caller provides one.
  if (!first.done && isGzip(first.value) && opts.inflater) return inflateOffThread(first.value, source, opts.inflater());
  if (first.done || !isGzip(first.value)) {
    return new ReadableStream<Uint8Array>({
      start(c) {
        if (first.done) c.close();
        else c.enqueue(first.value);
      },
      async pull(c) {
        const { value, done } = await source.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel(reason) {
        return source.cancel(reason);
      },
    });
  }
  // The source is pumped by hand rather than with pipeThrough: a cancel must
  // reach the source (stop the download) at once, and some runtimes (Node 20)
  // leave a piped DecompressionStream waiting on a write that never completes.
  // Back-pressure holds: each write waits until the inflater takes the chunk.
  // The inflater's own readable is handed out, with no stream layer on top
  // (each layer costs a promise hop per 64 KiB chunk, ~2 % of a betas pass).
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  let stopped = false;
  const stop = (reason: unknown) => {
    if (stopped) return;
    stopped = true;
    void source.cancel(reason).catch(() => undefined);
  };
  // A cancel of the readable errors the writable: stop the download at once, even mid-read.
  writer.closed.catch(stop);
  void (async () => {
    try {
      // The next chunk is read while the inflater works on the previous one (at
      // most one write outstanding): no bubble between chunks, and the read-ahead
      // stays bounded even where the inflater's writable never pushes back.
      const quiet = (w: Promise<void>) => (w.catch(() => undefined), w); // rejections surface at the await below
      let pending = quiet(writer.write(first.value));
      for (;;) {
        const { value, done } = await source.read();
        if (stopped) return;
        await pending;
        if (done) return void (await writer.close());
        pending = quiet(writer.write(value));
      }
    } catch (e) {
      if (stopped) return;
      // A failed download (or a cancelled reader) stops the source; a failed download surfaces to
      // the reader as itself, not as a gzip error.
      stop(e);
      await writer.abort(e).catch(() => undefined);
    }
  })();
  return ds.readable as ReadableStream<Uint8Array>;
}

/**
 * Multi-member gzip (concatenated members, as some parallel compressors write)
 * is rejected by Chromium's DecompressionStream; fflate's streaming Gunzip
 * reads it (about 2.5× slower, so it is the fallback, not the default).
 */
function fflateGunzip(first: Uint8Array, source: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  const queue: Uint8Array[] = [];
  let ended = false;
  const gz = new Gunzip((chunk, final) => {
    if (chunk.length) queue.push(chunk);
    if (final) ended = true;
  });
  let pushedFirst = false;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      for (;;) {
        if (queue.length) return c.enqueue(queue.shift()!);
        if (ended) return c.close();
        if (!pushedFirst) {
          pushedFirst = true;
          gz.push(first, false);
          continue;
        }
        const { value, done } = await source.read();
        try {
          gz.push(done ? new Uint8Array(0) : value, done);
        } catch (e) {
          const msg = (e as Error).message;
          throw new TypeError(/EOF/i.test(msg) ? 'Compressed input was truncated.' : `invalid compressed data (${msg})`, { cause: e });
        }
        if (done) {
          if (!ended) throw new TypeError('Compressed input was truncated.');
        }
      }
    },
    cancel(reason) {
      return source.cancel(reason);
    },
  });
}

/** Reads (and discards) the rest of a stream, so the inflater verifies the gzip trailer. */
export async function drainToEnd(cursor: StreamCursor): Promise<void> {
  while (!(await cursor.atEnd())) await cursor.skip(1 << 20);
}

/** Reads the header from a decompressed stream; leaves the cursor at byte `headerSize`. */
export async function readHeaderFromCursor(cursor: StreamCursor, fileName: string): Promise<{ header: NiftiHeader; headerBytes: Uint8Array }> {
  const magic = new Uint8Array(4);
  if ((await cursor.readInto(magic)) < 4) throw new NiftiFormatError(fileName, 'the file is empty or too short to hold a NIfTI header.');
  const size = headerSizeFromMagic(new DataView(magic.buffer));
  if (size === null) throw new NiftiFormatError(fileName, 'not a NIfTI file (the header does not start with sizeof_hdr 348 or 540).');
  const headerBytes = new Uint8Array(size);
  headerBytes.set(magic);
  const got = await cursor.readInto(headerBytes.subarray(4), size - 4);
  if (got < size - 4) throw new NiftiFormatError(fileName, `the file ends inside its ${size}-byte NIfTI header.`);
  return { header: parseNiftiHeader(headerBytes.buffer, fileName), headerBytes };
}

export interface VolumeChunk {
  /** Volume index along the 4th axis (0 for a 3-D image). */
  index: number;
  /** Raw voxel bytes of that volume, file order. Reused between iterations: copy what you keep. */
  raw: Uint8Array;
}

/**
 * Yields the volumes of a NIfTI stream one at a time (raw bytes, buffer
 * reused). Throws NiftiFormatError if the stream ends before the last volume.
 * `maxVolumes` stops early (the rest of the stream is cancelled).
 */
export async function* iterateVolumes(
  decompressed: ReadableStream<Uint8Array>,
  fileName: string,
  opts: { onHeader?: (h: NiftiHeader) => void; maxVolumes?: number } = {},
): AsyncGenerator<VolumeChunk, NiftiHeader> {
  const cursor = new StreamCursor(decompressed, (e) => describeGzipError(fileName, e));
  try {
    const { header } = await readHeaderFromCursor(cursor, fileName);
    opts.onHeader?.(header);
    const skip = header.voxOffset - cursor.position;
    if ((await cursor.skip(skip)) < skip) throw new NiftiFormatError(fileName, 'the file ends before its voxel data starts (vox_offset).');
    const n = Math.min(volumeCount(header), opts.maxVolumes ?? Infinity);
    const raw = new Uint8Array(bytesPerVolume(header));
    for (let t = 0; t < n; t++) {
      const got = await cursor.readInto(raw);
      if (got < raw.length) {
        throw new NiftiFormatError(
          fileName,
          `the file is truncated: volume ${t + 1} of ${volumeCount(header)} has ${got} of ${raw.length} bytes (dims [${header.dims.join(', ')}]).`,
        );
      }
      yield { index: t, raw };
    }
    // The gzip CRC and length are checked only when the trailer is read: a reader
    // that stopped at the last voxel would take a corrupt file for a whole one.
    if (n === volumeCount(header)) await drainToEnd(cursor);
    return header;
  } finally {
    await cursor.cancel();
  }
}
