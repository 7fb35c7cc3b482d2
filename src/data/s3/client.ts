/**
 * Anonymous, read-only S3 client for one bucket: ListObjectsV2, HEAD and
 * ranged GET over `fetch`. The same code reads the real bucket
 * (https://laion-fmri.s3.us-west-2.amazonaws.com, virtual-host style) and the
 * dev server (http://127.0.0.1:9000/laion-fmri, path style): a bucket is just
 * a base URL under which `/<key>` is an object and `/?list-type=2` lists.
 *
 * Every failure becomes a DataError that names the key or endpoint.
 */
import { isHeldOutKey, GATED_STIMULI_KEY } from '../layout.ts';
import { AbortedError, DataError, GatedObjectError, HeldOutSessionError } from '../errors.ts';
import { parseListObjectsV2, parseS3Error, XmlFormatError, type ListPage, type S3Object } from './xml.ts';

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  continuationToken?: string;
  startAfter?: string;
  signal?: AbortSignal;
}

export interface ObjectHead {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  acceptRanges: boolean;
  contentType: string;
}

export interface S3ClientOptions {
  /** Retries for 5xx and network failures (exponential backoff with jitter). */
  retries?: number;
  /** Base delay of the backoff, ms. */
  retryBaseMs?: number;
  /**
   * Per-request timeout, ms: for the response headers, then for each gap
   * between two chunks of the body (a stalled body fails; a long, steady one
   * does not).
   */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Encodes a key for a URL path: every segment percent-encoded ('+' → %2B), '/' kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export function normaliseEndpoint(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, '');
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

export class S3Client {
  readonly endpoint: string;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(endpoint: string, opts: S3ClientOptions = {}) {
    this.endpoint = normaliseEndpoint(endpoint);
    if (!/^https?:\/\/[^/]+/.test(this.endpoint)) {
      throw new DataError('bad-request', endpoint, `"${endpoint}" is not an http(s) URL of an S3 bucket.`, {
        hint: 'Use e.g. https://laion-fmri.s3.us-west-2.amazonaws.com or http://127.0.0.1:9000/laion-fmri',
      });
    }
    this.retries = opts.retries ?? 3;
    this.retryBaseMs = opts.retryBaseMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchImpl = opts.fetch ?? ((...a) => fetch(...a));
  }

  objectUrl(key: string): string {
    return `${this.endpoint}/${encodeKey(key)}`;
  }

  listUrl(o: ListOptions): string {
    const q = new URLSearchParams({ 'list-type': '2', 'encoding-type': 'url' });
    if (o.prefix) q.set('prefix', o.prefix);
    if (o.delimiter) q.set('delimiter', o.delimiter);
    if (o.maxKeys !== undefined) q.set('max-keys', String(o.maxKeys));
    if (o.continuationToken) q.set('continuation-token', o.continuationToken);
    if (o.startAfter) q.set('start-after', o.startAfter);
    return `${this.endpoint}/?${q.toString()}`;
  }

  /** One ListObjectsV2 page. */
  async listPage(o: ListOptions = {}): Promise<ListPage> {
    const url = this.listUrl(o);
    const what = `the listing of ${o.prefix ? `"${o.prefix}"` : 'the bucket root'} at ${this.endpoint}`;
    const res = await this.request(url, { method: 'GET', signal: o.signal }, o.prefix ?? '', what);
    const body = await res.text();
    try {
      return parseListObjectsV2(body);
    } catch (e) {
      if (!(e instanceof XmlFormatError)) throw e;
      const looksLikeHtml = /^\s*<(!doctype|html)/i.test(body);
      const kind = /<ListBucketResult/.test(body) ? 'malformed' : 'not-s3';
      throw new DataError(
        kind,
        this.endpoint,
        kind === 'malformed'
          ? `${what} is malformed: ${e.message}.`
          : `${this.endpoint} answered, but not like an S3 bucket (${looksLikeHtml ? 'an HTML page' : e.message}).`,
        { hint: kind === 'not-s3' ? 'The endpoint must be the URL of the bucket itself, e.g. http://127.0.0.1:9000/laion-fmri.' : 'Retry; if it persists the server sent a broken page.' },
      );
    }
  }

  /** Every page of a listing (follows continuation tokens until IsTruncated is false). */
  async *listPages(o: Omit<ListOptions, 'continuationToken'> = {}): AsyncGenerator<ListPage> {
    let token: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.listPage({ ...o, continuationToken: token });
      yield page;
      if (!page.isTruncated) return;
      token = page.nextContinuationToken!;
      if (seen.has(token)) throw new DataError('malformed', this.endpoint, `The listing of "${o.prefix ?? ''}" repeats a continuation token; stopped to avoid a loop.`);
      seen.add(token);
    }
  }

