/**
 * `npm run bench:betas [-- --runs 3 --trials 128,256 --peer-runs 3 --no-peers]`
 *
 * Issue 4's masked streaming pass over a realistic betas file, in a module
 * worker of headless Chromium (SwiftShader flags as in viewer-startup.ts):
 *   (a) floor  — fetch + DecompressionStream, output discarded;
 *   (b) pass   — fetch → maybeGunzip → maskedPass gathering the in-brain voxels
 *                into a preallocated T × nBrain float32 output;
 *   (c) peers  — nifti-reader-js (decompress + readImage, in a worker) and
 *                NiiVue's NVImage.loadFromUrl (main thread), or why they fail.
 * Rates are MB/s of inflated data (medians); the ratios come from the same run.
 * Memory: PSS of all Chromium processes (/proc/<pid>/smaps_rollup) sampled
 * every 50 ms during the job, peak minus the idle level just before it.
 *
 * The data (143³ × T float32, ≈9% in-brain noise, rest 0, gzip -1 ≈ 11:1) is
 * generated once into bench/out/betas-data/ and reused.
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { build, preview } from 'vite';
import { allocateNifti1 } from '../src/formats/nifti-write.ts';
import { startBucketServer } from '../tools/s3-server/server.ts';
import { brainIndices, DIMS, fillTrial, VOXELS } from './betas-page/brain.ts';
import type { Job, JobKind, JobResult } from './betas-page/protocol.ts';

const REPO = resolve(import.meta.dirname, '..');
const OUT = resolve(REPO, 'bench/out');
const DATA_DIR = resolve(OUT, 'betas-data');
const PAGE_DIR = resolve(REPO, 'bench/betas-page');
const PAGE_DIST = resolve(OUT, 'betas-page-dist');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    trials: { type: 'string', default: '128,256' },
    'peer-runs': { type: 'string', default: '3' },
    'no-peers': { type: 'boolean', default: false },
    'peer-timeout': { type: 'string', default: '240' },
    /** Only issue 6's whole-brain export (zip into OPFS straight from the file): time, output size, peak PSS. */
    export: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const TRIALS = args.trials.split(',').map(Number);
const PEER_RUNS = Number(args['peer-runs']);
const PEER_TIMEOUT_MS = Number(args['peer-timeout']) * 1000;
const MB = 1e6;

// ---------------------------------------------------------------- data

interface DataMeta {
  trials: number;
  nBrain: number;
  rawBytes: number;
  gzBytes: number;
  /** float64 sum of all in-brain values in (trial, ascending voxel) order. */
  sum: number;
}

const fileName = (t: number) => `sub-bench_task-betas_trials-${t}_betas.nii.gz`;

