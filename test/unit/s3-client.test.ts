/**
 * The app's S3 client against two servers: our dev server, and s3rver, an
 * independent S3 implementation, so client and dev server cannot share one
 * misunderstanding of the protocol. No mocks: real HTTP on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '../../src/data/s3/client.ts';
import { DataError, HeldOutSessionError } from '../../src/data/errors.ts';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';

const MANY = 1205;
const FILES: Record<string, Uint8Array<ArrayBuffer>> = {};
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 255);
for (let i = 0; i < MANY; i++) FILES[`many/k-${String(i).padStart(4, '0')}.bin`] = bytes(3, i);
FILES['derivatives/glmsingle-tedana/sub-01/ses-01/func/a.tsv'] = bytes(100, 1);
FILES['derivatives/glmsingle-tedana/sub-01/ses-02/func/a.tsv'] = bytes(100, 2);
FILES['derivatives/glmsingle-tedana/sub-01/ses-31/func/a.tsv'] = bytes(100, 3);
FILES['derivatives/glmsingle-tedana/sub-01/summary.json'] = bytes(20, 4);
FILES['derivatives/rois/sub-03/face/x.nii.gz'] = bytes(10, 5);
FILES['derivatives/rois/sub-03/body/y.nii.gz'] = bytes(10, 8);
FILES['stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg'] = bytes(5000, 6);
FILES['stimuli/with space é.txt'] = bytes(7, 7);

function contract(name: string, endpoint: () => string, opts: { denies: boolean; deepCommonPrefixes: boolean }) {
  describe(`S3Client against ${name}`, () => {
    const client = () => new S3Client(endpoint(), { retries: 0 });

    it('pages through >1000 keys with continuation tokens, each key once, in order', async () => {
      let pages = 0;
      const keys: string[] = [];
      for await (const page of client().listPages({ prefix: 'many/', maxKeys: 500 })) {
        pages++;
        keys.push(...page.contents.map((c) => c.key));
      }
      expect(pages).toBe(3);
      expect(keys).toEqual(Object.keys(FILES).filter((k) => k.startsWith('many/')).sort());
      const all = await client().listAll({ prefix: 'many/' });
      expect(all.objects.length).toBe(MANY);
      expect(all.objects[0].size).toBe(3);
    });

    it('lists "folders" with a delimiter (one level)', async () => {
      const { objects, prefixes } = await client().listAll({ prefix: 'derivatives/rois/sub-03/', delimiter: '/' });
      expect(prefixes).toEqual(['derivatives/rois/sub-03/body/', 'derivatives/rois/sub-03/face/']);
      expect(objects).toEqual([]);
    });

    // AWS rolls up a prefix whatever the depth below it; s3rver 3.7 only rolls up
    // prefixes that directly hold an object, so ses-01/func/a.tsv yields no ses-01/.
    it.runIf(opts.deepCommonPrefixes)('lists "folders" whose objects sit deeper', async () => {
      const { objects, prefixes } = await client().listAll({ prefix: 'derivatives/glmsingle-tedana/sub-01/', delimiter: '/' });
      expect(prefixes).toEqual(['ses-01/', 'ses-02/', 'ses-31/'].map((s) => `derivatives/glmsingle-tedana/sub-01/${s}`));
      expect(objects.map((o) => o.key)).toEqual(['derivatives/glmsingle-tedana/sub-01/summary.json']);
    });

    it('round-trips keys with +, spaces and non-ASCII', async () => {
      const { objects } = await client().listAll({ prefix: 'stimuli/' });
      expect(objects.map((o) => o.key)).toEqual(['stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg', 'stimuli/with space é.txt']);
      for (const o of objects) {
        const buf = new Uint8Array(await client().getBytes(o.key, 0));
        expect(buf).toEqual(FILES[o.key]);
      }
    });

    it('reads byte ranges and HEAD', async () => {
      const key = 'stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg';
      const part = new Uint8Array(await client().getBytes(key, 1000, 1999));
      expect(part).toEqual(FILES[key].slice(1000, 2000));
      const tail = new Uint8Array(await client().getBytes(key, 4990));
      expect(tail).toEqual(FILES[key].slice(4990));
      const head = await client().head(key);
      expect(head.size).toBe(5000);
      expect(head.etag).toMatch(/^"[^"]+"$/);
      const listed = (await client().listAll({ prefix: key })).objects[0];
      expect(listed.etag).toBe(head.etag);
    });

    it('names the key of a missing object', async () => {
      const err = await client()
        .getBytes('stimuli/nope.bin', 0, 10)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).kind).toBe('not-found');
      expect((err as DataError).message).toContain('stimuli/nope.bin');
    });

    it.runIf(opts.denies)('reports a held-out session as such (403 AccessDenied)', async () => {
      const err = await client()
        .getBytes('derivatives/glmsingle-tedana/sub-01/ses-31/func/a.tsv', 0, 10)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HeldOutSessionError);
      expect((err as DataError).message).toContain('ses-31');
    });
  });
}

let dir: string;
let dev: BucketServer;
let s3rver: ChildProcess | undefined;
let s3rverPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 's3client-'));
  for (const [k, v] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, 'bucket', k)), { recursive: true });
    writeFileSync(join(dir, 'bucket', k), v);
  }
  dev = await startBucketServer({ buckets: { 'laion-fmri': join(dir, 'bucket') }, port: 0 });

  // s3rver needs the legacy OpenSSL provider for its continuation tokens on Node 20 (toolchain.md §4).
  s3rverPort = await freePort();
  mkdirSync(join(dir, 's3rver'));
  s3rver = spawn(
    process.execPath,
    ['--openssl-legacy-provider', 'node_modules/s3rver/bin/s3rver.js', '-d', join(dir, 's3rver'), '-a', '127.0.0.1', '-p', String(s3rverPort), '-s', '--configure-bucket', 'laion-fmri'],
    { stdio: 'ignore' },
  );
  const base = `http://127.0.0.1:${s3rverPort}/laion-fmri`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${base}/?list-type=2&max-keys=1`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const entries = Object.entries(FILES);
  for (let i = 0; i < entries.length; i += 32) {
    await Promise.all(
      entries.slice(i, i + 32).map(async ([k, v]) => {
        const url = `${base}/${k.split('/').map(encodeURIComponent).join('/')}`;
        const r = await fetch(url, { method: 'PUT', body: v });
        if (!r.ok) throw new Error(`s3rver PUT ${k}: ${r.status}`);
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await dev?.close();
  s3rver?.kill();
  rmSync(dir, { recursive: true, force: true });
});

contract('the dev server', () => `${dev.url}/laion-fmri`, { denies: true, deepCommonPrefixes: true });
contract('s3rver (independent implementation)', () => `http://127.0.0.1:${s3rverPort}/laion-fmri`, { denies: false, deepCommonPrefixes: false });
