/**
 * The parallel ranged byte source against the dev server: the parts come back
 * in order as one exact stream for any k and part size; the requests overlap;
 * a dropped or stalled part is retried on its own (by Range from its last
 * byte); a server that ignores Range, a wrong Content-Range and a file that
 * changes mid-download are errors naming the key, never a corrupted stream;
 * memory stays at about k parts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '../../src/data/s3/client.ts';
import { parallelObjectStream, type ParallelSourceOptions, type PartRetry } from '../../src/data/parallel-source.ts';
import { DataError } from '../../src/data/errors.ts';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';

const KEY = 'derivatives/x/sub-01_ses-01_betas.nii.gz';
const SIZE = 1_000_003;
const PART = 100_000;
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 2654435761) >>> 24);
let dir: string;
let server: BucketServer;
let client: S3Client;
let etag: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parallel-'));
  mkdirSync(join(dir, 'derivatives/x'), { recursive: true });
  writeFileSync(join(dir, KEY), bytes);
  server = await startBucketServer({ buckets: { bench: dir }, port: 0 });
  client = new S3Client(`${server.url}/bench`, { retries: 0 });
  etag = (await client.head(KEY)).etag;
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
const open = (o: Partial<ParallelSourceOptions> = {}) => parallelObjectStream(client, KEY, { etag, size: SIZE, partSize: PART, retryBaseMs: 10, ...o });
const fault = async (f: Parameters<BucketServer['setFaults']>[0], run: () => Promise<unknown>) => {
  server.setFaults(f);
  server.resetStats();
  try {
    return await run().catch((e: unknown) => e);
  } finally {
    server.setFaults(null);
  }
};

describe('parallelObjectStream', () => {
  it.each([
    [1, PART],
    [3, PART],
    [4, 65_536],
    [16, 300_000],
    [8, 2_000_000],
  ])('delivers the exact bytes in order with k=%i, parts of %i bytes', async (k, partSize) => {
    server.resetStats();
    const { stream, stats } = open({ concurrency: k, partSize });
    const got = await drain(stream);
    expect(got.length).toBe(SIZE);
    expect(md5(got)).toBe(md5(bytes));
    expect(stats.parts).toBe(Math.ceil(SIZE / partSize));
    expect(server.stats().requests).toBe(stats.parts);
    expect(server.stats().bytesSent).toBe(SIZE);
    expect(stats.peakInFlight).toBeLessThanOrEqual(k);
  });

  it('starts at a given offset (to continue after bytes already stored)', async () => {
    const { stream } = open({ start: 123_457, concurrency: 3 });
    const got = await drain(stream);
    expect(md5(got)).toBe(md5(bytes.subarray(123_457)));
  });

  it('keeps k requests in flight at once and buffers about k parts, however slowly the consumer reads', async () => {
    const { stream, stats } = open({ concurrency: 4 });
    const got = await fault({ bandwidthBytesPerSec: 2_000_000 }, async () => {
      const r = stream.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        chunks.push(value);
        await new Promise((res) => setTimeout(res, 2)); // a slow consumer: back-pressure must hold
      }
      return chunks.reduce((a, c) => a + c.length, 0);
    });
    expect(got).toBe(SIZE);
    expect(server.stats().maxConcurrent).toBe(4);
    expect(stats.peakInFlight).toBe(4);
    expect(stats.peakBufferedBytes).toBeLessThanOrEqual(4 * PART);
    expect(stats.bufferedBytes).toBe(0);
  });

  it('retries a dropped part on its own, from the last byte it received; nothing else is fetched again', async () => {
    const retries: PartRetry[] = [];
    const { stream, stats } = open({ concurrency: 4, onRetry: (r) => retries.push(r) });
    const got = (await fault({ dropAfterBytes: 30_000, times: 3 }, () => drain(stream))) as Uint8Array;
    expect(md5(got)).toBe(md5(bytes));
    expect(stats.retries).toBe(3);
    expect(retries.map((r) => r.from - PART * r.part)).toEqual([30_000, 30_000, 30_000]);
    // The resumed requests ask only for the rest of their part.
    const resumed = server.stats().ranges.filter((r) => retries.some((x) => r === `bytes=${x.from}-${x.end - 1}`));
    expect(resumed.length).toBe(3);
    expect(server.stats().bytesSent).toBe(SIZE);
  });

  it('asks again for a part that never arrives, without waiting for the others', async () => {
    const retries: PartRetry[] = [];
    const { stream } = open({ concurrency: 3, stallMs: 300, onRetry: (r) => retries.push(r) });
    const t0 = performance.now();
    const got = (await fault({ latencyMs: 4_000, times: 1 }, () => drain(stream))) as Uint8Array;
    expect(md5(got)).toBe(md5(bytes));
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(retries).toHaveLength(1);
    expect(retries[0].reason).toBe(`${KEY}: bytes 0–99999 sent nothing for 0.3 s.`);
  });

  it('gives up on a part that keeps failing, naming the key and the bytes', async () => {
    const { stream } = open({ concurrency: 2, maxAttempts: 3 });
    const err = await fault({ dropAfterBytes: 0, match: 'betas' }, () => drain(stream));
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).kind).toBe('network');
    expect((err as DataError).message).toMatch(new RegExp(`^${KEY.replace(/[.]/g, '\\.')}: bytes \\d+–\\d+ could not be downloaded after 3 attempts`));
  });

  it('rejects a server that ignores Range (200 with the whole body)', async () => {
    const err = await fault({ ignoreRange: true }, () => drain(open({ concurrency: 4 }).stream));
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${KEY}: the server ignored the byte range (answered 200 instead of 206 Partial Content).`);
  });

  it('rejects a part answered with the wrong Content-Range', async () => {
    const err = await fault({ wrongContentRange: true, times: 1 }, () => drain(open({ concurrency: 4 }).stream));
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(new RegExp(`^${KEY.replace(/[.]/g, '\\.')}: asked for bytes \\d+-\\d+ but the server sent "bytes `));
  });

  it('detects a file that changes mid-download (ETag pinned with If-Match), never mixes versions', async () => {
    let changed = false;
    const { stream } = open({
      concurrency: 2,
      partSize: 50_000,
      onDownloaded: () => {
        if (changed) return;
        changed = true;
        const next = bytes.slice();
        next[SIZE - 1] ^= 1;
        writeFileSync(join(dir, KEY), next);
      },
    });
    const err = await drain(stream).catch((e: unknown) => e);
    writeFileSync(join(dir, KEY), bytes);
    etag = (await client.head(KEY)).etag;
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).kind).toBe('changed');
    expect((err as DataError).message).toContain(KEY);
  });

  it('names an object the server holds shorter than the listing says (its Content-Range total), before decoding a byte', async () => {
    const err = await fault({ truncateTo: 400_000 }, () => drain(open({ concurrency: 4 }).stream));
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).kind).toBe('corrupt');
    expect((err as DataError).message).toBe(`${KEY} is truncated on the server: it holds 400 kB, the listing says 1.00 MB.`);
  });

  it('stops every request at once when cancelled', async () => {
    const ac = new AbortController();
    const { stream } = open({ concurrency: 4, signal: ac.signal });
    server.setFaults({ bandwidthBytesPerSec: 200_000 });
    const reader = stream.getReader();
    await reader.read();
    ac.abort(new DOMException('Cancelled', 'AbortError'));
    const t0 = performance.now();
    const err = await reader.read().catch((e: unknown) => e);
    server.setFaults(null);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((err as DOMException).name).toBe('AbortError');
  });
});
