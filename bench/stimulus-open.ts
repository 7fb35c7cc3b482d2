/**
 * `npm run bench:stimulus [-- --runs 15]`
 *
 * Issue 5's number: opening one stimulus image out of the packed images
 * archive moves < 2 MiB and takes < 300 ms. Measured in headless Chromium,
 * reading the way the app does (src/formats/hdf5-range.ts: Range GETs, then
 * createImageBitmap), on two archives served by the dev S3 server with the
 * DUA gate off:
 *   - the demo bucket's `stimuli/task-images_stimuli.h5` (136 images, 256 px);
 *   - a full-count synthetic archive (25,052 entries like the real file; 48 of
 *     them 1000×1000 JPEGs of realistic size, the rest small), written once to
 *     bench/out/stimulus-data/.
 * For each: a cold open (new reader: superblock, dataset header, reference
 * block, then the image), a warm open (reader kept: reference block + image),
 * and in the same run the baselines: one Range GET of exactly the image's
 * bytes + decode (the floor), and a GET of the whole file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import jpeg from 'jpeg-js';
import { build, preview } from 'vite';
import { Hdf5File } from '../src/formats/hdf5-range.ts';
import { writeHdf5 } from '../tools/lib/hdf5-writer.ts';
import { startBucketServer } from '../tools/s3-server/server.ts';
import type { OpenResult } from './stimulus-page/main.ts';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);
const DEMO = resolve(REPO, 'demo-data/laion-fmri');
const DATA = resolve(REPO, 'bench/out/stimulus-data');
const FULL_N = 25_052;
const BIG_EVERY = 521;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A 1000×1000 photo-like JPEG: smooth colour fields plus grain (q85 gives a few hundred kB, like LAION photos). */
function photo(seed: number, size = 1000): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  let x = seed * 2654435761;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) - 128;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const k = 4 * (i * size + j);
      rgba[k] = 128 + 90 * Math.sin((i + seed * 13) / 70) + rnd() / 6;
      rgba[k + 1] = 128 + 90 * Math.cos((j - seed * 7) / 55) + rnd() / 6;
      rgba[k + 2] = 128 + 60 * Math.sin((i + j) / 90 + seed) + rnd() / 6;
      rgba[k + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: size, height: size }, 85).data);
}

function fullArchive(): string {
  const path = resolve(DATA, 'task-images_stimuli.h5');
  if (existsSync(path)) return path;
  mkdirSync(DATA, { recursive: true });
  console.log('writing the full-count synthetic archive once (bench/out/stimulus-data)…');
  const small = Array.from({ length: 16 }, (_, k) => photo(1000 + k, 48));
  const values: Uint8Array[] = [];
  for (let i = 0; i < FULL_N; i++) values.push(i % BIG_EVERY === 7 ? photo(i) : small[i % small.length]);
  writeFileSync(path, writeHdf5([{ name: 'images', type: 'vlen-u1', values }]));
  return path;
}

/** Where the image's encoded bytes sit in the file (for the floor baseline). */
async function locate(file: Buffer, index: number): Promise<{ offset: number; length: number }> {
  const h5 = new Hdf5File({ name: 'x', read: async (o, n) => new Uint8Array(file.subarray(o, o + n)) });
  const bytes = await h5.readVlenBytes('images', index);
  const offset = file.indexOf(Buffer.from(bytes));
  if (offset < 0) throw new Error('image bytes not found');
  return { offset, length: bytes.length };
}

const fullPath = fullArchive();
const pageDir = resolve(REPO, 'bench/stimulus-page');
const pageDist = resolve(REPO, 'bench/out/stimulus-page-dist');
await build({ configFile: false, root: pageDir, base: './', logLevel: 'error', build: { outDir: pageDist, emptyOutDir: true, target: 'es2023' } });
const server = await preview({ configFile: false, root: pageDir, build: { outDir: pageDist }, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'silent' });
const pageUrl = `${server.resolvedUrls!.local[0].replace(/\/$/, '')}/index.html`;
const bucket = await startBucketServer({ buckets: { 'laion-fmri': DEMO, bench: DATA }, port: 0, deny: [] });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });

const MiB = 1024 * 1024;
let failed = false;
const cases = [
  { label: 'demo archive', url: `${bucket.url}/laion-fmri/stimuli/task-images_stimuli.h5`, path: resolve(DEMO, 'stimuli/task-images_stimuli.h5'), indices: (r: number) => (r * 37) % 136 },
  { label: 'full-count archive (25,052 entries, 1000 px JPEGs)', url: `${bucket.url}/bench/task-images_stimuli.h5`, path: fullPath, indices: (r: number) => ((r * 5) % 48) * BIG_EVERY + 7 },
];
for (const c of cases) {
  const file = readFileSync(c.path);
  const page = await (await browser.newContext()).newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => typeof window.stimOpen === 'function');
  const cold: OpenResult[] = [];
  const warm: OpenResult[] = [];
  const floor: OpenResult[] = [];
  const whole: OpenResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    const i = c.indices(r);
    const j = c.indices(r + RUNS);
    const at = await locate(file, i);
    cold.push(await page.evaluate(([u, k]) => window.stimOpen(u, k, false), [c.url, i] as const));
    floor.push(await page.evaluate(([u, o, n]) => window.stimFloor(u, o, n), [c.url, at.offset, at.length] as const));
    warm.push(await page.evaluate(([u, k]) => window.stimOpen(u, k, true), [c.url, j] as const));
    if (r < 3) whole.push(await page.evaluate((u) => window.stimWhole(u), c.url));
  }
  await page.context().close();
  const imageBytes = median(floor.map((f) => f.bytes));
  const row = (name: string, xs: OpenResult[]) => {
    const ms = median(xs.map((x) => x.ms));
    const bytes = median(xs.map((x) => x.bytes));
    const req = median(xs.map((x) => x.requests));
    return { name, ms, bytes, req };
  };
  const rows = [row('cold open (new reader)', cold), row('warm open (index cached)', warm), row('floor: 1 GET of the image bytes', floor), row('whole-file GET', whole)];
  const floorMs = rows[2].ms;
  console.log(`\n${c.label}: ${(file.length / MiB).toFixed(1)} MiB file, median image ${(imageBytes / 1024).toFixed(1)} KiB, ${cold[0].width}×${cold[0].height} px, ${RUNS} runs`);
  console.log('  what                               median ms   × floor   bytes moved   × image   requests');
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(34)} ${r.ms.toFixed(1).padStart(9)} ${(r.ms / floorMs).toFixed(2).padStart(9)} ${r.bytes.toLocaleString('en').padStart(13)} ${(r.bytes / imageBytes).toFixed(2).padStart(9)} ${String(r.req).padStart(10)}`);
  }
  const worstBytes = Math.max(...cold.map((x) => x.bytes));
  const ok = rows[0].ms < 300 && rows[1].ms < 300 && worstBytes < 2 * MiB;
  failed ||= !ok;
  console.log(`  target < 2 MiB and < 300 ms per open: ${ok ? 'PASS' : 'FAIL'} (largest cold open moved ${(worstBytes / MiB).toFixed(3)} MiB)`);
}
await browser.close();
await bucket.close();
server.httpServer.close();
process.exit(failed ? 1 : 0);
