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
}

export type BetasApi = {
  lookup: { args: { parts: string[] }; result: BetasManifest | null; progress: never };
  build: { args: BuildBetasArgs; result: BetasManifest & { ms: number }; progress: BetasProgress };
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
