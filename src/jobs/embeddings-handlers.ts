/**
 * Worker side of EmbeddingsApi. Each model's file is fetched once (its bytes
 * kept in OPFS under its ETag, so a changed file is fetched again), opened
 * with h5wasm, decoded and normalised into an EmbeddingIndex that stays in
 * this worker; the UI only sends names and gets names back.
 */
import h5wasm from 'h5wasm';
import { S3Client } from '../data/s3/client.ts';
import { parallelObjectStream } from '../data/parallel-source.ts';
import { DataError } from '../data/errors.ts';
import { OpfsStore, opfsAvailable } from '../cache/opfs-store.ts';
import { readEmbeddingsFile, type H5FileLike } from '../formats/embeddings-h5.ts';
import type { H5wasmModuleLike } from '../formats/hdf5-float16.ts';
import { buildEmbeddingIndex, candidateRows, embeddingCoverage, EmbeddingFileError, nearestNeighbours, type EmbeddingIndex } from '../science/embeddings.ts';
import type { Handlers, JobContext } from './rpc.ts';
import type { EmbeddingsApi, EmbeddingsInfo, EmbeddingsProgress } from './embeddings-api.ts';

const KIND = 'embeddings-h5';
/** Indexes kept at once (a full-size SigLIP2 index is ~115 MB of float32). */
const MAX_INDEXES = 2;

const clients = new Map<string, S3Client>();
const client = (e: string) => clients.get(e) ?? (clients.set(e, new S3Client(e)), clients.get(e)!);

let store: Promise<OpfsStore | null> | null = null;
const getStore = () => (store ??= opfsAvailable() ? OpfsStore.open().catch(() => null) : Promise.resolve(null));

interface Loaded {
  info: EmbeddingsInfo;
  index: EmbeddingIndex;
  restricted: Map<string, Int32Array>;
}
const loaded = new Map<string, Promise<Loaded>>();
const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

async function fetchBytes(endpoint: string, key: string, etag: string, size: number, ctx: JobContext<EmbeddingsProgress>): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  let last = 0;
  const body = parallelObjectStream(client(endpoint), key, {
    etag,
    size,
    signal: ctx.signal,
    onDownloaded: () => {
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        ctx.progress({ phase: 'fetch', bytesFetched: at, bytesTotal: size });
      }
    },
  }).stream;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > size) throw new DataError('corrupt', key, `${key} sent more bytes than its listed size (${size}).`);
    out.set(value, at);
    at += value.length;
  }
  if (at !== size) throw new DataError('corrupt', key, `${key} ended after ${at} of ${size} bytes.`);
  ctx.progress({ phase: 'fetch', bytesFetched: at, bytesTotal: size });
  return out;
}

let seq = 0;
async function openIndex(bytes: Uint8Array, key: string): Promise<EmbeddingIndex> {
  const Module = await h5wasm.ready;
  const path = `/embeddings-${++seq}.h5`;
  Module.FS.writeFile(path, bytes);
  let file: InstanceType<typeof h5wasm.File> | null = null;
  try {
    try {
      file = new h5wasm.File(path, 'r');
    } catch (e) {
      throw new DataError('corrupt', key, `${key} is not a readable HDF5 file (${e instanceof Error ? e.message : String(e)}).`, { hint: 'Retry; if it persists, the file on the server is damaged.' });
    }
    const raw = readEmbeddingsFile(Module as unknown as H5wasmModuleLike, file as unknown as H5FileLike, fileName(key));
    return buildEmbeddingIndex(raw, fileName(key));
  } catch (e) {
    if (e instanceof EmbeddingFileError) throw new DataError('corrupt', key, e.message.replace(e.fileName, key));
    if (e instanceof DataError) throw e;
    // h5wasm may open a damaged file and fail only when a dataset is read, with its own wording.
    throw new DataError('corrupt', key, `${key} is not a readable HDF5 file (${e instanceof Error ? e.message : String(e)}).`, { hint: 'Retry; if it persists, the file on the server is damaged.' });
  } finally {
    file?.close();
    try {
      Module.FS.unlink(path);
    } catch {
      /* already gone */
    }
  }
}