/** Writes header + volumes through gzip -1 to disk, one volume in memory at a time. */
async function ensureData(trials: number): Promise<DataMeta> {
  const path = resolve(DATA_DIR, fileName(trials));
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath)) return JSON.parse(readFileSync(metaPath, 'utf8')) as DataMeta;
  mkdirSync(DATA_DIR, { recursive: true });
  const t0 = performance.now();
  const gather = brainIndices();
  // A 3-D file (header + one volume) whose header is then patched to 4-D, so
  // the encoder never allocates the whole 4-D image.
  const { bytes, data } = allocateNifti1({
    dims: [...DIMS],
    pixdim: [1.8, 1.8, 1.8],
    datatype: 'float32',
    affine: [
      [-1.8, 0, 0, 127.8],
      [0, 1.8, 0, -145.8],
      [0, 0, 1.8, -109.8],
      [0, 0, 0, 1],
    ],
    description: 'betas-pass benchmark: 9% in-brain noise, rest 0',
  });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt16(40, 4, true); // dim[0]
  view.setInt16(48, trials, true); // dim[4]
  view.setFloat32(92, 1, true); // pixdim[4]
  const vol = data as Float32Array;
  const values = new Float32Array(gather.length);
  let sum = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from(bytes.subarray(0, 352));
    for (let t = 0; t < trials; t++) {
      fillTrial(t, values);
      for (let k = 0; k < gather.length; k++) {
        vol[gather[k]] = values[k];
        sum += values[k];
      }
      yield Buffer.from(bytes.subarray(352)); // a copy: the volume buffer is reused
    }
  }
  const tmp = `${path}.tmp`;
  await pipeline(Readable.from(chunks()), createGzip({ level: 1 }), createWriteStream(tmp));
  renameSync(tmp, path);
  const meta: DataMeta = { trials, nBrain: gather.length, rawBytes: 352 + VOXELS * 4 * trials, gzBytes: statSync(path).size, sum };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  console.log(`  generated ${fileName(trials)}: ${(meta.gzBytes / MB).toFixed(0)} MB gz / ${(meta.rawBytes / MB).toFixed(0)} MB raw in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return meta;
}

// ---------------------------------------------------------------- memory (toolchain.md §6)

/** Chromium processes = descendants of this Node process whose comm mentions chrom. */
function chromiumPids(): number[] {
  const children = new Map<number, number[]>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const pid = Number(entry);
      comm.set(pid, name);
      const list = children.get(ppid);
      if (list) list.push(pid);
      else children.set(ppid, [pid]);
    } catch {
      // the process ended while we listed
    }
  }
  const out: number[] = [];
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    if (/chrom/i.test(comm.get(pid) ?? '')) out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** What a Chromium process is, from its --type= switch (none: the browser process). */
function processType(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
    return type === 'utility' && sub ? sub.split('.').slice(-1)[0] : type;
  } catch {
    return 'gone';
  }
}

/** PSS of the Chromium processes, bytes: the total and per process type. */
function chromiumPss(): { total: number; byType: Map<string, number> } {
  let total = 0;
  const byType = new Map<string, number>();
  for (const pid of chromiumPids()) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (!m) continue;
      const bytes = Number(m[1]) * 1024;
      total += bytes;
      const type = processType(pid);
      byType.set(type, (byType.get(type) ?? 0) + bytes);
    } catch {
      // gone
    }
  }
  return { total, byType };
}

type PssSample = ReturnType<typeof chromiumPss>;

/** Samples every 50 ms; keeps the sample with the highest total. */
class Sampler {
  private timer: NodeJS.Timeout | undefined;
  peak: PssSample = { total: 0, byType: new Map() };
  private take(): void {
    const s = chromiumPss();
    if (s.total > this.peak.total) this.peak = s;
  }
  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), 50);
  }
  stop(): void {
    clearInterval(this.timer);
    this.take();
  }
}

/** The idle level: the median sample over `ms` (per type: the same sample). */
async function idleLevel(ms = 1000): Promise<PssSample> {
  const xs: PssSample[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    xs.push(chromiumPss());
    await new Promise((r) => setTimeout(r, 50));
  }
  return [...xs].sort((a, b) => a.total - b.total)[Math.floor(xs.length / 2)];
}

/** "renderer +412, browser +30, …" — how each process type grew from idle to the peak, MB. */
function growth(idle: PssSample, peak: PssSample): string {
  const types = new Set([...idle.byType.keys(), ...peak.byType.keys()]);
  return [...types]
    .map((t) => [t, (peak.byType.get(t) ?? 0) - (idle.byType.get(t) ?? 0)] as const)
    .filter(([, d]) => Math.abs(d) >= 5 * MB)
    .sort((a, b) => b[1] - a[1])
    .map(([t, d]) => `${t} ${d >= 0 ? '+' : ''}${(d / MB).toFixed(0)}`)
    .join(', ');
}

// ---------------------------------------------------------------- running jobs

interface Outcome {
  result: JobResult;
  /** Peak PSS above idle, bytes (sampled runs only). */
  memAboveIdle?: number;
  idle?: number;
  /** Per process type growth at the peak. */
  growth?: string;
}

async function runJob(browser: Browser, pageUrl: string, job: Job, opts: { sample: boolean; timeoutMs: number }): Promise<Outcome> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => typeof window.betasBench === 'function');
    let idle: PssSample | undefined;
    const sampler = new Sampler();
    if (opts.sample) {
      idle = await idleLevel();
      sampler.start();
    }
    let timer: NodeJS.Timeout | undefined;
    const crashed = new Promise<JobResult>((r) => page.once('crash', () => r({ ok: false, error: 'renderer crashed (out of memory?)' })));
    const timedOut = new Promise<JobResult>((r) => {
      timer = setTimeout(() => r({ ok: false, error: `timeout after ${opts.timeoutMs / 1000} s` }), opts.timeoutMs);
    });
    const evaluated = page.evaluate((j) => window.betasBench(j), job).catch((e: unknown): JobResult => ({ ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) }));
    const result = await Promise.race([evaluated, crashed, timedOut]);
    clearTimeout(timer);
    if (opts.sample) sampler.stop();
    if (!idle) return { result };
    return { result, idle: idle.total, memAboveIdle: sampler.peak.total - idle.total, growth: growth(idle, sampler.peak) };
  } finally {
    await context.close().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // let the renderer go before the next idle level
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- main

console.log('preparing data (cached in bench/out/betas-data/)');
const metas = new Map<number, DataMeta>();
for (const t of TRIALS) metas.set(t, await ensureData(t));
if (!existsSync(resolve(REPO, 'src/formats/masked-pass.ts'))) {
  console.error('src/formats/masked-pass.ts does not exist yet: nothing to benchmark.');
  process.exit(2);
}

await build({
  configFile: false,
  root: PAGE_DIR,
  base: './',
  logLevel: 'error',
  worker: { format: 'es' },
  build: { outDir: PAGE_DIST, emptyOutDir: true, target: 'es2023', chunkSizeWarningLimit: 8000 },
});
const server = await preview({
  configFile: false,
  root: PAGE_DIR,
  build: { outDir: PAGE_DIST },
  preview: { host: '127.0.0.1', port: 0, strictPort: false },
  logLevel: 'silent',
});
const pageUrl = `${server.resolvedUrls!.local[0].replace(/\/$/, '')}/index.html`;
const bucket = await startBucketServer({ buckets: { bench: DATA_DIR }, port: 0 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});

const jobFor = (kind: JobKind, trials: number): Job => ({ kind, url: `${bucket.url}/bench/${fileName(trials)}`, name: fileName(trials), volumes: trials });
const rate = (meta: DataMeta, ms: number) => meta.rawBytes / MB / (ms / 1000);

if (args.export) {
  // A disk-backed profile: in an ephemeral context OPFS lives in the browser process's memory, which
  // would count the staged zip itself as memory.
  const profile = resolve(OUT, 'export-profile');
  const onDisk = {
    newContext: () =>
      chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] }),
  } as unknown as Browser;
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
  await browser.close();
  await bucket.close();
  await server.close();
  process.exit(0);
}

interface Cell {
  rates: number[];
  failed?: string;
  mem: number[];
  note?: string;
}
const cells = new Map<string, Cell>();
const cell = (kind: JobKind, t: number): Cell => {
  const key = `${kind}:${t}`;
  let c = cells.get(key);
  if (!c) cells.set(key, (c = { rates: [], mem: [] }));
  return c;
};
const outputBytes = new Map<number, number>();

function record(kind: JobKind, t: number, o: Outcome): void {
  const c = cell(kind, t);
  const meta = metas.get(t)!;
  const r = o.result;
  if (!r.ok) {
    c.failed ??= r.error;
    console.log(`  ${kind.padEnd(12)} T=${t}  failed: ${r.error}`);
    return;
  }
  if (kind === 'drain' || kind === 'masked') {
    if (r.inflatedBytes !== meta.rawBytes) c.failed ??= `saw ${r.inflatedBytes} inflated bytes, the file has ${meta.rawBytes}`;
  }
  if (kind === 'masked') {
    if (r.outputSum !== meta.sum) c.failed ??= `output checksum ${r.outputSum} ≠ generator's ${meta.sum}: wrong values gathered`;
    if (r.outputBytes) outputBytes.set(t, r.outputBytes);
  }
  if (o.memAboveIdle !== undefined) c.mem.push(o.memAboveIdle);
  else c.rates.push(rate(meta, r.ms));
  if (r.note) c.note = r.note;
  const mem = o.memAboveIdle !== undefined ? `  peak PSS ${((o.idle! + o.memAboveIdle) / MB).toFixed(0)} MB = idle ${(o.idle! / MB).toFixed(0)} + ${(o.memAboveIdle / MB).toFixed(0)} MB [${o.growth}]` : '';
  console.log(`  ${kind.padEnd(12)} T=${t}  ${(r.ms / 1000).toFixed(2)} s  ${rate(meta, r.ms).toFixed(0)} MB/s${mem}${r.note ? `  (${r.note})` : ''}`);
}

