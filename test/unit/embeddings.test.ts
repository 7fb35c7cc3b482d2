/**
 * Embeddings: the file is read with h5wasm exactly as the worker reads it,
 * rows are joined to images BY NAME (the same vectors in a shuffled row
 * order give the same neighbours), invalid rows never take part, and the
 * coverage of a subject's images is counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { float32ToFloat16Bits, writeHdf5 } from '../../tools/lib/hdf5-writer.ts';
import { readEmbeddingsFile, type H5FileLike } from '../../src/formats/embeddings-h5.ts';
import type { H5wasmModuleLike } from '../../src/formats/hdf5-float16.ts';
import { buildEmbeddingIndex, candidateRows, embeddingCoverage, EmbeddingFileError, nearestNeighbours, type EmbeddingIndex } from '../../src/science/embeddings.ts';

let Module: H5wasmModuleLike;
const dir = mkdtempSync(join(tmpdir(), 'emb-test-'));
let fileNo = 0;

/** Writes an embeddings file (rows in the given order) and reads it back through h5wasm. */
function roundTrip(rows: Array<{ name: string; vec: number[]; valid?: boolean }>): EmbeddingIndex {
  const d = rows[0].vec.length;
  const halves = new Uint16Array(rows.length * d);
  rows.forEach((r, i) => r.vec.forEach((x, j) => (halves[i * d + j] = float32ToFloat16Bits(x))));
  const bytes = writeHdf5([
    { name: 'embedding', type: 'f2', shape: [rows.length, d], data: halves },
    { name: 'image_ids', type: 'vlen-str', values: rows.map((r) => r.name) },
    { name: 'valid', type: 'bool', shape: [rows.length], data: Uint8Array.from(rows, (r) => (r.valid === false ? 0 : 1)) },
  ]);
  const path = join(dir, `e${++fileNo}.h5`);
  writeFileSync(path, bytes);
  const f = new h5wasm.File(path, 'r');
  try {
    return buildEmbeddingIndex(readEmbeddingsFile(Module, f as unknown as H5FileLike, 'task-images_desc-TEST_embeddings.h5'), 'task-images_desc-TEST_embeddings.h5');
  } finally {
    f.close();
  }
}

// Hand-derivable geometry: unit-ish vectors in 3-D (not normalised on purpose; the index normalises).
const ROWS = [
  { name: 'shared_q.jpg', vec: [2, 0, 0] }, // the query: direction (1,0,0)
  { name: 'unique_a.jpg', vec: [3, 3, 0] }, // cos = 1/√2 ≈ 0.7071
  { name: 'unique_b.jpg', vec: [0.5, 0, 0] }, // cos = 1
  { name: 'unique_c.jpg', vec: [0, 0, 4] }, // cos = 0
  { name: 'unique_d.jpg', vec: [-1, 0, 0] }, // cos = −1
  { name: 'unique_e.jpg', vec: [1, 0, 0], valid: false }, // would be cos = 1, but invalid
  { name: 'unique_f.jpg', vec: [3, 0, 4] }, // cos = 3/5 = 0.6
];

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

beforeAll(async () => {
  Module = (await h5wasm.ready) as unknown as H5wasmModuleLike;
});

