/**
 * `npm run bench:betas-parallel [-- --cap 20 --ks 1,2,4,8,16 --runs 3 --trials 64 --part-size 8388608]`
 *
 * Issue 8: the masked betas pass reading from the parallel ranged byte source,
 * with the dev server capping every connection at C MB/s (what one S3
 * connection gives), against, in the same run:
 *   - the floor: fetch + DecompressionStream over an uncapped connection, output
 *     dropped (the browser's raw inflate rate on this file); also printed: the
 *     same drain pacing V8's collector as the app's reader does (gc-pacer.ts);
 *   - one capped stream (plain fetch → the same pass), which should give about C.
 * The target is pass ≥ 0.8 × min(k × C, floor), rates in MB/s of the
 * COMPRESSED file (the unit the link and the cap are in). Also printed: the
 * throughput curve against k, the source's peak bytes in flight (received,
 * not yet decoded) and the peak number of requests the server saw at once.
 * Runs are interleaved (floor, single, k = …) so machine load hits all alike.
 * The default file (T = 64, 70 MB) is quick; `--trials 256` (280 MB) and `--trials 1000` (1.1 GB, a real
 * session's size, ~9 min with `--ks 4 --runs 3`) give the 8 MiB parts of a real session.
 * Chromium runs over a bare DevTools pipe, not under Playwright (betas-page/bare-chromium.ts).
 */
import { parseArgs } from 'node:util';
import { bareHost } from './betas-page/bare-chromium.ts';
import { startBucketServer } from '../tools/s3-server/server.ts';
import { DATA_DIR, ensureData, fileName, MB, median, perRound, runJob, servePage, warmUp } from './betas-page/harness.ts';
import { sumsAgree } from './betas-page/brain.ts';
import type { Job, JobOk } from './betas-page/protocol.ts';
import { DEFAULT_CONCURRENCY, defaultPartSize } from '../src/data/parallel-source.ts';

const { values: args } = parseArgs({
  options: {
    cap: { type: 'string', default: '20' },
    ks: { type: 'string', default: '1,2,4,8,16' },
    runs: { type: 'string', default: '3' },
    trials: { type: 'string', default: '64' },
    'part-size': { type: 'string' },
  },
});
const CAP = Number(args.cap) * MB;
const KS = args.ks.split(',').map(Number);
const RUNS = Number(args.runs);
const T = Number(args.trials);
const PART = args['part-size'] ? Number(args['part-size']) : undefined;

console.log('preparing data (cached in bench/out/betas-data/)');
const meta = await ensureData(T);
const page = await servePage();
const bucket = await startBucketServer({ buckets: { bench: DATA_DIR }, port: 0 });
// Chromium over a bare DevTools pipe, as a user runs it: Playwright would attach to the worker and
// copy every part's body, ~10 ms per part on the worker's thread (bare-chromium.ts).
const browser = await bareHost();
const job = (kind: Job['kind'], extra: Partial<Job> = {}): Job => ({ kind, url: `${bucket.url}/bench/${fileName(T)}`, name: fileName(T), volumes: T, ...extra });

interface Row {
  label: string;
  k: number;
  gzRates: number[];
  peakBuffered: number[];
  peakInFlight: number[];
  serverConcurrent: number[];
  parts?: number;
  partSize?: number;
  failed?: string;
}
const rows = new Map<string, Row>();
const row = (label: string, k: number) => rows.get(label) ?? (rows.set(label, { label, k, gzRates: [], peakBuffered: [], peakInFlight: [], serverConcurrent: [] }), rows.get(label)!);

async function measure(label: string, k: number, j: Job, capped: boolean): Promise<void> {
  bucket.setFaults(capped ? { bandwidthBytesPerSec: CAP } : null);
  bucket.resetStats();
  const { result, cpu, threads } = await runJob(browser, page.pageUrl, j, { sample: false, timeoutMs: 600_000 });
  const r = row(label, k);
  if (!result.ok) {
    r.failed ??= result.error;
    console.log(`  ${label.padEnd(14)} failed: ${result.error}`);
    return;
  }
  const ok = result as JobOk;
  const expected = j.kind === 'parallel-download' ? meta.gzBytes : meta.rawBytes; // the download alone is not inflated
  if (ok.inflatedBytes !== expected) r.failed ??= `saw ${ok.inflatedBytes} bytes, expected ${expected}`;
  if (ok.outputSum !== undefined && !sumsAgree(ok.outputSum, meta.sum)) r.failed ??= `output checksum ${ok.outputSum} ≠ generator's ${meta.sum}`;
  const gz = meta.gzBytes / MB / (ok.ms / 1000);
  r.gzRates.push(gz);
  r.serverConcurrent.push(bucket.stats().maxConcurrent);
  if (ok.source) {
    r.peakBuffered.push(ok.source.peakBufferedBytes);
    r.peakInFlight.push(ok.source.peakInFlight);
    r.parts = ok.source.parts;
    r.partSize = ok.source.partSize;
  }
  console.log(
    `  ${label.padEnd(14)} ${(ok.ms / 1000).toFixed(2)} s  ${gz.toFixed(1)} MB/s gz (${(meta.rawBytes / MB / (ok.ms / 1000)).toFixed(0)} MB/s inflated)` +
      `  server saw ${bucket.stats().maxConcurrent} at once` +
      `  CPU ms: ${cpu}; busiest threads, ms: ${threads}` +
      (ok.source ? `  peak in flight ${ok.source.peakInFlight} parts / ${(ok.source.peakBufferedBytes / MB).toFixed(1)} MB buffered, ${ok.source.retries} retries, source empty when read ${ok.source.starvedMs.toFixed(0)} ms (the pump reads ahead of the inflater)` : ''),
  );
}

