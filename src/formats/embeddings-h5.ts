/**
 * Reads an embeddings HDF5 file (bucket-layout.md §6) through h5wasm:
 * `embedding` (N, D) float16, `image_ids` (N,) variable-length strings
 * (h5py writes them as bytes; h5wasm gives JS strings), `valid` (N,) bool
 * (h5py stores it as an enum over int8). Works with `h5wasm` (worker) and
 * `h5wasm/node` (tests, bench): pass the resolved module and an open file.
 */
import { readFloat16Dataset, type H5wasmFileLike, type H5wasmModuleLike } from './hdf5-float16.ts';
import { EmbeddingFileError, type RawEmbeddings } from '../science/embeddings.ts';

/** The parts of an open `h5wasm.File` used here. */
export interface H5FileLike extends H5wasmFileLike {
  keys(): string[];
  get(path: string): unknown;
}

interface DatasetLike {
  shape: number[] | null;
  value: unknown;
}

function dataset(file: H5FileLike, name: string, fileName: string): DatasetLike {
  if (!file.keys().includes(name)) {
    throw new EmbeddingFileError(fileName, `has no '${name}' dataset (it has ${file.keys().map((k) => `'${k}'`).join(', ') || 'none'}); an embeddings file holds 'embedding', 'image_ids' and 'valid'.`);
  }
  const d = file.get(name) as DatasetLike | null;
  if (!d || !('shape' in d)) throw new EmbeddingFileError(fileName, `'${name}' is not a dataset.`);
  return d;
}

export function readEmbeddingsFile(module: H5wasmModuleLike, file: H5FileLike, fileName: string): RawEmbeddings {
  const idsDs = dataset(file, 'image_ids', fileName);
  const validDs = dataset(file, 'valid', fileName);
  dataset(file, 'embedding', fileName);
  const idsValue = idsDs.value;
  if (!Array.isArray(idsValue)) throw new EmbeddingFileError(fileName, `'image_ids' does not hold strings.`);
  const decoder = new TextDecoder();
  const ids = idsValue.map((v: unknown) => (typeof v === 'string' ? v : v instanceof Uint8Array ? decoder.decode(v) : String(v)));
  const validValue = validDs.value;
  let valid: ArrayLike<number>;
  if (ArrayBuffer.isView(validValue) && !(validValue instanceof DataView)) valid = validValue as unknown as ArrayLike<number>;
  else if (Array.isArray(validValue)) valid = validValue.map((x) => (x ? 1 : 0));
  else throw new EmbeddingFileError(fileName, `'valid' is not a boolean array.`);
  let emb: { shape: number[]; data: Float32Array };
  try {
    emb = readFloat16Dataset(module, file, 'embedding');
  } catch (e) {
    throw new EmbeddingFileError(fileName, e instanceof Error ? e.message : String(e));
  }
  if (emb.shape.length !== 2) throw new EmbeddingFileError(fileName, `'embedding' is ${emb.shape.length}-D; expected (images × dimensions).`);
  return { ids, valid, vectors: emb.data, dim: emb.shape[1] };
}
