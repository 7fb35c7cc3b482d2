/**
 * One request/response pair plus the counters the server keeps (stats) and the
 * helpers every handler uses to answer: S3 headers, XML bodies, S3 errors.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerStats } from './types.ts';
import { errorXml } from './xml.ts';

const MAX_RANGES = 1000;

export class StatsRecorder {
  private s: ServerStats = StatsRecorder.empty();
  private inFlight = 0;

  private static empty(): ServerStats {
    return { requests: 0, bytesSent: 0, byKey: {}, ranges: [], maxConcurrent: 0 };
  }

  begin(): void {
    this.s.requests++;
    this.inFlight++;
    if (this.inFlight > this.s.maxConcurrent) this.s.maxConcurrent = this.inFlight;
  }

  end(): void {
    this.inFlight--;
  }

  objectRequest(key: string, range: string | undefined): void {
    const k = (this.s.byKey[key] ??= { requests: 0, bytesSent: 0, ranges: [] });
    k.requests++;
    if (range !== undefined) {
      for (const list of [this.s.ranges, k.ranges]) {
        list.push(range);
        if (list.length > MAX_RANGES) list.splice(0, list.length - MAX_RANGES);
      }
    }
  }

  bytes(key: string | null, n: number): void {
    this.s.bytesSent += n;
    if (key !== null) {
      const k = (this.s.byKey[key] ??= { requests: 0, bytesSent: 0, ranges: [] });
      k.bytesSent += n;
    }
  }

  snapshot(): ServerStats {
    return structuredClone(this.s);
  }

  /** Zeroes the counters; responses still in flight count toward the new peak. */
  reset(): void {
    this.s = StatsRecorder.empty();
    this.s.maxConcurrent = this.inFlight;
  }
}

/** Headers the browser app must be able to read cross-origin. */
export const EXPOSE_HEADERS = 'Accept-Ranges, Content-Range, Content-Length, Content-Type, ETag, Last-Modified, x-amz-request-id, x-amz-id-2';
export const DEV_SERVER_HEADER = 'x-laion-dev-server';

export class Exchange {
  readonly requestId = randomBytes(8).toString('hex').toUpperCase();
  readonly hostId = randomBytes(24).toString('base64');
  /** The object key this response counts toward in stats.byKey, once known. */
  statKey: string | null = null;
  bodyBytes = 0;
  /** Called once when the response is complete from the server's side (see markDone). */
  onDone: (() => void) | null = null;
  private done = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly stats: StatsRecorder | null,
  ) {
    res.setHeader('x-amz-request-id', this.requestId);
    res.setHeader('x-amz-id-2', this.hostId);
    res.setHeader('Server', 'AmazonS3');
    res.setHeader(DEV_SERVER_HEADER, 'laion-fmri-explorer read-only S3 dev server (not AWS)');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    res.setHeader('Timing-Allow-Origin', '*');
  }

  get isHead(): boolean {
    return this.req.method === 'HEAD';
  }

  /** Whether the client is gone or the response is over. */
  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /**
   * Writes body bytes, counting them. Resolves when more may be written: at
   * once, or after 'drain' under backpressure, or (with `flush`) once the
   * bytes reached the socket. Also resolves if the client goes away.
   */
  write(chunk: Buffer, flush = false): Promise<void> {
    this.count(chunk.length);
    return new Promise((resolve) => {
      let waiting = true;
      const done = (): void => {
        if (!waiting) return;
        waiting = false;
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      const ok = this.res.write(chunk, flush ? done : undefined);
      if (ok && !flush) {
        done();
        return;
      }
      if (!ok) this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private count(n: number): void {
    this.bodyBytes += n;
    this.stats?.bytes(this.statKey, n);
    const declared = this.res.getHeader('Content-Length');
    if (declared !== undefined && this.bodyBytes >= Number(declared)) this.markDone();
  }

  /**
   * The response is no longer in flight. Called just before its last byte is
   * written (not on 'finish', which can come after the client already read
   * the response and sent its next request), or when the connection is gone.
   */
  markDone(): void {
    if (this.done) return;
    this.done = true;
    this.onDone?.();
  }

  /** Ends the response (the body, if any, was written). */
  end(): Promise<void> {
    this.markDone();
    return new Promise((resolve) => this.res.end(resolve));
  }

  /** Sends a complete response (no body for HEAD). */
  send(status: number, contentType: string | null, body: string | Buffer = ''): void {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.res.statusCode = status;
    if (contentType !== null) this.res.setHeader('Content-Type', contentType);
    if (status !== 304) this.res.setHeader('Content-Length', buf.length);
    if (this.isHead || status === 304 || buf.length === 0) {
      void this.end();
      return;
    }
    this.count(buf.length);
    this.markDone();
    this.res.end(buf);
  }

  sendXml(status: number, xml: string): void {
    this.send(status, 'application/xml', xml);
  }

  /** An S3 error response. HEAD gets the status and headers only, like S3. */
  error(status: number, code: string, message: string, extra: Record<string, string> = {}): void {
    this.sendXml(status, errorXml(code, message, extra, this.requestId, this.hostId));
  }
}
