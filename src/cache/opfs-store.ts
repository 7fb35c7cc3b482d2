/**
 * A content store in the Origin Private File System. Each entry is a data
 * file plus a manifest; the manifest is written last, so an entry without a
 * manifest (or whose data size disagrees with it) was never completed and is
 * never read back as whole. `createWritable` commits a file atomically on
 * close; Web Locks keep two tabs from writing one entry at once.
 *
 * Runs on the UI thread and in workers.
 */
import { DataError } from '../data/errors.ts';

export interface EntryMeta {
  id: string;
  /** What the entry holds, e.g. 'volume-f32'. */
  kind: string;
  /** Source identity: endpoint, key, ETag. */
  endpoint: string;
  key: string;
  etag: string;
  /** Bytes of the data file. */
  size: number;
  createdAt: string;
  /** Kind-specific description (a NIfTI header, ...). */
  info?: unknown;
}

/** Web Lock name prefix of an entry (the cache panel's consistency check honours it). */
export const OPFS_LOCK_PREFIX = 'opfs:';

const ROOT = 'laion-fmri-explorer';
const VERSION = 'v1';

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
}

function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));
}

export class OpfsStore {
  private constructor(private readonly dir: FileSystemDirectoryHandle) {}

  static async open(): Promise<OpfsStore> {
    const root = await navigator.storage.getDirectory();
    const app = await root.getDirectoryHandle(ROOT, { create: true });
    return new OpfsStore(await app.getDirectoryHandle(VERSION, { create: true }));
  }

  static async entryId(kind: string, endpoint: string, key: string, etag: string): Promise<string> {
    return (await sha256Hex(JSON.stringify([kind, endpoint, key, etag]))).slice(0, 40);
  }

  private async readMeta(id: string): Promise<EntryMeta | null> {
    try {
      const f = await (await this.dir.getFileHandle(`${id}.json`)).getFile();
      return JSON.parse(await f.text()) as EntryMeta;
    } catch {
      return null;
    }
  }

  /** A complete entry, or null. Incomplete leftovers are removed. */
  async get(id: string): Promise<{ meta: EntryMeta; file: File } | null> {
    const meta = await this.readMeta(id);
    if (!meta) return null;
    try {
      const file = await (await this.dir.getFileHandle(`${id}.bin`)).getFile();
      if (file.size === meta.size) return { meta, file };
    } catch {
      /* data missing: fall through */
    }
    await this.delete(id);
    return null;
  }

  /**
   * Writes an entry atomically: data first (committed on close), then the
   * manifest. On any failure nothing readable is left behind.
   */
  async put(meta: Omit<EntryMeta, 'size' | 'createdAt'>, data: Uint8Array | ArrayBuffer): Promise<EntryMeta> {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const full: EntryMeta = { ...meta, size: bytes.byteLength, createdAt: new Date().toISOString() };
    const write = async () => {
      await this.removeFile(`${meta.id}.json`);
      try {
        const dataHandle = await this.dir.getFileHandle(`${meta.id}.bin`, { create: true });
        const w = await dataHandle.createWritable();
        try {
          await w.write(bytes as Uint8Array<ArrayBuffer>);
          await w.close();
        } catch (e) {
          await w.abort().catch(() => undefined);
          throw e;
        }
        const metaHandle = await this.dir.getFileHandle(`${meta.id}.json`, { create: true });
        const mw = await metaHandle.createWritable();
        await mw.write(JSON.stringify(full));
        await mw.close();
        return full;
      } catch (e) {
        await this.delete(meta.id);
        if (isQuotaError(e)) {
          throw new DataError('quota', meta.key, `Not enough browser storage to keep ${meta.key} (${(bytes.byteLength / 1e6).toFixed(1)} MB).`, {
            hint: 'Free space in the cache panel, or grant persistent storage.',
            cause: e,
          });
        }
        throw e;
      }
    };
    if (typeof navigator.locks?.request === 'function') return navigator.locks.request(`${OPFS_LOCK_PREFIX}${meta.id}`, write);
    return write();
  }

  async delete(id: string): Promise<void> {
    await this.removeFile(`${id}.json`);
    await this.removeFile(`${id}.bin`);
  }

  private async removeFile(name: string): Promise<void> {
    try {
      await this.dir.removeEntry(name);
    } catch {
      /* already gone */
    }
  }

  /** Every complete entry. */
  async list(): Promise<EntryMeta[]> {
    const out: EntryMeta[] = [];
    for await (const name of (this.dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
      if (!name.endsWith('.json')) continue;
      const e = await this.get(name.slice(0, -5));
      if (e) out.push(e.meta);
    }
    return out;
  }
}
