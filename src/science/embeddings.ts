/**
 * Image embeddings (`stimuli/task-images_desc-{model}_embeddings.h5`,
 * bucket-layout.md §6): `embedding` (N, D) float16, `image_ids` (N,) names,
 * `valid` (N,) bool. Rows are joined to images BY NAME, never by row: the
 * files' row order is not the metadata CSV's order.
 *
 * The index keeps every valid row L2-normalised in float32, so cosine
 * similarity is one dot product per candidate (bench/embeddings-nn.ts
 * measures this against a plain float32 dot-product loop and against
 * decoding float16 through a lookup table on every query).
 *
 * Pure: no DOM, no fetch. Runs in the embeddings worker and in Node tests.
 */

/** What the file holds, as read: the float16 vectors decoded to float32, row-major N × D. */
export interface RawEmbeddings {
  ids: readonly string[];
  valid: ArrayLike<number>;
  /** Taken over by the index (normalised in place). */
  vectors: Float32Array;
  dim: number;
}

export interface EmbeddingIndex {
  /** The file the vectors came from (for messages). */
  fileName: string;
  n: number;
  dim: number;
  names: readonly string[];
  rowOf: ReadonlyMap<string, number>;
  /** 1 where the row takes part: `valid` is true and the vector has a finite, nonzero norm. */
  usable: Uint8Array;
  /** N × D unit vectors (rows that are not usable are left zero). */
  unit: Float32Array;
  /** Rows with valid == false (or a zero / non-finite vector). */
  unusableCount: number;
}

export class EmbeddingFileError extends Error {
  constructor(
    readonly fileName: string,
    fault: string,
  ) {
    super(`${fileName}: ${fault}`);
    this.name = 'EmbeddingFileError';
  }
}

/** Decodes and normalises a file's vectors; checks that its three datasets agree. */
export function buildEmbeddingIndex(raw: RawEmbeddings, fileName: string): EmbeddingIndex {
  const n = raw.ids.length;
  const d = raw.dim;
  if (!Number.isInteger(d) || d <= 0) throw new EmbeddingFileError(fileName, `the embedding width is ${d}; expected a positive number of columns.`);
  if (raw.vectors.length !== n * d) {
    throw new EmbeddingFileError(fileName, `'embedding' has ${raw.vectors.length / d} rows but 'image_ids' has ${n}: rows cannot be matched to images.`);
  }
  if (raw.valid.length !== n) throw new EmbeddingFileError(fileName, `'valid' has ${raw.valid.length} entries but 'image_ids' has ${n}.`);
  const rowOf = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const name = raw.ids[r];
    if (rowOf.has(name)) throw new EmbeddingFileError(fileName, `image '${name}' appears twice in 'image_ids' (rows ${rowOf.get(name)} and ${r}).`);
    rowOf.set(name, r);
  }
  const unit = raw.vectors;
  const usable = new Uint8Array(n);
  let unusableCount = 0;
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += unit[o + j] * unit[o + j];
    const ok = raw.valid[r] !== 0 && Number.isFinite(ss) && ss > 0;
    if (!ok) {
      unit.fill(0, o, o + d);
      unusableCount++;
      continue;
    }
    usable[r] = 1;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < d; j++) unit[o + j] *= inv;
  }
  return { fileName, n, dim: d, names: raw.ids, rowOf, usable, unit, unusableCount };
}

export interface Coverage {
  /** How many names were asked about. */
  total: number;
  /** Names the file has no row for. */
  missing: string[];
  /** Names whose row is flagged invalid (or empty). */
  unusable: string[];
}

/** Which of `names` the file can answer for (a subject's images, say). */
export function embeddingCoverage(index: EmbeddingIndex, names: Iterable<string>): Coverage {
  const seen = new Set<string>();
  const missing: string[] = [];
  const unusable: string[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const r = index.rowOf.get(name);
    if (r === undefined) missing.push(name);
    else if (!index.usable[r]) unusable.push(name);
  }
  return { total: seen.size, missing, unusable };
}

/** Rows of the named images that take part (unknown and unusable names dropped). */
export function candidateRows(index: EmbeddingIndex, names: Iterable<string>): Int32Array {
  const rows = new Set<number>();
  for (const name of names) {
    const r = index.rowOf.get(name);
    if (r !== undefined && index.usable[r]) rows.add(r);
  }
  return Int32Array.from([...rows].sort((a, b) => a - b));
}

export interface Neighbour {
  name: string;
  /** Cosine similarity, −1..1. */
  similarity: number;
}

/**
 * The k images most similar (cosine) to `query`, best first, the query
 * itself excluded. `candidates` (rows from `candidateRows`) restricts the
 * search; null searches every usable row. Ties keep the lower row first.
 */
export function nearestNeighbours(index: EmbeddingIndex, query: string, k: number, candidates: Int32Array | null = null): Neighbour[] {
  const q = index.rowOf.get(query);
  if (q === undefined) throw new EmbeddingFileError(index.fileName, `has no vector for '${query}'.`);
  if (!index.usable[q]) throw new EmbeddingFileError(index.fileName, `marks the vector of '${query}' as not valid: it has no neighbours in this model.`);
  const { unit, dim, usable } = index;
  const kk = Math.max(0, Math.floor(k));
  if (kk === 0) return [];
  const rows = candidates ?? allRows(index);
  // Pass 1: every score, in a tight loop (4 accumulators: independent multiply-adds pipeline well).
  const scores = cosineScores(unit, dim, q, rows);
  // Pass 2: top-k kept sorted descending in two small arrays (k is tiny next to N).
  const bestSim = new Float64Array(kk).fill(-Infinity);
  const bestRow = new Int32Array(kk).fill(-1);
  let filled = 0;
  for (let c = 0; c < rows.length; c++) {
    const r = rows[c];
    const s = scores[c];
    if (r === q || !usable[r]) continue;
    if (filled === kk && s <= bestSim[kk - 1]) continue;
    let i = filled < kk ? filled++ : kk - 1;
    while (i > 0 && bestSim[i - 1] < s) {
      bestSim[i] = bestSim[i - 1];
      bestRow[i] = bestRow[i - 1];
      i--;
    }
    bestSim[i] = s;
    bestRow[i] = r;
  }
  const out: Neighbour[] = [];
  for (let i = 0; i < filled; i++) out.push({ name: index.names[bestRow[i]], similarity: Math.max(-1, Math.min(1, bestSim[i])) });
  return out;
}

const allRowsCache = new WeakMap<EmbeddingIndex, Int32Array>();
function allRows(index: EmbeddingIndex): Int32Array {
  let rows = allRowsCache.get(index);
  if (!rows) allRowsCache.set(index, (rows = Int32Array.from({ length: index.n }, (_, r) => r)));
  return rows;
}

/** Dot products of row `q` with each of `rows` (unit vectors, so cosine similarities). */
export function cosineScores(unit: Float32Array, dim: number, q: number, rows: Int32Array): Float32Array {
  const scores = new Float32Array(rows.length);
  // The query in its own small array: the inner loop then reads one large and one cache-resident array.
  const qv = unit.slice(q * dim, (q + 1) * dim);
  const d4 = dim - (dim % 4);
  for (let c = 0; c < rows.length; c++) {
    const o = rows[c] * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      s0 += qv[j] * unit[o + j];
      s1 += qv[j + 1] * unit[o + j + 1];
      s2 += qv[j + 2] * unit[o + j + 2];
      s3 += qv[j + 3] * unit[o + j + 3];
    }
    for (; j < dim; j++) s0 += qv[j] * unit[o + j];
    scores[c] = s0 + s1 + s2 + s3;
  }
  return scores;
}
