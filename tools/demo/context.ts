/**
 * What every part of the demo generator gets: where to write, the seed, the
 * stimulus catalogue. Writers go through `put` so the build can record every
 * object it wrote (the bucket manifest) and write each file atomically.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Catalog } from './catalog.ts';
import { Rng } from './rng.ts';

export interface DemoContext {
  /** Folder that is served as the bucket root (keys are paths under it). */
  bucketDir: string;
  /** Folder for the split JSONs (`{pool}/{name}.json`), outside the bucket like the package's `splits/data/`. */
  splitsDir: string;
  seed: number;
  catalog: Catalog;
  /** A deterministic random stream for `label`; the same label always gives the same stream. */
  rng(label: string): Rng;
  /** Writes one bucket object (key relative to the bucket root), atomically. */
  put(key: string, bytes: Uint8Array | string): void;
  /** Writes one file under splitsDir. */
  putSplit(relPath: string, json: unknown): void;
}

export function atomicWrite(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.partial-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export function makeContext(bucketDir: string, splitsDir: string, seed: number, catalog: Catalog, written: string[]): DemoContext {
  const root = new Rng(seed);
  return {
    bucketDir,
    splitsDir,
    seed,
    catalog,
    rng: (label) => root.fork(label),
    put(key, bytes) {
      if (key.startsWith('/') || key.includes('..')) throw new Error(`bad key ${key}`);
      atomicWrite(join(bucketDir, key), bytes);
      written.push(key);
    },
    putSplit(relPath, json) {
      atomicWrite(join(splitsDir, relPath), JSON.stringify(json, null, 2) + '\n');
    },
  };
}
