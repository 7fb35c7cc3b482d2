/**
 * Upstream buckets: the dev server as a CORS-adding, read-only proxy in front
 * of another S3 endpoint (the real bucket, whose CORS policy is unknown, or a
 * mirror). Anonymous GET/HEAD of objects and bucket-level GETs (listings) are
 * forwarded with the Range and conditional headers; status, S3 headers and the
 * body come back unchanged, streamed with backpressure. The upstream enforces
 * its own policy (its 403 XML passes through); a dead upstream is a 502
 * BadGateway in S3 error XML. A client that goes away aborts the upstream request.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { bufferChunks, streamBody, type BodyFaults } from './body.ts';
import { admitObjectRequest } from './object.ts';
import type { DenyPolicy } from './deny.ts';
import type { Exchange, StatsRecorder } from './exchange.ts';
import { applyRequestFaults, type FaultState } from './faults.ts';

export interface Upstream {
  /** The URL as configured, for messages. */
  display: string;
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** The bucket's path on the upstream without a trailing '/': '' (virtual-host style) or '/laion-fmri' (path style). */
  basePath: string;
}

export interface ProxyDeps {
  faults: FaultState;
  /** The proxy's own deny rules (off by default: the upstream answers its own 403s). */
  deny: DenyPolicy;
  stats: StatsRecorder;
  pool: UpstreamPool;
  /** How long to wait for the upstream's response headers. */
  timeoutMs: number;
}

/** Request headers forwarded to the upstream (besides Accept-Encoding: identity). */
const FORWARD_REQUEST = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'] as const;

/**
 * Response headers copied from the upstream. Everything else is dropped, so
 * hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, ...) and the
 * upstream's own CORS headers never pass, and neither does Content-Encoding:
 * the body is relayed as stored, so Content-Length and ranges stay byte offsets.
 */
const PASS_RESPONSE = [
  'Content-Length', 'Content-Range', 'Content-Type', 'ETag', 'Last-Modified', 'Accept-Ranges',
  'x-amz-request-id', 'x-amz-id-2', 'Cache-Control', 'Content-Disposition', 'Content-Language', 'Expires',
] as const;

/** A listing body is bounded (max-keys <= 1000), so the listingMalformed fault may read it whole. */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;

/** Validates an upstream bucket base URL: http(s), no credentials, query or fragment. */
export function parseUpstream(url: string): Upstream {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`upstream must be http or https: ${url}`);
  if (u.username !== '' || u.password !== '') throw new Error(`upstream must not carry credentials: ${url}`);
  if (u.search !== '' || u.hash !== '') throw new Error(`upstream must not have a query or fragment: ${url}`);
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    display: `${u.origin}${u.pathname.replace(/\/+$/, '')}`,
    protocol: u.protocol,
    hostname,
    port: u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    basePath: u.pathname.replace(/\/+$/, ''),
  };
}

/**
 * Percent-encodes a key for an upstream path the way S3 clients sign it
 * (RFC 3986 unreserved characters and '/' kept). Dot segments are encoded
 * too; the path is sent as is, never normalised.
 */
