/**
 * What the browser keeps, in one list: decoded volumes (opfs-store), derived
 * betas matrices (betas-store), partial downloads (partial-store) and the
 * compressed files kept offline, whole or in part (object-copy), read
 * straight from OPFS so the cache panel shows the disk, not a belief about it.
 *
 * The scan is also the consistency check: an entry whose manifest is missing,
 * unreadable, or disagrees with its data files' sizes is broken. It is never
 * reported as cached; it is removed and counted. An entry whose Web Lock is
 * held (a write in progress, in this tab or another) is left alone.
 *
 * Runs on the UI thread (reads File objects, no sync handles).
 */
import { parseBidsName } from '../data/layout.ts';
import { BETAS_LOCK_PREFIX } from './betas-store.ts';
import { OPFS_LOCK_PREFIX } from './opfs-store.ts';
import { PARTIAL_DIR, PARTIAL_LOCK_PREFIX } from './partial-store.ts';
import { COPY_DIR, COPY_LOCK_PREFIX } from './object-copy.ts';

export type CacheStore = 'volume' | 'betas' | 'partial' | 'copy';

export interface CacheItem {
  store: CacheStore;
  id: string;
  endpoint: string;
  /** The bucket key the entry was made from. */
  key: string;
  subject: string | null;
  session: string | null;
  /** Bytes on disk, all files of the entry. */
  bytes: number;
  createdAt: string;
  /** Partial downloads and unfinished copies: bytes kept of the object's size. */
  progress?: { have: number; size: number };
}

export interface BrokenItem {
  store: CacheStore;
  id: string;
  reason: string;
  bytes: number;
}

export interface CacheScan {
  items: CacheItem[];
  /** Entries found inconsistent (and removed) by this scan. */
  broken: BrokenItem[];
  /** Entries skipped because a write holds their lock. */
  busy: string[];
}

const ROOT = ['laion-fmri-explorer', 'v1'];

async function openDir(path: string[], create = true): Promise<FileSystemDirectoryHandle | null> {
  try {
    let d = await navigator.storage.getDirectory();
    for (const n of path) d = await d.getDirectoryHandle(n, { create });
    return d;
  } catch {
    return null;
  }
}

async function filesOf(d: FileSystemDirectoryHandle): Promise<Map<string, File>> {
  const out = new Map<string, File>();
  for await (const [name, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (h.kind === 'file') out.set(name, await (h as FileSystemFileHandle).getFile());
  }
  return out;
}

/** The subject and session a key belongs to (null when it has none). */
export function subjectSessionOf(key: string): { subject: string | null; session: string | null } {
  const bids = parseBidsName(key);
  const sub = bids?.entities.sub ?? /(?:^|\/)sub-([A-Za-z0-9]+)\//.exec(key)?.[1];
  const ses = bids?.entities.ses ?? /(?:^|\/)ses-([A-Za-z0-9]+)\//.exec(key)?.[1];
  return { subject: sub ? `sub-${sub}` : null, session: ses ? `ses-${ses}` : null };
}

/** Runs `fn` holding the lock `name` if nobody else holds it; returns false when it is held. */
async function ifUnlocked(name: string, fn: () => Promise<void>): Promise<boolean> {
  if (typeof navigator.locks?.request !== 'function') {
    await fn();
    return true;
  }
  return navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await fn();
    return true;
  });
}

function stemOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function groupByStem(files: Map<string, File>): Map<string, Map<string, File>> {
  const groups = new Map<string, Map<string, File>>();
  for (const [name, f] of files) {
    const id = stemOf(name);
    if (!groups.has(id)) groups.set(id, new Map());
    groups.get(id)!.set(name.slice(id.length), f);
  }
  return groups;
}

const total = (g: Map<string, File>) => [...g.values()].reduce((s, f) => s + f.size, 0);

