/**
 * Compressed copies of bucket objects in OPFS (a session's betas .nii.gz kept
 * offline), written in order as the bytes stream past, so that:
 * - a later pass reads the copy and needs no network;
 * - a pass interrupted by a reload or a dropped link resumes: the bytes
 *   already stored are read back locally and only the rest is fetched, by
 *   Range, from where the copy stops.
 *
 * Files, per entry id = hash(endpoint, key, ETag), so another version of the
 * object is another entry:
 *   {id}.partial       the bytes so far (always a prefix of the object)
 *   {id}.partial.json  what it is a prefix of (key, ETag, size), for the cache manager
 *   {id}.gz            the whole object, renamed from .partial once its size is exact
 *   {id}.json          manifest, written last: without it there is no complete copy
 * The reader of a copy (the gzip decoder) verifies the CRC and length in the
 * gzip trailer, so a copy that is damaged is detected when read, and deleted.
 *
 * One writer per entry across tabs (Web Locks); a tab that cannot get the
 * lock streams from the network without writing. Worker only.
 */
import { cacheDir, entryId, readJson, removeFile, renameFile, writeJson, type FileWithSync, type SyncHandle } from './opfs-files.ts';

export interface ObjectCopyMeta {
  id: string;
  endpoint: string;
  key: string;
  etag: string;
  size: number;
  createdAt: string;
}

/** The folder of copies under the cache root, and the Web Lock a writer holds (the cache panel uses both). */
export const COPY_DIR = 'objects';
export const COPY_LOCK_PREFIX = 'object-copy:';
const dir = () => cacheDir(COPY_DIR);
const READ_CHUNK = 4 << 20;

export const objectCopyId = (endpoint: string, key: string, etag: string) => entryId(['object-v1', endpoint, key, etag]);

/** What this browser holds of one object version: a complete copy, a prefix, or nothing. */
export async function copyStatus(endpoint: string, key: string, etag: string): Promise<{ id: string; complete: boolean; stored: number }> {
  const id = await objectCopyId(endpoint, key, etag);
  const whole = await completeCopy(id);
  if (whole) return { id, complete: true, stored: whole.size };
  try {
    const f = await (await (await dir()).getFileHandle(`${id}.partial`)).getFile();
    return { id, complete: false, stored: f.size };
  } catch {
    return { id, complete: false, stored: 0 };
  }
}

/** The manifest of a complete copy, or null. */
export async function completeCopy(id: string): Promise<ObjectCopyMeta | null> {
  const d = await dir();
  const m = await readJson<ObjectCopyMeta>(d, `${id}.json`);
  if (!m) return null;
  try {
    if ((await (await d.getFileHandle(`${id}.gz`)).getFile()).size === m.size) return m;
  } catch {
    /* missing */
  }
  await deleteCopy(id);
  return null;
}

export async function deleteCopy(id: string): Promise<void> {
  const d = await dir();
  for (const n of [`${id}.json`, `${id}.gz`, `${id}.partial`, `${id}.partial.json`]) await removeFile(d, n);
}

