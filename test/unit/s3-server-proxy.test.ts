/**
 * The dev server's proxy mode: a dev server over a temp folder (with the real
 * bucket's deny policy) is the upstream, a second one proxies it (path-style
 * upstream URL). Every answer is compared with the same request made directly.
 * A raw capture server checks what is forwarded and what is stripped.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';
import { encodeKeyPath, parseUpstream, upstreamPath } from '../../tools/s3-server/proxy.ts';
import { compareKeys } from '../../tools/s3-server/keys.ts';
import {
  BIG_SPARSE, BLOB, BLOB_KEY, BLOB_SIZE, BUCKET, GATED, HELD_OUT, MANY, OLOC, PLUS_ODD_KEY, SPACE_KEY, UNICODE_KEY, XML_KEY,
  keyPath, makeFixture, md5, parseError, parseList, readAll, type Fixture, type ListPage,
} from './s3-server-fixture.ts';

let fx: Fixture;
let upstream: BucketServer;
let openUpstream: BucketServer;
let proxy: BucketServer;
let capture: Server;
let direct: string;
let via: string;
let deadPort: number;
let capPort: number;
const upLines: string[] = [];
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let hangClosed = false;
const TIMEOUT_MS = 1500;

const listen = (s: Server): Promise<number> => new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  fx = makeFixture();
  upstream = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0, log: (l) => upLines.push(l) });
  openUpstream = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0, deny: [] });
  capture = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if ((req.url ?? '').includes('/hang')) {
      req.socket.once('close', () => (hangClosed = true));
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/plain', 'Content-Length': '5', 'Content-Encoding': 'gzip', 'X-Custom': 'leak', 'Keep-Alive': 'timeout=99, max=7',
      'Access-Control-Allow-Origin': 'https://evil.example', 'Set-Cookie': 'a=b', 'x-amz-request-id': 'CAPTUREDREQUEST1',
    });
    res.end('plain');
  });
  capPort = await listen(capture);
  const dead = createServer();
  deadPort = await listen(dead);
  await new Promise((r) => dead.close(r));
  proxy = await startBucketServer({
    upstreams: {
      [BUCKET]: `${upstream.url}/${BUCKET}`,
      'open-mirror': `${openUpstream.url}/${BUCKET}/`,
      capture: `http://127.0.0.1:${capPort}/cap-bucket`,
      dead: `http://127.0.0.1:${deadPort}/${BUCKET}`,
      nxdomain: 'http://no-such-host.invalid',
    },
    upstreamTimeoutMs: TIMEOUT_MS,
    port: 0,
    admin: true,
  });
  direct = `${upstream.url}/${BUCKET}`;
  via = `${proxy.url}/${BUCKET}`;
});
afterEach(() => {
  proxy.setFaults(null);
  upstream.setFaults(null);
});
afterAll(async () => {
  await Promise.all([proxy.close(), upstream.close(), openUpstream.close()]);
  capture.closeAllConnections();
  await new Promise((r) => capture.close(r));
  fx.cleanup();
});

interface Got {
  status: number;
  headers: Headers;
  body: Buffer;
}
const get = async (url: string, init?: RequestInit): Promise<Got> => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
};
/** The same request made directly and through the proxy. */
const both = (pathAndQuery: string, init?: RequestInit): Promise<[Got, Got]> => Promise.all([get(direct + pathAndQuery, init), get(via + pathAndQuery, init)]);
const KEY_HEADERS = ['content-length', 'content-range', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'content-encoding'];
const keyHeaders = (g: Got): Array<string | null> => KEY_HEADERS.map((h) => g.headers.get(h));
/** An error body without its per-request ids. */
const sansIds = (b: Buffer): string => b.toString('utf8').replace(/<RequestId>[^<]*<\/RequestId><HostId>[^<]*<\/HostId>/, '<IDS/>');
const q = (p: Record<string, string>): string => `?${new URLSearchParams(p)}`;