async function load(endpoint: string, key: string, ctx: JobContext<EmbeddingsProgress>): Promise<Loaded> {
  const t0 = performance.now();
  const head = await client(endpoint).head(key, ctx.signal);
  const s = await getStore();
  const id = s ? await OpfsStore.entryId(KIND, endpoint, key, head.etag) : '';
  let bytes: Uint8Array | null = null;
  let source: 'cache' | 'network' = 'cache';
  if (s) {
    const hit = await s.get(id);
    if (hit) bytes = new Uint8Array(await hit.file.arrayBuffer());
  }
  if (!bytes) {
    source = 'network';
    ctx.progress({ phase: 'fetch', bytesFetched: 0, bytesTotal: head.size });
    bytes = await fetchBytes(endpoint, key, head.etag, head.size, ctx);
  }
  ctx.progress({ phase: 'decode', bytesFetched: head.size, bytesTotal: head.size });
  let index: EmbeddingIndex;
  try {
    index = await openIndex(bytes, key);
  } catch (e) {
    if (s && source === 'cache') await s.delete(id); // a damaged copy is never read back twice
    throw e;
  }
  if (s && source === 'network') {
    await s.put({ id, kind: KIND, endpoint, key, etag: head.etag }, bytes).catch((e: unknown) => console.warn(`not cached: ${e instanceof Error ? e.message : String(e)}`));
  }
  const info: EmbeddingsInfo = {
    key,
    etag: head.etag,
    n: index.n,
    dim: index.dim,
    unusable: index.unusableCount,
    bytesFetched: source === 'network' ? head.size : 0,
    size: head.size,
    source,
    ms: performance.now() - t0,
  };
  return { info, index, restricted: new Map() };
}

function getLoaded(endpoint: string, key: string, ctx: JobContext<EmbeddingsProgress>): Promise<Loaded> {
  const k = `${endpoint}|${key}`;
  let p = loaded.get(k);
  if (!p) {
    p = load(endpoint, key, ctx);
    loaded.set(k, p);
    p.catch(() => loaded.delete(k));
    while (loaded.size > MAX_INDEXES) loaded.delete(loaded.keys().next().value!);
  } else {
    // Most recently used last.
    loaded.delete(k);
    loaded.set(k, p);
  }
  return p;
}

const quiet = (ctx: JobContext<never>): JobContext<EmbeddingsProgress> => ({ ...ctx, progress: () => undefined });

export const embeddingsHandlers: Handlers<EmbeddingsApi> = {
  async load({ endpoint, key }, ctx) {
    return (await getLoaded(endpoint, key, ctx)).info;
  },

  async coverage({ endpoint, key, names }, ctx) {
    const { index } = await getLoaded(endpoint, key, quiet(ctx));
    const c = embeddingCoverage(index, names);
    return { fileName: key, total: c.total, missingCount: c.missing.length, missing: c.missing.slice(0, 5), unusableCount: c.unusable.length, unusable: c.unusable.slice(0, 5) };
  },

  async neighbours({ endpoint, key, image, k, restrict }, ctx) {
    const l = await getLoaded(endpoint, key, quiet(ctx));
    const t0 = performance.now();
    let rows: Int32Array | null = null;
    if (restrict) {
      rows = l.restricted.get(restrict.id) ?? null;
      if (!rows) l.restricted.set(restrict.id, (rows = candidateRows(l.index, restrict.names)));
    }
    let neighbours;
    try {
      neighbours = nearestNeighbours(l.index, image, k, rows);
    } catch (e) {
      if (e instanceof EmbeddingFileError) throw new DataError('not-found', key, e.message.replace(e.fileName, key));
      throw e;
    }
    return { neighbours, candidates: rows ? rows.length : l.index.n - l.index.unusableCount, ms: performance.now() - t0 };
  },
};
