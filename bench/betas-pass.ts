/**
 * `npm run bench:betas [-- --runs 3 --trials 128,256 --peer-runs 3 --no-peers | --breakdown | --export | --memory-only | --pacing 0,1,2]`
 *
 * Issue 4's masked streaming pass over a realistic betas file, in a module
 * worker of headless Chromium (SwiftShader flags as in viewer-startup.ts):
 *   (a) floor  — fetch + DecompressionStream, output discarded;
 *   (a2)         the same, pacing V8's collector to the chunks dropped as the
 *                app's reader does (src/formats/gc-pacer.ts);
 *   (b) pass   — fetch → maybeGunzip → maskedPass gathering the in-brain voxels,
 *                each volume's written to OPFS by the app's BetasWriter;
 *   (c) peers  — nifti-reader-js (decompress + readImage, in a worker) and
 *                NiiVue's NVImage.loadFromUrl (main thread), or why they fail.
 * Rates are MB/s of inflated data (medians); the ratios come from the same run.
 * Memory: PSS of all Chromium processes (/proc/<pid>/smaps_rollup) sampled
 * every 50 ms during the job, peak minus the idle level just before it.
 *
 * The data (143³ × T float32, ≈9% in-brain noise, rest 0, gzip -1 ≈ 11:1) is
 * generated once into bench/out/betas-data/ and reused.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBucketServer } from '../tools/s3-server/server.ts';
import { sumsAgree, VOXELS } from './betas-page/brain.ts';
import { DATA_DIR, ensureData, fileName, MB, median, perRound, REPO, runJob, servePage, warmUp, type DataMeta, type Outcome } from './betas-page/harness.ts';
import type { Job, JobKind } from './betas-page/protocol.ts';
import { bareHost } from './betas-page/bare-chromium.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    trials: { type: 'string', default: '128,256' },
    'peer-runs': { type: 'string', default: '3' },
    'no-peers': { type: 'boolean', default: false },
    'peer-timeout': { type: 'string', default: '240' },
    /** Only issue 6's whole-brain export (zip into OPFS straight from the file): time, output size, peak PSS. */
    export: { type: 'boolean', default: false },
    /** Only where the pass's time goes: the download alone, the DS drain, the app's gunzip drained, the pass's cursor drained, the pass (C order, file order, gathering nothing). */
    breakdown: { type: 'boolean', default: false },
    /** Only the memory runs (b) and (a), sampled. */
    'memory-only': { type: 'boolean', default: false },
    /** Only the collector pacing's sizes (src/formats/gc-pacer.ts): for each NUDGE/EVERY ratio (0 = off), the pass's speed against the drain and the renderer's peak. */
    pacing: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const TRIALS = args.trials.split(',').map(Number);
const PEER_RUNS = Number(args['peer-runs']);
const PEER_TIMEOUT_MS = Number(args['peer-timeout']) * 1000;

// ---------------------------------------------------------------- main

console.log('preparing data (cached in bench/out/betas-data/)');
const metas = new Map<number, DataMeta>();
for (const t of TRIALS) metas.set(t, await ensureData(t));
if (!existsSync(resolve(REPO, 'src/formats/masked-pass.ts'))) {
  console.error('src/formats/masked-pass.ts does not exist yet: nothing to benchmark.');
  process.exit(2);
}

const server = await servePage();
const pageUrl = server.pageUrl;
const bucket = await startBucketServer({ buckets: { bench: DATA_DIR }, port: 0 });
// Chromium over a bare DevTools pipe, as a user runs it: Playwright would attach to every worker
// and copy each response body (bare-chromium.ts).
const browser = await bareHost();

const jobFor = (kind: JobKind, trials: number): Job => ({ kind, url: `${bucket.url}/bench/${fileName(trials)}`, name: fileName(trials), volumes: trials });
const rate = (meta: DataMeta, ms: number) => meta.rawBytes / MB / (ms / 1000);
await warmUp(browser, pageUrl, jobFor('drain', TRIALS[0]));

// A disk-backed profile, as users have: in an ephemeral context OPFS lives in the browser process's
// memory, behind IPC, which would count what the job writes (rows, a zip) as memory.
const onDisk = await bareHost({ onDisk: true });
/** Ends a mode that reports on its own (--export, --breakdown, --pacing). */
async function shutdown(): Promise<never> {
  await browser.close();
  await onDisk.close();
  await bucket.close();
  await server.close();
  process.exit(0);
}