/** Status, key headers and body are the same; the proxied one carries CORS. */
function expectSame([d, p]: [Got, Got]): void {
  expect([p.status, ...keyHeaders(p)]).toEqual([d.status, ...keyHeaders(d)]);
  expect(p.body.equals(d.body)).toBe(true);
  expect(p.headers.get('access-control-allow-origin')).toBe('*');
  expect(p.headers.get('access-control-expose-headers')).toContain('Content-Range');
}

describe('listings pass through', () => {
  it('pages with continuation tokens exactly as the upstream does', async () => {
    const pages: ListPage[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const pair = await both(q({ 'list-type': '2', prefix: 'many/', 'max-keys': '300', ...(token ? { 'continuation-token': token } : {}) }));
      expectSame(pair);
      expect(pair[1].headers.get('content-type')).toBe('application/xml');
      const page = parseList(pair[1].body.toString('utf8'));
      pages.push(page);
      token = page.NextContinuationToken;
      if (page.IsTruncated === 'false') break;
    }
    expect(pages.map((p) => p.KeyCount)).toEqual(['300', '300', '300', '105']);
    expect(pages[2].ContinuationToken).toBe(pages[1].NextContinuationToken);
    expect(pages.flatMap((p) => (p.Contents ?? []).map((c) => c.Key))).toEqual([...MANY].sort(compareKeys));
  });

  it('passes delimiter, start-after and encoding-type=url listings through unchanged', async () => {
    const top = await both(q({ 'list-type': '2', delimiter: '/' }));
    expectSame(top);
    expect(parseList(top[1].body.toString('utf8')).CommonPrefixes?.map((c) => c.Prefix)).toEqual(
      ['big/', 'data/', 'derivatives/', 'dirs/', 'many/', 'odd/', 'order/', 'stimuli/', 'sub-01/'],
    );
    const dirs = await both(q({ 'list-type': '2', prefix: 'dirs/', delimiter: '/', 'max-keys': '10', 'start-after': 'dirs/p03/x.txt' }));
    expectSame(dirs);
    expect(parseList(dirs[1].body.toString('utf8')).CommonPrefixes?.[0].Prefix).toBe('dirs/p04/');
    const enc = await both(q({ 'list-type': '2', prefix: 'odd/', 'encoding-type': 'url' }));
    expectSame(enc);
    expect(parseList(enc[1].body.toString('utf8')).Contents?.map((c) => c.Key)).toEqual(
      ['odd/a+b.txt', 'odd/a%2Bb.txt', 'odd/x%26y%3Cz%3E%22q%27.txt', 'odd/%C3%BCn%C3%AF%E2%82%AC%F0%9F%98%80.txt'],
    );
    expectSame(await both(q({ prefix: 'dirs/', delimiter: '/', 'max-keys': '3' }))); // ListObjects v1
  });

  it('passes listing errors through with their S3 XML', async () => {
    const [d, p] = await both(q({ 'list-type': '2', 'continuation-token': 'not a token!' }));
    expect([p.status, p.headers.get('content-type'), sansIds(p.body)]).toEqual([400, 'application/xml', sansIds(d.body)]);
    expect(parseError(p.body.toString('utf8')).Code).toBe('InvalidArgument');
  });

  it('lists local and upstream buckets at the service root', async () => {
    const body = (await get(`${proxy.url}/`)).body.toString('utf8');
    expect([...body.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1])).toEqual(['capture', 'dead', BUCKET, 'nxdomain', 'open-mirror']);
  });
});

