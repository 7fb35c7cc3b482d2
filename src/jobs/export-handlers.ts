/**
 * Worker side of ExportApi. Entries are written one after another; a betas
 * entry streams row by row, from the browser's cache of the session when it
 * exists, otherwise straight from the betas file (one masked pass, keeping
 * only the exported voxels and rows), so memory stays at one volume plus a
 * 4 MiB write buffer whatever the export's size.
 */
import { S3Client } from '../data/s3/client.ts';
import { parallelObjectStream } from '../data/parallel-source.ts';
import { DataError } from '../data/errors.ts';
import { cacheFile } from '../cache/betas-store.ts';
import { maybeGunzip } from '../formats/nifti-stream.ts';
import { NiftiFormatError } from '../formats/nifti.ts';
import { maskedPass } from '../formats/masked-pass.ts';
import { ZipStreamWriter, type ByteSink } from '../formats/zip-writer.ts';
import { entrySize, type PlanEntry } from '../export/plan.ts';
import type { Handlers } from './rpc.ts';
import { EXPORT_STAGING_DIR, type ExportApi, type ExportProgress } from './export-api.ts';

const clients = new Map<string, S3Client>();
const client = (e: string) => clients.get(e) ?? (clients.set(e, new S3Client(e)), clients.get(e)!);

type SyncHandle = { write(b: ArrayBufferView, o: { at: number }): number; truncate(n: number): void; flush(): void; close(): void };

async function stagingDir(): Promise<FileSystemDirectoryHandle> {
  let d = await navigator.storage.getDirectory();
  for (const n of EXPORT_STAGING_DIR) d = await d.getDirectoryHandle(n, { create: true });
  return d;
}

/** Coalesces small writes into ~4 MiB ones (async writables pay per call). */
class BufferedSink implements ByteSink {
  private buf = new Uint8Array(4 << 20);
  private n = 0;
  constructor(private readonly out: (b: Uint8Array) => void | Promise<void>) {}
  async write(chunk: Uint8Array): Promise<void> {
    if (this.n + chunk.length > this.buf.length) await this.flush();
    if (chunk.length >= this.buf.length) return void (await this.out(chunk.slice()));
    this.buf.set(chunk, this.n);
    this.n += chunk.length;
  }
  async flush(): Promise<void> {
    if (this.n === 0) return;
    const b = this.buf.slice(0, this.n);
    this.n = 0;
    await this.out(b);
  }
}

/** One output file: bytes in, then commit (complete) or abort (nothing left). */
interface OutFile {
  sink: BufferedSink;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

async function opfsFile(name: string): Promise<OutFile> {
  const d = await stagingDir();
  const partial = `${name}.partial`;
  const fh = (await d.getFileHandle(partial, { create: true })) as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle>; move?(n: string): Promise<void> };
  const h = await fh.createSyncAccessHandle();
  h.truncate(0);
  let at = 0;
  const sink = new BufferedSink((b) => {
    const n = h.write(b, { at });
    if (n !== b.length) throw new DOMException(`short write (${n} of ${b.length} bytes)`, 'QuotaExceededError');
    at += n;
  });
  let closed = false;
  const close = () => {
    if (!closed) h.close();
    closed = true;
  };
  return {
    sink,
    async commit() {
      await sink.flush();
      h.flush();
      close();
      await d.removeEntry(name).catch(() => undefined);
      if (typeof fh.move === 'function') await fh.move(name);
      else throw new Error('this browser cannot rename files in its storage (FileSystemFileHandle.move)');
    },
    async abort() {
      close();
      await d.removeEntry(partial).catch(() => undefined);
    },
  };
}

async function writableFile(handle: FileSystemFileHandle): Promise<OutFile> {
  // keepExistingData false: the browser writes to a swap file and replaces the target only on close().
  const w = await handle.createWritable({ keepExistingData: false });
  const sink = new BufferedSink((b) => w.write(b as Uint8Array<ArrayBuffer>));
  return {
    sink,
    async commit() {
      await sink.flush();
      await w.close();
    },
    async abort() {
      await w.abort().catch(() => undefined);
    },
  };
}