console.log(`\nfile ${fileName(T)}: ${(meta.gzBytes / MB).toFixed(0)} MB gz / ${(meta.rawBytes / MB).toFixed(0)} MB raw; cap ${CAP / MB} MB/s per connection; ${RUNS} rounds`);
const t0 = performance.now();
await warmUp(browser, page.pageUrl, job('drain'));
for (let i = 0; i < RUNS; i++) {
  console.log(`round ${i + 1}`);
  await measure('floor (DS)', 0, job('drain'), false);
  await measure('floor, paced', 0, job('drain', { pacing: true }), false);
  await measure('single stream', 1, job('masked', { sink: 'none' }), true);
  for (const k of KS) await measure(`k=${k}`, k, job('parallel', { connections: k, partSize: PART, sink: 'none' }), true);
  for (const k of KS) await measure(`2 threads k=${k}`, k, job('parallel', { connections: k, partSize: PART, sink: 'none', inflaterThread: true }), true);
  for (const k of KS) await measure(`download k=${k}`, k, job('parallel-download', { connections: k, partSize: PART }), true);
}
await browser.close();
await page.close();
await bucket.close();

const floor = median(row('floor (DS)', 0).gzRates);
const single = median(row('single stream', 1).gzRates);
const fmt = (x: number) => x.toFixed(1).padStart(6);
console.log(`\n=== betas pass over parallel ranged GETs: ${(meta.gzBytes / MB).toFixed(0)} MB gz (${(meta.rawBytes / meta.gzBytes).toFixed(1)}:1), cap C = ${CAP / MB} MB/s per connection, medians of ${RUNS} ===`);
const paced = median(row('floor, paced', 0).gzRates);
console.log(`floor: fetch + DecompressionStream, uncapped: ${floor.toFixed(1)} MB/s gz (${((floor * meta.rawBytes) / meta.gzBytes).toFixed(0)} MB/s inflated)`);
console.log(`  the same drain pacing V8's collector as the app's reader does (gc-pacer.ts): ${paced.toFixed(1)} MB/s gz = ${(paced / floor).toFixed(2)} × floor`);
console.log(`single capped stream → the same pass: ${single.toFixed(1)} MB/s gz = ${(single / (CAP / MB)).toFixed(2)} × C`);
console.log('   k   part      pass MB/s   × C    target 0.8×min(kC, floor)   pass/target   × single   server at once   peak in flight   pass / 0.8×min(kC, paced floor)   per round: pass/target, median (range)');
// Each round's pass against the floor measured next to it: the machine's load drifts less within a round than across rounds.
const floors = row('floor (DS)', 0).gzRates;
const againstTarget = (r: Row, k: number): string => perRound(r.gzRates, floors, (f) => 0.8 * Math.min(k * (CAP / MB), f));
for (const k of KS) {
  const r = row(`k=${k}`, k);
  if (r.failed || !r.gzRates.length) {
    console.log(`${String(k).padStart(4)}   failed: ${r.failed ?? 'no runs'}`);
    continue;
  }
  const pass = median(r.gzRates);
  const target = 0.8 * Math.min(k * (CAP / MB), floor);
  console.log(
    `${String(k).padStart(4)}  ${((r.partSize ?? 0) / 2 ** 20).toFixed(1).padStart(4)} MiB ${fmt(pass)}      ${(pass / (CAP / MB)).toFixed(2).padStart(5)}   ${fmt(target)}                      ${(pass / target).toFixed(2).padStart(5)}${pass >= target ? ' ✓' : ' ✗'}    ${(pass / single).toFixed(2).padStart(5)}    ${String(Math.max(...r.serverConcurrent)).padStart(6)}          ${Math.max(...r.peakInFlight)} parts, ${(Math.max(...r.peakBuffered) / MB).toFixed(1)} MB   ${(pass / (0.8 * Math.min(k * (CAP / MB), paced))).toFixed(2)}                              ${againstTarget(r, k)}`,
  );
}
const defK = DEFAULT_CONCURRENCY;
console.log(`app default: k = ${defK}, part size ${(defaultPartSize(meta.gzBytes, defK) / 2 ** 20).toFixed(1)} MiB for this file (8 MiB for a 1.1 GB session)`);
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
