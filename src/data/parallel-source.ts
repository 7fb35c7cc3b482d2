/**
 * One S3 object as one ordinary byte stream, fetched as k ranged GETs in
 * flight at once (what `aws s3 cp` does with multipart ranges). The parts are
 * handed on in order; the part at the head is handed on while it arrives, so
 * with k = 1 this is a plain sequential stream.
 *
 * - Back-pressure: a part is only started when fewer than k parts are
 *   buffered or in flight, so memory stays at about k parts, whatever the size.
 * - A dropped, failed or stalled part is retried on its own, by Range from the
 *   last byte that part received (backoff with full jitter); the other parts
 *   and the consumer never notice.
 * - The ETag is pinned (If-Match on every part, and the part's ETag and total
 *   size are checked), so a file that changes mid-download is an error, never
 *   a mix of two versions. A server that ignores Range or answers the wrong
 *   Content-Range is an error naming the key and the bytes.
 * - Requests bypass the HTTP cache (S3Client.getRange uses `no-store`), which
 *   is what lets Chrome run ranged requests to one URL concurrently.
 */
import { DataError, formatBytes } from './errors.ts';
import type { S3Client } from './s3/client.ts';

export const DEFAULT_CONCURRENCY = 4;
/** Parts are at most this big (what `aws s3 cp` uses too) ... */
export const MAX_PART_SIZE = 8 * 1024 * 1024;
/** ... and at least this big, so request overhead stays small. */
export const MIN_PART_SIZE = 1024 * 1024;

/** Default part size: about 4 parts per connection for a small file, 8 MiB for a big one. */
export function defaultPartSize(bytes: number, k: number): number {
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, Math.ceil(bytes / (4 * k))));
}

export interface ParallelSourceOptions {
  etag: string;
  /** Object size (from the listing or a HEAD): the stream delivers exactly this many bytes. */
  size: number;
  /** First byte to deliver (default 0), e.g. to continue after bytes already stored. */
  start?: number;
  /** Ranged GETs in flight (k). */
  concurrency?: number;
  /** Bytes per part (default: defaultPartSize). */
  partSize?: number;
  signal?: AbortSignal;
  /** Attempts per part without progress in between before giving up. */
  maxAttempts?: number;
  /** A part that sends nothing for this long is abandoned and asked for again. */
  stallMs?: number;
  /** Base of the exponential backoff between attempts of one part. */
  retryBaseMs?: number;
  /** Network bytes, as they arrive (in any part). */
  onDownloaded?: (n: number) => void;
  /** Each chunk as it is handed on, in object order (e.g. to append it to a stored copy). */
  onDeliver?: (chunk: Uint8Array) => void;
  /** Called when a part is asked for again, with why. */
  onRetry?: (r: PartRetry) => void;
}

export interface PartRetry {
  part: number;
  /** Object offset the new request starts at. */
  from: number;
  end: number;
  attempt: number;
  reason: string;
}

/** What a source did, for progress displays and benchmarks. */
export interface ParallelSourceStats {
  parts: number;
  partSize: number;
  retries: number;
  /** Most bytes held at once: received but not yet handed to the consumer. */
  peakBufferedBytes: number;
  bufferedBytes: number;
  /** Most parts in flight (requested, not finished) at once. */
  peakInFlight: number;
  downloadedBytes: number;
  /** Bytes handed to the consumer. */
  deliveredBytes: number;
  /** Time (ms) with at least one request in flight: what the download rate is measured over. */
  networkBusyMs: number;
  /** Time (ms) the consumer waited for bytes: the decoder was starved, not slow. */
  starvedMs: number;
}