async function readJson(f: File | undefined): Promise<Record<string, unknown> | null> {
  if (!f) return null;
  try {
    const v = JSON.parse(await f.text()) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

interface StoreSpec {
  store: CacheStore;
  path: string[];
  lock: (id: string) => string;
  /** A complete entry's item, or the reason it is broken. */
  check(id: string, g: Map<string, File>): Promise<CacheItem | string>;
}

const STORES: StoreSpec[] = [
  {
    store: 'volume',
    path: ROOT,
    lock: (id) => `${OPFS_LOCK_PREFIX}${id}`,
    async check(id, g) {
      const m = await readJson(g.get('.json'));
      if (!m) return g.has('.json') ? 'unreadable manifest' : 'data without a manifest';
      const bin = g.get('.bin');
      if (!bin) return 'manifest without data';
      if (bin.size !== m.size) return `data is ${bin.size} bytes, the manifest says ${String(m.size)}`;
      if ([...g.keys()].some((k) => k !== '.json' && k !== '.bin')) return 'stray files';
      const key = String(m.key ?? '');
      return { store: 'volume', id, endpoint: String(m.endpoint ?? ''), key, ...subjectSessionOf(key), bytes: total(g), createdAt: String(m.createdAt ?? '') };
    },
  },
  {
    store: 'betas',
    path: [...ROOT, 'betas'],
    lock: (id) => `${BETAS_LOCK_PREFIX}${id}`,
    async check(id, g) {
      const m = await readJson(g.get('.json'));
      if (!m) return g.has('.json') ? 'unreadable manifest' : 'data without a manifest';
      const expected = Number(m.trials) * Number(m.nBrain) * 4;
      for (const part of ['.trials.f32', '.voxels.f32']) {
        const f = g.get(part);
        if (!f) return `${part.slice(1)} missing`;
        if (f.size !== expected) return `${part.slice(1)} is ${f.size} bytes, the manifest says ${expected}`;
      }
      if (g.size !== 3) return 'stray files';
      const key = String(m.betasKey ?? '');
      return { store: 'betas', id, endpoint: String(m.endpoint ?? ''), key, ...subjectSessionOf(key), bytes: total(g), createdAt: String(m.createdAt ?? '') };
    },
  },
  {
    store: 'partial',
    path: [...ROOT, PARTIAL_DIR],
    lock: (id) => `${PARTIAL_LOCK_PREFIX}${id}`,
    async check(id, g) {
      // A partial download's record says how many bytes it vouches for; the data may not be shorter.
      const m = await readJson(g.get('.json'));
      if (!m) return g.has('.json') ? 'unreadable record' : 'bytes without a record';
      const data = g.get('.part');
      if (!data) return 'record without bytes';
      const have = Number(m.have);
      if (!(have >= 0) || data.size < have || have > Number(m.size)) return `record vouches for ${String(m.have)} bytes, ${data.size} on disk`;
      if (g.size !== 2) return 'stray files';
      const key = String(m.key ?? '');
      return {
        store: 'partial',
        id,
        endpoint: String(m.endpoint ?? ''),
        key,
        ...subjectSessionOf(key),
        bytes: total(g),
        createdAt: String(m.updatedAt ?? ''),
        progress: { have, size: Number(m.size) },
      };
    },
  },
  {
    // A compressed file kept offline: whole (.gz + its manifest .json), or the prefix an interrupted
    // pass left for a resume (.partial + .partial.json); object-copy.ts never keeps both.
    store: 'copy',
    path: [...ROOT, COPY_DIR],
    lock: (id) => `${COPY_LOCK_PREFIX}${id}`,
    async check(id, g) {
      const whole = g.has('.json') || g.has('.gz');
      const m = await readJson(g.get(whole ? '.json' : '.partial.json'));
      if (!m) return g.has(whole ? '.json' : '.partial.json') ? 'unreadable manifest' : 'data without a manifest';
      const data = g.get(whole ? '.gz' : '.partial');
      if (!data) return 'manifest without data';
      const size = Number(m.size);
      if (whole ? data.size !== size : !(data.size <= size)) return `data is ${data.size} bytes, the object is ${String(m.size)}`;
      if (g.size !== 2) return 'stray files';
      const key = String(m.key ?? '');
      const item: CacheItem = { store: 'copy', id, endpoint: String(m.endpoint ?? ''), key, ...subjectSessionOf(key), bytes: total(g), createdAt: String(m.createdAt ?? '') };
      return whole ? item : { ...item, progress: { have: data.size, size } };
    },
  },
];

/** Lists every entry; removes and counts the inconsistent ones. */
export async function scanCache(): Promise<CacheScan> {
  const scan: CacheScan = { items: [], broken: [], busy: [] };
  for (const spec of STORES) {
    const d = await openDir(spec.path);
    if (!d) continue;
    for (const [id, g] of groupByStem(await filesOf(d))) {
      if (g.size === 0) continue;
      const r = await spec.check(id, g);
      if (typeof r !== 'string') {
        scan.items.push(r);
        continue;
      }
      const removed = await ifUnlocked(spec.lock(id), async () => {
        for (const suffix of g.keys()) await d.removeEntry(id + suffix).catch(() => undefined);
      });
      if (removed) scan.broken.push({ store: spec.store, id, reason: r, bytes: total(g) });
      else scan.busy.push(id);
    }
  }
  scan.items.sort((a, b) => (a.subject ?? '~').localeCompare(b.subject ?? '~') || (a.session ?? '~').localeCompare(b.session ?? '~') || a.key.localeCompare(b.key));
  return scan;
}

/** Removes one entry, waiting for a write in progress to finish first. */
export async function evictItem(store: CacheStore, id: string): Promise<void> {
  const spec = STORES.find((s) => s.store === store)!;
  const d = await openDir(spec.path, false);
  if (!d) return;
  const run = async () => {
    for (const name of (await filesOf(d)).keys()) if (stemOf(name) === id) await d.removeEntry(name).catch(() => undefined);
  };
  if (typeof navigator.locks?.request === 'function') await navigator.locks.request(spec.lock(id), run);
  else await run();
}

/** Removes every entry of every store (each under its lock). */
export async function evictAll(): Promise<number> {
  let n = 0;
  for (const spec of STORES) {
    const d = await openDir(spec.path, false);
    if (!d) continue;
    for (const id of groupByStem(await filesOf(d)).keys()) {
      await evictItem(spec.store, id);
      n++;
    }
  }
  return n;
}

export interface StorageFacts {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
}

export async function storageFacts(): Promise<StorageFacts> {
  const est = await navigator.storage?.estimate?.().catch(() => null);
  const persisted = await navigator.storage?.persisted?.().catch(() => null);
  return { usage: est?.usage ?? null, quota: est?.quota ?? null, persisted: persisted ?? null };
}

/** Asks the browser not to evict this origin's storage under pressure. */
export async function requestPersistence(): Promise<boolean> {
  return (await navigator.storage?.persist?.().catch(() => false)) ?? false;
}
