/** Messages between bench/betas-pass.ts, the page (main.ts) and its worker (worker.ts). */

export type JobKind = 'drain' | 'masked' | 'masked-2threads' | 'parallel' | 'parallel-download' | 'nifti-reader' | 'niivue' | 'export' | 'pump-drain' | 'cursor-drain' | 'fetch-drain';

export interface Job {
  kind: JobKind;
  /** Absolute URL of the .nii.gz on the dev bucket server. */
  url: string;
  /** File name for error messages. */
  name: string;
  /** Trials (4th dim) the file has. */
  volumes: number;
  /**
   * Diagnostic: call gc() (needs --js-flags=--expose-gc) every few chunks or
   * volumes, so the memory peak shows what is live rather than what V8 has
   * not collected yet.
   */
  forceGc?: boolean;
  /**
   * Whether the job's reader paces V8's collector (src/formats/gc-pacer.ts) to the chunks it drops.
   * Default: on where the job runs the app's reader (masked, parallel, export), off for the plain drain.
   */
  pacing?: boolean;
  /** With pacing: the nudge's size per EVERY (1 MiB) dropped (default: the app's, gc-pacer.ts). */
  nudgeBytes?: number;
  /** masked/parallel: where the gathered volumes go: OPFS via the app's BetasWriter (default), or
   *  nowhere (only summed, to check them), like the drain drops its output. */
  sink?: 'opfs' | 'none';
  /** masked/parallel: gather the brain in laion_fmri's C order (as the app's betas cache, the default),
   *  in file order (no scattered writes), or gather nothing (the pass's cost without the gather). */
  order?: 'c' | 'file' | 'none';
  /** parallel: the byte source's ranged GETs in flight (k) and part size (default: the app's). */
  connections?: number;
  /** parallel: inflate on a worker of its own (formats/inflate-offthread.ts), so the pass's thread is free to read the connections. */
  inflaterThread?: boolean;
  partSize?: number;
}

export interface JobOk {
  ok: true;
  /** Wall time of the measured part, ms (fetch start → last byte handled). */
  ms: number;
  /** Inflated bytes the job saw (whole file for drain / peers). */
  inflatedBytes: number;
  /** masked: float64 sum of the output in (trial, gather) order, to check against the generator. */
  outputSum?: number;
  /** masked: bytes of the preallocated T × nBrain float32 output. */
  outputBytes?: number;
  /** parallel: what the byte source did. */
  source?: { parts: number; partSize: number; peakInFlight: number; peakBufferedBytes: number; retries: number; starvedMs: number };
  /** Free-form detail (e.g. what the peer ended up holding). */
  note?: string;
}

export interface JobFailed {
  ok: false;
  error: string;
}

export type JobResult = JobOk | JobFailed;

export function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
