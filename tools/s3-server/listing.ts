/**
 * ListObjectsV2 (`GET /<bucket>?list-type=2`) and a plain ListObjects (v1,
 * `GET /<bucket>`), answered from the files under the bucket root with AWS
 * semantics: UTF-8 binary key order, CommonPrefixes counting toward
 * max-keys, opaque continuation tokens, `encoding-type=url`.
 */
import { streamBody, bufferChunks } from './body.ts';
import type { EtagCache } from './etag.ts';
import type { Exchange } from './exchange.ts';
import { applyRequestFaults, type FaultState } from './faults.ts';
import { listKeys, statKey } from './keys.ts';
import { markerFromText, markerText, paginate, type Marker } from '../../src/data/s3/listing-core.ts';
import { el, S3_NS, s3UrlEncode, XML_DECL } from './xml.ts';

export interface ListingDeps {
  etags: EtagCache;
  faults: FaultState;
}

const MAX_KEYS = 1000;

export function encodeToken(m: Marker): string {
  return Buffer.from(markerText(m), 'utf8').toString('base64');
}

export function decodeToken(raw: string): Marker | null {
  const token = raw.replace(/ /g, '+'); // a client that sent the token's '+' unencoded
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return null;
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64') !== token) return null;
  return markerFromText(text);
}

interface CommonParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: boolean;
}

/** Reads prefix, delimiter, max-keys and encoding-type; answers 400 and returns null when one is invalid. */
function readCommon(ex: Exchange, q: URLSearchParams): CommonParams | null {
  const mk = q.get('max-keys');
  let maxKeys = MAX_KEYS;
  if (mk !== null) {
    if (!/^\d+$/.test(mk) || Number(mk) > 2 ** 31 - 1) {
      ex.error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: mk });
      return null;
    }
    maxKeys = Math.min(MAX_KEYS, Number(mk));
  }
  const et = q.get('encoding-type');
  if (et !== null && et !== 'url') {
    ex.error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: et });
    return null;
  }
  return { prefix: q.get('prefix') ?? '', delimiter: q.get('delimiter') ?? '', maxKeys, encode: et === 'url' };
}

/** The <Contents> elements of a page (keys whose file vanished meanwhile are left out). */
async function contentsXml(root: string, keys: string[], enc: (s: string) => string, deps: ListingDeps, owner: boolean): Promise<string> {
  const parts = await Promise.all(
    keys.map(async (key) => {
      const hit = await statKey(root, key);
      if (!hit) return '';
      let etag: string;
      try {
        etag = await deps.etags.get(hit.path, key, hit.stats);
      } catch {
        return '';
      }
      const ownerXml = owner ? `<Owner>${el('ID', DEV_OWNER_ID)}</Owner>` : '';
      return (
        `<Contents>${el('Key', enc(key))}${el('LastModified', new Date(hit.stats.mtimeMs).toISOString())}` +
        `${el('ETag', etag)}${el('Size', hit.stats.size)}${ownerXml}${el('StorageClass', 'STANDARD')}</Contents>`
      );
    }),
  );
  return parts.join('');
}

const DEV_OWNER_ID = '0000000000000000000000000000000000000000000000000000000000000000';

function prefixesXml(prefixes: string[], enc: (s: string) => string): string {
  return prefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('');
}

/** Sends a listing body, applying the listing faults (malformed body, bandwidth). */
async function sendListing(ex: Exchange, xml: string, faults: ReturnType<FaultState['forListing']>): Promise<void> {
  let body = Buffer.from(xml, 'utf8');
  // A malformed listing: cut inside the document, so the closing tags are missing.
  if (faults?.listingMalformed) body = body.subarray(0, Math.max(1, Math.floor(body.length * 0.6)));
  ex.res.statusCode = 200;
  ex.res.setHeader('Content-Type', 'application/xml');
  ex.res.setHeader('Content-Length', body.length);
  await streamBody(ex, bufferChunks(body), { bandwidthBytesPerSec: faults?.bandwidthBytesPerSec });
}

export async function handleListV2(ex: Exchange, bucket: string, root: string, q: URLSearchParams, deps: ListingDeps): Promise<void> {
  const c = readCommon(ex, q);
  if (!c) return;
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after');
  let after: Marker | null = null;
  if (token !== null) {
    after = decodeToken(token);
    if (!after) {
      ex.error(400, 'InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
      return;
    }
  } else if (startAfter !== null && startAfter !== '') {
    after = { value: startAfter, isPrefix: false };
  }
  const faults = deps.faults.forListing(c.prefix);
  if (await applyRequestFaults(deps.faults, `?list-type=2&prefix=${c.prefix}`, faults, ex)) return;

  const keys = await listKeys(root, c.prefix);
  const page = paginate(keys, c.prefix, c.delimiter, c.maxKeys, after);
  const enc = c.encode ? s3UrlEncode : (s: string): string => s;
  let xml = `${XML_DECL}<ListBucketResult xmlns="${S3_NS}">${el('Name', bucket)}${el('Prefix', enc(c.prefix))}`;
  // Like S3: StartAfter is echoed only when no continuation token displaced it.
  if (startAfter !== null && token === null) xml += el('StartAfter', enc(startAfter));
  if (token !== null) xml += el('ContinuationToken', token);
  xml += `${el('KeyCount', page.contents.length + page.prefixes.length)}${el('MaxKeys', c.maxKeys)}`;
  if (c.delimiter !== '') xml += el('Delimiter', enc(c.delimiter));
  if (c.encode) xml += el('EncodingType', 'url');
  xml += el('IsTruncated', page.truncated);
  xml += await contentsXml(root, page.contents, enc, deps, false);
  xml += prefixesXml(page.prefixes, enc);
  if (page.last) xml += el('NextContinuationToken', encodeToken(page.last));
  xml += '</ListBucketResult>';
  await sendListing(ex, xml, faults);
}

/**
 * ListObjects v1, for clients that still send it. `marker` works like
 * start-after, except that a marker naming a common prefix of this listing
 * (what NextMarker returns under a delimiter) also skips the keys under it.
 */
export async function handleListV1(ex: Exchange, bucket: string, root: string, q: URLSearchParams, deps: ListingDeps): Promise<void> {
  const c = readCommon(ex, q);
  if (!c) return;
  const marker = q.get('marker') ?? '';
  let after: Marker | null = null;
  if (marker !== '') {
    const rest = marker.startsWith(c.prefix) ? marker.slice(c.prefix.length) : null;
    const isPrefix = c.delimiter !== '' && rest !== null && rest.indexOf(c.delimiter) === rest.length - c.delimiter.length && rest.length >= c.delimiter.length;
    after = { value: marker, isPrefix };
  }
  const keys = await listKeys(root, c.prefix);
  const page = paginate(keys, c.prefix, c.delimiter, c.maxKeys, after);
  const enc = c.encode ? s3UrlEncode : (s: string): string => s;
  let xml = `${XML_DECL}<ListBucketResult xmlns="${S3_NS}">${el('Name', bucket)}${el('Prefix', enc(c.prefix))}${el('Marker', enc(marker))}`;
  if (page.last && c.delimiter !== '') xml += el('NextMarker', enc(page.last.value));
  xml += el('MaxKeys', c.maxKeys);
  if (c.delimiter !== '') xml += el('Delimiter', enc(c.delimiter));
  if (c.encode) xml += el('EncodingType', 'url');
  xml += el('IsTruncated', page.truncated);
  xml += await contentsXml(root, page.contents, enc, deps, true);
  xml += prefixesXml(page.prefixes, enc);
  xml += '</ListBucketResult>';
  ex.sendXml(200, xml);
}
