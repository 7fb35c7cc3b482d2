/**
 * Partial downloads kept in OPFS, so a reload (or a closed tab) in the middle
 * of a download resumes where it stopped instead of starting over, like
 * laion_fmri's downloader: skip what is there when size and ETag match,
 * fetch the rest by Range.
 *
 * An entry is `<id>.part` (the object's first bytes) plus `<id>.json`, a record
 * {endpoint, key, etag, size, have}. The record is rewritten only after the
 * bytes it vouches for are flushed, so `have` never exceeds what is on disk;
 * bytes past `have` are cut off on resume. The id hashes endpoint, key, ETag
 * and size: a changed object never resumes from an old one's bytes (the Range
 * request also pins the ETag with If-Match). A Web Lock per entry, held for
 * the whole download, keeps two tabs from appending to one file.
 *
 * Worker-only (synchronous access handles). Where OPFS is unavailable the
 * stream is simply the network's.
 */
import type { S3Client } from '../data/s3/client.ts';
import { parallelObjectStream } from '../data/parallel-source.ts';
import { DataError } from '../data/errors.ts';
import { holdLock } from './locks.ts';
import { cacheDir, type FileWithSync, type SyncHandle } from './opfs-files.ts';

export const PARTIAL_DIR = 'partial';
export const PARTIAL_LOCK_PREFIX = 'partial:';

export interface PartialRecord {
  endpoint: string;
  key: string;
  etag: string;
  size: number;
  have: number;
  updatedAt: string;
}

const partialDir = () => cacheDir(PARTIAL_DIR);

export async function partialId(endpoint: string, key: string, etag: string, size: number): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify([endpoint, key, etag, size])));
  return Array.from(new Uint8Array(d).slice(0, 20), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function partialStoreAvailable(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function'
  );
}


export interface PersistentStreamOptions {
  etag: string;
  size: number;
  signal?: AbortSignal;
  /** Bytes between two record updates (default 128 KiB). */
  checkpointBytes?: number;
  /** Network bytes (not the replayed ones). */
  onBytes?: (n: number) => void;
  /** Called once with the number of bytes replayed from disk (0 = fresh start). */
  onStart?: (resumedFrom: number) => void;
}

export interface PersistentStream {
  stream: ReadableStream<Uint8Array>;
  /** Forget the partial bytes (call once the object's product is safely kept, or found broken). */
  discard(): Promise<void>;
}

/**
 * One object as a stream: first the bytes kept from an earlier visit, then
 * the rest from the network by Range (resumable), each new chunk appended to
 * the partial file as it passes. Exactly `size` bytes, in order.
 */
export async function persistentObjectStream(client: S3Client, key: string, o: PersistentStreamOptions): Promise<PersistentStream> {
  const id = await partialId(client.endpoint, key, o.etag, o.size);
  const d = await partialDir();
  const release = await holdLock(`${PARTIAL_LOCK_PREFIX}${id}`);
  let data: SyncHandle | null = null;
  let rec: SyncHandle | null = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const h of [data, rec]) {
      try {
        h?.close();
      } catch {
        /* already closed */
      }
    }
    release();
  };
  try {
    data = await ((await d.getFileHandle(`${id}.part`, { create: true })) as FileWithSync).createSyncAccessHandle();
    rec = await ((await d.getFileHandle(`${id}.json`, { create: true })) as FileWithSync).createSyncAccessHandle();
  } catch (e) {
    close();
    throw e;
  }
  const dataH = data;
  const recH = rec;

  // What an earlier visit vouched for (a record for another object or a garbled one counts as nothing).
  let have = 0;
  try {
    const buf = new Uint8Array(recH.getSize());
    recH.read(buf, { at: 0 });
    const r = JSON.parse(new TextDecoder().decode(buf)) as PartialRecord;
    if (r.key === key && r.etag === o.etag && r.size === o.size && r.have >= 0 && r.have <= Math.min(o.size, dataH.getSize())) have = r.have;
  } catch {
    have = 0;
  }
  dataH.truncate(have);
  const writeRecord = (n: number) => {
    const r: PartialRecord = { endpoint: client.endpoint, key, etag: o.etag, size: o.size, have: n, updatedAt: new Date().toISOString() };
    const bytes = new TextEncoder().encode(JSON.stringify(r));
    recH.truncate(0);
    recH.write(bytes, { at: 0 });
    recH.flush();
  };
  writeRecord(have);
  o.onStart?.(have);

  const replayed = have;
  let replayAt = 0;
  let written = have;
  let sinceCheckpoint = 0;
  /** False once a write failed (quota): the download goes on, only unkept. */
  let keeping = true;
  const checkpoint = o.checkpointBytes ?? 128 << 10;
  let net: ReadableStreamDefaultReader<Uint8Array> | null = null;

  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        if (replayAt < replayed) {
          const chunk = new Uint8Array(Math.min(1 << 20, replayed - replayAt));
          const n = dataH.read(chunk, { at: replayAt });
          if (n !== chunk.byteLength) throw new Error(`the partial download of ${key} is shorter than its record`);
          replayAt += n;
          c.enqueue(chunk);
          return;
        }
        if (written >= o.size) {
          close();
          c.close();
          return;
        }
        net ??= parallelObjectStream(client, key, { etag: o.etag, size: o.size, signal: o.signal, onDownloaded: o.onBytes, start: written }).stream.getReader();
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await net.read();
        } catch (e) {
          // The server now holds fewer bytes than listed (416 past its end): end the stream
          // here, so the decoder names the file as truncated rather than a range error.
          if (e instanceof DataError && e.status === 416) r = { done: true, value: undefined };
          else throw e;
        }
        const { value, done } = r;
        if (done) {
          if (keeping) writeRecord(written);
          close();
          c.close();
          return;
        }
        if (keeping) {
          try {
            if (dataH.write(value, { at: written }) !== value.byteLength) throw new DOMException('short write', 'QuotaExceededError');
            sinceCheckpoint += value.byteLength;
            if (sinceCheckpoint >= checkpoint || written + value.byteLength === o.size) {
              dataH.flush();
              writeRecord(written + value.byteLength);
              sinceCheckpoint = 0;
            }
          } catch {
            // A full disk must not break the download: stop keeping it, keep streaming.
            keeping = false;
            try {
              writeRecord(0);
              dataH.truncate(0);
            } catch {
              /* the record says 0 or its last checkpoint; the consistency check handles the rest */
            }
          }
        }
        written += value.byteLength;
        c.enqueue(value);
      } catch (e) {
        try {
          // Keep what is safely on disk for the next visit.
          if (keeping) {
            dataH.flush();
            writeRecord(Math.min(written, dataH.getSize()));
          }
        } catch {
          /* closed or full: the record keeps its last checkpoint */
        }
        close();
        throw e;
      }
    },
    async cancel(reason) {
      await net?.cancel(reason).catch(() => undefined);
      try {
        if (keeping) {
          dataH.flush();
          writeRecord(written);
        }
      } catch {
        /* already closed */
      }
      close();
    },
  });

  return {
    stream,
    async discard() {
      close();
      const run = async () => {
        await d.removeEntry(`${id}.part`).catch(() => undefined);
        await d.removeEntry(`${id}.json`).catch(() => undefined);
      };
      if (typeof navigator.locks?.request === 'function') await navigator.locks.request(`${PARTIAL_LOCK_PREFIX}${id}`, run);
      else await run();
    },
  };
}
