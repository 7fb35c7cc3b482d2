/**
 * The read-only S3 dev server, checked with plain fetch against a temp bucket:
 * ListObjectsV2 paging, GET/HEAD/Range/conditionals, the bucket policy, errors,
 * CORS and path safety. Faults, stats and admin: s3-server-faults.test.ts.
 */
import { request } from 'node:http';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';
import { compareKeys } from '../../tools/s3-server/keys.ts';
import {
  BIG_SPARSE, BLOB, BLOB_KEY, BLOB_SIZE, BUCKET, DIRS, FLOC_HELD_OUT, GATED, HELD_OUT, MANY, OLOC, PLUS_KEY, PLUS_ODD_KEY,
  PUBLIC_SESSION, SPACE_KEY, UNICODE_KEY, XML_KEY, keyPath, serveFixture, md5, parseError, parseList, type Fixture, type ListPage,
} from './s3-server-fixture.ts';

let fx: Fixture;
let server: BucketServer;
let base: string;

serveFixture({ admin: false }, (s) => void ({ fx, server, base } = s));

async function list(params: Record<string, string>): Promise<ListPage> {
  const res = await fetch(`${base}?${new URLSearchParams({ 'list-type': '2', ...params })}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/xml');
  return parseList(await res.text());
}

/** Follows continuation tokens to the end; returns every page. */
async function listAll(params: Record<string, string>): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let token: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await list(token ? { ...params, 'continuation-token': token } : params);
    pages.push(page);
    if (page.IsTruncated === 'false') return pages;
    expect(page.IsTruncated).toBe('true');
    token = page.NextContinuationToken;
    expect(token).toBeTruthy();
  }
  throw new Error('listing never ended');
}

const keysOf = (pages: ListPage[]): string[] => pages.flatMap((p) => (p.Contents ?? []).map((c) => c.Key));
const prefixesOf = (pages: ListPage[]): string[] => pages.flatMap((p) => (p.CommonPrefixes ?? []).map((c) => c.Prefix));
const visibleKeys = (): string[] => [...fx.files.keys(), BIG_SPARSE].sort(compareKeys);

describe('ListObjectsV2', () => {
  it('pages >1000 keys with max-keys and continuation tokens, each key exactly once, in order', async () => {
    const pages = await listAll({ prefix: 'many/', 'max-keys': '100' });
    expect(pages.map((p) => Number(p.KeyCount))).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 5]);
    expect(pages.map((p) => p.IsTruncated)).toEqual([...Array(10).fill('true'), 'false']);
    expect(pages[10].NextContinuationToken).toBeUndefined();
    expect(pages[1].ContinuationToken).toBe(pages[0].NextContinuationToken);
    expect(keysOf(pages)).toEqual([...MANY].sort(compareKeys));
    expect(pages.every((p) => p.MaxKeys === '100' && p.Prefix === 'many/' && p.Name === BUCKET)).toBe(true);
  });

  it('defaults and caps max-keys at 1000, and the whole bucket lists every visible key once', async () => {
    const first = await list({ prefix: 'many/' });
    expect([first.MaxKeys, first.KeyCount, first.IsTruncated]).toEqual(['1000', '1000', 'true']);
    const capped = await list({ prefix: 'many/', 'max-keys': '5000' });
    expect([capped.MaxKeys, capped.KeyCount]).toEqual(['1000', '1000']);
    const all = await listAll({});
    expect(all.length).toBe(2);
    expect(keysOf(all)).toEqual(visibleKeys());
  });

  it('answers max-keys=0 with an empty, untruncated page', async () => {
    const p = await list({ prefix: 'many/', 'max-keys': '0' });
    expect([p.KeyCount, p.MaxKeys, p.IsTruncated, p.Contents, p.NextContinuationToken]).toEqual(['0', '0', 'false', undefined, undefined]);
  });

  it('counts CommonPrefixes toward max-keys and pages them', async () => {
    const pages = await listAll({ prefix: 'dirs/', delimiter: '/', 'max-keys': '10' });
    expect(pages.map((p) => (p.CommonPrefixes?.length ?? 0) + (p.Contents?.length ?? 0))).toEqual([10, 10, 6]);
    expect(pages.map((p) => p.KeyCount)).toEqual(['10', '10', '6']);
    expect(prefixesOf(pages)).toEqual(DIRS.map((k) => k.slice(0, 'dirs/pNN/'.length)));
    expect(keysOf(pages)).toEqual(['dirs/readme.txt']);
    expect(pages[0].Delimiter).toBe('/');
  });

  it('rolls the bucket root up by "/" and never shows hidden or temp files', async () => {
    const p = await list({ delimiter: '/' });
    expect(prefixesOf([p])).toEqual(['big/', 'data/', 'derivatives/', 'dirs/', 'many/', 'odd/', 'order/', 'stimuli/', 'sub-01/']);
    expect(keysOf([p])).toEqual(['README', 'dataset_description.json', 'participants.tsv']);
    const odd = await list({ prefix: 'odd/' });
    expect(keysOf([odd])).toEqual([SPACE_KEY, PLUS_ODD_KEY, XML_KEY, UNICODE_KEY]);
  });

  it('starts after start-after and echoes it', async () => {
    const p = await list({ prefix: 'many/d0/', 'start-after': 'many/d0/f0195.bin' });
    expect(p.StartAfter).toBe('many/d0/f0195.bin');
    expect(keysOf([p])).toEqual(['many/d0/f0196.bin', 'many/d0/f0197.bin', 'many/d0/f0198.bin', 'many/d0/f0199.bin', 'many/d0/f0200.bin']);
  });

  it('sorts keys in UTF-8 byte order, not UTF-16 order', async () => {
    expect(keysOf([await list({ prefix: 'order/' })])).toEqual(['order/a.txt', 'order/\uE000.txt', 'order/😀.txt']);
  });

  it('URL-encodes Key, Prefix, Delimiter and StartAfter with encoding-type=url', async () => {
    const p = await list({ prefix: 'odd/', 'encoding-type': 'url', 'start-after': 'odd/ ' });
    expect(p.EncodingType).toBe('url');
    expect(p.Prefix).toBe('odd/');
    expect(p.StartAfter).toBe('odd/+');
    expect(keysOf([p])).toEqual(['odd/a+b.txt', 'odd/a%2Bb.txt', 'odd/x%26y%3Cz%3E%22q%27.txt', 'odd/%C3%BCn%C3%AF%E2%82%AC%F0%9F%98%80.txt']);
    const d = await list({ prefix: 'odd/a', delimiter: '+', 'encoding-type': 'url' });
    expect([d.Delimiter, d.Prefix, prefixesOf([d]), keysOf([d])]).toEqual(['%2B', 'odd/a', ['odd/a%2B'], ['odd/a+b.txt']]);
  });

  it('XML-escapes keys and ETags, and shows the same ETag, size and date as GET', async () => {
    const res = await fetch(`${base}?list-type=2&prefix=odd/x`);
    const xml = await res.text();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')).toBe(true);
    expect(xml).toContain('<Key>odd/x&amp;y&lt;z&gt;&quot;q&apos;.txt</Key>');
    expect(xml).toContain(`<ETag>&quot;${md5(Buffer.from('xml')).slice(1, -1)}&quot;</ETag>`);
    const item = parseList(xml).Contents![0];
    const get = await fetch(`${base}/${keyPath(XML_KEY)}`);
    expect(await get.text()).toBe('xml');
    expect([item.Key, item.ETag, item.Size, item.StorageClass]).toEqual([XML_KEY, get.headers.get('etag'), '3', 'STANDARD']);
    expect(item.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.floor(Date.parse(item.LastModified) / 1000)).toBe(Date.parse(get.headers.get('last-modified')!) / 1000);
  });

  it('rejects a bad continuation token, max-keys or encoding-type with 400 InvalidArgument', async () => {
    for (const q of ['continuation-token=%25%25', 'max-keys=-1', 'max-keys=ten', 'encoding-type=base64']) {
      const res = await fetch(`${base}?list-type=2&${q}`);
      expect(res.status).toBe(400);
      expect(parseError(await res.text()).Code).toBe('InvalidArgument');
    }
  });

  it('answers ListObjects v1 with Marker/NextMarker paging', async () => {
    const seen: string[] = [];
    let marker = '';
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/?prefix=dirs/&delimiter=/&max-keys=10&marker=${encodeURIComponent(marker)}`);
      const p = parseList(await res.text());
      expect(p.Marker).toBe(marker);
      seen.push(...prefixesOf([p]), ...keysOf([p]));
      if (p.IsTruncated === 'false') break;
      marker = p.NextMarker!;
    }
    expect(seen.length).toBe(26);
    expect(new Set(seen).size).toBe(26);
  });
});