  /** All objects (and common prefixes, with a delimiter) under a prefix. */
  async listAll(o: Omit<ListOptions, 'continuationToken'> = {}): Promise<{ objects: S3Object[]; prefixes: string[] }> {
    const objects: S3Object[] = [];
    const prefixes: string[] = [];
    for await (const page of this.listPages(o)) {
      objects.push(...page.contents);
      prefixes.push(...page.commonPrefixes);
    }
    return { objects, prefixes };
  }

  async head(key: string, signal?: AbortSignal): Promise<ObjectHead> {
    const res = await this.request(this.objectUrl(key), { method: 'HEAD', signal, cache: 'no-store' }, key, key);
    return headFrom(key, res);
  }

  /**
   * GET bytes [start, end] inclusive (end omitted = to the end). Verifies the
   * server honoured the range (206 + matching Content-Range) and, with
   * `ifMatch`, that the object has not changed. Returns the response, whose
   * body the caller streams.
   */
  async getRange(key: string, start: number, end: number | undefined, o: { signal?: AbortSignal; ifMatch?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { Range: `bytes=${start}-${end ?? ''}` };
    if (o.ifMatch) headers['If-Match'] = o.ifMatch;
    // no-store: Chrome serialises concurrent ranged requests to one URL through its HTTP cache otherwise.
    const res = await this.request(this.objectUrl(key), { method: 'GET', headers, signal: o.signal, cache: 'no-store' }, key, key);
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new DataError('server', key, `${key}: the server ignored the byte range (answered ${res.status} instead of 206 Partial Content).`, {
        status: res.status,
        hint: 'The server must support HTTP Range requests; the dev server and S3 do.',
      });
    }
    const cr = res.headers.get('Content-Range');
    const m = cr ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr) : null;
    if (!m || Number(m[1]) !== start || (end !== undefined && Number(m[2]) !== Math.min(end, m[3] === '*' ? end : Number(m[3]) - 1))) {
      await res.body?.cancel();
      throw new DataError('server', key, `${key}: asked for bytes ${start}-${end ?? ''} but the server sent "${cr ?? 'no Content-Range'}".`, { status: 206 });
    }
    return res;
  }

  /** Convenience: a byte range as an ArrayBuffer. */
  async getBytes(key: string, start: number, end?: number, signal?: AbortSignal): Promise<ArrayBuffer> {
    const res = await this.getRange(key, start, end, { signal });
    return res.arrayBuffer();
  }

  /**
   * A whole object, streamed. Bypasses the browser's HTTP cache: the app keeps
   * what it decoded in OPFS, and a cached response that arrived corrupt would
   * otherwise be revalidated (same ETag) and served again.
   */
  async getObject(key: string, signal?: AbortSignal): Promise<Response> {
    return this.request(this.objectUrl(key), { method: 'GET', signal, cache: 'no-store' }, key, key);
  }

  private async request(url: string, init: RequestInit, key: string, what: string): Promise<Response> {
    const userSignal = init.signal ?? undefined;
    for (let attempt = 0; ; attempt++) {
      if (userSignal?.aborted) throw new AbortedError(what);
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${this.timeoutMs} ms`, 'TimeoutError')), this.timeoutMs);
      const signal = userSignal ? AbortSignal.any([userSignal, timeout.signal]) : timeout.signal;
      let res: Response;
      try {
        res = await this.fetchImpl(url, { ...init, signal });
        clearTimeout(timer);
      } catch (e) {
        clearTimeout(timer);
        if (userSignal?.aborted) throw new AbortedError(what);
        if (e instanceof DataError) throw e; // a fetch that explains itself (a local folder no longer open)
        const timedOut = timeout.signal.aborted;
        if (attempt < this.retries) {
          await this.backoff(attempt, userSignal, what);
          continue;
        }
        throw new DataError(
          'network',
          key || this.endpoint,
          timedOut
            ? `${what}: no answer from ${this.endpoint} within ${Math.round(this.timeoutMs / 1000)} s.`
            : `Could not read ${what}: the browser refused or lost the connection to ${new URL(url).origin}. Either the server is unreachable, or it does not allow cross-origin (CORS) reads from this page.`,
          {
            cause: e,
            hint: 'Check the address. If the bucket does not allow reads from web pages, run the dev server as a proxy (npm run bucket -- --proxy <bucket URL>) or serve a local copy (npm run bucket -- --root <folder>), then use http://127.0.0.1:9000/laion-fmri as a custom endpoint.',
          },
        );
      }
      if (res.ok || res.status === 304) return this.watchBody(res, timeout);
      if ((res.status >= 500 || res.status === 429) && attempt < this.retries) {
        await res.body?.cancel();
        await this.backoff(attempt, userSignal, what);
        continue;
      }
      throw await this.httpError(res, key, what);
    }
  }

  /** Fails a body that stalls for timeoutMs (aborting its fetch); a steady body may take as long as it needs. */
  private watchBody(res: Response, timeout: AbortController): Response {
    if (!res.body) return res;
    const reader = res.body.getReader();
    const ms = this.timeoutMs;
    // Only a read that waits counts (a slow reader is back-pressure, not a stall). One timer looks
    // now and then instead of one set and cleared per chunk: at LAN speed the chunks come in their
    // thousands per second, and re-arming a timer for each cost ~10 % of a betas pass.
    let waitingSince = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = () => {
      const waited = waitingSince ? performance.now() - waitingSince : 0;
      if (waited >= ms) timeout.abort(new DOMException(`the body stalled for ${ms} ms`, 'TimeoutError'));
      else timer = setTimeout(look, ms - waited);
    };
    const stop = () => clearTimeout(timer);
    const body = new ReadableStream<Uint8Array>({
      start() {
        timer = setTimeout(look, ms);
      },
      async pull(c) {
        waitingSince = performance.now();
        try {
          const { value, done } = await reader.read();
          if (done) {
            stop();
            c.close();
          } else c.enqueue(value);
        } catch (e) {
          stop();
          throw e;
        } finally {
          waitingSince = 0;
        }
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  private async backoff(attempt: number, signal: AbortSignal | undefined, what: string): Promise<void> {
    // Full jitter: spreads retries of many parallel requests.
    const ms = Math.random() * this.retryBaseMs * 2 ** attempt;
    try {
      await sleep(ms, signal);
    } catch {
      throw new AbortedError(what);
    }
  }

  private async httpError(res: Response, key: string, what: string): Promise<DataError> {
    const body = res.body === null ? '' : await res.text().catch(() => '');
    const s3 = parseS3Error(body);
    const code = s3?.code ?? `HTTP ${res.status}`;
    if (res.status === 403 && key) {
      if (isHeldOutKey(key)) return new HeldOutSessionError(key);
      if (key === GATED_STIMULI_KEY) return new GatedObjectError(key);
    }
    if (res.status === 403) return new DataError('access-denied', key || this.endpoint, `${what}: access denied (${code}).`, { status: 403, hint: 'The bucket only allows anonymous reads of public objects.' });
    if (res.status === 404) {
      if (s3?.code === 'NoSuchBucket') return new DataError('not-found', this.endpoint, `There is no bucket at ${this.endpoint} (NoSuchBucket).`, { status: 404, hint: 'Check the bucket name in the endpoint URL.' });
      if (s3 === null && !key) return new DataError('not-s3', this.endpoint, `${this.endpoint} answered 404 without an S3 error: it does not look like an S3 bucket.`, { status: 404 });
      return new DataError('not-found', key || this.endpoint, `${key || this.endpoint} does not exist in the bucket (${code}).`, { status: 404 });
    }
    if (res.status === 412) return new DataError('changed', key, `${key} changed on the server while it was being read (ETag no longer matches).`, { status: 412, hint: 'Retry to read the new version from the start.' });
    if (res.status === 416) return new DataError('bad-request', key, `${key}: the requested byte range lies outside the file (416).`, { status: 416 });
    if (res.status >= 500) return new DataError('server', key || this.endpoint, `${what}: the server failed (${code}${s3?.message ? `: ${s3.message}` : ''}) after ${this.retries + 1} attempts.`, { status: res.status, hint: 'Try again in a moment.' });
    return new DataError('bad-request', key || this.endpoint, `${what}: ${res.status} ${code}${s3?.message ? ` (${s3.message})` : ''}.`, { status: res.status });
  }
}

export function headFrom(key: string, res: Response): ObjectHead {
  const size = Number(res.headers.get('Content-Length'));
  return {
    key,
    size: Number.isFinite(size) ? size : NaN,
    etag: res.headers.get('ETag') ?? '',
    lastModified: res.headers.get('Last-Modified') ?? '',
    acceptRanges: (res.headers.get('Accept-Ranges') ?? '').includes('bytes'),
    contentType: res.headers.get('Content-Type') ?? '',
  };
}