describe('objects pass through', () => {
  it('GET and HEAD: status, S3 headers and body as the upstream sends them', async () => {
    const full = await both(`/${BLOB_KEY}`);
    expectSame(full);
    expect([full[1].status, full[1].headers.get('etag'), full[1].headers.get('content-length')]).toEqual([200, md5(BLOB), String(BLOB_SIZE)]);
    expect(full[1].body.equals(BLOB)).toBe(true);
    const head = await both(`/${BLOB_KEY}`, { method: 'HEAD' });
    expectSame(head);
    expect([head[1].status, head[1].headers.get('content-length'), head[1].body.length]).toEqual([200, String(BLOB_SIZE), 0]);
    for (const key of [SPACE_KEY, PLUS_ODD_KEY, UNICODE_KEY, XML_KEY, OLOC]) {
      const pair = await both(`/${keyPath(key)}`);
      expectSame(pair);
      expect([pair[1].status, pair[1].body.toString()]).toEqual([200, fx.files.get(key)?.toString()]);
    }
  });

  it('Range: a-b, a- and suffix ranges as 206, unsatisfiable ones as 416', async () => {
    const cases: Array<[string, number, number]> = [['bytes=10-19', 10, 19], ['bytes=204790-', 204790, 204799], ['bytes=-4', 204796, 204799]];
    for (const [range, start, end] of cases) {
      const pair = await both(`/${BLOB_KEY}`, { headers: { Range: range } });
      expectSame(pair);
      expect([pair[1].status, pair[1].headers.get('content-range')]).toEqual([206, `bytes ${start}-${end}/${BLOB_SIZE}`]);
      expect(pair[1].body.equals(BLOB.subarray(start, end + 1))).toBe(true);
    }
    const [d, p] = await both(`/${BLOB_KEY}`, { headers: { Range: 'bytes=204800-' } });
    expect([p.status, p.headers.get('content-range'), sansIds(p.body)]).toEqual([416, `bytes */${BLOB_SIZE}`, sansIds(d.body)]);
    expect(parseError(p.body.toString()).Code).toBe('InvalidRange');
  });

  it('conditional requests: If-None-Match 304, If-Match 412, stale If-Range 200', async () => {
    const etag = md5(BLOB);
    const nm = await both(`/${BLOB_KEY}`, { headers: { 'If-None-Match': etag } });
    expectSame(nm);
    expect([nm[1].status, nm[1].headers.get('etag'), nm[1].body.length]).toEqual([304, etag, 0]);
    const [d, p] = await both(`/${BLOB_KEY}`, { headers: { 'If-Match': '"0123"' } });
    expect([p.status, sansIds(p.body)]).toEqual([412, sansIds(d.body)]);
    const ims = await both(`/${BLOB_KEY}`, { headers: { 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() } });
    expect([ims[0].status, ims[1].status]).toEqual([304, 304]);
    const ir = await both(`/${BLOB_KEY}`, { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } });
    expectSame(ir);
    expect([ir[1].status, ir[1].body.length]).toEqual([200, BLOB_SIZE]);
  });

  it("the upstream's 403 AccessDenied and 404 NoSuchKey pass through with their XML; the proxy denies nothing itself", async () => {
    upstream.resetStats();
    for (const key of [HELD_OUT, GATED]) {
      const [d, p] = await both(`/${keyPath(key)}`);
      expect([p.status, p.headers.get('content-type'), sansIds(p.body)]).toEqual([403, 'application/xml', sansIds(d.body)]);
      const err = parseError(p.body.toString());
      expect([err.Code, err.Message]).toEqual(['AccessDenied', 'Access Denied']);
      expect(p.headers.get('x-amz-request-id')).toBe(err.RequestId); // the upstream's id, header and body alike
      expect(p.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect(upstream.stats().byKey[HELD_OUT].requests).toBe(2); // the direct and the proxied request both reached the upstream
    const [d, p] = await both('/nope/missing.bin');
    expect([p.status, sansIds(p.body)]).toEqual([404, sansIds(d.body)]);
    expect([parseError(p.body.toString()).Code, parseError(p.body.toString()).Key]).toEqual(['NoSuchKey', 'nope/missing.bin']);
    // The same key through an upstream without a deny policy: 200, so the proxy did not deny it.
    const open = await get(`${proxy.url}/open-mirror/${keyPath(HELD_OUT)}`);
    expect([open.status, open.body.toString()]).toEqual([200, 'held-out betas']);
  });
});

describe('what is forwarded and what is stripped', () => {
  it('forwards Range and conditionals with Accept-Encoding: identity, never credentials or Origin', async () => {
    seen.length = 0;
    const res = await get(`${proxy.url}/capture/${keyPath('a b/c+d!(x).txt')}`, {
      headers: { Range: 'bytes=0-4', 'If-None-Match': '"e"', 'If-Modified-Since': 'Tue, 01 Jan 2030 00:00:00 GMT', Authorization: 'AWS x', Cookie: 'c=d', Origin: 'http://app.example', 'Accept-Encoding': 'gzip, br' },
    });
    expect(seen.length).toBe(1);
    const h = seen[0].headers;
    expect(seen[0].url).toBe('/cap-bucket/a%20b/c%2Bd%21%28x%29.txt');
    expect([h['accept-encoding'], h.range, h['if-none-match'], h['if-modified-since']]).toEqual(['identity', 'bytes=0-4', '"e"', 'Tue, 01 Jan 2030 00:00:00 GMT']);
    expect([h.authorization, h.cookie, h.origin, h['if-match']]).toEqual([undefined, undefined, undefined, undefined]);
    // Hop-by-hop, unknown, CORS and encoding headers of the upstream are dropped; the body is relayed as sent.
    expect([res.status, res.body.toString(), res.headers.get('content-length'), res.headers.get('x-amz-request-id')]).toEqual([200, 'plain', '5', 'CAPTUREDREQUEST1']);
    expect([res.headers.get('content-encoding'), res.headers.get('x-custom'), res.headers.get('set-cookie')]).toEqual([null, null, null]);
    expect(res.headers.get('keep-alive') ?? '').not.toContain('99'); // the proxy's own keep-alive, if any
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('forwards bucket-level GETs with the query string exactly as sent', async () => {
    seen.length = 0;
    await get(`${proxy.url}/capture?list-type=2&prefix=a%2Fb%20c&continuation-token=ab%2Bc%3D&delimiter=/`);
    await get(`${proxy.url}/capture/`);
    expect(seen.map((s) => s.url)).toEqual(['/cap-bucket/?list-type=2&prefix=a%2Fb%20c&continuation-token=ab%2Bc%3D&delimiter=/', '/cap-bucket/']);
  });

  it('builds upstream paths for virtual-host and path-style base URLs', () => {
    const vh = parseUpstream('https://laion-fmri.s3.us-west-2.amazonaws.com');
    expect([vh.hostname, vh.port, vh.basePath, vh.display]).toEqual(['laion-fmri.s3.us-west-2.amazonaws.com', 443, '', 'https://laion-fmri.s3.us-west-2.amazonaws.com']);
    expect(upstreamPath(vh, 'sub-01/ses-01/a b+c.nii.gz', '')).toBe('/sub-01/ses-01/a%20b%2Bc.nii.gz');
    expect(upstreamPath(vh, '', 'list-type=2&prefix=sub-01%2F')).toBe('/?list-type=2&prefix=sub-01%2F');
    const ps = parseUpstream('http://127.0.0.1:9001/laion-fmri/');
    expect(upstreamPath(ps, 'x/../y', '')).toBe('/laion-fmri/x/%2E%2E/y');
    expect(encodeKeyPath("ü€/*'")).toBe('%C3%BC%E2%82%AC/%2A%27');
    expect(() => parseUpstream('ftp://x/y')).toThrow(/http or https/);
    expect(() => parseUpstream('https://u:p@x')).toThrow(/credentials/);
  });

  it('refuses a bucket that is both local and an upstream', async () => {
    await expect(startBucketServer({ buckets: { [BUCKET]: fx.root }, upstreams: { [BUCKET]: direct }, port: 0 })).rejects.toThrow(/both a local folder and an upstream/);
  });
});

describe('upstream failures and aborts', () => {
  const badGateway = async (url: string): Promise<Record<string, string>> => {
    const res = await get(url);
    expect([res.status, res.headers.get('content-type'), res.headers.get('access-control-allow-origin')]).toEqual([502, 'application/xml', '*']);
    return parseError(res.body.toString());
  };

  it('an unreachable upstream is a 502 BadGateway in S3 XML, for objects and listings', async () => {
    const msg = `upstream http://127.0.0.1:${deadPort}/${BUCKET} unreachable: connect ECONNREFUSED 127.0.0.1:${deadPort}`;
    for (const url of [`${proxy.url}/dead/${BLOB_KEY}`, `${proxy.url}/dead?list-type=2`]) {
      const err = await badGateway(url);
      expect([err.Code, err.Message]).toEqual(['BadGateway', msg]);
    }
    const head = await get(`${proxy.url}/dead/${BLOB_KEY}`, { method: 'HEAD' });
    expect([head.status, head.body.length]).toEqual([502, 0]);
    const dns = await badGateway(`${proxy.url}/nxdomain/x`);
    expect(dns.Code).toBe('BadGateway');
    expect(dns.Message).toMatch(/^upstream http:\/\/no-such-host\.invalid unreachable: .*(ENOTFOUND|EAI_AGAIN)/);
  });

  it('an upstream that does not answer in time is a 502, and the upstream request is closed', async () => {
    hangClosed = false;
    const t = performance.now();
    const err = await badGateway(`${proxy.url}/capture/hang`);
    const took = performance.now() - t;
    expect([err.Code, err.Message]).toEqual(['BadGateway', `upstream http://127.0.0.1:${capPort}/cap-bucket unreachable: no response within ${TIMEOUT_MS} ms`]);
    expect(took).toBeGreaterThan(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 2000);
    await expect.poll(() => hangClosed, { timeout: 2000 }).toBe(true);
  });

  it('a client that gives up while the upstream has not answered yet closes the upstream request at once', async () => {
    hangClosed = false;
    seen.length = 0;
    const ac = new AbortController();
    const pending = fetch(`${proxy.url}/capture/hang`, { signal: ac.signal }).catch((e: unknown) => e);
    await expect.poll(() => seen.some((s) => s.url === '/cap-bucket/hang'), { timeout: 1000 }).toBe(true);
    const t = performance.now();
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await expect.poll(() => hangClosed, { timeout: TIMEOUT_MS }).toBe(true);
    expect(performance.now() - t).toBeLessThan(TIMEOUT_MS / 2); // not merely the header timeout
  });

  it('a client that aborts mid-body aborts the upstream request', async () => {
    upLines.length = 0;
    upstream.resetStats();
    upstream.setFaults({ bandwidthBytesPerSec: 200_000, match: '^big/' }); // 65 MiB would take minutes
    const ac = new AbortController();
    const res = await fetch(`${via}/${BIG_SPARSE}`, { signal: ac.signal });
    expect([res.status, res.headers.get('content-length')]).toEqual([200, String(65 * 1024 * 1024)]);
    const reader = res.body!.getReader();
    expect((await reader.read()).value?.length).toBeGreaterThan(0);
    ac.abort();
    await expect.poll(() => upLines.find((l) => l.includes(`/${BUCKET}/${BIG_SPARSE}`)), { timeout: 3000 }).toMatch(/ \(cut\)$/);
    const sent = upstream.stats().byKey[BIG_SPARSE].bytesSent;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(2_000_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(upstream.stats().byKey[BIG_SPARSE].bytesSent).toBe(sent); // nothing more is sent
    expect((await get(`${via}/README`)).status).toBe(200); // and the proxy still works
  });

  it('an upstream body cut short is cut short for the client too, never ended cleanly', async () => {
    upstream.setFaults({ dropAfterBytes: 1000 });
    const res = await fetch(`${via}/${BLOB_KEY}`);
    expect([res.status, res.headers.get('content-length')]).toEqual([200, String(BLOB_SIZE)]);
    const { bytes, error } = await readAll(res);
    expect([bytes.length, error !== null, bytes.equals(BLOB.subarray(0, 1000))]).toEqual([1000, true, true]);
  });
});

describe('faults, stats and admin on proxied buckets', () => {
  it('latency, errorRate, dropAfterBytes, bandwidth, corruptByteAt and ignoreRange apply', async () => {
    proxy.setFaults({ latencyMs: 300 });
    let t = performance.now();
    expect((await get(`${via}/${BLOB_KEY}`, { method: 'HEAD' })).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThan(290);

    upstream.resetStats();
    proxy.setFaults({ errorRate: 1, match: '^data/' });
    expect((await get(`${via}/${BLOB_KEY}`)).status).toBeGreaterThanOrEqual(500);
    expect(upstream.stats().requests).toBe(0); // answered by the proxy, never forwarded

    proxy.setFaults({ dropAfterBytes: 1000 });
    const cut = await readAll(await fetch(`${via}/${BLOB_KEY}`));
    expect([cut.bytes.length, cut.error !== null, cut.bytes.equals(BLOB.subarray(0, 1000))]).toEqual([1000, true, true]);

    proxy.setFaults({ bandwidthBytesPerSec: 100_000 });
    t = performance.now();
    expect((await get(`${via}/${BLOB_KEY}`, { headers: { Range: 'bytes=0-49999' } })).body.length).toBe(50_000);
    expect(performance.now() - t).toBeGreaterThan(450);

    proxy.setFaults({ corruptByteAt: 15 });
    const expected = Buffer.from(BLOB.subarray(10, 20));
    expected[5] ^= 0xff;
    expect((await get(`${via}/${BLOB_KEY}`, { headers: { Range: 'bytes=10-19' } })).body.equals(expected)).toBe(true);

    proxy.setFaults({ ignoreRange: true });
    const whole = await get(`${via}/${BLOB_KEY}`, { headers: { Range: 'bytes=10-19' } });
    expect([whole.status, whole.headers.get('content-range'), whole.body.equals(BLOB)]).toEqual([200, null, true]);
  });

  it('listingMalformed and listing-scoped errors apply to proxied listings', async () => {
    const good = await get(`${direct}?list-type=2&prefix=many/`);
    proxy.setFaults({ listingMalformed: true });
    const bad = await get(`${via}?list-type=2&prefix=many/`);
    expect([bad.status, bad.body.length, bad.headers.get('content-length')]).toEqual([200, Math.floor(good.body.length * 0.6), String(Math.floor(good.body.length * 0.6))]);
    expect(bad.body.equals(good.body.subarray(0, bad.body.length))).toBe(true);
    expect(XMLValidator.validate(bad.body.toString())).not.toBe(true);
    proxy.setFaults({ errorRate: 1, scope: 'listings' });
    expect((await get(`${via}?list-type=2&max-keys=1`)).status).toBeGreaterThanOrEqual(500);
    expect((await get(`${via}/README`)).status).toBe(200);
  });

  it('stats count proxied requests, bytes per key and ranges; admin endpoints work', async () => {
    proxy.resetStats();
    await get(`${via}/${BLOB_KEY}`, { headers: { Range: 'bytes=0-99' } });
    await get(`${via}/${BLOB_KEY}`, { headers: { Range: 'bytes=-10' } });
    await get(`${via}/README`);
    const s = proxy.stats();
    expect([s.requests, s.bytesSent, s.ranges, s.maxConcurrent]).toEqual([3, 127, ['bytes=0-99', 'bytes=-10'], 1]);
    expect(s.byKey).toEqual({ [BLOB_KEY]: { requests: 2, bytesSent: 110, ranges: ['bytes=0-99', 'bytes=-10'] }, README: { requests: 1, bytesSent: 17, ranges: [] } });
    const admin = await get(`${proxy.url}/__admin/stats`);
    expect([admin.status, (JSON.parse(admin.body.toString()) as { requests: number }).requests]).toEqual([200, 3]);
  });

  it('answers CORS preflights itself', async () => {
    upstream.resetStats();
    const pre = await fetch(`${via}/${BLOB_KEY}`, { method: 'OPTIONS', headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
    expect([pre.status, pre.headers.get('access-control-allow-origin'), pre.headers.get('access-control-allow-methods'), pre.headers.get('access-control-allow-headers')]).toEqual([200, '*', 'GET, HEAD', 'range']);
    expect(upstream.stats().requests).toBe(0);
  });
});
