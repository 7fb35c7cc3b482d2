/**
 * A read-only S3-compatible server for development and tests. It serves
 * folders (the generated demo bucket, or a lab's local laion_fmri download,
 * which has the same key tree) to the browser app the way AWS S3 serves the
 * real bucket: path-style URLs `http://127.0.0.1:9000/<bucket>/<key>`,
 * ListObjectsV2, GET/HEAD with single ranges and conditional headers, the
 * bucket policy's 403s, CORS for any origin, S3 XML errors. A bucket can also
 * be an upstream S3 endpoint that is proxied with CORS added (proxy.ts).
 * Node standard library only. Optional fault injection and /__admin endpoints
 * let tests steer a running server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DenyPolicy } from './deny.ts';
import { EtagCache } from './etag.ts';
import { Exchange, StatsRecorder } from './exchange.ts';
import { FaultState, parseFaults } from './faults.ts';
import { handleListV1, handleListV2 } from './listing.ts';
import { handleObject } from './object.ts';
import { parseUpstream, proxyBucket, proxyObject, UpstreamPool, type ProxyDeps, type Upstream } from './proxy.ts';
import type { BucketServer, BucketServerOptions, Faults } from './types.ts';
import { el, S3_NS, XML_DECL } from './xml.ts';

export type { BucketServer, BucketServerOptions, DenyRule, Faults, KeyStats, ServerStats } from './types.ts';
export { LAION_DENY_RULES } from './deny.ts';
export { parseFaults } from './faults.ts';

const READ_METHODS = 'GET, HEAD';
const ADMIN_BODY_LIMIT = 64 * 1024;

interface Context {
  buckets: Map<string, string>;
  upstreams: Map<string, Upstream>;
  proxy: ProxyDeps;
  deny: DenyPolicy;
  faults: FaultState;
  etags: EtagCache;
  stats: StatsRecorder;
  admin: boolean;
  log: ((line: string) => void) | undefined;
}

/** Splits a raw request target into its path segments (still encoded) and its query. */
function splitTarget(url: string): { path: string; rawQuery: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  return { path: q < 0 ? url : url.slice(0, q), rawQuery, query: new URLSearchParams(rawQuery) };
}

function preflight(ex: Exchange, ctx: Context, isAdmin: boolean): void {
  const res = ex.res;
  const method = ex.req.headers['access-control-request-method'];
  const allowed = isAdmin && ctx.admin ? ['GET', 'HEAD', 'PUT', 'POST'] : ['GET', 'HEAD'];
  if (method !== undefined && !allowed.includes(method.toUpperCase())) {
    ex.error(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.', {
      Method: method,
      ResourceType: 'OBJECT',
    });
    return;
  }
  const requested = ex.req.headers['access-control-request-headers'];
  res.setHeader('Access-Control-Allow-Methods', allowed.join(', '));
  res.setHeader('Access-Control-Allow-Headers', requested ?? 'Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range');
  res.setHeader('Access-Control-Max-Age', '3000');
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  ex.send(200, null);
}

function methodNotAllowed(ex: Exchange, resourceType: string): void {
  ex.res.setHeader('Allow', READ_METHODS);
  ex.error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
    Method: ex.req.method ?? '',
    ResourceType: resourceType,
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > ADMIN_BODY_LIMIT) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleAdmin(ex: Exchange, ctx: Context, path: string): Promise<void> {
  const m = ex.req.method;
  const json = (status: number, v: unknown): void => ex.send(status, 'application/json', JSON.stringify(v));
  if (path === '/__admin/stats' && (m === 'GET' || m === 'HEAD')) return json(200, ctx.stats.snapshot());
  if (path === '/__admin/stats/reset' && m === 'POST') {
    ctx.stats.reset();
    return json(200, { ok: true });
  }
  if (path === '/__admin/faults' && (m === 'GET' || m === 'HEAD')) return json(200, ctx.faults.get());
  if (path === '/__admin/faults' && (m === 'PUT' || m === 'POST')) {
    let parsed: Faults | null;
    try {
      const text = await readBody(ex.req);
      parsed = parseFaults(text.trim() === '' ? null : (JSON.parse(text) as unknown));
    } catch (e) {
      return json(400, { error: e instanceof Error ? e.message : String(e) });
    }
    ctx.faults.set(parsed);
    return json(200, ctx.faults.get());
  }
  json(404, { error: `no admin endpoint ${m ?? ''} ${path}` });
}

