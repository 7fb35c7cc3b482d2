/**
 * `npm run bench:viewer [-- --runs 7]`
 *
 * Time from navigation to the first brain drawn with a noise-ceiling overlay
 * (the viewer's 2-D preview, see src/views/viewer/preview.ts) and to NiiVue's
 * first frame with it, in headless Chromium (SwiftShader) on the demo bucket:
 *   cold  — a new browser context (empty OPFS, empty HTTP cache);
 *   warm  — the same context reloaded (volumes come from OPFS).
 * Baseline measured in the same run: the same browser fetching and inflating
 * exactly the volume files the viewer fetched, with no app (the data floor).
 * Prints medians and ratios; the targets are 1.5 s cold, 0.5 s warm.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { preview } from 'vite';
import { startBucketServer } from '../tools/s3-server/server.ts';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);

const bucket = await startBucketServer({ buckets: { 'laion-fmri': resolve(REPO, 'demo-data/laion-fmri') }, port: 0, admin: true });
const endpoint = `${bucket.url}/laion-fmri`;
const outDir = resolve(REPO, 'bench/out/viewer-dist');
execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir'], { cwd: REPO, env: { ...process.env, VITE_DEMO_ENDPOINT: endpoint }, stdio: 'ignore' });
const server = await preview({ root: REPO, build: { outDir }, preview: { port: 0, strictPort: false }, logLevel: 'silent' });
const appUrl = server.resolvedUrls!.local[0].replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });

const VIEW = '/?source=demo&subject=sub-01&tab=viewer';

/**
 * ms from navigation start to the first picture that includes the map layer
 * (the 2-D preview, or NiiVue's frame if it came first), and to NiiVue's
 * first frame with it (the interactive viewer).
 */
async function firstMapDraw(page: Page): Promise<{ picture: number; niivue: number }> {
  await page.waitForFunction(() => performance.getEntriesByType('mark').some((m) => m.name.startsWith('viewer:drawn:') && m.name.includes('map')), null, { timeout: 60_000 });
  // No named helpers inside: tsx would wrap them in a __name() the page does not have.
  const [niivue, preview] = await page.evaluate(() =>
    ['viewer:drawn:', 'viewer:preview-drawn:'].map((prefix) => performance.getEntriesByType('mark').find((m) => m.name.startsWith(prefix) && m.name.includes('map'))?.startTime ?? Infinity),
  );
  return { picture: Math.min(niivue, preview), niivue };
}

/** The same files, fetched in parallel and inflated by the browser, no app. */
async function dataFloor(page: Page, keys: string[]): Promise<number> {
  await page.goto(`${appUrl}/favicon.svg`);
  return page.evaluate(
    async ({ endpoint, keys }) => {
      const t0 = performance.now();
      await Promise.all(
        keys.map(async (k) => {
          const r = await fetch(`${endpoint}/${k.split('/').map(encodeURIComponent).join('/')}`, { cache: 'no-store' });
          const reader = r.body!.pipeThrough(new DecompressionStream('gzip')).getReader();
          while (!(await reader.read()).done);
        }),
      );
      return performance.now() - t0;
    },
    { endpoint, keys },
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold: number[] = [];
const warm: number[] = [];
const coldNv: number[] = [];
const warmNv: number[] = [];
const floor: number[] = [];
/** Where the time goes in a warm start: each viewer mark's time (ms from navigation), per run. */
const warmStages = new Map<string, number[]>();
async function stages(page: Page): Promise<void> {
  const marks = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const out: [string, number][] = nav ? [['dom-content-loaded', nav.domContentLoadedEventEnd]] : [];
    const seen = new Set<string>();
    for (const m of performance.getEntriesByType('mark')) {
      const name = m.name.replace(/:(anatomy|map|mask|rois?)[\w,:-]*$/, '');
      if (!m.name.startsWith('viewer:') || seen.has(name)) continue;
      seen.add(name);
      out.push([name, m.startTime]);
    }
    return out;
  });
  for (const [name, t] of marks) warmStages.set(name, [...(warmStages.get(name) ?? []), t]);
}
let volumeKeys: string[] = [];
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  bucket.resetStats();
  await page.goto(`${appUrl}${VIEW}`);
  const c = await firstMapDraw(page);
  cold.push(c.picture);
  coldNv.push(c.niivue);
  volumeKeys = Object.keys(bucket.stats().byKey).filter((k) => k.endsWith('.nii.gz'));
  // A warm start is a later visit: the first one has finished (its late layers, the ROIs, are
  // fetched, decoded, stored and drawn) and the machine is quiet, as when a user comes back.
  await page.waitForFunction(() => document.querySelector('[data-testid=niivue]')?.getAttribute('data-layers')?.includes('rois') && !document.querySelector('[data-testid=progress-tray]'), null, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  await page.reload();
  const w = await firstMapDraw(page);
  warm.push(w.picture);
  warmNv.push(w.niivue);
  await stages(page);
  floor.push(await dataFloor(page, volumeKeys));
  await context.close();
}

const fmt = (x: number) => `${Math.round(x)} ms`;
console.log(`viewer startup, demo bucket, ${RUNS} runs (medians), ${volumeKeys.length} volume files`);
console.log('  first brain with the NC map drawn (the 2-D preview, or NiiVue if first):');
console.log(`    cold (network)    ${fmt(median(cold))}   target < 1500 ms   runs: ${cold.map(Math.round).join(', ')}`);
console.log(`    warm (OPFS)       ${fmt(median(warm))}   target <  500 ms   runs: ${warm.map(Math.round).join(', ')}`);
console.log('  NiiVue\'s first frame with it (interactive):');
console.log(`    cold (network)    ${fmt(median(coldNv))}   runs: ${coldNv.map(Math.round).join(', ')}`);
console.log(`    warm (OPFS)       ${fmt(median(warmNv))}   runs: ${warmNv.map(Math.round).join(', ')}`);
console.log(`  baseline: fetch + inflate the same files, no app: ${fmt(median(floor))}`);
console.log(`  ratios: cold / baseline ${(median(cold) / median(floor)).toFixed(1)}×, warm / cold ${(median(warm) / median(cold)).toFixed(2)}×`);
console.log('  warm start, first occurrence of each stage (median ms from navigation):');
for (const [name, ts] of [...warmStages].sort((a, b) => median(a[1]) - median(b[1]))) console.log(`    ${name.padEnd(22)} ${fmt(median(ts))}`);
await browser.close();
await server.close();
await bucket.close();
