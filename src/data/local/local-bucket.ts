/**
 * A local laion_fmri folder as a bucket: the folder's files, keyed by their
 * path under the folder (the bucket's key tree, bucket-layout.md), answered
 * through the same small S3 protocol the app speaks to the bucket —
 * ListObjectsV2 (prefix, delimiter, max-keys, continuation tokens, url
 * encoding), HEAD and single-range GET — as a `fetch` for S3Client. So every
 * listing rule, range check and error message is the bucket's code path;
 * only the transport differs. Bytes are read lazily with File.slice: nothing
 * is uploaded or copied.
 *
 * The ETag is size + last-modified time (a local file has no MD5 at hand);
 * the OPFS cache keys on it, so an edited file is never served stale.
 *
 * Pure (no DOM): runs on the UI thread, in workers, and in Node tests.
 */
import { compareKeys, markerFromText, markerText, paginate, s3UrlEncode, type Marker } from '../s3/listing-core.ts';

export type LocalFiles = ReadonlyMap<string, File>;

/** URLs of local folders live under this host, which never resolves (RFC 2606 `.invalid`): no request can leave the machine. */
export const LOCAL_HOST = 'local-folder.invalid';

export function isLocalEndpoint(endpoint: string): boolean {
  return endpoint.startsWith(`http://${LOCAL_HOST}/`);
}

export function localEtag(f: File): string {
  return `"${f.size.toString(16)}-${Math.floor(f.lastModified).toString(16)}"`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function b64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}
function unb64(s: string): string | null {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

function s3Error(status: number, code: string, message: string, key = ''): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${key ? `<Key>${xmlEscape(key)}</Key>` : ''}</Error>`;
  return new Response(body, { status, headers: { 'Content-Type': 'application/xml' } });
}

export class LocalBucket {
  private readonly keys: string[];

  constructor(
    readonly name: string,
    private readonly files: LocalFiles,
  ) {
    this.keys = [...files.keys()].sort(compareKeys);
  }

  get size(): number {
    return this.keys.length;
  }

  /** A `fetch` answering the S3 requests S3Client makes for URLs under `base`. */
  fetcher(base: string): typeof fetch {
    return async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const signal = init?.signal;
      if (signal?.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
      const method = (init?.method ?? 'GET').toUpperCase();
      const basePath = new URL(base).pathname.replace(/\/+$/, '');
      if (!url.pathname.startsWith(`${basePath}/`)) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      const rest = url.pathname.slice(basePath.length + 1);
      if (rest === '') {
        if (method !== 'GET') return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
        return this.list(url.searchParams);
      }
      const key = rest.split('/').map(decodeURIComponent).join('/');
      if (method !== 'GET' && method !== 'HEAD') return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      return this.object(key, method, new Headers(init?.headers));
    };
  }

  private list(q: URLSearchParams): Response {
    if (q.get('list-type') !== '2') return s3Error(400, 'InvalidArgument', 'Only ListObjectsV2 (list-type=2) is supported by a local folder');
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const mk = q.get('max-keys');
    if (mk !== null && !/^\d+$/.test(mk)) return s3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
    const maxKeys = Math.min(1000, mk === null ? 1000 : Number(mk));
    const encode = q.get('encoding-type') === 'url';
    const token = q.get('continuation-token');
    const startAfter = q.get('start-after');
    let after: Marker | null = startAfter ? { value: startAfter, isPrefix: false } : null;
    if (token !== null) {
      const text = unb64(token);
      after = text === null ? null : markerFromText(text);
      if (after === null) return s3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    }
    const page = paginate(prefix ? this.keys.filter((k) => k.startsWith(prefix)) : this.keys, prefix, delimiter, maxKeys, after);
    const enc = (s: string) => xmlEscape(encode ? s3UrlEncode(s) : s);
    const contents = page.contents
      .map((k) => {
        const f = this.files.get(k)!;
        return `<Contents><Key>${enc(k)}</Key><LastModified>${new Date(f.lastModified).toISOString()}</LastModified><ETag>${xmlEscape(localEtag(f))}</ETag><Size>${f.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const prefixes = page.prefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join('');
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xmlEscape(this.name)}</Name><Prefix>${enc(prefix)}</Prefix>` +
      (delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : '') +
      `<KeyCount>${page.contents.length + page.prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      (encode ? '<EncodingType>url</EncodingType>' : '') +
      `<IsTruncated>${page.truncated}</IsTruncated>` +
      (token !== null ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : '') +
      (page.truncated && page.last !== null ? `<NextContinuationToken>${b64(markerText(page.last))}</NextContinuationToken>` : '') +
      contents +
      prefixes +
      `</ListBucketResult>`;
    return new Response(xml, { status: 200, headers: { 'Content-Type': 'application/xml' } });
  }

  private object(key: string, method: string, h: Headers): Response {
    const f = this.files.get(key);
    if (!f) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.', key);
    const etag = localEtag(f);
    const common = { ETag: etag, 'Last-Modified': new Date(f.lastModified).toUTCString(), 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    const ifMatch = h.get('If-Match');
    if (ifMatch !== null && ifMatch !== '*' && !ifMatch.split(',').some((t) => t.trim() === etag)) {
      return s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', key);
    }
    const range = h.get('Range');
    if (method === 'HEAD') return new Response(null, { status: 200, headers: { ...common, 'Content-Length': String(f.size) } });
    const m = range === null ? null : /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start: number;
      let end: number;
      if (m[1] === '') {
        const n = Number(m[2]);
        start = Math.max(0, f.size - n);
        end = f.size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? f.size - 1 : Math.min(Number(m[2]), f.size - 1);
      }
      if (start >= f.size || end < start) {
        return new Response(null, { status: 416, headers: { ...common, 'Content-Range': `bytes */${f.size}` } });
      }
      return new Response(f.slice(start, end + 1), {
        status: 206,
        headers: { ...common, 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${f.size}` },
      });
    }
    return new Response(f.slice(0), { status: 200, headers: { ...common, 'Content-Length': String(f.size) } });
  }
}

/**
 * The keys of a picked folder. A folder picked at the bucket's root holds
 * `derivatives/…` directly; laion_fmri's download folder may also hold it one
 * level down (`<data_dir>/laion-fmri/derivatives/…`): both are accepted.
 * Dot files (.DS_Store, partial downloads) are skipped.
 */
export function keysFromPaths(entries: Iterable<[string, File]>): Map<string, File> {
  const all = [...entries].filter(([p]) => !p.split('/').some((seg) => seg.startsWith('.')));
  const roots = ['derivatives/', 'stimuli/', 'dataset_description.json', 'participants.tsv'];
  const looksLikeRoot = (prefix: string) => all.some(([p]) => p.startsWith(prefix) && roots.some((r) => p.slice(prefix.length).startsWith(r)));
  let strip = '';
  if (!looksLikeRoot('')) {
    const firstDirs = new Set(all.map(([p]) => p.split('/')[0] + '/'));
    const inner = [...firstDirs].find((d) => looksLikeRoot(d));
    if (inner) strip = inner;
  }
  const out = new Map<string, File>();
  for (const [p, f] of all) if (p.startsWith(strip)) out.set(p.slice(strip.length), f);
  return out;
}
