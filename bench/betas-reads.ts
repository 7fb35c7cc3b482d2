/**
 * `npm run bench:betas-reads [-- --moves 25]`
 *
 * After one streaming pass of the demo's sub-01 ses-01 betas into OPFS: how
 * long one trial's brain map and one voxel's series take to read (worker-side,
 * as the app does it), in headless Chromium. Target: < 20 ms median each.
 * Baseline in the same run: a plain OPFS file read of the same number of
 * bytes from the page (the storage floor).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { startBucketServer } from '../tools/s3-server/server.ts';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { moves: { type: 'string', default: '25' } } });
const MOVES = Number(values.moves);

const bucket = await startBucketServer({ buckets: { 'laion-fmri': resolve(REPO, 'demo-data/laion-fmri') }, port: 0 });
const outDir = resolve(REPO, 'bench/out/reads-dist');
execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir'], { cwd: REPO, env: { ...process.env, VITE_DEMO_ENDPOINT: `${bucket.url}/laion-fmri` }, stdio: 'ignore' });
const server = await preview({ root: REPO, build: { outDir }, preview: { port: 0 }, logLevel: 'silent' });
const app = server.resolvedUrls!.local[0].replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

await page.goto(`${app}/?source=demo&subject=sub-01&tab=viewer&vox=10,16,20&roimode=off&layout=axial`);
const panel = page.getByTestId('betas-panel');
await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
await panel.getByTestId('betas-cached').waitFor({ timeout: 120_000 });
const cached = (await panel.getByTestId('betas-cached').textContent())!;
const [trials, nBrain] = cached.match(/^(\d+) trials × ([\d,]+)/)!.slice(1).map((x) => Number(x.replace(/,/g, '')));

async function readTimes(): Promise<{ map?: number; voxel?: number }> {
  const text = (await panel.getByTestId('betas-read-times').textContent()) ?? '';
  const m = /map ([\d.]+) ms/.exec(text);
  const v = /voxel series ([\d.]+) ms/.exec(text);
  return { map: m ? Number(m[1]) : undefined, voxel: v ? Number(v[1]) : undefined };
}

const mapMs: number[] = [];
for (let i = 0; i < MOVES; i++) {
  const t = (i * 37) % trials;
  await panel.getByRole('slider', { name: 'Trial' }).fill(String(t));
  await page.waitForFunction((tt) => document.querySelector('[data-testid=trial-index]')?.textContent === String(tt), t);
  await page.waitForTimeout(120);
  const r = await readTimes();
  if (r.map !== undefined) mapMs.push(r.map);
}
const voxelMs: number[] = [];
let last = '';
for (let i = 0; i < MOVES; i++) {
  await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'PageUp');
  await page.waitForTimeout(150);
  const text = (await panel.getByTestId('betas-read-times').textContent()) ?? '';
  const r = await readTimes();
  if (r.voxel !== undefined && text !== last) voxelMs.push(r.voxel);
  last = text;
}

// Storage floor: the same byte counts read from a plain OPFS file on the page.
const floor = await page.evaluate(
  async ({ rowBytes, colBytes }) => {
    const root = await navigator.storage.getDirectory();
    const f = await root.getFileHandle('bench-floor.bin', { create: true });
    const w = await f.createWritable();
    await w.write(new Uint8Array(rowBytes * 8));
    await w.close();
    const file = await f.getFile();
    // No named helper functions in here: the bundler would inject a __name() the page lacks.
    const medians: number[] = [];
    for (const n of [rowBytes, colBytes]) {
      const xs: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        await file.slice((i % 8) * rowBytes, (i % 8) * rowBytes + n).arrayBuffer();
        xs.push(performance.now() - t0);
      }
      medians.push(xs.sort((a, b) => a - b)[7]);
    }
    const r = { row: medians[0], col: medians[1] };
    await root.removeEntry('bench-floor.bin');
    return r;
  },
  { rowBytes: nBrain * 4, colBytes: trials * 4 },
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`betas reads from OPFS, sub-01 ses-01 (${trials} trials × ${nBrain} brain voxels), medians`);
console.log(`  one trial's map     ${median(mapMs).toFixed(1)} ms (n=${mapMs.length})   target < 20 ms   floor (page File.slice) ${floor.row.toFixed(1)} ms`);
console.log(`  one voxel's series  ${median(voxelMs).toFixed(1)} ms (n=${voxelMs.length})   target < 20 ms   floor ${floor.col.toFixed(1)} ms`);
await browser.close();
await server.close();
await bucket.close();
