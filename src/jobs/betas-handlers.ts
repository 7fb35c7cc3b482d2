/**
 * Worker side of BetasApi. One streaming pass: ranged fetch → inflate →
 * volume by volume → keep the brain voxels (C order) → OPFS rows. Memory
 * stays at one volume plus small buffers, whatever the file size.
 */
import { DEFAULT_CONCURRENCY, parallelObjectStream } from '../data/parallel-source.ts';
import { LinkRateWindow } from '../data/link-rates.ts';
import { createClient } from '../data/sources.ts';
import { DataError } from '../data/errors.ts';
import { concatStreams } from '../data/streams.ts';
import { BetasWriter, betasEntryId, readManifest, readRow } from '../cache/betas-store.ts';
import { copyStatus, deleteCopy, ObjectCopy } from '../cache/object-copy.ts';
import { maybeGunzip } from '../formats/nifti-stream.ts';
import { NiftiFormatError } from '../formats/nifti.ts';
import { maskedPass, TrialCountMismatchError } from '../formats/masked-pass.ts';
import { voxelsInCOrder } from '../science/voxel-order.ts';
import type { Handlers } from './rpc.ts';
import { betasEntryParts, type BetasApi, type BetasProgress } from './betas-api.ts';

const client = createClient;

export const betasHandlers: Handlers<BetasApi> = {
  async lookup({ parts }) {
    return readManifest(await betasEntryId(parts));
  },

  async build(args, ctx) {
    const t0 = performance.now();
    const id = await betasEntryId(betasEntryParts(args));
    const gather = voxelsInCOrder(args.brain, args.dims);
    const writer = await BetasWriter.create({
      id,
      endpoint: args.endpoint,
      betasKey: args.betasKey,
      betasEtag: args.betasEtag,
      maskKey: args.maskKey,
      maskEtag: args.maskEtag,
      dims: args.dims,
      trials: args.trials,
      nBrain: gather.length,
    });
    // The compressed file's copy in this browser, if one exists or the user wants one. Null when
    // another tab holds it; if it cannot be opened, the pass runs from the network and says why.
    let copyFault: string | null = null;
    const copy = await ObjectCopy.open(args.endpoint, args.betasKey, args.betasEtag, args.expectedSize, { create: !!args.keepCopy }).catch((e: unknown) => {
      copyFault = `the offline copy could not be opened (${e instanceof Error ? `${e.name}: ${e.message.replace(/\.$/, '')}` : String(e)})`;
      return null;
    });
    let copyOutcome: 'done' | 'interrupted' | 'bad' = 'interrupted';
    const p: BetasProgress = { phase: 'stream', bytesFetched: 0, bytesTotal: args.expectedSize, bytesInflated: 0, volumesDone: 0, volumes: args.trials, transposed: 0 };
    let last = 0;
    let sample = () => {};
    const report = (force = false) => {
      const now = performance.now();
      if (force || now - last > 150) {
        last = now;
        sample();
        ctx.progress({ ...p });
      }
    };
    try {
      const name = args.betasKey.slice(args.betasKey.lastIndexOf('/') + 1);
      const pass = async (decoder: 'native' | 'fflate') => {
        // What this browser already has of the file (a whole offline copy, or the prefix a
        // reload interrupted) is read back locally; only the rest comes from the network.
        const stored = copy && (copy.complete || args.keepCopy) ? copy.written : 0;
        p.bytesFromCopy = stored;
        p.bytesFetched = stored;
        // k ranged GETs in flight, handed on in order as one stream; a dropped or stalled part
        // is asked for again on its own from its last byte, and the ETag is pinned on every
        // part, so a file replaced mid-read is detected (412), never mixed.
        const source = parallelObjectStream(client(args.endpoint), args.betasKey, {
          etag: args.betasEtag,
          size: args.expectedSize,
          start: stored,
          concurrency: args.connections,
          partSize: args.partSize,
          signal: ctx.signal,
          onDownloaded: (n) => ((p.bytesFetched += n), report()),
          onDeliver: copy && args.keepCopy && !copy.complete ? (chunk) => copy.append(chunk) : undefined,
        });
        const rates = new LinkRateWindow();
        p.connections = args.connections ?? DEFAULT_CONCURRENCY;
        p.partSize = source.stats.partSize;
        sample = () => {
          const s = source.stats;
          Object.assign(p, { bytesConsumed: stored + s.deliveredBytes, bufferedBytes: s.bufferedBytes, retries: s.retries });
          if (stored < args.expectedSize) Object.assign(p, rates.push({ t: performance.now(), downloaded: s.downloadedBytes, consumed: s.deliveredBytes, networkBusyMs: s.networkBusyMs, starvedMs: s.starvedMs }));
        };
        const bytes = stored === 0 ? source.stream : stored === args.expectedSize ? copy!.storedStream(stored) : concatStreams(copy!.storedStream(stored), source.stream);
        await maskedPass(await maybeGunzip(bytes, { decoder }), name, {
          gather,
          expectedVolumes: args.trials,
          expectedDims: args.dims,
          signal: ctx.signal,
          onVolume: (t, values) => writer.writeTrial(t, values),
          onProgress: (q) => {
            p.volumesDone = q.volumesDone;
            p.bytesInflated = q.bytesInflated;
            report();
          },
        });
      };
      try {
        await pass('native');
      } catch (e) {
        // Chromium's inflater rejects multi-member gzip: one more pass with a decoder that accepts it.
        if (!(e instanceof NiftiFormatError && /multi-member/.test(e.message))) throw e;
        await pass('fflate');
      }
      copyOutcome = 'done';
      const wasComplete = copy?.complete ?? false;
      const committed = await copy?.close('done');
      if (args.keepCopy || wasComplete) p.offlineCopy = wasComplete || committed ? 'kept' : (copy?.dropped ?? copyFault ?? 'another tab is writing it');
      p.phase = 'transpose';
      report(true);
      const manifest = await writer.commit((f) => ((p.transposed = f), report()));
      report(true);
      return { ...manifest, ms: performance.now() - t0 };
    } catch (e) {
      await writer.abort();
      // Bytes that proved wrong (gzip CRC, a changed file) are not kept for a resume.
      if (e instanceof NiftiFormatError || (e instanceof DataError && (e.kind === 'changed' || e.kind === 'server' || e.kind === 'corrupt'))) copyOutcome = 'bad';
      await copy?.close(copyOutcome);
      if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      if (e instanceof TrialCountMismatchError) {
        throw new DataError('mismatch', args.betasKey, `${args.betasKey} holds ${e.volumes} volumes but its trial table has ${e.expected} rows: trials cannot be paired with volumes.`);
      }
      if (e instanceof NiftiFormatError) throw new DataError('corrupt', args.betasKey, e.message.replace(e.fileName, args.betasKey), { hint: 'Nothing of it was kept; retry, or report the file.' });
      if (e instanceof DOMException && e.name === 'QuotaExceededError') {
        throw new DataError('quota', args.betasKey, `Not enough browser storage for the masked betas of ${args.betasKey} (${((args.trials * gather.length * 8) / 1e6).toFixed(0)} MB).`, {
          hint: 'Free space in the browser storage, or grant persistent storage.',
        });
      }
      throw e;
    }
  },

  copyStatus({ endpoint, key, etag }) {
    return copyStatus(endpoint, key, etag);
  },

  async deleteCopy({ id }) {
    await deleteCopy(id);
  },

  async readTrial({ id, t, nBrain }, ctx) {
    const t0 = performance.now();
    const row = await readRow(id, 'trials', t, nBrain);
    ctx.transfer(row.buffer);
    return { data: row, ms: performance.now() - t0 };
  },

  async meanOfTrials({ id, trials, nBrain }, ctx) {
    const t0 = performance.now();
    const sum = new Float64Array(nBrain);
    for (const t of trials) {
      if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      const row = await readRow(id, 'trials', t, nBrain);
      for (let i = 0; i < nBrain; i++) sum[i] += row[i];
    }
    const mean = Float32Array.from(sum, (x) => x / Math.max(1, trials.length));
    ctx.transfer(mean.buffer);
    return { data: mean, ms: performance.now() - t0 };
  },

  async meanOfVoxels({ id, voxels, trials }, ctx) {
    const t0 = performance.now();
    const sum = new Float64Array(trials);
    const n = new Uint32Array(trials);
    for (const v of voxels) {
      if (ctx.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      const row = await readRow(id, 'voxels', v, trials);
      for (let t = 0; t < trials; t++) {
        if (Number.isNaN(row[t])) continue;
        sum[t] += row[t];
        n[t]++;
      }
    }
    const mean = Float32Array.from(sum, (x, t) => (n[t] > 0 ? x / n[t] : NaN));
    ctx.transfer(mean.buffer);
    return { data: mean, ms: performance.now() - t0 };
  },

  async readVoxel({ id, v, trials }, ctx) {
    const t0 = performance.now();
    const row = await readRow(id, 'voxels', v, trials);
    ctx.transfer(row.buffer);
    return { data: row, ms: performance.now() - t0 };
  },
};
