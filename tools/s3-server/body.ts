/**
 * Writing a response body with the body faults: bandwidth pacing, a dropped
 * connection after N bytes, one corrupted byte. Without faults it is a plain
 * streamed copy with backpressure; nothing is ever read whole into memory.
 */
import type { Exchange } from './exchange.ts';

export interface BodyFaults {
  /** Bytes per second for this response. */
  bandwidthBytesPerSec?: number;
  /** Destroy the socket after this many body bytes. */
  dropAfterBytes?: number;
  /** Flip this byte: `offset` is relative to the object, `base` is the object offset of the first body byte. */
  corrupt?: { offset: number; base: number };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Largest slice written at once; with pacing, ~20 ms worth of bytes. */
const MAX_SLICE = 256 * 1024;

/**
 * Streams `source` to the response and ends it. Returns false if the
 * connection was dropped (by the fault or by the client).
 */
export async function streamBody(ex: Exchange, source: AsyncIterable<Buffer>, faults: BodyFaults = {}): Promise<boolean> {
  const bps = faults.bandwidthBytesPerSec && faults.bandwidthBytesPerSec > 0 ? faults.bandwidthBytesPerSec : 0;
  const slice = bps > 0 ? Math.max(1, Math.min(MAX_SLICE, Math.floor(bps / 50))) : MAX_SLICE;
  const drop = faults.dropAfterBytes;
  const started = performance.now();
  let sent = 0;
  for await (const raw of source) {
    let chunk = raw;
    if (faults.corrupt) {
      const at = faults.corrupt.offset - faults.corrupt.base - sent;
      if (at >= 0 && at < chunk.length) {
        chunk = Buffer.from(chunk); // never modify a buffer we do not own
        chunk[at] = chunk[at] ^ 0xff;
      }
    }
    for (let pos = 0; pos < chunk.length; ) {
      if (ex.closed) return false;
      let n = Math.min(slice, chunk.length - pos);
      const lastBeforeDrop = drop !== undefined && sent + n >= drop;
      if (drop !== undefined) n = Math.min(n, drop - sent);
      if (bps > 0) {
        const due = started + ((sent + n) / bps) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
      if (n > 0) await ex.write(chunk.subarray(pos, pos + n), lastBeforeDrop);
      else await flushHeaders(ex);
      sent += n;
      pos += n;
      if (lastBeforeDrop) {
        // The bytes are flushed to the kernel; now cut the connection without
        // completing the body, as a dropped TCP connection would.
        ex.res.socket?.destroy();
        ex.res.destroy();
        return false;
      }
    }
  }
  if (ex.closed) return false;
  await ex.end();
  return true;
}

/** Sends the status line and headers now and waits until they reached the kernel. */
async function flushHeaders(ex: Exchange): Promise<void> {
  ex.res.flushHeaders();
  const socket = ex.res.socket;
  if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.write('', () => resolve()));
}

/** A single buffer as an async iterable of chunks, so small bodies share the fault path. */
export async function* bufferChunks(buf: Buffer, chunk = 64 * 1024): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}
