/** The betas worker's API: build a session's masked-betas cache, and read rows of it. */
import type { BetasManifest } from '../cache/betas-store.ts';

export interface BuildBetasArgs {
  endpoint: string;
  betasKey: string;
  betasEtag: string;
  expectedSize: number;
  /** The anatomical brain mask (full grid, NIfTI order) and its identity. */
  maskKey: string;
  maskEtag: string;
  brain: Uint8Array;
  dims: [number, number, number];
  /** Rows of the session's trial table: must equal the file's 4th dimension. */
  trials: number;
  /** Ranged GETs in flight and bytes per part (defaults: parallel-source.ts). */
  connections?: number;
  partSize?: number;
  /** Keep the compressed file in OPFS (offline, and a resume after a reload). */
  keepCopy?: boolean;
}

export interface BetasProgress {
  phase: 'stream' | 'transpose';
  bytesFetched: number;
  bytesTotal: number;
  bytesInflated: number;
  volumesDone: number;
  volumes: number;
  /** 0..1 of the transpose step. */
  transposed?: number;
  /** Compressed bytes the decoder has taken (≤ bytesFetched; the difference is buffered). */
  bytesConsumed?: number;
  bufferedBytes?: number;
  connections?: number;
  partSize?: number;
  /** Bytes/s over the last seconds, each over the time it was working (data/link-rates.ts). */
  downloadRate?: number;
  decodeRate?: number;
  bottleneck?: 'download' | 'decode' | null;
  /** Parts asked for again after a drop, stall or 5xx. */
  retries?: number;
  /** Bytes read from this browser's copy of the file instead of the network. */
  bytesFromCopy?: number;
  /** Set at the end of the stream when a copy was asked for or used: 'kept', or why not. */
  offlineCopy?: string;
}

export type BetasApi = {
  lookup: { args: { parts: string[] }; result: BetasManifest | null; progress: never };
  build: { args: BuildBetasArgs; result: BetasManifest & { ms: number }; progress: BetasProgress };
  /** What this browser holds of the compressed file (object-copy.ts). */
  copyStatus: { args: { endpoint: string; key: string; etag: string }; result: { id: string; complete: boolean; stored: number }; progress: never };
  deleteCopy: { args: { id: string }; result: void; progress: never };
  readTrial: { args: { id: string; t: number; nBrain: number }; result: TimedRow; progress: never };
  /** Mean over trials (NaN where a trial is NaN: a failed fit stays visible). */
  meanOfTrials: { args: { id: string; trials: number[]; nBrain: number }; result: TimedRow; progress: never };
  readVoxel: { args: { id: string; v: number; trials: number }; result: TimedRow; progress: never };
  /** Per trial, the mean over several voxels (e.g. an ROI); NaN voxels are left out of each trial's mean. */
  meanOfVoxels: { args: { id: string; voxels: number[]; trials: number }; result: TimedRow; progress: never };
};

/** A row read from OPFS, with how long the read took in the worker (ms). */
export interface TimedRow {
  data: Float32Array;
  ms: number;
}

export function betasEntryParts(a: Pick<BuildBetasArgs, 'endpoint' | 'betasKey' | 'betasEtag' | 'maskKey' | 'maskEtag'>): string[] {
  return ['betas-v1', a.endpoint, a.betasKey, a.betasEtag, a.maskKey, a.maskEtag];
}
