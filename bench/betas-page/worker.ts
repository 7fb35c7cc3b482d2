/**
 * Module worker of the betas benchmark page: runs one job per worker and
 * posts a JobResult back. Jobs:
 *   drain        — fetch + DecompressionStream, output discarded (the floor);
 *   masked       — fetch → maybeGunzip → maskedPass gathering the brain and
 *                  writing it to OPFS with the app's BetasWriter (issue 4's pass);
 *   masked-2threads — the same with the inflater in a worker of its own;
 *   parallel     — the same pass reading from the app's parallel ranged byte
 *                  source (k GETs in flight; issue 8);
 *   nifti-reader — nifti-reader-js: whole file, decompress(), readImage().
 *   export       — issue 6's export of the whole brain straight from the file: the app's
 *                  export handler (masked pass → betas.npy rows → streaming zip → OPFS).
 */
import { exportHandlers } from '../../src/jobs/export-handlers.ts';
import { npyByteLength, npyHeader } from '../../src/formats/npy.ts';
import { maskedPass } from '../../src/formats/masked-pass.ts';
import { BetasWriter } from '../../src/cache/betas-store.ts';
import { parallelObjectStream, type ParallelSourceStats } from '../../src/data/parallel-source.ts';
import { S3Client } from '../../src/data/s3/client.ts';
import { maybeGunzip, StreamCursor } from '../../src/formats/nifti-stream.ts';
import { brainIndices, brainIndicesCOrder, DIMS } from './brain.ts';
import { paceDropped, setPacing } from '../../src/formats/gc-pacer.ts';
import { errorText, type Job, type JobOk, type JobResult } from './protocol.ts';

interface WorkerScope {
  onmessage: ((e: MessageEvent<Job>) => void) | null;
  postMessage(message: JobResult): void;
}
const scope = self as unknown as WorkerScope;
/** gc() exists only when Chromium runs with --js-flags=--expose-gc. */
const forceGc = (): void => (self as unknown as { gc?: () => void }).gc?.();

async function open(url: string): Promise<ReadableStream<Uint8Array>> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.body;
}

/**
 * Reads a stream to its end and drops what it reads, as the floor and the
 * breakdown jobs do. `each` runs per chunk with the chunk's count and size
 * (the gc() diagnostic, the paced drain).
 */
async function drainStream(stream: ReadableStream<Uint8Array>, each?: (chunk: number, bytes: number) => void): Promise<{ bytes: number; chunks: number }> {
  const reader = stream.getReader();
  let bytes = 0;
  let chunks = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { bytes, chunks };
    bytes += value.byteLength;
    chunks++;
    each?.(chunks, value.byteLength);
  }
}

async function drain(job: Job): Promise<JobOk> {
  const t0 = performance.now();
  const body = await open(job.url);
  const inflated = body.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  const { bytes } = await drainStream(inflated, job.forceGc ? (n) => n % 16 === 0 && forceGc() : job.pacing ? (_, size) => paceDropped(size) : undefined);
  return { ok: true, ms: performance.now() - t0, inflatedBytes: bytes };
}

/**
 * The app's masked pass over a byte source, writing each volume's brain
 * voxels to OPFS with the app's BetasWriter (as the app does), so memory does
 * not grow with the trial count. `open` is timed (it is part of the download).
 * The float64 sum of the output is taken as the volumes pass, to check them.
 */