async function route(ex: Exchange, ctx: Context): Promise<void> {
  const req = ex.req;
  const { path, rawQuery, query } = splitTarget(req.url ?? '/');
  const isAdmin = path === '/__admin' || path.startsWith('/__admin/');
  if (req.method === 'OPTIONS') return preflight(ex, ctx, isAdmin);
  if (isAdmin && ctx.admin) return handleAdmin(ex, ctx, path);

  const segments = path.split('/');
  const rawBucket = segments[1] ?? '';
  const rawKey = segments.slice(2).join('/');
  let bucket: string;
  let key: string;
  try {
    // Percent-decoding only: a literal '+' in a path stays '+'.
    bucket = decodeURIComponent(rawBucket);
    key = decodeURIComponent(rawKey);
  } catch {
    return ex.error(400, 'InvalidURI', "Couldn't parse the specified URI.", { URI: req.url ?? '' });
  }
  const isRead = req.method === 'GET' || req.method === 'HEAD';
  if (bucket === '') {
    if (!isRead) return methodNotAllowed(ex, 'SERVICE');
    const list = [...ctx.buckets.keys(), ...ctx.upstreams.keys()].sort().map((b) => `<Bucket>${el('Name', b)}${el('CreationDate', '2026-01-01T00:00:00.000Z')}</Bucket>`).join('');
    return ex.sendXml(200, `${XML_DECL}<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner>${el('ID', 'dev')}</Owner><Buckets>${list}</Buckets></ListAllMyBucketsResult>`);
  }
  if (!isRead) return methodNotAllowed(ex, key === '' ? 'BUCKET' : 'OBJECT');
  const upstream = ctx.upstreams.get(bucket);
  if (upstream !== undefined) return key !== '' ? proxyObject(ex, upstream, key, ctx.proxy) : proxyBucket(ex, upstream, rawQuery, query, ctx.proxy);
  const root = ctx.buckets.get(bucket);
  if (root === undefined) return ex.error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

  if (key !== '') return handleObject(ex, root, key, { etags: ctx.etags, faults: ctx.faults, deny: ctx.deny, stats: ctx.stats });
  if (req.method === 'HEAD') return ex.send(200, null);
  if (query.has('location')) return ex.sendXml(200, `${XML_DECL}<LocationConstraint xmlns="${S3_NS}">us-west-2</LocationConstraint>`);
  const sub = ['acl', 'policy', 'cors', 'versioning', 'tagging', 'lifecycle', 'website', 'uploads', 'versions', 'logging', 'notification', 'encryption', 'replication'].find((s) => query.has(s));
  if (sub !== undefined) return ex.error(501, 'NotImplemented', `The dev server does not implement ?${sub}.`, { Header: sub });
  const deps = { etags: ctx.etags, faults: ctx.faults };
  if (query.get('list-type') === '2') return handleListV2(ex, bucket, root, query, deps);
  return handleListV1(ex, bucket, root, query, deps);
}

export async function startBucketServer(opts: BucketServerOptions): Promise<BucketServer> {
  const validName = (name: string): void => {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`invalid bucket name: ${name}`);
  };
  const buckets = new Map<string, string>();
  for (const [name, dir] of Object.entries(opts.buckets ?? {})) {
    validName(name);
    const root = resolve(dir);
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`bucket ${name}: ${root} is not a folder`);
    buckets.set(name, root);
  }
  const upstreams = new Map<string, Upstream>();
  for (const [name, url] of Object.entries(opts.upstreams ?? {})) {
    validName(name);
    if (buckets.has(name)) throw new Error(`bucket ${name} is both a local folder and an upstream`);
    upstreams.set(name, parseUpstream(url));
  }
  const timeoutMs = opts.upstreamTimeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`upstreamTimeoutMs must be > 0, got ${timeoutMs}`);
  const faults = new FaultState(opts.faults ?? null);
  const stats = new StatsRecorder();
  const pool = new UpstreamPool();
  const ctx: Context = {
    buckets,
    upstreams,
    proxy: { faults, stats, pool, timeoutMs, deny: new DenyPolicy(opts.upstreamDeny ?? []) },
    deny: new DenyPolicy(opts.deny),
    faults,
    etags: new EtagCache(),
    stats,
    admin: opts.admin ?? false,
    log: opts.log,
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isAdmin = (req.url ?? '').startsWith('/__admin');
    const stats = isAdmin ? null : ctx.stats;
    const ex = new Exchange(req, res, stats);
    const t0 = performance.now();
    stats?.begin();
    ex.onDone = () => stats?.end();
    res.on('close', () => {
      ex.markDone();
      const how = res.writableFinished ? '' : ' (cut)';
      ctx.log?.(`${req.method ?? '?'} ${req.url ?? ''} ${res.statusCode} ${ex.bodyBytes}B ${Math.round(performance.now() - t0)}ms${how}`);
    });
    route(ex, ctx).catch((err: unknown) => {
      ctx.log?.(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) ex.error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9000, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
        pool.destroy();
      }),
    setFaults: (f) => ctx.faults.set(f),
    stats: () => ctx.stats.snapshot(),
    resetStats: () => ctx.stats.reset(),
  };
}