if (args.export) {
  console.log('\nexport: whole brain, every trial, zip into OPFS (disk-backed profile) straight from the file (app export handler); peak PSS above idle');
  for (const t of TRIALS) {
    const meta = await ensureData(t);
    for (let i = 0; i < RUNS; i++) {
      const o = await runJob(onDisk, pageUrl, jobFor('export', t), { sample: true, timeoutMs: 900_000 });
      const r = o.result;
      if (!r.ok) console.log(`  T=${t}: FAILED ${r.error}`);
      else {
        console.log(
          `  T=${t}  ${(r.ms / 1000).toFixed(1)} s  zip ${((r.outputBytes ?? 0) / MB).toFixed(0)} MB (${rate(meta, r.ms).toFixed(0)} MB/s inflated)  ` +
            `peak PSS idle ${(o.idle! / MB).toFixed(0)} + ${(o.memAboveIdle! / MB).toFixed(0)} MB [${o.growth}]`,
        );
      }
    }
  }
  await shutdown();
}

if (args.breakdown) {
  const kinds = ['fetch-drain', 'drain', 'pump-drain', 'cursor-drain', 'masked', 'masked-file-order', 'masked-nothing'] as const;
  console.log(`\nbreakdown: ${kinds.join(' / ')}, interleaved, ${RUNS} runs, no sampling; MB/s inflated and × drain`);
  for (const t of TRIALS) {
    const meta = await ensureData(t);
    const rates = new Map<string, number[]>(kinds.map((k) => [k, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const kind of kinds) {
        const job: Job = kind === 'masked-file-order' ? { ...jobFor('masked', t), order: 'file' } : kind === 'masked-nothing' ? { ...jobFor('masked', t), order: 'none' } : jobFor(kind, t);
        const r = (await runJob(browser, pageUrl, { ...job, sink: 'none' }, { sample: false, timeoutMs: 120_000 })).result;
        if (!r.ok) throw new Error(`${kind}: ${r.error}`);
        if (r.inflatedBytes !== (kind === 'fetch-drain' ? meta.gzBytes : meta.rawBytes) && !kind.startsWith('masked')) throw new Error(`${kind} saw ${r.inflatedBytes} bytes, the file has ${meta.rawBytes}`);
        if (kind.startsWith('masked') && kind !== 'masked-nothing' && !sumsAgree(r.outputSum, meta.sum)) throw new Error(`masked: checksum ${r.outputSum} ≠ ${meta.sum}`);
        rates.get(kind)!.push(rate(meta, r.ms)); // fetch-drain too: MB/s of the inflated size it stands for
        if (r.note) console.log(`  ${kind}: ${r.note}`);
      }
    }
    const base = median(rates.get('drain')!);
    console.log(`  T=${t}  ` + kinds.map((k) => `${k} ${median(rates.get(k)!).toFixed(0)} MB/s (${(median(rates.get(k)!) / base).toFixed(2)})`).join('  '));
  }
  await shutdown();
}

if (args.pacing) {
  const ratios = args.pacing.split(',').map(Number);
  console.log(`\npacing: the pass with NUDGE = r × EVERY (1 MiB), r = ${ratios.join(', ')} (0 = off); ${RUNS} runs each, interleaved with the drain; speed unsampled (output dropped), memory sampled (OPFS on disk)`);
  for (const t of TRIALS) {
    const meta = await ensureData(t);
    const speed = new Map<string, number[]>();
    const peaks = new Map<number, number[]>();
    const push = <K,>(m: Map<K, number[]>, k: K, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    const pacedJob = (r: number): Job => ({ ...jobFor('masked', t), pacing: r > 0, nudgeBytes: r * 2 ** 20 });
    for (let i = 0; i < RUNS; i++) {
      const d = (await runJob(browser, pageUrl, { ...jobFor('drain', t), sink: 'none' }, { sample: false, timeoutMs: 120_000 })).result;
      if (!d.ok) throw new Error(`drain: ${d.error}`);
      push(speed, 'drain', rate(meta, d.ms));
      for (const r of ratios) {
        const o = (await runJob(browser, pageUrl, { ...pacedJob(r), sink: 'none' }, { sample: false, timeoutMs: 120_000 })).result;
        if (!o.ok) throw new Error(`pass at r=${r}: ${o.error}`);
        if (!sumsAgree(o.outputSum, meta.sum)) throw new Error(`pass at r=${r}: checksum ${o.outputSum} ≠ ${meta.sum}`);
        push(speed, `r${r}`, rate(meta, o.ms));
        const m = await runJob(onDisk, pageUrl, pacedJob(r), { sample: true, timeoutMs: 120_000 });
        if (!m.result.ok) throw new Error(`pass at r=${r} (memory): ${m.result.error}`);
        push(peaks, r, m.rendererAboveIdle!);
      }
    }
    const drainRate = median(speed.get('drain')!);
    console.log(`  T=${t}: drain ${drainRate.toFixed(0)} MB/s`);
    for (const r of ratios) {
      const p = peaks.get(r)!;
      console.log(`    r=${r}: pass ${median(speed.get(`r${r}`)!).toFixed(0)} MB/s = ${(median(speed.get(`r${r}`)!) / drainRate).toFixed(2)} × drain; renderer peak ${(median(p) / MB).toFixed(0)} MB (${(Math.min(...p) / MB).toFixed(0)}–${(Math.max(...p) / MB).toFixed(0)})`);
    }
  }
  await shutdown();
}

interface Cell {
  rates: number[];
  failed?: string;
  mem: number[];
  /** Renderer-only peak above idle (the issue's target is on the renderer). */
  rendererMem: number[];
  note?: string;
}
const cells = new Map<string, Cell>();
/** A job as the report names it: the job kind, or a variant of it (pacing on or off). */
type Label = JobKind | 'drain-paced' | 'masked-unpaced';
/** The job a label stands for: the pacing variants are the drain and the pass with it on or off. */
const variant = (label: Label, t: number): Job =>
  label === 'drain-paced' ? { ...jobFor('drain', t), pacing: true } : label === 'masked-unpaced' ? { ...jobFor('masked', t), pacing: false } : jobFor(label, t);
const cell = (kind: Label, t: number): Cell => {
  const key = `${kind}:${t}`;
  let c = cells.get(key);
  if (!c) cells.set(key, (c = { rates: [], mem: [], rendererMem: [] }));
  return c;
};
const outputBytes = new Map<number, number>();

function record(kind: Label, t: number, o: Outcome): void {
  const c = cell(kind, t);
  const meta = metas.get(t)!;
  const r = o.result;
  if (!r.ok) {
    c.failed ??= r.error;
    console.log(`  ${kind.padEnd(12)} T=${t}  failed: ${r.error}`);
    return;
  }
  if (kind === 'drain' || kind === 'drain-paced' || kind.startsWith('masked')) {
    if (r.inflatedBytes !== meta.rawBytes) c.failed ??= `saw ${r.inflatedBytes} inflated bytes, the file has ${meta.rawBytes}`;
  }
  if (kind.startsWith('masked')) {
    if (!sumsAgree(r.outputSum, meta.sum)) c.failed ??= `output checksum ${r.outputSum} ≠ generator's ${meta.sum}: wrong values gathered`;
    if (r.outputBytes) outputBytes.set(t, r.outputBytes);
  }
  if (o.memAboveIdle !== undefined) c.mem.push(o.memAboveIdle);
  if (o.rendererAboveIdle !== undefined) c.rendererMem.push(o.rendererAboveIdle);
  else c.rates.push(rate(meta, r.ms));
  if (r.note) c.note = r.note;
  const mem = o.memAboveIdle !== undefined ? `  peak PSS ${((o.idle! + o.memAboveIdle) / MB).toFixed(0)} MB = idle ${(o.idle! / MB).toFixed(0)} + ${(o.memAboveIdle / MB).toFixed(0)} MB [${o.growth}; renderer's own peak +${((o.rendererAboveIdle ?? 0) / MB).toFixed(0)}]` : '';
  console.log(`  ${kind.padEnd(14)} T=${t}  ${(r.ms / 1000).toFixed(2)} s  ${rate(meta, r.ms).toFixed(0)} MB/s${mem}${r.note ? `  (${r.note})` : ''}`);
}

const t0 = performance.now();
if (!args['memory-only']) {
console.log(`\nspeed: (a) drain vs (b) masked pass (as the app: inflater and gather on one thread) vs (b2) the inflater in a worker of its own, interleaved, ${RUNS} runs each, no sampling`);
for (const t of TRIALS) {
  for (let i = 0; i < RUNS; i++) {
    // Speed: the gathered volumes are summed and dropped, as the drain drops its output (in these
    // incognito contexts OPFS is an in-memory file system behind IPC, which no app user has).
    for (const kind of ['drain', 'drain-paced', 'masked', 'masked-2threads'] as const) record(kind, t, await runJob(browser, pageUrl, { ...variant(kind, t), sink: 'none' }, { sample: false, timeoutMs: 120_000 }));
  }
}
}
console.log(`\nmemory: PSS of all Chromium processes every 50 ms, peak above the idle level just before; ${RUNS} runs of (b), 1 of the others; disk-backed profile (OPFS on disk)`);
for (const t of TRIALS) {
  for (let i = 0; i < RUNS; i++) record('masked', t, await runJob(onDisk, pageUrl, variant('masked', t), { sample: true, timeoutMs: 120_000 }));
  for (const kind of ['masked-unpaced', 'drain', 'drain-paced'] as const) record(kind, t, await runJob(onDisk, pageUrl, variant(kind, t), { sample: true, timeoutMs: 120_000 }));
}
// Diagnostic: the same jobs calling gc() as they go, in a browser started with
// --expose-gc. The gap to the runs above is garbage V8 has not collected yet.
const gcBrowser = await bareHost({ args: ['--js-flags=--expose-gc'] });
console.log('\nmemory, diagnostic: the same jobs forcing gc() (every 2 volumes / 16 chunks), 1 run each; rates not comparable');
const liveMem = new Map<string, number>();
for (const t of TRIALS) {
  for (const kind of ['masked', 'drain'] as const) {
    const o = await runJob(gcBrowser, pageUrl, { ...jobFor(kind, t), forceGc: true }, { sample: true, timeoutMs: 180_000 });
    const r = o.result;
    if (!r.ok || o.memAboveIdle === undefined) console.log(`  ${kind.padEnd(12)} T=${t}  failed: ${r.ok ? 'no sample' : r.error}`);
    else {
      liveMem.set(`${kind}:${t}`, o.memAboveIdle);
      console.log(`  ${kind.padEnd(14)} T=${t}  ${(r.ms / 1000).toFixed(2)} s  peak PSS idle ${(o.idle! / MB).toFixed(0)} + ${(o.memAboveIdle / MB).toFixed(0)} MB [${o.growth}]`);
    }
  }
}
await gcBrowser.close();
if (!args['no-peers']) {
  console.log(`\npeers: whole-file loaders, ${PEER_RUNS} runs at T=${TRIALS[0]}, 1 at larger T (memory sampled on every run; stop at the first failure)`);
  for (const t of TRIALS) {
    for (const kind of ['nifti-reader', 'niivue'] as const) {
      for (let i = 0; i < (t === TRIALS[0] ? PEER_RUNS : 1); i++) {
        const o = await runJob(browser, pageUrl, jobFor(kind, t), { sample: true, timeoutMs: PEER_TIMEOUT_MS });
        // A sampled peer run counts for both its rate and its memory.
        if (o.result.ok) cell(kind, t).rates.push(rate(metas.get(t)!, o.result.ms));
        record(kind, t, o);
        if (!o.result.ok) break;
      }
    }
  }
}
await browser.close();
await onDisk.close();
await server.close();
await bucket.close();

// ---------------------------------------------------------------- report

const fmtRate = (c: Cell | undefined) => (!c ? '–' : !c.rates.length ? (c.failed ? 'failed' : '–') : `${median(c.rates).toFixed(0)} MB/s`);
const fmtMem = (xs: number[]) => (xs.length ? `${(median(xs) / MB).toFixed(0)} MB` : '–');
const meta0 = metas.get(TRIALS[0])!;
console.log(`\n=== betas masked pass — 143³ grid, ${meta0.nBrain} brain voxels (${((100 * meta0.nBrain) / VOXELS).toFixed(1)}%), gzip -1, module worker, medians of ${RUNS} ===`);
console.log('trials  gz / raw MB     (a) DS drain  (a2) paced    (b) masked   (b)/(a)  (b)/(a2)  (b2) 2 threads (b2)/(a)  nifti-reader-js    NiiVue loadFromUrl  (b)/nrj  (b)/niivue');
for (const t of TRIALS) {
  const m = metas.get(t)!;
  const a = cell('drain', t);
  const a2 = cell('drain-paced', t);
  const b = cell('masked', t);
  const b1 = cell('masked-2threads', t);
  const nrj = cells.get(`nifti-reader:${t}`);
  const nv = cells.get(`niivue:${t}`);
  const ratio = (x: Cell | undefined) => (x && x.rates.length && b.rates.length && !x.failed ? `${(median(b.rates) / median(x.rates)).toFixed(1)}×` : '–');
  console.log(
    [
      String(t).padEnd(6),
      `${(m.gzBytes / MB).toFixed(0)} / ${(m.rawBytes / MB).toFixed(0)}`.padEnd(14),
      fmtRate(a).padEnd(12),
      fmtRate(a2).padEnd(12),
      fmtRate(b).padEnd(11),
      (a.rates.length && b.rates.length ? (median(b.rates) / median(a.rates)).toFixed(2) : '–').padEnd(7),
      (a2.rates.length && b.rates.length ? (median(b.rates) / median(a2.rates)).toFixed(2) : '–').padEnd(8),
      fmtRate(b1).padEnd(13),
      (a.rates.length && b1.rates.length ? (median(b1.rates) / median(a.rates)).toFixed(2) : '–').padEnd(8),
      fmtRate(nrj).padEnd(17),
      fmtRate(nv).padEnd(18),
      ratio(nrj).padEnd(7),
      ratio(nv),
    ].join('  '),
  );
}
console.log(
  'per round (each pass against the drains run next to it): ' +
    TRIALS.map((t) => `T=${t}: (b)/(a) ${perRound(cell('masked', t).rates, cell('drain', t).rates)}, (b)/(a2) ${perRound(cell('masked', t).rates, cell('drain-paced', t).rates)}`).join('; '),
);
console.log('\npeak PSS above idle, medians. Target: the renderer during (b) < 300 MB, independent of T. "all" sums every Chromium');
console.log('process; the memory runs use a profile on disk, so OPFS (the output file) is not in any process\'s memory.');
console.log('(b) paces V8\'s collector to the chunks it drops, as the app does (src/formats/gc-pacer.ts); "unpaced" is the same pass without.');
console.log('trials  (b) renderer  (b) all  (b) unpaced renderer  output to OPFS  (a) all  (a2) paced all  (b) gc()  (a) gc()  nifti-reader-js  NiiVue');
for (const t of TRIALS) {
  const b = cell('masked', t);
  const out = outputBytes.get(t) ?? t * meta0.nBrain * 4;
  console.log(
    [
      String(t).padEnd(6),
      fmtMem(b.rendererMem).padEnd(12),
      fmtMem(b.mem).padEnd(7),
      fmtMem(cell('masked-unpaced', t).rendererMem).padEnd(20),
      `${(out / MB).toFixed(0)} MB`.padEnd(14),
      fmtMem(cell('drain', t).mem).padEnd(9),
      fmtMem(cell('drain-paced', t).mem).padEnd(14),
      fmtMem(liveMem.has(`masked:${t}`) ? [liveMem.get(`masked:${t}`)!] : []).padEnd(8),
      fmtMem(liveMem.has(`drain:${t}`) ? [liveMem.get(`drain:${t}`)!] : []).padEnd(8),
      fmtMem(cells.get(`nifti-reader:${t}`)?.mem ?? []).padEnd(15),
      fmtMem(cells.get(`niivue:${t}`)?.mem ?? []),
    ].join('  '),
  );
}
const failures = [...cells.entries()].filter(([, c]) => c.failed);
if (failures.length) {
  console.log('\nfailures:');
  for (const [key, c] of failures) console.log(`  ${key}: failed: ${c.failed}`);
}
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s (excluding data generation and build)`);
if (failures.some(([key]) => key.startsWith('masked') || key.startsWith('drain'))) process.exitCode = 1;
