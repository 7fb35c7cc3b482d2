/**
 * S3Client under network faults, over real HTTP on loopback: bursts of 5xx
 * on objects and listings (retried with backoff and jitter, then a clear
 * error), header timeouts, and body stalls (a steady long body is fine, a
 * stalled one fails).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Client } from '../../src/data/s3/client.ts';
import { DataError } from '../../src/data/errors.ts';
import type { BucketServer } from '../../tools/s3-server/server.ts';
import { BLOB, BLOB_KEY, serveFixture } from './s3-server-fixture.ts';

let server: BucketServer;
let base: string;

serveFixture({ admin: true }, (s) => void ({ server, base } = s));

const requestsFor = (key: string) => server.stats().byKey[key]?.requests ?? 0;

describe('retries under 5xx bursts', () => {
  it('a burst shorter than the retry budget is absorbed: the bytes are exact', async () => {
    server.resetStats();
    server.setFaults({ errorRate: 1, times: 3, match: 'blob' });
    const c = new S3Client(base, { retries: 3, retryBaseMs: 20 });
    const got = new Uint8Array(await (await c.getObject(BLOB_KEY)).arrayBuffer());
    expect(got).toEqual(new Uint8Array(BLOB));
    expect(requestsFor(BLOB_KEY)).toBe(4);
  });

  it('a burst longer than the budget ends in one clear error naming the key and the attempts', async () => {
    server.setFaults({ errorRate: 1, times: 4, match: 'blob' });
    const e = await new S3Client(base, { retries: 3, retryBaseMs: 5 }).getObject(BLOB_KEY).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).kind).toBe('server');
    expect((e as DataError).message).toMatch(new RegExp(`^${BLOB_KEY}: the server failed \\((SlowDown|InternalError).*after 4 attempts\\.$`));
  });

  it('listings are retried too (scope listings)', async () => {
    server.setFaults({ errorRate: 1, times: 2, scope: 'listings' });
    const r = await new S3Client(base, { retries: 3, retryBaseMs: 5 }).listAll({ prefix: 'data/' });
    expect(r.objects.map((o) => o.key)).toContain(BLOB_KEY);
  });

  it('backoff is exponential with full jitter: one random draw per retry, scaled by 2^attempt', async () => {
    server.setFaults({ errorRate: 1, times: 3, match: 'blob' });
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      const t0 = performance.now();
      await (await new S3Client(base, { retries: 3, retryBaseMs: 40 }).getObject(BLOB_KEY)).arrayBuffer();
      // The largest jitter waits ~40 + 80 + 160 ms before the 2nd, 3rd and 4th attempts.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(275);
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('timeouts', () => {
  let slow: Server;
  let slowBase: string;
  beforeAll(async () => {
    slow = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/octet-stream');
      if (req.url?.includes('no-headers')) return; // never answers
      if (req.url?.includes('stall')) {
        res.writeHead(200, { 'Content-Length': '2000' });
        res.write(Buffer.alloc(1000, 1)); // then nothing
        return;
      }
      // steady: 100 bytes every 60 ms for ~0.9 s
      res.writeHead(200, { 'Content-Length': '1500' });
      let n = 0;
      const t = setInterval(() => {
        res.write(Buffer.alloc(100, 2));
        if (++n === 15) {
          clearInterval(t);
          res.end();
        }
      }, 60);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const a = slow.address();
    slowBase = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/b`;
  });
  afterAll(async () => {
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  });

  it('no headers within the timeout: a network error that says so', async () => {
    const e = await new S3Client(slowBase, { retries: 0, timeoutMs: 200 }).getObject('no-headers').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toContain('no answer from');
  });

  it('a body that stalls fails after the timeout; a steady one longer than the timeout completes', async () => {
    const c = new S3Client(slowBase, { retries: 0, timeoutMs: 300 });
    const t0 = performance.now();
    const stalled = await (await c.getObject('stall')).arrayBuffer().catch((x: unknown) => x);
    expect(stalled).toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - t0).toBeLessThan(2000);
    const steady = await (await c.getObject('steady')).arrayBuffer();
    expect(steady.byteLength).toBe(1500);
  });
});
