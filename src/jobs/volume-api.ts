/**
 * The volume worker's API: decoded 3-D volumes (from OPFS when cached, else
 * streamed from the bucket) and header-only reads.
 */
import type { LoadProgress } from '../data/remote-nifti.ts';
import type { NiftiHeader } from '../formats/nifti.ts';

export interface LoadVolumeArgs {
  endpoint: string;
  key: string;
  /** ETag from the listing: part of the cache key, so a changed file is never served stale. */
  etag: string;
  expectedSize?: number;
  /** Keep the decoded volume in OPFS (default true). */
  cache?: boolean;
}

export interface LoadedVolume {
  key: string;
  header: NiftiHeader;
  data: Float32Array;
  source: 'network' | 'cache';
  /** Network bytes of this call. */
  bytesFetched: number;
  /** Bytes replayed from a partial download kept by an earlier visit (0 = none). */
  resumedFrom?: number;
  ms: number;
}

export type VolumeApi = {
  loadVolume: { args: LoadVolumeArgs; result: LoadedVolume; progress: LoadProgress };
  readHeader: { args: { endpoint: string; key: string }; result: { header: NiftiHeader; bytesTransferred: number }; progress: never };
};