/** Writes the rows of a betas entry (after its npy header) to `put`. */
async function writeBetasRows(
  e: Extract<PlanEntry, { kind: 'betas' }>,
  endpoint: string,
  put: (b: Uint8Array) => Promise<void>,
  signal: AbortSignal,
  onFetched: (n: number) => void,
): Promise<void> {
  const nv = e.nVoxels;
  const out = new Float32Array(nv);
  const outBytes = new Uint8Array(out.buffer);
  if (e.cacheId && e.cachePositions && e.cacheBrainVoxels) {
    const file = await cacheFile(e.cacheId, 'trials');
    const N = e.cacheBrainVoxels;
    if (file.size !== e.nTrialsInFile * N * 4) throw new DataError('corrupt', e.betasKey, `The browser's copy of ${e.betasKey} has an unexpected size; stream the session again.`);
    const pos = e.cachePositions;
    const rowsPerRead = Math.max(1, Math.floor((16 << 20) / (N * 4)));
    for (let i = 0; i < e.rows.length; ) {
      if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      // A run of rows that fits one ~16 MB read.
      const r0 = e.rows[i];
      let j = i + 1;
      while (j < e.rows.length && e.rows[j] - r0 < rowsPerRead) j++;
      const rLast = e.rows[j - 1];
      const block = new Float32Array(await file.slice(r0 * N * 4, (rLast + 1) * N * 4).arrayBuffer());
      for (let k = i; k < j; k++) {
        const base = (e.rows[k] - r0) * N;
        for (let v = 0; v < nv; v++) out[v] = block[base + pos[v]];
        await put(outBytes);
      }
      i = j;
    }
    return;
  }
  // No cache: one pass over the betas file, keeping the exported voxels of the exported rows.
  const name = e.betasKey.slice(e.betasKey.lastIndexOf('/') + 1);
  let next = 0;
  const pass = async (decoder: 'native' | 'fflate') => {
    next = 0;
    // The same byte source as the betas pass: parallel ranged GETs.
    const body = parallelObjectStream(client(endpoint), e.betasKey, { etag: e.betasEtag, size: e.betasSize, signal, onDownloaded: onFetched }).stream;
    await maskedPass(await maybeGunzip(body, { decoder }), name, {
      gather: e.gather,
      expectedVolumes: e.nTrialsInFile,
      signal,
      onVolume: async (t, values) => {
        if (next < e.rows.length && e.rows[next] === t) {
          next++;
          await put(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        }
      },
    });
  };
  try {
    await pass('native');
  } catch (err) {
    if (!(err instanceof NiftiFormatError && /multi-member/.test(err.message)) || next > 0) throw err;
    await pass('fflate');
  }
  if (next !== e.rows.length) throw new DataError('mismatch', e.betasKey, `${e.betasKey} ended before trial row ${e.rows[next]}.`);
}

function wrapError(e: unknown, entry: PlanEntry | null, target: string): unknown {
  if (e instanceof DOMException && e.name === 'AbortError') return e;
  if (e instanceof DOMException && (e.name === 'QuotaExceededError' || e.name === 'NoModificationAllowedError')) {
    return new DataError('quota', target, `Not enough space to write ${target}${entry ? ` (while writing ${entry.name})` : ''}. Nothing was kept.`, {
      hint: 'Free some space, or choose a smaller selection (an ROI, a noise-ceiling threshold, fewer sessions).',
    });
  }
  if (e instanceof NiftiFormatError && entry?.kind === 'betas') return new DataError('corrupt', entry.betasKey, e.message.replace(e.fileName, entry.betasKey), { hint: 'Nothing of the export was kept.' });
  return e;
}

export const exportHandlers: Handlers<ExportApi> = {
  async write({ target, entries, endpoint }, ctx) {
    const t0 = performance.now();
    const zipped = target.kind !== 'dir';
    const total = zipped ? ZipStreamWriter.archiveSize(entries.map((e) => ({ name: e.name, size: entrySize(e) }))) : entries.reduce((a, e) => a + entrySize(e), 0);
    const p: ExportProgress = { bytesWritten: 0, bytesTotal: total, entry: '', bytesFetched: 0 };
    let last = 0;
    const report = (force = false) => {
      const now = performance.now();
      if (force || now - last > 150) {
        last = now;
        ctx.progress({ ...p });
      }
    };
    const targetName = target.kind === 'opfs' ? target.name : target.kind === 'file' ? target.handle.name : `${target.handle.name}/${target.folder}`;
    let current: PlanEntry | null = null;
    const check = () => {
      if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    };

    if (zipped) {
      const out = target.kind === 'opfs' ? await opfsFile(target.name) : await writableFile(target.handle);
      const counting: ByteSink = {
        write: async (b) => {
          await out.sink.write(b);
          p.bytesWritten += b.length;
          report();
        },
      };
      const zip = new ZipStreamWriter(counting);
      try {
        for (const e of entries) {
          check();
          current = e;
          p.entry = e.name;
          if (e.kind === 'bytes') await zip.file(e.name, e.bytes);
          else {
            await zip.begin(e.name, e.size);
            await zip.data(e.header);
            await writeBetasRows(e, endpoint, (b) => (check(), zip.data(b)), ctx.signal, (n) => ((p.bytesFetched += n), report()));
            await zip.end();
          }
        }
        current = null;
        await zip.finish();
        check();
        await out.commit();
      } catch (err) {
        await out.abort();
        if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
        throw wrapError(err, current, targetName);
      }
      if (zip.bytesWritten !== total) throw new Error(`export size ${zip.bytesWritten} differs from the planned ${total} bytes`);
    } else {
      const folder = await target.handle.getDirectoryHandle(target.folder, { create: true });
      try {
        for (const e of entries) {
          check();
          current = e;
          p.entry = e.name;
          const out = await writableFile(await folder.getFileHandle(e.name, { create: true }));
          try {
            const put = async (b: Uint8Array) => {
              check();
              await out.sink.write(b);
              p.bytesWritten += b.length;
              report();
            };
            if (e.kind === 'bytes') await put(e.bytes);
            else {
              await put(e.header);
              await writeBetasRows(e, endpoint, put, ctx.signal, (n) => ((p.bytesFetched += n), report()));
            }
            await out.commit();
          } catch (err) {
            await out.abort();
            throw err;
          }
        }
      } catch (err) {
        await target.handle.removeEntry(target.folder, { recursive: true }).catch(() => undefined);
        if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
        throw wrapError(err, current, targetName);
      }
    }
    report(true);
    return { bytes: p.bytesWritten, ms: performance.now() - t0 };
  },

  async clearStaged({ keep }) {
    const d = await stagingDir();
    let n = 0;
    const names: string[] = [];
    for await (const name of (d as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    for (const name of names) {
      if (name === keep) continue;
      await d.removeEntry(name).catch(() => undefined);
      n++;
    }
    return n;
  },
};