/** Bytes of a copy read back as a stream, in chunks of 4 MiB, from a sync handle. */
function readStream(h: SyncHandle, from: number, to: number): ReadableStream<Uint8Array> {
  let at = from;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (at >= to) return c.close();
        const buf = new Uint8Array(Math.min(READ_CHUNK, to - at));
        const n = h.read(buf, { at });
        if (n !== buf.byteLength) throw new DOMException(`the stored copy ends at byte ${at + n}, expected ${to}`, 'NotReadableError');
        at += n;
        c.enqueue(buf);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * An open entry: either a complete copy to read, or a prefix to read and
 * extend. Call `close()` in every case (it releases the handle and the lock).
 */
export class ObjectCopy {
  private writing = true;
  private closed = false;
  private constructor(
    readonly id: string,
    private readonly meta: Omit<ObjectCopyMeta, 'id' | 'createdAt'>,
    private readonly d: FileSystemDirectoryHandle,
    private readonly file: FileWithSync,
    private readonly h: SyncHandle,
    /** Bytes already stored (the whole object when `complete`). */
    readonly stored: number,
    readonly complete: boolean,
    private readonly release: () => void,
  ) {
    this.written = stored;
  }
  written: number;
  /** Why the copy stopped being written (e.g. the quota), if it did. */
  dropped: string | null = null;

  /**
   * Opens the copy of one object version for reading and extending; null when
   * another tab is writing it (then stream without a copy).
   */
  static async open(endpoint: string, key: string, etag: string, size: number, o: { create: boolean }): Promise<ObjectCopy | null> {
    const id = await objectCopyId(endpoint, key, etag);
    if (!o.create && !(await completeCopy(id))) return null;
    let release = () => {};
    if (typeof navigator.locks?.request === 'function') {
      const got = await new Promise<boolean>((resolve) => {
        void navigator.locks.request(`${COPY_LOCK_PREFIX}${id}`, { ifAvailable: true }, (lock) => {
          if (!lock) return resolve(false);
          resolve(true);
          return new Promise<void>((r) => (release = r));
        });
      });
      if (!got) return null;
    }
    try {
      const d = await dir();
      const meta = { endpoint, key, etag, size };
      if (await completeCopy(id)) {
        const f = (await d.getFileHandle(`${id}.gz`)) as FileWithSync;
        return new ObjectCopy(id, meta, d, f, await f.createSyncAccessHandle(), size, true, release);
      }
      await removeFile(d, `${id}.json`);
      await removeFile(d, `${id}.gz`);
      const f = (await d.getFileHandle(`${id}.partial`, { create: true })) as FileWithSync;
      const h = await f.createSyncAccessHandle();
      let stored = h.getSize();
      if (stored > size) {
        h.truncate(0);
        stored = 0;
      }
      if (stored === 0) await writeJson(d, `${id}.partial.json`, { ...meta, id, createdAt: new Date().toISOString() });
      return new ObjectCopy(id, meta, d, f, h, stored, false, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** The stored bytes [0, to) as a stream. */
  storedStream(to = this.written): ReadableStream<Uint8Array> {
    return readStream(this.h, 0, to);
  }

  /**
   * Appends bytes that follow what is stored. A full quota stops the copy (it
   * is deleted at close) but not the caller's stream: `dropped` says why.
   */
  append(chunk: Uint8Array): void {
    if (!this.writing || this.complete) return;
    try {
      const n = this.h.write(chunk, { at: this.written });
      if (n !== chunk.byteLength) throw new DOMException(`short write (${n} of ${chunk.byteLength} bytes)`, 'QuotaExceededError');
      this.written += n;
    } catch (e) {
      this.writing = false;
      this.dropped = e instanceof DOMException && e.name === 'QuotaExceededError' ? 'not enough browser storage for an offline copy' : `the offline copy could not be written (${e instanceof Error ? e.message.replace(/\.$/, '') : String(e)})`;
    }
  }

  /**
   * Ends the session with this entry. `outcome`:
   * - 'done': the reader verified the whole object (gzip CRC): commit the copy when it is whole;
   * - 'interrupted': keep the prefix for a later resume;
   * - 'bad': the bytes are wrong (corrupt, changed): delete them.
   */
  async close(outcome: 'done' | 'interrupted' | 'bad'): Promise<ObjectCopyMeta | null> {
    if (this.closed) return null;
    this.closed = true;
    let committed: ObjectCopyMeta | null = null;
    try {
      if (!this.complete && this.writing) this.h.flush();
      this.h.close();
      if (outcome === 'bad' || this.dropped) await deleteCopy(this.id);
      else if (outcome === 'done' && !this.complete && this.written === this.meta.size) {
        await renameFile(this.d, this.file, `${this.id}.gz`);
        committed = { ...this.meta, id: this.id, createdAt: new Date().toISOString() };
        await writeJson(this.d, `${this.id}.json`, committed);
        await removeFile(this.d, `${this.id}.partial.json`);
      }
    } finally {
      this.release();
    }
    return committed;
  }
}