export function encodeKeyPath(key: string): string {
  const hex = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  return key
    .split('/')
    .map((seg) => (/^\.+$/.test(seg) ? seg.replace(/\./g, hex) : encodeURIComponent(seg).replace(/[!'()*]/g, hex)))
    .join('/');
}

/** The request path on the upstream: `<base>/<encoded key>` or, for bucket-level requests, `<base>/?<query>`. */
export function upstreamPath(up: Upstream, key: string, rawQuery: string): string {
  if (key !== '') return `${up.basePath}/${encodeKeyPath(key)}`;
  return `${up.basePath}/${rawQuery === '' ? '' : `?${rawQuery}`}`;
}

/** Keep-alive connections to the upstreams; destroyed when the server closes. */
export class UpstreamPool {
  readonly http = new HttpAgent({ keepAlive: true });
  readonly https = new HttpsAgent({ keepAlive: true });

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** Sends the request; resolves with the response head, rejects on network errors and on the header timeout. */
function openUpstream(ex: Exchange, up: Upstream, path: string, headers: OutgoingHttpHeaders, deps: ProxyDeps): Promise<IncomingMessage> {
  const send = up.protocol === 'https:' ? httpsRequest : httpRequest;
  const req: ClientRequest = send({
    protocol: up.protocol,
    hostname: up.hostname,
    port: up.port,
    path,
    method: ex.isHead ? 'HEAD' : 'GET',
    headers,
    agent: up.protocol === 'https:' ? deps.pool.https : deps.pool.http,
  });
  // The client went away (or the response was cut): stop the upstream transfer too.
  ex.res.once('close', () => {
    if (!ex.res.writableFinished) req.destroy();
  });
  return new Promise((resolve, reject) => {
    req.setTimeout(deps.timeoutMs, () => req.destroy(new Error(`no response within ${deps.timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.end();
  });
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code !== undefined && !e.message.includes(code) ? `${code} ${e.message}` : e.message;
}

/** Forwards one request and relays the answer. `bodyFaults` sees the upstream response head. */
async function relay(
  ex: Exchange,
  up: Upstream,
  path: string,
  headers: OutgoingHttpHeaders,
  deps: ProxyDeps,
  body: (head: IncomingMessage) => { faults: BodyFaults; malformed: boolean },
): Promise<void> {
  let head: IncomingMessage;
  try {
    head = await openUpstream(ex, up, path, headers, deps);
  } catch (e) {
    if (ex.closed) return;
    ex.error(502, 'BadGateway', `upstream ${up.display} unreachable: ${errorText(e)}`);
    return;
  }
  if (ex.closed) {
    head.destroy();
    return;
  }
  const res = ex.res;
  const status = head.statusCode ?? 502;
  res.statusCode = status;
  for (const name of PASS_RESPONSE) {
    const v = head.headers[name.toLowerCase()];
    if (v !== undefined) res.setHeader(name, v);
  }
  if (ex.isHead || status === 304 || status === 204 || head.headers['content-length'] === '0') {
    head.resume();
    await ex.end();
    return;
  }
  const { faults, malformed } = body(head);
  let source: AsyncIterable<Buffer> = head;
  try {
    if (malformed) {
      // A malformed listing: cut inside the document, as for local buckets.
      const whole = await readBounded(head, MAX_LISTING_BYTES);
      const cut = whole.subarray(0, Math.max(1, Math.floor(whole.length * 0.6)));
      res.setHeader('Content-Length', cut.length);
      source = bufferChunks(cut);
    }
    const complete = await streamBody(ex, source, faults);
    if (!complete) head.destroy();
  } catch {
    // The upstream cut its body (or a read failed) after the headers went out: cut ours too.
    head.destroy();
    res.socket?.destroy();
    res.destroy();
  }
}

async function readBounded(src: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    n += c.length;
    if (n > limit) throw new Error('listing too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function baseHeaders(): OutgoingHttpHeaders {
  return { 'accept-encoding': 'identity', 'user-agent': 'laion-fmri-explorer-dev-proxy' };
}

/** The first byte offset of a body, from Content-Range (0 for a 200). */
function bodyBase(head: IncomingMessage): number {
  const m = /^bytes (\d+)-/.exec(head.headers['content-range'] ?? '');
  return m ? Number(m[1]) : 0;
}

/** GetObject / HeadObject on an upstream bucket. */
export async function proxyObject(ex: Exchange, up: Upstream, key: string, deps: ProxyDeps): Promise<void> {
  const h = ex.req.headers;
  const admitted = await admitObjectRequest(ex, key, deps);
  if (!admitted) return;
  const { faults } = admitted;
  const headers = baseHeaders();
  for (const name of FORWARD_REQUEST) {
    if (faults?.ignoreRange && (name === 'range' || name === 'if-range')) continue;
    const v = h[name];
    if (typeof v === 'string') headers[name] = v;
  }
  await relay(ex, up, upstreamPath(up, key, ''), headers, deps, (head) => ({
    malformed: false,
    faults: {
      bandwidthBytesPerSec: faults?.bandwidthBytesPerSec,
      dropAfterBytes: faults?.dropAfterBytes,
      corrupt: faults?.corruptByteAt !== undefined ? { offset: faults.corruptByteAt, base: bodyBase(head) } : undefined,
    },
  }));
}

/** Bucket-level GET/HEAD on an upstream bucket (ListObjectsV2, v1, ...): forwarded with the query string as sent. */
export async function proxyBucket(ex: Exchange, up: Upstream, rawQuery: string, query: URLSearchParams, deps: ProxyDeps): Promise<void> {
  const isListV2 = query.get('list-type') === '2';
  const faults = isListV2 ? deps.faults.forListing(query.get('prefix') ?? '') : null;
  if (await applyRequestFaults(deps.faults, `?list-type=2&prefix=${query.get('prefix') ?? ''}`, faults, ex)) return;
  await relay(ex, up, upstreamPath(up, '', rawQuery), baseHeaders(), deps, (head) => ({
    malformed: (faults?.listingMalformed ?? false) && head.statusCode === 200,
    faults: { bandwidthBytesPerSec: faults?.bandwidthBytesPerSec },
  }));
}
