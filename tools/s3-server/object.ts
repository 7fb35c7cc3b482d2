/**
 * GetObject / HeadObject: 200 or 206 with a single byte range, 304/412 for
 * the conditional headers, 416 for an unsatisfiable range, 403 for keys the
 * bucket policy denies, 404 NoSuchKey. Bodies are streamed from the file.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { streamBody } from './body.ts';
import type { DenyPolicy } from './deny.ts';
import type { EtagCache } from './etag.ts';
import type { Exchange, StatsRecorder } from './exchange.ts';
import { applyRequestFaults, type FaultState } from './faults.ts';
import { statKey } from './keys.ts';

export interface ObjectDeps {
  etags: EtagCache;
  faults: FaultState;
  deny: DenyPolicy;
  stats: StatsRecorder;
}

const CONTENT_TYPES: Record<string, string> = {
  '.tsv': 'text/tab-separated-values',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The Content-Type of a key; binary formats (.gz, .h5, .nii, .gii, .mgz, ...) are application/octet-stream. */
export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * Parses a Range header against an object size. null means "ignore it and
 * send 200" (absent, malformed, not bytes, or several ranges, as S3 does).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/** Whether an If-Match / If-None-Match list names this ETag ('*' names any). */
export function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((raw) => {
    const t = raw.trim().replace(/^W\//, '');
    return t === '*' || t === etag || `"${t}"` === etag;
  });
}

function headerDate(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/**
 * What every object request goes through first, local or proxied: it is
 * counted, request-level faults (latency, 5xx) apply, then the deny policy.
 * Returns the faults for the body, or null when the request was answered.
 */
export async function admitObjectRequest(
  ex: Exchange,
  key: string,
  deps: Pick<ObjectDeps, 'faults' | 'deny' | 'stats'>,
): Promise<{ faults: ReturnType<FaultState['forObject']>; rangeHeader: string | undefined } | null> {
  const rangeHeader = typeof ex.req.headers.range === 'string' ? ex.req.headers.range : undefined;
  ex.statKey = key;
  deps.stats.objectRequest(key, rangeHeader);
  const faults = deps.faults.forObject(key);
  if (await applyRequestFaults(deps.faults, key, faults, ex)) return null;
  if (deps.deny.denies(key)) {
    ex.error(403, 'AccessDenied', 'Access Denied');
    return null;
  }
  return { faults, rangeHeader };
}

export async function handleObject(ex: Exchange, root: string, key: string, deps: ObjectDeps): Promise<void> {
  const req = ex.req;
  const admitted = await admitObjectRequest(ex, key, deps);
  if (!admitted) return;
  const { faults, rangeHeader } = admitted;
  const hit = await statKey(root, key);
  if (!hit) {
    ex.error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
    return;
  }
  const etag = await deps.etags.get(hit.path, key, hit.stats);
  const size = faults?.truncateTo !== undefined ? Math.min(hit.stats.size, faults.truncateTo) : hit.stats.size;
  const lastModified = Math.floor(hit.stats.mtimeMs / 1000) * 1000;
  const res = ex.res;
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', new Date(lastModified).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');

  // Preconditions, in S3's order: If-Match beats If-Unmodified-Since, If-None-Match beats If-Modified-Since.
  const h = req.headers;
  const ifMatch = h['if-match'];
  const ifUnmodified = headerDate(h['if-unmodified-since']);
  if (ifMatch !== undefined ? !etagListMatches(ifMatch, etag) : ifUnmodified !== null && lastModified > ifUnmodified) {
    ex.error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since',
    });
    return;
  }
  const ifNoneMatch = h['if-none-match'];
  const ifModified = headerDate(h['if-modified-since']);
  if (ifNoneMatch !== undefined ? etagListMatches(ifNoneMatch, etag) : ifModified !== null && lastModified <= ifModified) {
    res.removeHeader('Accept-Ranges');
    ex.send(304, null);
    return;
  }

  let range = faults?.ignoreRange ? null : parseRange(rangeHeader, size);
  const ifRange = typeof h['if-range'] === 'string' ? h['if-range'] : undefined;
  if (range !== null && ifRange !== undefined) {
    const still = /^(W\/)?"/.test(ifRange) ? ifRange === etag : headerDate(ifRange) === lastModified;
    if (!still) range = null;
  }
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    res.removeHeader('ETag');
    res.removeHeader('Last-Modified');
    ex.error(416, 'InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: rangeHeader ?? '',
      ActualObjectSize: String(size),
    });
    return;
  }
  if (range !== null && faults?.wrongContentRange) range = shiftByOne(range, size);

  let start = 0;
  let end = size - 1;
  res.setHeader('Content-Type', contentTypeOf(key));
  if (range !== null) {
    ({ start, end } = range);
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  } else {
    res.statusCode = 200;
  }
  const length = Math.max(0, end - start + 1);
  res.setHeader('Content-Length', length);
  if (ex.isHead || length === 0) {
    await ex.end();
    return;
  }
  const stream = createReadStream(hit.path, { start, end, highWaterMark: 256 * 1024 });
  try {
    await streamBody(ex, stream as AsyncIterable<Buffer>, {
      bandwidthBytesPerSec: faults?.bandwidthBytesPerSec,
      dropAfterBytes: faults?.dropAfterBytes,
      corrupt: faults?.corruptByteAt !== undefined ? { offset: faults.corruptByteAt, base: start } : undefined,
    });
  } catch {
    // A read error after the headers went out: the only honest answer is a cut connection.
    stream.destroy();
    res.socket?.destroy();
    res.destroy();
  }
}

/** The wrongContentRange fault: the same length one byte later (or earlier at the end of the object). */
function shiftByOne(r: { start: number; end: number }, size: number): { start: number; end: number } {
  if (r.end + 1 < size) return { start: r.start + 1, end: r.end + 1 };
  if (r.start > 0) return { start: r.start - 1, end: r.end - 1 };
  return { start: Math.min(r.start + 1, r.end), end: r.end };
}