async function maskedOver(job: Job, open: () => Promise<ReadableStream<Uint8Array>>, oneThread = false): Promise<JobOk> {
  // Set-up the app has done before a pass starts: the mask and the output file.
  const gather = job.order === 'file' ? brainIndices() : job.order === 'none' ? new Uint32Array(0) : brainIndicesCOrder();
  const nBrain = gather.length;
  const id = `bench-${Math.random().toString(36).slice(2)}`;
  const writer = job.sink === 'none' ? null : await BetasWriter.create({ id, endpoint: 'bench', betasKey: job.name, betasEtag: '', maskKey: 'bench', maskEtag: '', dims: [...DIMS], trials: job.volumes, nBrain });
  let inflated = 0;
  let seen = 0;
  let sum = 0;
  try {
    const t0 = performance.now();
    const body = await open();
    await maskedPass(await maybeGunzip(body, { inflater: oneThread ? undefined : newInflater }), job.name, {
      gather,
      expectedVolumes: job.volumes,
      expectedDims: DIMS,
      onVolume(t, values) {
        if (values.length !== nBrain) throw new Error(`onVolume(${t}) got ${values.length} values, expected ${nBrain}`);
        writer?.writeTrial(t, values);
        sum = addUp(sum, values);
        seen++;
        if (job.forceGc && t % 2 === 1) forceGc();
      },
      onProgress(p) {
        inflated = p.bytesInflated;
      },
    });
    const ms = performance.now() - t0;
    if (seen !== job.volumes) throw new Error(`onVolume was called ${seen} times, expected ${job.volumes}`);
    return { ok: true, ms, inflatedBytes: inflated, outputSum: sum, outputBytes: job.volumes * nBrain * 4 };
  } finally {
    await writer?.abort(); // deletes the rows: the next run starts from an empty OPFS
  }
}