const t0 = performance.now();
console.log(`\nspeed: (a) drain vs (b) masked pass, interleaved, ${RUNS} runs each, no sampling`);
for (const t of TRIALS) {
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['drain', 'masked'] as const) record(kind, t, await runJob(browser, pageUrl, jobFor(kind, t), { sample: false, timeoutMs: 120_000 }));
  }
}
console.log(`\nmemory: PSS of all Chromium processes every 50 ms, peak above the idle level just before; ${RUNS} runs of (b), 1 of (a)`);
for (const t of TRIALS) {
  for (let i = 0; i < RUNS; i++) record('masked', t, await runJob(browser, pageUrl, jobFor('masked', t), { sample: true, timeoutMs: 120_000 }));
  record('drain', t, await runJob(browser, pageUrl, jobFor('drain', t), { sample: true, timeoutMs: 120_000 }));
}
// Diagnostic: the same jobs calling gc() as they go, in a browser started with
// --expose-gc. The gap to the runs above is garbage V8 has not collected yet.
const gcBrowser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--js-flags=--expose-gc'],
});
console.log('\nmemory, diagnostic: the same jobs forcing gc() (every 2 volumes / 16 chunks), 1 run each; rates not comparable');
const liveMem = new Map<string, number>();
for (const t of TRIALS) {
  for (const kind of ['masked', 'drain'] as const) {
    const o = await runJob(gcBrowser, pageUrl, { ...jobFor(kind, t), forceGc: true }, { sample: true, timeoutMs: 180_000 });
    const r = o.result;
    if (!r.ok || o.memAboveIdle === undefined) console.log(`  ${kind.padEnd(12)} T=${t}  failed: ${r.ok ? 'no sample' : r.error}`);
    else {
      liveMem.set(`${kind}:${t}`, o.memAboveIdle);
      console.log(`  ${kind.padEnd(12)} T=${t}  ${(r.ms / 1000).toFixed(2)} s  peak PSS idle ${(o.idle! / MB).toFixed(0)} + ${(o.memAboveIdle / MB).toFixed(0)} MB [${o.growth}]`);
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
await server.close();
await bucket.close();

// ---------------------------------------------------------------- report

const fmtRate = (c: Cell | undefined) => (!c ? '–' : !c.rates.length ? (c.failed ? 'failed' : '–') : `${median(c.rates).toFixed(0)} MB/s`);
const fmtMem = (xs: number[]) => (xs.length ? `${(median(xs) / MB).toFixed(0)} MB` : '–');
const meta0 = metas.get(TRIALS[0])!;
console.log(`\n=== betas masked pass — 143³ grid, ${meta0.nBrain} brain voxels (${((100 * meta0.nBrain) / VOXELS).toFixed(1)}%), gzip -1, module worker, medians of ${RUNS} ===`);
console.log('trials  gz / raw MB     (a) DS drain  (b) masked   (b)/(a)  nifti-reader-js    NiiVue loadFromUrl  (b)/nrj  (b)/niivue');
for (const t of TRIALS) {
  const m = metas.get(t)!;
  const a = cell('drain', t);
  const b = cell('masked', t);
  const nrj = cells.get(`nifti-reader:${t}`);
  const nv = cells.get(`niivue:${t}`);
  const ratio = (x: Cell | undefined) => (x && x.rates.length && b.rates.length && !x.failed ? `${(median(b.rates) / median(x.rates)).toFixed(1)}×` : '–');
  console.log(
    [
      String(t).padEnd(6),
      `${(m.gzBytes / MB).toFixed(0)} / ${(m.rawBytes / MB).toFixed(0)}`.padEnd(14),
      fmtRate(a).padEnd(12),
      fmtRate(b).padEnd(11),
      (a.rates.length && b.rates.length ? (median(b.rates) / median(a.rates)).toFixed(2) : '–').padEnd(7),
      fmtRate(nrj).padEnd(17),
      fmtRate(nv).padEnd(18),
      ratio(nrj).padEnd(7),
      ratio(nv),
    ].join('  '),
  );
}
console.log('\npeak Chromium PSS above idle (median; target for (b): < 300 MB, independent of T)');
console.log('trials  (b) masked  output T×nBrain  (b) minus output  (a) drain  (b) gc()  (a) gc()  nifti-reader-js  NiiVue');
for (const t of TRIALS) {
  const b = cell('masked', t);
  const out = outputBytes.get(t) ?? t * meta0.nBrain * 4;
  const bm = b.mem.length ? median(b.mem) : NaN;
  console.log(
    [
      String(t).padEnd(6),
      fmtMem(b.mem).padEnd(10),
      `${(out / MB).toFixed(0)} MB`.padEnd(15),
      (Number.isFinite(bm) ? `${((bm - out) / MB).toFixed(0)} MB` : '–').padEnd(16),
      fmtMem(cell('drain', t).mem).padEnd(9),
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
