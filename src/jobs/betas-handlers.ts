/**
 * Worker side of BetasApi. One streaming pass: ranged fetch → inflate →
 * volume by volume → keep the brain voxels (C order) → OPFS rows. Memory
 * stays at one volume plus small buffers, whatever the file size.
 */
import { createClient } from '../data/sources.ts';
import { resumableObjectStream } from '../data/resumable.ts';
import { DataError } from '../data/errors.ts';
import { BetasWriter, betasEntryId, readManifest, readRow } from '../cache/betas-store.ts';
import { maybeGunzip } from '../formats/nifti-stream.ts';
import { NiftiFormatError } from '../formats/nifti.ts';
import { maskedPass, TrialCountMismatchError } from '../formats/masked-pass.ts';
import { voxelsInCOrder } from '../science/voxel-order.ts';
import type { Handlers } from './rpc.ts';
import { betasEntryParts, type BetasApi } from './betas-api.ts';

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
    const p = { phase: 'stream' as 'stream' | 'transpose', bytesFetched: 0, bytesTotal: args.expectedSize, bytesInflated: 0, volumesDone: 0, volumes: args.trials, transposed: 0 };
    let last = 0;
    const report = (force = false) => {
      const now = performance.now();
      if (force || now - last > 150) {
        last = now;
        ctx.progress({ ...p });
      }
    };
    try {
      const name = args.betasKey.slice(args.betasKey.lastIndexOf('/') + 1);
      const pass = async (decoder: 'native' | 'fflate') => {
        p.bytesFetched = 0;
        // Resumable: a dropped connection continues by Range from the last byte; the ETag
        // is pinned, so a file replaced mid-read is detected (412), never mixed.
        const body = resumableObjectStream(client(args.endpoint), args.betasKey, {
          etag: args.betasEtag,
          size: args.expectedSize,
          signal: ctx.signal,
          onBytes: (n) => ((p.bytesFetched += n), report()),
        });
        await maskedPass(await maybeGunzip(body, { decoder }), name, {
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
      p.phase = 'transpose';
      report(true);
      const manifest = await writer.commit((f) => ((p.transposed = f), report()));
      report(true);
      return { ...manifest, ms: performance.now() - t0 };
    } catch (e) {
      await writer.abort();
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

  async readVoxel({ id, v, trials }, ctx) {
    const t0 = performance.now();
    const row = await readRow(id, 'voxels', v, trials);
    ctx.transfer(row.buffer);
    return { data: row, ms: performance.now() - t0 };
  },
};