describe('GetObject / HeadObject', () => {
  it('sends the whole object with S3 headers', async () => {
    const res = await fetch(`${base}/${BLOB_KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(BLOB_SIZE));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(md5(BLOB));
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('last-modified')).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(res.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(res.headers.get('x-laion-dev-server')).toContain('dev server');
    expect(Buffer.from(await res.arrayBuffer()).equals(BLOB)).toBe(true);
  });

  it('sets Content-Type by extension', async () => {
    const types: Array<[string, string]> = [
      [PUBLIC_SESSION, 'text/tab-separated-values'], ['stimuli/task-images_metadata.csv', 'text/csv'],
      ['dataset_description.json', 'application/json'], [OLOC, 'application/octet-stream'], ['README', 'application/octet-stream'],
    ];
    for (const [key, type] of types) expect((await fetch(`${base}/${keyPath(key)}`, { method: 'HEAD' })).headers.get('content-type')).toBe(type);
  });

  it('serves single ranges a-b, a- and -n as 206 with Content-Range and Accept-Ranges', async () => {
    const cases: Array<[string, number, number]> = [['bytes=10-19', 10, 19], ['bytes=204790-', 204790, 204799], ['bytes=-4', 204796, 204799], ['bytes=100-999999', 100, 204799], ['bytes=-999999', 0, 204799]];
    for (const [range, start, end] of cases) {
      const res = await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${BLOB_SIZE}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(Buffer.from(await res.arrayBuffer()).equals(BLOB.subarray(start, end + 1))).toBe(true);
    }
  });

  it('answers an unsatisfiable range with 416 InvalidRange and bytes */size', async () => {
    for (const range of ['bytes=204800-', 'bytes=300000-300010', 'bytes=-0']) {
      const res = await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: range } });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${BLOB_SIZE}`);
      const err = parseError(await res.text());
      expect([err.Code, err.RangeRequested, err.ActualObjectSize]).toEqual(['InvalidRange', range, String(BLOB_SIZE)]);
    }
  });

  it('ignores multi-range and malformed Range headers (200, whole body)', async () => {
    for (const range of ['bytes=0-1,5-6', 'bytes=abc', 'items=0-5', 'bytes=9-3']) {
      const res = await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: range } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect((await res.arrayBuffer()).byteLength).toBe(BLOB_SIZE);
    }
  });

  it('answers HEAD with headers only, and HEAD with a range as 206', async () => {
    const head = await fetch(`${base}/${BLOB_KEY}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('etag')]).toEqual([200, String(BLOB_SIZE), md5(BLOB)]);
    expect(await head.text()).toBe('');
    const part = await fetch(`${base}/${BLOB_KEY}`, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
    expect([part.status, part.headers.get('content-range'), part.headers.get('content-length')]).toEqual([206, `bytes 0-9/${BLOB_SIZE}`, '10']);
  });

  it('honours If-None-Match (304), If-Match (412), If-Modified-Since and If-Range', async () => {
    const etag = md5(BLOB);
    const notModified = await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-None-Match': etag } });
    expect([notModified.status, notModified.headers.get('etag'), notModified.headers.get('access-control-allow-origin')]).toEqual([304, etag, '*']);
    expect((await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-None-Match': '"0123"' } })).status).toBe(200);
    const failed = await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-Match': '"0123"', Range: 'bytes=0-1' } });
    expect(failed.status).toBe(412);
    expect(parseError(await failed.text())).toMatchObject({ Code: 'PreconditionFailed', Condition: 'If-Match' });
    const pinned = await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-Match': etag, Range: 'bytes=0-1' } });
    expect([pinned.status, pinned.headers.get('content-range')]).toEqual([206, `bytes 0-1/${BLOB_SIZE}`]);
    expect((await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-Modified-Since': new Date(Date.now() + 3600e3).toUTCString() } })).status).toBe(304);
    expect((await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-Modified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' } })).status).toBe(200);
    expect((await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: 'bytes=0-1', 'If-Range': '"stale"' } })).status).toBe(200);
    expect((await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: 'bytes=0-1', 'If-Range': etag } })).status).toBe(206);
  });

  it('changes the ETag when a file changes; big files get a stable non-MD5 validator', async () => {
    const path = join(fx.root, 'order', 'a.txt');
    const before = (await fetch(`${base}/order/a.txt`, { method: 'HEAD' })).headers.get('etag');
    expect(before).toBe(md5(Buffer.from('1')));
    writeFileSync(path, '22');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const after = (await fetch(`${base}/order/a.txt`, { method: 'HEAD' })).headers.get('etag');
    expect(after).toBe(md5(Buffer.from('22')));
    const big1 = (await fetch(`${base}/${BIG_SPARSE}`, { method: 'HEAD' })).headers.get('etag')!;
    expect(big1).toMatch(/^"[0-9a-f]{32}-9"$/);
    expect((await fetch(`${base}/${BIG_SPARSE}`, { method: 'HEAD' })).headers.get('etag')).toBe(big1);
    expect((await list({ prefix: BIG_SPARSE })).Contents![0].ETag).toBe(big1);
    utimesSync(join(fx.root, 'big', 'sparse.bin'), new Date(), new Date(Date.now() - 86_400e3));
    expect((await fetch(`${base}/${BIG_SPARSE}`, { method: 'HEAD' })).headers.get('etag')).not.toBe(big1);
  });

  it("decodes keys from the path: %2B and a literal '+' are '+', %20 is a space, UTF-8 works", async () => {
    const encoded = await fetch(`${base}/stimuli/shared_12rep_THINGS%2B_kmeans_1_dog.jpg`);
    expect([encoded.status, encoded.headers.get('content-type'), await encoded.text()]).toEqual([200, 'image/jpeg', 'a dog from THINGS+']);
    expect(await (await fetch(`${base}/${PLUS_KEY}`)).text()).toBe('a dog from THINGS+');
    expect(await (await fetch(`${base}/odd/a%20b.txt`)).text()).toBe('space');
    expect(await (await fetch(`${base}/odd/a+b.txt`)).text()).toBe('plus');
    expect(await (await fetch(`${base}/${keyPath(UNICODE_KEY)}`)).text()).toBe('unicode');
  });
});

describe('errors, bucket policy, CORS', () => {
  it('answers a missing key with 404 NoSuchKey and an unknown bucket with 404 NoSuchBucket', async () => {
    const res = await fetch(`${base}/no/such/key.nii.gz`);
    expect(res.status).toBe(404);
    const err = parseError(await res.text());
    expect([err.Code, err.Message, err.Key, err.RequestId]).toEqual(['NoSuchKey', 'The specified key does not exist.', 'no/such/key.nii.gz', res.headers.get('x-amz-request-id')]);
    const nb = await fetch(`${server.url}/other-bucket?list-type=2`);
    expect([nb.status, parseError(await nb.text()).Code]).toEqual([404, 'NoSuchBucket']);
    for (const hidden of ['.hidden', '.git/config', 'odd/.DS_Store', 'odd/c.nii.gz.partial-1234', 'many/d0', 'many/d0/']) {
      expect((await fetch(`${base}/${hidden}`)).status).toBe(404);
    }
  });

  it('denies held-out sessions and the gated stimuli (403 AccessDenied) but lists them', async () => {
    for (const key of [HELD_OUT, GATED, FLOC_HELD_OUT]) {
      const res = await fetch(`${base}/${keyPath(key)}`);
      expect(res.status).toBe(403);
      const err = parseError(await res.text());
      expect([err.Code, err.Message]).toEqual(['AccessDenied', 'Access Denied']);
      expect((await fetch(`${base}/${keyPath(key)}`, { method: 'HEAD' })).status).toBe(403);
    }
    expect(keysOf([await list({ prefix: 'sub-01/' })])).toEqual([PUBLIC_SESSION, HELD_OUT].sort(compareKeys));
    expect(keysOf([await list({ prefix: 'stimuli/task-images_' })])).toEqual(['stimuli/task-images_metadata.csv', GATED]);
    expect((await fetch(`${base}/${keyPath(OLOC)}`)).status).toBe(200);
    expect((await fetch(`${base}/${keyPath(PUBLIC_SESSION)}`)).status).toBe(200);
  });

  it('takes custom deny rules and none at all', async () => {
    const open = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0, deny: [] });
    const custom = await startBucketServer({ buckets: { [BUCKET]: fx.root }, port: 0, deny: [{ pattern: '^odd/', except: 'a b' }] });
    try {
      expect((await fetch(`${open.url}/${BUCKET}/${keyPath(HELD_OUT)}`)).status).toBe(200);
      expect((await fetch(`${open.url}/${BUCKET}/${GATED}`)).status).toBe(200);
      expect((await fetch(`${custom.url}/${BUCKET}/${GATED}`)).status).toBe(200);
      expect((await fetch(`${custom.url}/${BUCKET}/odd/a%2Bb.txt`)).status).toBe(403);
      expect((await fetch(`${custom.url}/${BUCKET}/odd/a%20b.txt`)).status).toBe(200);
    } finally {
      await open.close();
      await custom.close();
    }
  });

  it('refuses write methods with 405 MethodNotAllowed', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
      const res = await fetch(`${base}/${BLOB_KEY}`, { method, body: method === 'DELETE' ? undefined : 'x' });
      expect(res.status).toBe(405);
      expect(parseError(await res.text())).toMatchObject({ Code: 'MethodNotAllowed', Method: method, ResourceType: 'OBJECT' });
    }
    expect((await fetch(`${base}?list-type=2`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${base}/${BLOB_KEY}`)).status).toBe(200);
  });

  it('answers CORS preflights and exposes headers on every response', async () => {
    const pre = await fetch(`${base}/${BLOB_KEY}`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range,if-match,if-none-match' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    expect(pre.headers.get('access-control-allow-headers')).toBe('range,if-match,if-none-match');
    expect(pre.headers.get('access-control-max-age')).toBe('3000');
    const put = await fetch(`${base}/${BLOB_KEY}`, { method: 'OPTIONS', headers: { Origin: 'http://x', 'Access-Control-Request-Method': 'PUT' } });
    expect(put.status).toBe(403);
    const responses = [
      await fetch(`${base}/${BLOB_KEY}`), await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: 'bytes=0-0' } }),
      await fetch(`${base}/${BLOB_KEY}`, { headers: { 'If-None-Match': md5(BLOB) } }), await fetch(`${base}/${GATED}`),
      await fetch(`${base}/nope`), await fetch(`${base}/${BLOB_KEY}`, { method: 'PUT', body: 'x' }),
      await fetch(`${base}/${BLOB_KEY}`, { headers: { Range: 'bytes=999999-' } }), await fetch(`${base}?list-type=2&max-keys=1`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 206, 304, 403, 404, 405, 416, 200]);
    for (const r of responses) {
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      const exposed = r.headers.get('access-control-expose-headers')!.split(',').map((s) => s.trim().toLowerCase());
      expect(exposed).toEqual(expect.arrayContaining(['accept-ranges', 'content-range', 'content-length', 'etag', 'last-modified', 'x-amz-request-id']));
      expect(r.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    }
  });

  it('never serves a file outside the bucket root (path traversal)', async () => {
    const raw = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const attempts = [
      `/${BUCKET}/../secret.txt`, `/${BUCKET}/%2E%2E/secret.txt`, `/${BUCKET}/..%2Fsecret.txt`, `/${BUCKET}/data/%2e%2e/%2e%2e/secret.txt`,
      `/${BUCKET}/%2Fetc%2Fpasswd`, `/${BUCKET}//etc/passwd`, `/${BUCKET}/data/..%5C..%5Csecret.txt`, `/${BUCKET}/./data/blob.bin`,
    ];
    for (const path of attempts) {
      const r = await raw(path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('TOP SECRET');
      expect(parseError(r.body).Code).toBe('NoSuchKey');
    }
    expect((await raw(`/${BUCKET}/%E0%A4%A`)).status).toBe(400);
  });
});