interface Part {
  index: number;
  start: number;
  /** Exclusive. */
  end: number;
  chunks: (Uint8Array | null)[];
  received: number;
  delivered: number;
  done: boolean;
  error: unknown;
  abort: AbortController;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

const cancelled = (signal?: AbortSignal) => signal?.reason ?? new DOMException('Cancelled', 'AbortError');

/** Errors worth another attempt of the same part: the connection, not the file. */
function retryable(e: unknown): boolean {
  if (e instanceof DataError) return e.kind === 'network' || (e.kind === 'server' && (e.status ?? 0) >= 500);
  return true; // TypeError from fetch or a broken body stream
}

export function parallelObjectStream(client: S3Client, key: string, o: ParallelSourceOptions): { stream: ReadableStream<Uint8Array>; stats: ParallelSourceStats } {
  const k = Math.max(1, Math.floor(o.concurrency ?? DEFAULT_CONCURRENCY));
  const first = o.start ?? 0;
  const partSize = Math.max(64 * 1024, Math.floor(o.partSize ?? defaultPartSize(o.size - first, k)));
  const nParts = Math.max(0, Math.ceil((o.size - first) / partSize));
  const maxAttempts = o.maxAttempts ?? 8;
  const stallMs = o.stallMs ?? 20_000;
  const retryBaseMs = o.retryBaseMs ?? 200;
    // Busy and starved time accumulate, and are read live (a part may be in flight right now).
  let busyMs = 0;
  let busySince = 0;
  let starvedMs = 0;
  let starvedSince = 0;
  const stats: ParallelSourceStats = {
    parts: nParts,
    partSize,
    retries: 0,
    peakBufferedBytes: 0,
    bufferedBytes: 0,
    peakInFlight: 0,
    downloadedBytes: 0,
    deliveredBytes: 0,
    get networkBusyMs() {
      return busyMs + (inFlight > 0 ? performance.now() - busySince : 0);
    },
    get starvedMs() {
      return starvedMs + (starvedSince > 0 ? performance.now() - starvedSince : 0);
    },
  };

  const parts = new Map<number, Part>();
  let head = 0;
  let nextToStart = 0;
  let inFlight = 0;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stopAll = (reason: unknown) => {
    for (const p of parts.values()) p.abort.abort(reason);
  };
  const onUserAbort = () => {
    stopAll(cancelled(o.signal));
    notify();
  };
  o.signal?.addEventListener('abort', onUserAbort, { once: true });

  const fail = (e: unknown) => {
    if (failure === null) failure = e;
    stopAll(e);
    notify();
  };

  const fill = () => {
    while (failure === null && nextToStart < nParts && nextToStart - head < k) {
      const index = nextToStart++;
      const start = first + index * partSize;
      const p: Part = { index, start, end: Math.min(o.size, start + partSize), chunks: [], received: 0, delivered: 0, done: false, error: null, abort: new AbortController() };
      parts.set(index, p);
      runPart(p).catch(fail);
    }
  };

  const range = (p: Part) => `bytes ${p.start}–${p.end - 1}`;

  async function attempt(p: Part): Promise<void> {
    const ac = new AbortController();
    const linked = AbortSignal.any([ac.signal, p.abort.signal]);
    let stalled = false;
    // Stall watch: each chunk only notes the time; one timer looks now and then (re-arming a
    // timer per chunk costs more than the rest of the chunk's handling at LAN speeds).
    let lastByteAt = performance.now();
    const arm = () => void (lastByteAt = performance.now());
    const check = Math.max(10, Math.min(1000, stallMs / 4));
    const timer = setInterval(() => {
      if (performance.now() - lastByteAt < stallMs) return;
      stalled = true;
      ac.abort(new DOMException('stalled', 'TimeoutError'));
    }, check);
    try {
      const from = p.start + p.received;
      const res = await client.getRange(key, from, p.end - 1, { signal: linked, ifMatch: o.etag });
      const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')?.[1];
      const etag = res.headers.get('ETag');
      if (etag && etag !== o.etag) {
        await res.body?.cancel();
        throw new DataError('changed', key, `${key} changed on the server while it was being read: ${range(p)} came from a different version (ETag ${etag}, expected ${o.etag}).`, {
          hint: 'Retry to read the new version from the start.',
        });
      }
      if (total !== undefined && Number(total) !== o.size) {
        // Same version, another size: the object on the server is not what the listing describes.
        await res.body?.cancel();
        throw new DataError('corrupt', key, `${key} is ${Number(total) < o.size ? 'truncated' : 'longer than listed'} on the server: it holds ${formatBytes(Number(total))}, the listing says ${formatBytes(o.size)}.`, {
          hint: 'Nothing of it was kept. If the listing is stale, reload; otherwise the file on the server is damaged.',
        });
      }
      const reader = res.body!.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          if (p.received + value.byteLength > p.end - p.start) {
            throw new DataError('server', key, `${key}: the server sent more than the ${formatBytes(p.end - p.start)} asked for in ${range(p)}.`);
          }
          p.chunks.push(value);
          p.received += value.byteLength;
          stats.bufferedBytes += value.byteLength;
          stats.downloadedBytes += value.byteLength;
          if (stats.bufferedBytes > stats.peakBufferedBytes) stats.peakBufferedBytes = stats.bufferedBytes;
          o.onDownloaded?.(value.byteLength);
          if (p.index === head) notify();
        }
      } finally {
        reader.releaseLock();
      }
      if (p.received < p.end - p.start) throw new TypeError(`the response ended after ${p.received} of ${p.end - p.start} bytes`);
    } catch (e) {
      if (o.signal?.aborted) throw cancelled(o.signal);
      if (p.abort.signal.aborted) throw p.abort.signal.reason;
      throw stalled ? new DataError('network', key, `${key}: ${range(p)} sent nothing for ${(stallMs / 1000).toFixed(stallMs < 10_000 ? 1 : 0)} s.`, { cause: e }) : e;
    } finally {
      clearInterval(timer);
    }
  }

  async function runPart(p: Part): Promise<void> {
    if (inFlight++ === 0) busySince = performance.now();
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    try {
      let failures = 0;
      while (p.received < p.end - p.start) {
        const before = p.received;
        try {
          await attempt(p);
        } catch (e) {
          if (o.signal?.aborted || p.abort.signal.aborted || !retryable(e)) throw e;
          // Progress resets the count: only attempts that bring nothing use it up.
          failures = p.received > before ? 1 : failures + 1;
          if (failures >= maxAttempts) {
            throw new DataError('network', key, `${key}: ${range(p)} could not be downloaded after ${failures} attempts (${e instanceof Error ? e.message : String(e)}).`, {
              cause: e,
              hint: 'Check the network and retry.',
            });
          }
          stats.retries++;
          const from = p.start + p.received;
          o.onRetry?.({ part: p.index, from, end: p.end, attempt: failures, reason: e instanceof Error ? e.message : String(e) });
          await sleep(Math.random() * retryBaseMs * 2 ** (failures - 1), p.abort.signal);
        }
      }
      p.done = true;
    } finally {
      if (--inFlight === 0) busyMs += performance.now() - busySince;
      notify();
    }
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start() {
        fill();
      },
      async pull(c) {
        for (;;) {
          if (o.signal?.aborted) throw cancelled(o.signal);
          if (failure !== null) throw failure;
          if (head >= nParts) {
            o.signal?.removeEventListener('abort', onUserAbort);
            c.close();
            return;
          }
          const p = parts.get(head)!;
          if (p.delivered < p.chunks.length) {
            // Everything the head part has, in one pull (network chunks can be a few KiB each).
            while (p.delivered < p.chunks.length) {
              const chunk = p.chunks[p.delivered]!;
              p.chunks[p.delivered++] = null;
              stats.bufferedBytes -= chunk.byteLength;
              stats.deliveredBytes += chunk.byteLength;
              o.onDeliver?.(chunk);
              c.enqueue(chunk);
            }
            return;
          }
          if (p.done) {
            parts.delete(head);
            head++;
            fill();
            continue;
          }
          starvedSince = performance.now();
          await new Promise<void>((r) => (wake = r));
          starvedMs += performance.now() - starvedSince;
          starvedSince = 0;
        }
      },
      cancel(reason) {
        o.signal?.removeEventListener('abort', onUserAbort);
        failure ??= reason ?? cancelled();
        stopAll(failure);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, stats };
}