describe('nearest neighbours by image name', () => {
  it('ranks by cosine similarity, excludes the query and invalid rows', () => {
    const idx = roundTrip(ROWS);
    const nn = nearestNeighbours(idx, 'shared_q.jpg', 10);
    expect(nn.map((n) => n.name)).toEqual(['unique_b.jpg', 'unique_a.jpg', 'unique_f.jpg', 'unique_c.jpg', 'unique_d.jpg']);
    expect(nn[0].similarity).toBeCloseTo(1, 3);
    expect(nn[1].similarity).toBeCloseTo(Math.SQRT1_2, 3);
    expect(nn[2].similarity).toBeCloseTo(0.6, 3);
    expect(nn[3].similarity).toBeCloseTo(0, 3);
    expect(nn[4].similarity).toBeCloseTo(-1, 3);
    expect(idx.unusableCount).toBe(1);
  });

  it('gives the same answer whatever the row order of the file (join by name, never by row)', () => {
    const reference = nearestNeighbours(roundTrip(ROWS), 'shared_q.jpg', 3);
    for (const seed of [1, 2, 3, 4, 5]) {
      const order = shuffled(ROWS, seed);
      expect(order.map((r) => r.name)).not.toEqual(ROWS.map((r) => r.name));
      const idx = roundTrip(order);
      expect(idx.names).toEqual(order.map((r) => r.name));
      expect(nearestNeighbours(idx, 'shared_q.jpg', 3)).toEqual(reference);
      // A row-join bug would pair the query with whatever sits in row 0.
      expect(nearestNeighbours(idx, 'unique_c.jpg', 1)[0].name).toBe('unique_f.jpg'); // cos = 0.8
    }
  });

  it('keeps only the k best', () => {
    const idx = roundTrip(shuffled(ROWS, 9));
    expect(nearestNeighbours(idx, 'shared_q.jpg', 2).map((n) => n.name)).toEqual(['unique_b.jpg', 'unique_a.jpg']);
    expect(nearestNeighbours(idx, 'shared_q.jpg', 0)).toEqual([]);
  });

  it('restricts candidates to a list of names (unknown and invalid names dropped)', () => {
    const idx = roundTrip(shuffled(ROWS, 3));
    const rows = candidateRows(idx, ['unique_a.jpg', 'unique_d.jpg', 'unique_e.jpg', 'not_in_file.jpg', 'unique_a.jpg']);
    expect(rows.length).toBe(2);
    expect(nearestNeighbours(idx, 'shared_q.jpg', 10, rows).map((n) => n.name)).toEqual(['unique_a.jpg', 'unique_d.jpg']);
  });

  it('names the file when the query has no vector or an invalid one', () => {
    const idx = roundTrip(ROWS);
    expect(() => nearestNeighbours(idx, 'missing.jpg', 3)).toThrow(/task-images_desc-TEST_embeddings\.h5: has no vector for 'missing\.jpg'/);
    expect(() => nearestNeighbours(idx, 'unique_e.jpg', 3)).toThrow(/not valid/);
  });
});

describe('coverage of a subject\'s images', () => {
  it('counts missing and invalid names once each', () => {
    const idx = roundTrip(shuffled(ROWS, 7));
    const c = embeddingCoverage(idx, ['shared_q.jpg', 'unique_a.jpg', 'gone_1.jpg', 'gone_2.jpg', 'gone_1.jpg', 'unique_e.jpg']);
    expect(c).toEqual({ total: 5, missing: ['gone_1.jpg', 'gone_2.jpg'], unusable: ['unique_e.jpg'] });
  });
});

describe('bad files', () => {
  it('refuses duplicate image ids and datasets of different lengths', () => {
    expect(() => buildEmbeddingIndex({ ids: ['a', 'b', 'a'], valid: [1, 1, 1], vectors: new Float32Array(6), dim: 2 }, 'x.h5')).toThrow(EmbeddingFileError);
    expect(() => buildEmbeddingIndex({ ids: ['a', 'b'], valid: [1, 1], vectors: new Float32Array(6), dim: 2 }, 'x.h5')).toThrow(/'embedding' has 3 rows but 'image_ids' has 2/);
    expect(() => buildEmbeddingIndex({ ids: ['a', 'b'], valid: [1], vectors: new Float32Array(4), dim: 2 }, 'x.h5')).toThrow(/'valid' has 1 entries/);
  });

  it('a zero vector marked valid takes no part (cosine is undefined)', () => {
    const idx = buildEmbeddingIndex({ ids: ['a', 'b', 'c'], valid: [1, 1, 1], vectors: Float32Array.from([1, 0, 0, 0, 0, 1]), dim: 2 }, 'x.h5');
    expect(idx.unusableCount).toBe(1);
    expect(nearestNeighbours(idx, 'a', 5).map((n) => n.name)).toEqual(['c']);
  });

  it('a file without image_ids is named', () => {
    const bytes = writeHdf5([{ name: 'embedding', type: 'f2', shape: [1, 2], data: new Uint16Array(2) }]);
    const path = join(dir, 'broken.h5');
    writeFileSync(path, bytes);
    const f = new h5wasm.File(path, 'r');
    try {
      expect(() => readEmbeddingsFile(Module, f as unknown as H5FileLike, 'broken.h5')).toThrow(/broken\.h5: has no 'image_ids' dataset/);
    } finally {
      f.close();
    }
  });
});
