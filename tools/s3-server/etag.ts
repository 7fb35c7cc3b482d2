/**
 * ETags, the same in listings and on GET/HEAD.
 *
 * - Files up to 64 MiB: the quoted hex MD5 of the content, exactly what S3
 *   gives a single-part upload. Cached by (path, size, mtimeMs), so a changed
 *   file gets a new ETag and an unchanged one is hashed once.
 * - Bigger files: S3 itself does not give those a content MD5 either (the CLI
 *   uploads them in parts, and the ETag becomes `"<hex>-<parts>"`). Hashing a
 *   1 GB betas file on every listing would take seconds, so the dev server
 *   gives an opaque validator of the same shape: MD5 of `size:mtimeMs:key`,
 *   with the part count an 8 MiB-part upload would have. It is stable while
 *   the file is unchanged and changes when its size or mtime does; the `-N`
 *   suffix tells clients (as on S3) not to compare it with a content MD5.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';

export const MD5_LIMIT = 64 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
/** At most this many files are hashed at once. */
const MAX_PARALLEL = 4;

export class EtagCache {
  private readonly done = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  async get(path: string, key: string, stats: Stats): Promise<string> {
    if (stats.size > MD5_LIMIT) {
      const h = createHash('md5').update(`${stats.size}:${stats.mtimeMs}:${key}`).digest('hex');
      return `"${h}-${Math.max(1, Math.ceil(stats.size / PART_SIZE))}"`;
    }
    const id = `${path}\0${stats.size}\0${stats.mtimeMs}`;
    const hit = this.done.get(id);
    if (hit !== undefined) return hit;
    const inflight = this.pending.get(id);
    if (inflight) return inflight;
    const p = this.hash(path).then(
      (hex) => {
        const etag = `"${hex}"`;
        if (this.done.size >= 100_000) this.done.clear(); // bound memory on huge trees
        this.done.set(id, etag);
        this.pending.delete(id);
        return etag;
      },
      (err: unknown) => {
        this.pending.delete(id);
        throw err;
      },
    );
    this.pending.set(id, p);
    return p;
  }

  private async hash(path: string): Promise<string> {
    if (this.running >= MAX_PARALLEL) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      const h = createHash('md5');
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      return h.digest('hex');
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