/** The checksum's share of a volume (a plain function: a closure's `+=` would cost the pass ~10 %). */
function addUp(acc: number, values: Float32Array): number {
  let s = acc;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

const newInflater = () => new Worker(new URL('../../workers/inflate.worker.ts', import.meta.url), { type: 'module' });
/** As the app: the inflater and the gather on one thread, taking turns. */
const masked = (job: Job) => maskedOver(job, () => open(job.url), true);
/** For comparison: the inflater on a thread of its own (formats/inflate-offthread.ts). */
const maskedTwoThreads = (job: Job) => maskedOver(job, () => open(job.url));

/** The app's parallel ranged byte source over the job's object (size and ETag from a HEAD, as the app has them from the listing: set-up, not timed). */
async function parallelSource(job: Job): Promise<() => ReturnType<typeof parallelObjectStream>> {
  const cut = job.url.lastIndexOf('/');
  const client = new S3Client(job.url.slice(0, cut));
  const key = decodeURIComponent(job.url.slice(cut + 1));
  const head = await client.head(key);
  return () => parallelObjectStream(client, key, { etag: head.etag, size: head.size, concurrency: job.connections, partSize: job.partSize });
}

const sourceStats = (s: ParallelSourceStats): JobOk['source'] => ({ parts: s.parts, partSize: s.partSize, peakInFlight: s.peakInFlight, peakBufferedBytes: s.peakBufferedBytes, retries: s.retries, starvedMs: s.starvedMs });

async function parallel(job: Job): Promise<JobOk> {
  const open = await parallelSource(job);
  let stats: ParallelSourceStats | undefined;
  const r = await maskedOver(job, async () => {
    const src = open();
    stats = src.stats;
    return src.stream;
  }, !job.inflaterThread);
  return { ...r, source: sourceStats(stats!) };
}

/** The parallel source drained without decoding: what the connections deliver on their own. */
async function parallelDownload(job: Job): Promise<JobOk> {
  const open = await parallelSource(job);
  const t0 = performance.now();
  const src = open();
  const { bytes } = await drainStream(src.stream);
  return { ok: true, ms: performance.now() - t0, inflatedBytes: bytes, source: sourceStats(src.stats) };
}

async function niftiReader(job: Job): Promise<JobOk> {
  const nifti = await import('nifti-reader-js');
  const t0 = performance.now();
  const res = await fetch(job.url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET ${job.url}: HTTP ${res.status}`);
  const compressed = await res.arrayBuffer();
  const raw = nifti.isCompressed(compressed) ? (nifti.decompress(compressed) as ArrayBuffer) : compressed;
  const header = nifti.readHeader(raw);
  const image = nifti.readImage(header, raw);
  const ms = performance.now() - t0;
  return { ok: true, ms, inflatedBytes: raw.byteLength, note: `image ${(image.byteLength / 1e6).toFixed(0)} MB, dims ${header.dims.slice(0, 5).join(',')}` };
}

async function exportZip(job: Job): Promise<JobOk> {
  const gather = brainIndicesCOrder();
  const u = new URL(job.url);
  const segs = u.pathname.split('/').filter(Boolean);
  const endpoint = `${u.origin}/${segs[0]}`;
  const key = segs.slice(1).map(decodeURIComponent).join('/');
  const head = await fetch(job.url, { method: 'HEAD', cache: 'no-store' });
  const shape = [job.volumes, gather.length];
  const entry = {
    kind: 'betas' as const, name: 'betas.npy', size: npyByteLength('<f4', shape), header: npyHeader('<f4', shape), session: 'ses-01',
    rows: Uint32Array.from({ length: job.volumes }, (_, i) => i), nVoxels: gather.length, gather,
    betasKey: key, betasEtag: head.headers.get('etag') ?? '', betasSize: Number(head.headers.get('content-length')), nTrialsInFile: job.volumes, cacheId: null,
  };
  const t0 = performance.now();
  let inflated = 0;
  const r = await exportHandlers.write(
    { target: { kind: 'opfs', name: 'bench.zip' }, entries: [entry], endpoint },
    { signal: new AbortController().signal, progress: (p) => (inflated = p.bytesFetched), transfer: () => undefined },
  );
  const ms = performance.now() - t0;
  await exportHandlers.clearStaged({}, { signal: new AbortController().signal, progress: () => undefined, transfer: () => undefined });
  return { ok: true, ms, inflatedBytes: inflated, outputBytes: r.bytes, note: `zip ${(r.bytes / 1e6).toFixed(0)} MB` };
}

/** Breakdown: the download alone (compressed bytes, no inflate). */
async function fetchDrain(job: Job): Promise<JobOk> {
  const t0 = performance.now();
  const { bytes } = await drainStream(await open(job.url));
  const ms = performance.now() - t0;
  return { ok: true, ms, inflatedBytes: bytes, note: `${(bytes / 1e6).toFixed(0)} MB compressed in ${ms.toFixed(0)} ms` };
}

/** Breakdown: the app's gunzip (maybeGunzip: hand pump + DS) drained with a plain read loop. */
async function pumpDrain(job: Job): Promise<JobOk> {
  const t0 = performance.now();
  const { bytes, chunks } = await drainStream(await maybeGunzip(await open(job.url)));
  return { ok: true, ms: performance.now() - t0, inflatedBytes: bytes, note: `${chunks} chunks` };
}

/** Breakdown: maybeGunzip read through the pass's StreamCursor in volume-sized steps, nothing gathered. */
async function cursorDrain(job: Job): Promise<JobOk> {
  const t0 = performance.now();
  const cursor = new StreamCursor(await maybeGunzip(await open(job.url)));
  let bytes = 0;
  let chunks = 0;
  const vol = DIMS[0] * DIMS[1] * DIMS[2] * 4;
  for (;;) {
    const c = await cursor.nextChunk(vol);
    if (!c) break;
    bytes += c.byteLength;
    chunks++;
  }
  return { ok: true, ms: performance.now() - t0, inflatedBytes: bytes, note: `${chunks} chunks, ${(bytes / chunks / 1024).toFixed(1)} KiB each` };
}

scope.onmessage = (e) => {
  const job = e.data;
  setPacing(job.pacing ?? job.kind !== 'drain', job.nudgeBytes);
  const run = job.kind === 'drain' ? drain : job.kind === 'masked' ? masked : job.kind === 'masked-2threads' ? maskedTwoThreads : job.kind === 'parallel' ? parallel : job.kind === 'parallel-download' ? parallelDownload : job.kind === 'nifti-reader' ? niftiReader : job.kind === 'export' ? exportZip : job.kind === 'pump-drain' ? pumpDrain : job.kind === 'fetch-drain' ? fetchDrain : job.kind === 'cursor-drain' ? cursorDrain : null;
  if (!run) {
    scope.postMessage({ ok: false, error: `job ${job.kind} does not run in the worker` });
    return;
  }
  run(job).then(
    (r) => scope.postMessage(r),
    (err: unknown) => scope.postMessage({ ok: false, error: errorText(err) }),
  );
};
