/**
 * Keys <-> files under a bucket root. A key is the file's path relative to the
 * root with '/' separators. Hidden files (any segment starting with '.') and
 * the demo generator's `*.partial-*` temp files are invisible, to GET and to
 * listings alike. A key can never name anything outside the root: every
 * segment is checked before it is joined, and the joined path is checked again.
 */
import { type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { compareKeys } from '../../src/data/s3/listing-core.ts';

/** True for a path segment that may be served: not hidden, not a temp file. */
export function isVisibleSegment(segment: string): boolean {
  return segment.length > 0 && !segment.startsWith('.') && !segment.includes('.partial-') && !segment.includes('\0');
}

/**
 * The file a key names, or null when the key cannot name a visible file under
 * `root` (empty, '..', hidden or empty segments, NUL, a trailing '/').
 */
export function keyToPath(root: string, key: string): string | null {
  if (key.length === 0 || Buffer.byteLength(key, 'utf8') > 1024) return null;
  const segments = key.split('/');
  if (!segments.every(isVisibleSegment)) return null;
  if (segments.some((s) => s.includes('\\') && sep === '\\')) return null;
  const base = resolve(root);
  const full = resolve(join(base, ...segments));
  if (!full.startsWith(base + sep)) return null;
  return full;
}

/** Stats of the file behind a key (symlinks followed), or null when it is not a regular file. */
export async function statKey(root: string, key: string): Promise<{ path: string; stats: Stats } | null> {
  const path = keyToPath(root, key);
  if (path === null) return null;
  try {
    const stats = await stat(path);
    return stats.isFile() ? { path, stats } : null;
  } catch {
    return null;
  }
}

export { compareKeys };

/**
 * Every visible file key under `root` that starts with `prefix`, sorted in
 * UTF-8 byte order. Only the folder the prefix points into is walked.
 * Symlinks are followed (a lab's download may be a git-annex tree of links);
 * a link cycle is cut by a depth limit.
 */
export async function listKeys(root: string, prefix: string): Promise<string[]> {
  const slash = prefix.lastIndexOf('/');
  const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
  if (dirKey !== '' && !dirKey.split('/').every(isVisibleSegment)) return [];
  const startDir = dirKey === '' ? resolve(root) : keyToPath(root, dirKey);
  if (startDir === null) return [];
  const out: string[] = [];
  await walk(startDir, dirKey === '' ? '' : `${dirKey}/`, prefix, out, 0);
  return out.sort(compareKeys);
}

const MAX_DEPTH = 40;

async function walk(dir: string, keyPrefix: string, prefix: string, out: string[], depth: number): Promise<void> {
  if (depth > MAX_DEPTH) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!isVisibleSegment(e.name)) continue;
    const key = keyPrefix + e.name;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const s = await stat(join(dir, e.name));
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch {
        continue; // dangling link
      }
    }
    if (isFile) {
      if (key.startsWith(prefix)) out.push(key);
    } else if (isDir) {
      const sub = `${key}/`;
      // Descend only where keys starting with `prefix` can exist.
      if (sub.startsWith(prefix) || prefix.startsWith(sub)) await walk(join(dir, e.name), sub, prefix, out, depth + 1);
    }
  }
}
