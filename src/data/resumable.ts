/**
 * One object as one ordinary byte stream that survives dropped connections:
 * when a response body fails mid-way, the next Range request starts at the
 * last byte received (ETag pinned with If-Match, so a file replaced meanwhile
 * is detected, never mixed). The consumer (the inflater) never notices.
 */
import { DataError } from './errors.ts';
import type { S3Client } from './s3/client.ts';

export interface ResumableOptions {
  etag: string;
  /** Object size (from the listing): the stream must deliver exactly this many bytes. */
  size: number;
  signal?: AbortSignal;
  /** Resumes allowed without progress in between before giving up. */
  maxStalls?: number;
  onBytes?: (n: number) => void;
  /** Called after each resume, with the offset it resumed from. */
  onResume?: (offset: number) => void;
  /** First byte to fetch (bytes before it are already held, e.g. a partial download in OPFS). */
  from?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function resumableObjectStream(client: S3Client, key: string, o: ResumableOptions): ReadableStream<Uint8Array> {
  let offset = o.from ?? 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let stalls = 0;
  const maxStalls = o.maxStalls ?? 5;

  const open = async () => {
    const res = await client.getRange(key, offset, undefined, { signal: o.signal, ifMatch: o.etag });
    reader = res.body!.getReader();
  };

  return new ReadableStream<Uint8Array>({
    async pull(c) {
      for (;;) {
        if (o.signal?.aborted) throw o.signal.reason ?? new DOMException('Cancelled', 'AbortError');
        if (offset >= o.size) {
          c.close();
          return;
        }
        try {
          if (!reader) await open();
          const { value, done } = await reader!.read();
          if (done) {
            reader = null;
            if (offset < o.size) throw new TypeError(`the response ended at byte ${offset} of ${o.size}`);
            c.close();
            return;
          }
          offset += value.byteLength;
          if (offset > o.size) throw new DataError('server', key, `${key}: the server sent more bytes (${offset}) than the object has (${o.size}).`);
          stalls = 0;
          o.onBytes?.(value.byteLength);
          c.enqueue(value);
          return;
        } catch (e) {
          reader = null;
          // Our own errors, a cancel, or a changed file are final; a broken connection is not.
          if (e instanceof DataError || o.signal?.aborted) throw e;
          if (++stalls > maxStalls) {
            throw new DataError('network', key, `${key}: the connection kept dropping; stopped at byte ${offset} of ${o.size} after ${maxStalls} attempts to resume.`, {
              hint: 'Check the network and retry; the bytes already processed are not kept.',
              cause: e,
            });
          }
          await sleep(Math.min(2000, 100 * 2 ** (stalls - 1)) * (0.5 + Math.random()));
          o.onResume?.(offset);
        }
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason).catch(() => undefined);
    },
  });
}
