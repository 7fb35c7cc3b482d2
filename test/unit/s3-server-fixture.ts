/**
 * A temporary bucket tree for the s3-server tests, plus small helpers to read
 * listings and bodies. Not a test file itself (vitest only runs *.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';

export const BUCKET = 'laion-fmri';
export const BLOB_KEY = 'data/blob.bin';
export const BLOB_SIZE = 204_800;
export const BLOB = Buffer.from(Array.from({ length: BLOB_SIZE }, (_, i) => (i * 31 + 7) & 255));

export const HELD_OUT = 'sub-01/ses-31/func/sub-01_ses-31_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz';
export const PUBLIC_SESSION = 'sub-01/ses-30/func/sub-01_ses-30_task-images_desc-SingletrialBetas_trials.tsv';
export const OLOC = 'derivatives/localizers/sub-01/ses-31/func/sub-01_ses-31_task-oloc_run-01_space-T1w_res-1pt5_contrast-objects_stat-z_statmap.nii.gz';
export const FLOC_HELD_OUT = 'derivatives/localizers/sub-01/ses-31/func/sub-01_ses-31_task-floc_space-T1w_res-1pt5_contrast-faces_stat-z_statmap.nii.gz';
export const GATED = 'stimuli/task-images_stimuli.h5';
export const PLUS_KEY = 'stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg';
export const SPACE_KEY = 'odd/a b.txt';
export const PLUS_ODD_KEY = 'odd/a+b.txt';
export const UNICODE_KEY = 'odd/ünï€😀.txt';
export const XML_KEY = 'odd/x&y<z>"q\'.txt';
export const BIG_SPARSE = 'big/sparse.bin';

/** 1005 keys under many/, in 5 "directories". */
export const MANY = Array.from({ length: 5 }, (_, d) => Array.from({ length: 201 }, (_, f) => `many/d${d}/f${String(f).padStart(4, '0')}.bin`)).flat();
/** 25 sub-folders and one file directly under dirs/. */
export const DIRS = Array.from({ length: 25 }, (_, i) => `dirs/p${String(i).padStart(2, '0')}/x.txt`);

export interface Fixture {
  dir: string;
  root: string;
  /** Every visible key with its content. */
  files: Map<string, Buffer>;
  cleanup(): void;
}

export function md5(b: Buffer): string {
  return `"${createHash('md5').update(b).digest('hex')}"`;
}

export function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 's3-server-test-'));
  const root = join(dir, BUCKET);
  const files = new Map<string, Buffer>();
  const put = (key: string, content: Buffer | string, visible = true): void => {
    const path = join(root, ...key.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeFileSync(path, buf);
    if (visible) files.set(key, buf);
  };
  for (const k of MANY) put(k, `m:${k}`);
  for (const k of DIRS) put(k, `d:${k}`);
  put('dirs/readme.txt', 'readme');
  put(BLOB_KEY, BLOB);
  put('README', 'top-level readme\n');
  put('participants.tsv', 'participant_id\tage\nsub-01\t30\n');
  put('dataset_description.json', '{"Name":"demo"}\n');
  put(HELD_OUT, 'held-out betas');
  put(PUBLIC_SESSION, 'session\trun\tbeta_index\tlabel\n');
  put(OLOC, 'oloc z map');
  put(FLOC_HELD_OUT, 'floc z map');
  put(GATED, 'gated stimuli');
  put('stimuli/task-images_metadata.csv', 'image_name,dataset\n');
  put(PLUS_KEY, 'a dog from THINGS+');
  put(SPACE_KEY, 'space');
  put(PLUS_ODD_KEY, 'plus');
  put(UNICODE_KEY, 'unicode');
  put(XML_KEY, 'xml');
  put('order/a.txt', '1');
  put('order/\uE000.txt', '2');
  put('order/😀.txt', '3');
  // Invisible: hidden files and folders, and the demo generator's temp files.
  put('.hidden', 'secret', false);
  put('.git/config', 'secret', false);
  put('odd/.DS_Store', 'secret', false);
  put('odd/c.nii.gz.partial-1234', 'half-written', false);
  // Outside the bucket root: must never be reachable.
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  // A sparse file above the MD5 limit (64 MiB): gets the opaque validator.
  mkdirSync(join(root, 'big'), { recursive: true });
  writeFileSync(join(root, 'big', 'sparse.bin'), '');
  truncateSync(join(root, 'big', 'sparse.bin'), 65 * 1024 * 1024);
  return { dir, root, files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Contents' || name === 'CommonPrefixes',
});

export interface ListPage {
  Name: string;
  Prefix: string;
  KeyCount?: string;
  MaxKeys: string;
  IsTruncated: string;
  Delimiter?: string;
  EncodingType?: string;
  StartAfter?: string;
  ContinuationToken?: string;
  NextContinuationToken?: string;
  Marker?: string;
  NextMarker?: string;
  Contents?: Array<{ Key: string; LastModified: string; ETag: string; Size: string; StorageClass: string }>;
  CommonPrefixes?: Array<{ Prefix: string }>;
}

export function parseList(xml: string): ListPage {
  const doc = parser.parse(xml) as { ListBucketResult?: ListPage };
  if (!doc.ListBucketResult) throw new Error(`not a listing: ${xml.slice(0, 200)}`);
  return doc.ListBucketResult;
}

export function parseError(xml: string): Record<string, string> {
  const doc = parser.parse(xml) as { Error?: Record<string, string> };
  if (!doc.Error) throw new Error(`not an error: ${xml.slice(0, 200)}`);
  return doc.Error;
}

/** Percent-encodes a key for a path, keeping '/' (as S3 clients do). */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Reads a body to the end or to its error; returns the bytes that arrived and the error, if any. */
export async function readAll(res: Response): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
    }
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (e) {
    return { bytes: Buffer.concat(chunks), error: e };
  }
}

export interface FixtureServer {
  fx: Fixture;
  server: BucketServer;
  /** The fixture bucket's URL. */
  base: string;
}

/**
 * Serves the fixture bucket for a test file: started before its tests, faults
 * cleared after each one (with `admin`), closed and removed after all.
 * `set` receives the running server, for the file's own variables.
 */
export function serveFixture(o: { admin?: boolean }, set: (s: FixtureServer) => void): void {
  let s: FixtureServer | undefined;
  beforeAll(async () => {
    const fx = makeFixture();
    const server = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0, admin: o.admin });
    s = { fx, server, base: `${server.url}/${BUCKET}` };
    set(s);
  });
  if (o.admin) afterEach(() => s?.server.setFaults(null));
  afterAll(async () => {
    await s?.server.close();
    s?.fx.cleanup();
  });
}
