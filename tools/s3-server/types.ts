/**
 * Public types of the read-only S3-compatible dev server. `server.ts`
 * re-exports all of them; import from there.
 */

/**
 * One deny rule of the bucket policy: a GET/HEAD of a key that matches
 * `pattern` and does not match `except` is answered 403 AccessDenied.
 * Strings are regular-expression sources (`new RegExp(s)`), tested against the
 * whole key (no leading slash). Denied keys still appear in listings.
 */
export interface DenyRule {
  pattern: RegExp | string;
  except?: RegExp | string;
}

/**
 * Faults to inject, off by default. Unless `scope` says otherwise they apply
 * to object GET and HEAD requests whose key matches `match`;
 * `listingMalformed` applies to ListObjectsV2 requests (matched on `prefix`).
 */
export interface Faults {
  /** Regular expression (source) tested against the key; default: every key. */
  match?: string;
  /** Delay before the response headers, in milliseconds. */
  latencyMs?: number;
  /** Body bytes per second, per response, paced in slices of ~20 ms. */
  bandwidthBytesPerSec?: number;
  /** Destroy the socket after N body bytes of a GET have been flushed. */
  dropAfterBytes?: number;
  /** Fraction 0..1 of matching requests answered 503 SlowDown or 500 InternalError. */
  errorRate?: number;
  /** Seed of the errorRate decisions (which are a pure function of seed, key and attempt number). */
  seed?: number;
  /** Serve the object as if it had only its first N bytes (a truncated upload). */
  truncateTo?: number;
  /** Flip all bits of the object byte at this offset in every GET body that covers it. */
  corruptByteAt?: number;
  /** Answer 200 with the whole body even when a Range was asked. */
  ignoreRange?: boolean;
  /** Answer a Range with a Content-Range and body shifted by one byte. */
  wrongContentRange?: boolean;
  /** Apply only to the first N matching requests, then behave normally. */
  times?: number;
  /** Answer ListObjectsV2 with a truncated XML body. */
  listingMalformed?: boolean;
  /**
   * Extension: which requests latency/bandwidth/errorRate apply to.
   * 'objects' (default): object GET/HEAD; 'listings': ListObjectsV2 only; 'all': both.
   */
  scope?: 'objects' | 'listings' | 'all';
}

export interface KeyStats {
  requests: number;
  bytesSent: number;
  /** The last 1000 Range headers asked of this key, oldest first. */
  ranges: string[];
}

export interface ServerStats {
  /** Requests answered (admin requests excluded). */
  requests: number;
  /** Response body bytes written (listings, errors and objects). */
  bytesSent: number;
  /** Object GET/HEAD requests and their body bytes, by key. */
  byKey: Record<string, KeyStats>;
  /** The last 1000 Range headers of object requests, oldest first. */
  ranges: string[];
  /** Peak number of responses in flight at the same time. */
  maxConcurrent: number;
}

export interface BucketServerOptions {
  /** Bucket name -> root folder. The CLI default is { 'laion-fmri': 'demo-data/laion-fmri' }. */
  buckets?: Record<string, string>;
  /**
   * Bucket name -> upstream bucket base URL, virtual-host style
   * (`https://laion-fmri.s3.us-west-2.amazonaws.com`) or path style
   * (`http://127.0.0.1:9001/laion-fmri`). Such a bucket is proxied: anonymous
   * GET/HEAD of objects and bucket-level GETs are forwarded, with CORS added.
   * A name is either a local bucket or an upstream, not both.
   */
  upstreams?: Record<string, string>;
  /** Deny rules the proxy itself applies to upstream buckets. Default [] (the upstream enforces its own policy). */
  upstreamDeny?: DenyRule[] | 'laion-fmri';
  /** Milliseconds to wait for an upstream's response headers before answering 502 (default 30000). */
  upstreamTimeoutMs?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9000; 0 = any free port. */
  port?: number;
  /** Local buckets' policy. Default 'laion-fmri' (the real bucket policy); [] disables denial. */
  deny?: DenyRule[] | 'laion-fmri';
  /** Off by default. */
  faults?: Faults;
  /** Enable the /__admin endpoints (default false). */
  admin?: boolean;
  /** Called with one line per answered request. */
  log?: (line: string) => void;
}

export interface BucketServer {
  /** The endpoint without a bucket, e.g. `http://127.0.0.1:9000`; objects are at `${url}/${bucket}/${key}`. */
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Faults | null): void;
  stats(): ServerStats;
  resetStats(): void;
}
