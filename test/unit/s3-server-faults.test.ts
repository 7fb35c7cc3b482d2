/**
 * The dev server's fault injection, stats and /__admin endpoints.
 */
import { describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { startBucketServer, type BucketServer, type Faults } from '../../tools/s3-server/server.ts';
import { BLOB, BLOB_KEY, BLOB_SIZE, BUCKET, serveFixture, md5, parseError, parseList, readAll, type Fixture } from './s3-server-fixture.ts';

let fx: Fixture;
let server: BucketServer;
let base: string;

serveFixture({ admin: true }, (s) => void ({ fx, server, base } = s));

const blob = (init?: RequestInit): Promise<Response> => fetch(`${base}/${BLOB_KEY}`, init);
const range = (r: string): Promise<Response> => blob({ headers: { Range: r } });
/** The status, after reading the body, so no response stays in flight. */
const statusOf = async (p: Promise<Response>): Promise<number> => {
  const res = await p;
  await res.arrayBuffer();
  return res.status;
};

async function statuses(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await blob();
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe('faults', () => {
  it('dropAfterBytes cuts the body after exactly N bytes', async () => {
    server.setFaults({ dropAfterBytes: 1000 });
    const res = await blob();
    expect([res.status, res.headers.get('content-length')]).toEqual([200, String(BLOB_SIZE)]);
    const { bytes, error } = await readAll(res);
    expect(error).not.toBeNull();
    expect(bytes.length).toBe(1000);
    expect(bytes.equals(BLOB.subarray(0, 1000))).toBe(true);
    // A range is cut the same way, counted from its first byte.
    const part = await readAll(await range('bytes=5000-9999'));
    expect([part.bytes.length, part.error !== null]).toEqual([1000, true]);
    server.setFaults(null);
    expect((await readAll(await blob())).bytes.length).toBe(BLOB_SIZE);
  });

  it('bandwidthBytesPerSec measurably slows a response', async () => {
    let t = performance.now();
    expect((await (await range('bytes=0-49999')).arrayBuffer()).byteLength).toBe(50_000);
    const fast = performance.now() - t;
    server.setFaults({ bandwidthBytesPerSec: 100_000 });
    t = performance.now();
    const body = Buffer.from(await (await range('bytes=0-49999')).arrayBuffer());
    const slow = performance.now() - t;
    expect(body.equals(BLOB.subarray(0, 50_000))).toBe(true);
    expect(fast).toBeLessThan(slow / 3);
    expect(slow).toBeGreaterThan(450); // 50 kB at 100 kB/s = 500 ms
    expect(slow).toBeLessThan(2500);
  });

  it('latencyMs delays the response headers', async () => {
    server.setFaults({ latencyMs: 300 });
    const t = performance.now();
    const res = await blob({ method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(performance.now() - t).toBeGreaterThan(290);
  });

  it('errorRate answers 503 SlowDown / 500 InternalError, deterministically from the seed', async () => {
    const faults: Faults = { errorRate: 0.5, seed: 7 };
    server.setFaults(faults);
    const first = await statuses(24);
    server.setFaults(faults);
    expect(await statuses(24)).toEqual(first);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(1);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(1);
    server.setFaults({ errorRate: 0.5, seed: 8 });
    expect(await statuses(24)).not.toEqual(first);
    server.setFaults({ errorRate: 1, seed: 7 });
    const res = await blob();
    const err = parseError(await res.text());
    expect(res.status === 503 ? ['SlowDown', 'Please reduce your request rate.'] : ['InternalError', 'We encountered an internal error. Please try again.']).toEqual([err.Code, err.Message]);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('times limits faults to the first N matching requests; match limits them to some keys', async () => {
    server.setFaults({ errorRate: 1, times: 2, match: '^data/' });
    expect(await statusOf(fetch(`${base}/README`))).toBe(200); // not matching: does not use up `times`
    expect((await statuses(4)).map((s) => s >= 500)).toEqual([true, true, false, false]);
  });

  it('truncateTo serves a consistent shorter object', async () => {
    server.setFaults({ truncateTo: 1000 });
    const head = await blob({ method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('1000');
    expect(head.headers.get('etag')).toBe(md5(BLOB)); // the stored object's ETag: a pinned If-Match still passes
    const body = Buffer.from(await (await blob()).arrayBuffer());
    expect(body.equals(BLOB.subarray(0, 1000))).toBe(true);
    const tail = await range('bytes=990-1999');
    expect([tail.status, tail.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    expect(Buffer.from(await tail.arrayBuffer()).equals(BLOB.subarray(990, 1000))).toBe(true);
    expect((await range('bytes=-4')).headers.get('content-range')).toBe('bytes 996-999/1000');
    const past = await range('bytes=1000-');
    expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */1000']);
  });

  it('corruptByteAt flips one byte wherever a body covers it', async () => {
    server.setFaults({ corruptByteAt: 5 });
    const full = Buffer.from(await (await blob()).arrayBuffer());
    const expected = Buffer.from(BLOB);
    expected[5] ^= 0xff;
    expect(full.equals(expected)).toBe(true);
    expect(Buffer.from(await (await range('bytes=4-9')).arrayBuffer()).equals(expected.subarray(4, 10))).toBe(true);
    expect(Buffer.from(await (await range('bytes=0-3')).arrayBuffer()).equals(BLOB.subarray(0, 4))).toBe(true);
  });

  it('ignoreRange answers 200 with the whole body', async () => {
    server.setFaults({ ignoreRange: true });
    const res = await range('bytes=10-19');
    expect([res.status, res.headers.get('content-range'), res.headers.get('content-length')]).toEqual([200, null, String(BLOB_SIZE)]);
    expect(Buffer.from(await res.arrayBuffer()).equals(BLOB)).toBe(true);
  });

  it('wrongContentRange shifts Content-Range and body by one byte', async () => {
    server.setFaults({ wrongContentRange: true });
    const res = await range('bytes=10-19');
    expect([res.status, res.headers.get('content-range')]).toEqual([206, `bytes 11-20/${BLOB_SIZE}`]);
    expect(Buffer.from(await res.arrayBuffer()).equals(BLOB.subarray(11, 21))).toBe(true);
    expect((await range('bytes=-10')).headers.get('content-range')).toBe(`bytes 204789-204798/${BLOB_SIZE}`);
  });

  it('listingMalformed truncates the ListObjectsV2 XML; object requests are unaffected', async () => {
    server.setFaults({ listingMalformed: true });
    const res = await fetch(`${base}?list-type=2&prefix=many/`);
    const xml = await res.text();
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(xml));
    expect(XMLValidator.validate(xml)).not.toBe(true);
    expect(await statusOf(blob())).toBe(200);
    server.setFaults(null);
    expect(XMLValidator.validate(await (await fetch(`${base}?list-type=2&prefix=many/`)).text())).toBe(true);
  });

  it("faults do not touch listings unless scope says so", async () => {
    server.setFaults({ errorRate: 1 });
    expect(await statusOf(fetch(`${base}?list-type=2&max-keys=1`))).toBe(200);
    server.setFaults({ errorRate: 1, scope: 'listings' });
    expect(await statusOf(fetch(`${base}?list-type=2&max-keys=1`))).toBeGreaterThanOrEqual(500);
    expect(await statusOf(blob())).toBe(200);
  });

  it('rejects invalid faults', () => {
    expect(() => server.setFaults({ errorRate: 2 })).toThrow(/errorRate/);
    expect(() => server.setFaults({ match: '(' })).toThrow();
    expect(() => server.setFaults({ latency: 5 } as unknown as Faults)).toThrow(/unknown fault: latency/);
  });
});

describe('stats', () => {
  it('counts requests, bytes per key, Range headers and peak concurrency', async () => {
    server.resetStats();
    await (await range('bytes=0-99')).arrayBuffer();
    await (await range('bytes=-10')).arrayBuffer();
    await (await fetch(`${base}/README`)).arrayBuffer();
    const s = server.stats();
    expect(s.requests).toBe(3);
    expect(s.byKey[BLOB_KEY]).toEqual({ requests: 2, bytesSent: 110, ranges: ['bytes=0-99', 'bytes=-10'] });
    expect(s.byKey['README']).toEqual({ requests: 1, bytesSent: 17, ranges: [] });
    expect(s.bytesSent).toBe(127);
    expect(s.ranges).toEqual(['bytes=0-99', 'bytes=-10']);
    expect(s.maxConcurrent).toBe(1);

    server.resetStats();
    server.setFaults({ bandwidthBytesPerSec: 50_000 });
    await Promise.all([0, 1, 2].map(async () => (await range('bytes=0-9999')).arrayBuffer()));
    expect(server.stats().maxConcurrent).toBe(3);
    expect(server.stats().byKey[BLOB_KEY]).toEqual({ requests: 3, bytesSent: 30_000, ranges: ['bytes=0-9999', 'bytes=0-9999', 'bytes=0-9999'] });
  });
});

describe('/__admin', () => {
  it('reads and resets stats and sets faults over HTTP, with CORS', async () => {
    await (await fetch(`${base}/README`)).arrayBuffer();
    const stats = await fetch(`${server.url}/__admin/stats`);
    expect(stats.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await stats.json()) as { requests: number; byKey: Record<string, unknown> };
    expect(body.requests).toBeGreaterThan(0);
    expect(await statusOf(fetch(`${server.url}/__admin/stats/reset`, { method: 'POST' }))).toBe(200);
    expect(server.stats().requests).toBe(0);

    const pre = await fetch(`${server.url}/__admin/faults`, { method: 'OPTIONS', headers: { Origin: 'http://x', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
    expect([pre.status, pre.headers.get('access-control-allow-methods')]).toEqual([200, 'GET, HEAD, PUT, POST']);
    const put = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ errorRate: 1, match: 'README' }) });
    expect(await put.json()).toEqual({ errorRate: 1, match: 'README' });
    expect(await statusOf(fetch(`${base}/README`))).toBeGreaterThanOrEqual(500);
    expect(await statusOf(blob())).toBe(200);
    const bad = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: '{"errorRate": "lots"}' });
    expect(bad.status).toBe(400);
    expect(await statusOf(fetch(`${base}/README`))).toBeGreaterThanOrEqual(500); // a bad PUT leaves the faults as they were
    await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: 'null' });
    expect(await statusOf(fetch(`${base}/README`))).toBe(200);
    expect(server.stats().requests).toBe(4); // admin requests are not counted
  });

  it('is off unless enabled', async () => {
    const plain = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0 });
    try {
      expect(await statusOf(fetch(`${plain.url}/__admin/stats`))).toBe(404);
      expect(await statusOf(fetch(`${plain.url}/__admin/faults`, { method: 'PUT', body: 'null' }))).toBe(405);
    } finally {
      await plain.close();
    }
  });
});

describe('listing sanity on the faults server', () => {
  it('lists with a parser-valid document when no fault is set', async () => {
    const p = parseList(await (await fetch(`${base}?list-type=2&prefix=data/`)).text());
    expect(p.Contents?.map((c) => c.Key)).toEqual([BLOB_KEY]);
  });
});
