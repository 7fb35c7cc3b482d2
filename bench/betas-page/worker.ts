/**
 * Module worker of the betas benchmark page: runs one job per worker and
 * posts a JobResult back. Jobs:
 *   drain        — fetch + DecompressionStream, output discarded (the floor);
 *   masked       — fetch → maybeGunzip → maskedPass gathering the brain into a
 *                  preallocated T × nBrain float32 output (issue 4's pass);
 *   nifti-reader — nifti-reader-js: whole file, decompress(), readImage().
 *   export       — issue 6's export of the whole brain straight from the file: the app's
 *                  export handler (masked pass → betas.npy rows → streaming zip → OPFS).
 */
import { exportHandlers } from '../../src/jobs/export-handlers.ts';
import { npyByteLength, npyHeader } from '../../src/formats/npy.ts';
import { maskedPass } from '../../src/formats/masked-pass.ts';
import { maybeGunzip } from '../../src/formats/nifti-stream.ts';
import { brainIndices, DIMS } from './brain.ts';
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

async function drain(job: Job): Promise<JobOk> {
  const t0 = performance.now();
  const body = await open(job.url);
  const inflated = body.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  const reader = inflated.getReader();
  let bytes = 0;
  let chunks = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (job.forceGc && ++chunks % 16 === 0) forceGc();
  }
  return { ok: true, ms: performance.now() - t0, inflatedBytes: bytes };
}

async function masked(job: Job): Promise<JobOk> {
  // Set-up the app has done before a pass starts: the mask and the output.
  const gather = brainIndices();
  const nBrain = gather.length;
  const output = new Float32Array(job.volumes * nBrain);
  let inflated = 0;
  let seen = 0;
  const t0 = performance.now();
  const body = await open(job.url);
  await maskedPass(await maybeGunzip(body), job.name, {
    gather,
    expectedVolumes: job.volumes,
    expectedDims: DIMS,
    onVolume(t, values) {
      if (values.length !== nBrain) throw new Error(`onVolume(${t}) got ${values.length} values, expected ${nBrain}`);
      output.set(values, t * nBrain);
      seen++;
      if (job.forceGc && t % 2 === 1) forceGc();
    },
    onProgress(p) {
      inflated = p.bytesInflated;
    },
  });
  const ms = performance.now() - t0;
  if (seen !== job.volumes) throw new Error(`onVolume was called ${seen} times, expected ${job.volumes}`);
  let sum = 0;
  for (let i = 0; i < output.length; i++) sum += output[i];
  return { ok: true, ms, inflatedBytes: inflated, outputSum: sum, outputBytes: output.byteLength };
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
  const gather = brainIndices();
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

scope.onmessage = (e) => {
  const job = e.data;
  const run = job.kind === 'drain' ? drain : job.kind === 'masked' ? masked : job.kind === 'nifti-reader' ? niftiReader : job.kind === 'export' ? exportZip : null;
  if (!run) {
    scope.postMessage({ ok: false, error: `job ${job.kind} does not run in the worker` });
    return;
  }
  run(job).then(
    (r) => scope.postMessage(r),
    (err: unknown) => scope.postMessage({ ok: false, error: errorText(err) }),
  );
};
