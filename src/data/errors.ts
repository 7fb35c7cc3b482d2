/**
 * Typed errors that carry a sentence a researcher understands, naming the
 * file (or endpoint) and the fault. Every layer throws these; views show
 * `error.message` and, where present, `error.hint`.
 */

export type DataErrorKind =
  | 'network'
  | 'not-s3'
  | 'access-denied'
  | 'held-out'
  | 'gated'
  | 'not-found'
  | 'bad-request'
  | 'server'
  | 'malformed'
  | 'corrupt'
  | 'aborted'
  | 'changed'
  | 'quota'
  | 'too-large'
  | 'mismatch';

export class DataError extends Error {
  readonly kind: DataErrorKind;
  /** The bucket key or URL the error is about. */
  readonly subject: string;
  /** What the user can do about it, when there is something. */
  readonly hint?: string;
  /** HTTP status when the error came from a response. */
  readonly status?: number;

  constructor(kind: DataErrorKind, subject: string, message: string, opts: { hint?: string; status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DataError';
    this.kind = kind;
    this.subject = subject;
    this.hint = opts.hint;
    this.status = opts.status;
  }
}

/** A session the bucket lists but whose objects the bucket policy denies (ses-31..34). */
export class HeldOutSessionError extends DataError {
  constructor(key: string) {
    super('held-out', key, `${key} belongs to a held-out session: the bucket lists it but does not make it public (403 Access Denied).`, {
      status: 403,
      hint: 'Sessions ses-31 to ses-34 are held out of the public release; choose one of ses-01 to ses-30.',
    });
    this.name = 'HeldOutSessionError';
  }
}

/** The DUA-gated stimuli archive (bucket-layout.md §1, §11). */
export class GatedObjectError extends DataError {
  constructor(key: string) {
    super('gated', key, `${key} is gated by the LAION-fMRI Data Use Agreement: anonymous reads are refused (403).`, {
      status: 403,
      hint: 'Request access at laion-fmri.hebartlab.com, download task-images_stimuli.h5, then open your copy from disk.',
    });
    this.name = 'GatedObjectError';
  }
}

export class AbortedError extends DataError {
  constructor(subject: string) {
    super('aborted', subject, `Cancelled: ${subject}`);
    this.name = 'AbortedError';
  }
}

export function isAbortError(e: unknown): boolean {
  return (e instanceof DataError && e.kind === 'aborted') || (e instanceof DOMException && e.name === 'AbortError');
}

/** Human-readable byte count (1.1 GB, 340 kB, 12 B), SI units like S3 consoles. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}
