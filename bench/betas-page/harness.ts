/**
 * Node side of the betas benchmarks (betas-pass.ts, betas-parallel.ts): the
 * realistic data file, PSS memory sampling of Chromium (toolchain.md §6), and
 * running one job on a fresh page of the bench page.
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { build, preview } from 'vite';
import { allocateNifti1 } from '../../src/formats/nifti-write.ts';
import { brainIndices, DIMS, fillTrial, VOXELS } from './brain.ts';
import type { Job, JobResult } from './protocol.ts';
import type { JobHost } from './bare-chromium.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const OUT = resolve(REPO, 'bench/out');
export const DATA_DIR = resolve(OUT, 'betas-data');
const PAGE_DIR = resolve(REPO, 'bench/betas-page');
const PAGE_DIST = resolve(OUT, 'betas-page-dist');
export const MB = 1e6;

// ---------------------------------------------------------------- data

export interface DataMeta {
  trials: number;
  nBrain: number;
  rawBytes: number;
  gzBytes: number;
  /** float64 sum of all in-brain values in (trial, ascending voxel) order. */
  sum: number;
}

export const fileName = (t: number) => `sub-bench_task-betas_trials-${t}_betas.nii.gz`;

/** Writes header + volumes through gzip -1 to disk, one volume in memory at a time. */
export async function ensureData(trials: number): Promise<DataMeta> {
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
export function chromiumPss(): { total: number; byType: Map<string, number> } {
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

export type PssSample = ReturnType<typeof chromiumPss>;

/** CPU time (user + system) of the Chromium processes and of this Node process (the dev server), ms by process type. */
export function cpuTimes(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of chromiumPids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
      const type = processType(pid);
      out.set(type, (out.get(type) ?? 0) + ms);
    } catch {
      // gone
    }
  }
  const self = process.cpuUsage();
  out.set('node (dev server)', (self.user + self.system) / 1000);
  return out;
}

/** Per thread of the Chromium processes: [cpu ns, run-queue wait ns] from /proc/<pid>/task/<tid>/schedstat, keyed "pid/tid name". */
export function threadTimes(): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const pid of chromiumPids()) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        out.set(`${processType(pid)}/${tid} ${name}`, [cpu, wait]);
      } catch {
        // gone
      }
    }
  }
  return out;
}

/** The `n` threads that ran longest between two threadTimes() readings: "name cpu ms (waited for a core ms)". */
export function busiestThreads(before: Map<string, [number, number]>, after: Map<string, [number, number]>, n = 4): string {
  return [...after]
    .map(([k, [c, w]]) => [k.replace(/\/\d+ /, ' '), (c - (before.get(k)?.[0] ?? 0)) / 1e6, (w - (before.get(k)?.[1] ?? 0)) / 1e6] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, c, w]) => `${k} ${c.toFixed(0)} (waited ${w.toFixed(0)})`)
    .join(', ');
}

/** "renderer 1830, network 410, …": CPU ms each process type used between two cpuTimes() readings. */
export function cpuUsed(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([t, v]) => [t, v - (before.get(t) ?? 0)] as const)
    .filter(([, d]) => d >= 20)
    .sort((a, b) => b[1] - a[1])
    .map(([t, d]) => `${t} ${d.toFixed(0)}`)
    .join(', ');
}

/** Samples every 50 ms; keeps the sample with the highest total. */
export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  peak: PssSample = { total: 0, byType: new Map() };
  /** The renderer processes' own peak (the worker runs there), whenever it came. */
  peakRenderer = 0;
  private take(): void {
    const s = chromiumPss();
    if (s.total > this.peak.total) this.peak = s;
    this.peakRenderer = Math.max(this.peakRenderer, s.byType.get('renderer') ?? 0);
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
export async function idleLevel(ms = 1000): Promise<PssSample> {
  const xs: PssSample[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    xs.push(chromiumPss());
    await new Promise((r) => setTimeout(r, 50));
  }
  return [...xs].sort((a, b) => a.total - b.total)[Math.floor(xs.length / 2)];
}

/** "renderer +412, browser +30, …" — how each process type grew from idle to the peak, MB. */
export function growth(idle: PssSample, peak: PssSample): string {
  const types = new Set([...idle.byType.keys(), ...peak.byType.keys()]);
  return [...types]
    .map((t) => [t, (peak.byType.get(t) ?? 0) - (idle.byType.get(t) ?? 0)] as const)
    .filter(([, d]) => Math.abs(d) >= 5 * MB)
    .sort((a, b) => b[1] - a[1])
    .map(([t, d]) => `${t} ${d >= 0 ? '+' : ''}${(d / MB).toFixed(0)}`)
    .join(', ');
}

// ---------------------------------------------------------------- running jobs

export interface Outcome {
  result: JobResult;
  /** Peak PSS above idle, bytes (sampled runs only). */
  memAboveIdle?: number;
  /** Peak PSS of the renderer processes above their idle level, bytes. */
  rendererAboveIdle?: number;
  idle?: number;
  /** Per process type growth at the peak. */
  growth?: string;
  /** CPU ms per process type during the job (cpuUsed). */
  cpu: string;
  /** The busiest Chromium threads during the job, with their time waiting for a core (busiestThreads). */
  threads: string;
}

export async function runJob(host: JobHost, pageUrl: string, job: Job, opts: { sample: boolean; timeoutMs: number }): Promise<Outcome> {
  const page = await host.open(pageUrl);
  try {
    let idle: PssSample | undefined;
    const sampler = new Sampler();
    if (opts.sample) {
      idle = await idleLevel();
      sampler.start();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<JobResult>((r) => {
      timer = setTimeout(() => r({ ok: false, error: `timeout after ${opts.timeoutMs / 1000} s` }), opts.timeoutMs);
    });
    const cpu0 = cpuTimes();
    const threads0 = threadTimes();
    const evaluated = page.run(job).catch((e: unknown): JobResult => ({ ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) }));
    const result = await Promise.race([evaluated, page.crashed, timedOut]);
    clearTimeout(timer);
    const cpu = cpuUsed(cpu0, cpuTimes());
    const threads = busiestThreads(threads0, threadTimes());
    if (opts.sample) sampler.stop();
    if (!idle) return { result, cpu, threads };
    return {
      result,
      cpu,
      threads,
      idle: idle.total,
      memAboveIdle: sampler.peak.total - idle.total,
      rendererAboveIdle: sampler.peakRenderer - (idle.byType.get('renderer') ?? 0),
      growth: growth(idle, sampler.peak),
    };
  } finally {
    await page.close().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // let the renderer go before the next idle level
  }
}

/** The first job in a fresh browser runs slow (caches, code): one unmeasured run of `job` first. */
export async function warmUp(host: JobHost, pageUrl: string, job: Job): Promise<void> {
  await runJob(host, pageUrl, job, { sample: false, timeoutMs: 600_000 });
}

/**
 * Round i's `num[i] / den(i)`, as "median (min–max)": each pass against the baseline run next to it, which
 * the machine's drift hits alike ('–' if a run failed and the rounds no longer pair).
 */
export function perRound(num: number[], dens: number[], den: (d: number) => number = (d) => d): string {
  if (!num.length || num.length !== dens.length) return '–';
  const xs = num.map((x, i) => x / den(dens[i]));
  return `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};


/** Builds the bench page and serves it; returns its URL and a close(). */
export async function servePage(): Promise<{ pageUrl: string; close(): Promise<void> }> {
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
  return { pageUrl: `${server.resolvedUrls!.local[0].replace(/\/$/, '')}/index.html`, close: () => server.close() };
}
