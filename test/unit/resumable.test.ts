/**
 * The resumable byte source against the dev server's fault injection: a
 * connection dropped every N bytes still yields the exact file, via Range
 * resumes; a file that changes mid-way is detected (If-Match), not mixed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '../../src/data/s3/client.ts';
import { resumableObjectStream } from '../../src/data/resumable.ts';
import { DataError } from '../../src/data/errors.ts';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';

const KEY = 'derivatives/x/betas.nii.gz';
const SIZE = 1_000_003;
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 2654435761) >>> 24);
let dir: string;
let server: BucketServer;
let client: S3Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'resumable-'));
  mkdirSync(join(dir, 'derivatives/x'), { recursive: true });
  writeFileSync(join(dir, KEY), bytes);
  server = await startBucketServer({ buckets: { bench: dir }, port: 0 });
  client = new S3Client(`${server.url}/bench`, { retries: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function drain(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const md5 = (u: Uint8Array) => createHash('md5').update(u).digest('hex');

describe('resumableObjectStream', () => {
  it('delivers the exact bytes when every connection drops after 150 kB', async () => {
    const head = await client.head(KEY);
    server.setFaults({ dropAfterBytes: 150_000 });
    server.resetStats();
    const resumes: number[] = [];
    const got = await drain(resumableObjectStream(client, KEY, { etag: head.etag, size: SIZE, maxStalls: 3, onResume: (o) => resumes.push(o) }));
    server.setFaults(null);
    expect(got.length).toBe(SIZE);
    expect(md5(got)).toBe(md5(bytes));
    expect(resumes.length).toBe(6); // 7 connections of 150 kB for 1 MB
    expect(resumes.every((o, i) => i === 0 || o > resumes[i - 1])).toBe(true);
    expect(server.stats().ranges.slice(-2)).toEqual([`bytes=${resumes[4]}-`, `bytes=${resumes[5]}-`]);
    const sent = server.stats().bytesSent;
    expect(sent).toBeLessThan(SIZE * 1.2); // nothing re-fetched but the bytes in flight when a connection died
  });

  it('gives up with a clear message when the connection never comes back', async () => {
    const head = await client.head(KEY);
    server.setFaults({ dropAfterBytes: 0 });
    const err = await drain(resumableObjectStream(client, KEY, { etag: head.etag, size: SIZE, maxStalls: 2 })).catch((e: unknown) => e);
    server.setFaults(null);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${KEY}: the connection kept dropping; stopped at byte 0 of ${SIZE} after 2 attempts to resume.`);
  });

  it('detects a file that changed between two connections (If-Match → 412), never mixes versions', async () => {
    const head = await client.head(KEY);
    server.setFaults({ dropAfterBytes: 400_000, times: 1 });
    let resumed = false;
    const stream = resumableObjectStream(client, KEY, {
      etag: head.etag,
      size: SIZE,
      onResume: () => {
        if (resumed) return;
        resumed = true;
        const changed = bytes.slice();
        changed[10] ^= 1;
        writeFileSync(join(dir, KEY), changed);
      },
    });
    const err = await drain(stream).catch((e: unknown) => e);
    writeFileSync(join(dir, KEY), bytes);
    server.setFaults(null);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).kind).toBe('changed');
  });

  it('stops at once when cancelled', async () => {
    const head = await client.head(KEY);
    server.setFaults({ bandwidthBytesPerSec: 200_000 });
    const ac = new AbortController();
    const reader = resumableObjectStream(client, KEY, { etag: head.etag, size: SIZE, signal: ac.signal }).getReader();
    await reader.read();
    ac.abort(new DOMException('Cancelled', 'AbortError'));
    const t0 = performance.now();
    const err = await reader.read().catch((e: unknown) => e);
    server.setFaults(null);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
  });
});
