/**
 * A local laion_fmri folder answered through the S3 client: listings with
 * S3 semantics (delimiter, max-keys counting prefixes, continuation), HEAD,
 * ranges, preconditions and errors, over File objects read lazily.
 */
import { describe, expect, it } from 'vitest';
import { S3Client } from '../../src/data/s3/client.ts';
import { DataError } from '../../src/data/errors.ts';
import { keysFromPaths, LocalBucket, localEtag, LOCAL_HOST } from '../../src/data/local/local-bucket.ts';

const file = (text: string, lastModified = 1_700_000_000_000) => new File([text], 'x', { lastModified });

const FILES = new Map<string, File>([
  ['dataset_description.json', file('{}')],
  ['derivatives/glmsingle-tedana/sub-01/ses-01/func/a b+c.tsv', file('0123456789')],
  ['derivatives/glmsingle-tedana/sub-01/ses-02/func/x.nii.gz', file('abc')],
  ['derivatives/glmsingle-tedana/sub-03/ses-01/func/y.nii.gz', file('abcd')],
  ['derivatives/rois/sub-01/r1.nii.gz', file('r')],
  ['derivatives/rois/sub-01/r2.nii.gz', file('rr')],
  ['derivatives/rois/sub-01/r3.nii.gz', file('rrr')],
]);
const ENDPOINT = `http://${LOCAL_HOST}/demo`;
const client = () => new S3Client(ENDPOINT, { fetch: new LocalBucket('demo', FILES).fetcher(ENDPOINT), retries: 0 });

describe('LocalBucket through S3Client', () => {
  it('lists with a delimiter: sub-* prefixes, like the bucket', async () => {
    const r = await client().listAll({ prefix: 'derivatives/glmsingle-tedana/', delimiter: '/' });
    expect(r.prefixes).toEqual(['derivatives/glmsingle-tedana/sub-01/', 'derivatives/glmsingle-tedana/sub-03/']);
    expect(r.objects).toEqual([]);
  });

  it('paginates with max-keys (prefixes count) and continuation tokens, every key once', async () => {
    const pages = [];
    for await (const p of client().listPages({ prefix: 'derivatives/', maxKeys: 2 })) pages.push(p);
    expect(pages.map((p) => p.contents.length)).toEqual([2, 2, 2]);
    expect(pages.flatMap((p) => p.contents.map((c) => c.key))).toEqual([...FILES.keys()].filter((k) => k.startsWith('derivatives/')).sort());
    const top = [];
    for await (const p of client().listPages({ delimiter: '/', maxKeys: 1 })) top.push(...p.commonPrefixes, ...p.contents.map((c) => c.key));
    expect(top).toEqual(['dataset_description.json', 'derivatives/']);
  });

  it('url-encodes keys in listings and decodes them back (spaces, plus)', async () => {
    const r = await client().listAll({ prefix: 'derivatives/glmsingle-tedana/sub-01/ses-01/' });
    expect(r.objects.map((o) => o.key)).toEqual(['derivatives/glmsingle-tedana/sub-01/ses-01/func/a b+c.tsv']);
    expect(r.objects[0].size).toBe(10);
    expect(r.objects[0].etag).toBe(localEtag(FILES.get('derivatives/glmsingle-tedana/sub-01/ses-01/func/a b+c.tsv')!));
  });

  it('HEAD gives size and ETag (size + mtime); ranges are sliced and validated', async () => {
    const key = 'derivatives/glmsingle-tedana/sub-01/ses-01/func/a b+c.tsv';
    const h = await client().head(key);
    expect(h.size).toBe(10);
    expect(h.acceptRanges).toBe(true);
    expect(h.etag).toBe('"a-18bcfe56800"');
    expect(new TextDecoder().decode(await client().getBytes(key, 3, 5))).toBe('345');
    expect(new TextDecoder().decode(await (await client().getRange(key, 7, undefined)).arrayBuffer())).toBe('789');
    expect(await (await client().getObject(key)).text()).toBe('0123456789');
  });

  it('errors are the bucket’s: missing key, range outside, changed file', async () => {
    await expect(client().head('nope.nii.gz')).rejects.toMatchObject({ kind: 'not-found' });
    await expect(client().getBytes('derivatives/rois/sub-01/r1.nii.gz', 5, 9)).rejects.toMatchObject({ kind: 'bad-request', status: 416 });
    const e = await client().getRange('derivatives/rois/sub-01/r1.nii.gz', 0, 0, { ifMatch: '"other"' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).kind).toBe('changed');
  });
});

describe('keysFromPaths', () => {
  it('takes a folder picked at the bucket root as is, and one level up (data_dir/laion-fmri/…) stripped', () => {
    const f = file('1');
    expect([...keysFromPaths([['derivatives/a.nii.gz', f], ['.DS_Store', f]]).keys()]).toEqual(['derivatives/a.nii.gz']);
    expect([...keysFromPaths([['laion-fmri/derivatives/a.nii.gz', f], ['laion-fmri/stimuli/s.tsv', f], ['notes.txt', f]]).keys()]).toEqual([
      'derivatives/a.nii.gz',
      'stimuli/s.tsv',
    ]);
  });
});

describe('key order', () => {
  it('lists in UTF-8 binary order, as S3 does (a key beyond U+FFFF sorts after U+FFxx)', async () => {
    const files = new Map([
      ['k/\u{1F600}.txt', file('a')],
      ['k/\uFF21.txt', file('b')],
      ['k/z.txt', file('c')],
    ]);
    const c = new S3Client(ENDPOINT, { fetch: new LocalBucket('demo', files).fetcher(ENDPOINT), retries: 0 });
    const keys = (await c.listAll({ prefix: 'k/' })).objects.map((o) => o.key);
    expect(keys).toEqual(['k/z.txt', 'k/\uFF21.txt', 'k/\u{1F600}.txt']);
    const utf8 = [...files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(keys).toEqual(utf8);
  });
});
