/** The embeddings worker's API: load a model's file once, then coverage and nearest neighbours by image name. */
import type { Neighbour } from '../science/embeddings.ts';

export interface LoadEmbeddingsArgs {
  endpoint: string;
  key: string;
}

export interface EmbeddingsProgress {
  phase: 'fetch' | 'decode';
  bytesFetched: number;
  bytesTotal: number;
}

export interface EmbeddingsInfo {
  key: string;
  etag: string;
  n: number;
  dim: number;
  /** Rows flagged valid == false (or with an empty vector). */
  unusable: number;
  /** Bytes moved over the network (0 when the file came from the browser's storage). */
  bytesFetched: number;
  size: number;
  source: 'network' | 'cache';
  ms: number;
}

export interface CoverageResult {
  fileName: string;
  total: number;
  missingCount: number;
  /** The first few missing names (for the message). */
  missing: string[];
  unusableCount: number;
  unusable: string[];
}

export interface NeighboursArgs {
  endpoint: string;
  key: string;
  image: string;
  k: number;
  /** Restrict candidates to these images (e.g. the subject's); `id` names the list so the worker resolves it once. */
  restrict: { id: string; names: string[] } | null;
}

export type EmbeddingsApi = {
  load: { args: LoadEmbeddingsArgs; result: EmbeddingsInfo; progress: EmbeddingsProgress };
  coverage: { args: { endpoint: string; key: string; names: string[] }; result: CoverageResult; progress: never };
  neighbours: { args: NeighboursArgs; result: { neighbours: Neighbour[]; candidates: number; ms: number }; progress: never };
};
