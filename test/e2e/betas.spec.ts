/**
 * Single-trial betas in the viewer: one streaming pass into OPFS, then trials
 * and voxel series without the network; cancel and bad files.
 */
import { statSync } from 'node:fs';
import { admin, stats } from './bucket-admin.ts';
import { expect, test } from '@playwright/test';

const VIEW = '/?source=demo&subject=sub-01&tab=viewer&vox=10,16,20&roimode=off&layout=axial';
const BETAS = 'derivatives/glmsingle-tedana/sub-01/ses-01/func/sub-01_ses-01_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz';


test.afterEach(async () => {
  await admin('faults', null);
});

test('stream a session once; trials and voxel series then come from the browser', async ({ page }) => {
  await page.goto(VIEW);
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials × [\d,]+ brain voxels, in this browser/, { timeout: 60_000 });
  await panel.getByRole('slider', { name: 'Trial' }).fill('7');
  await expect(panel.getByTestId('trial-index')).toHaveText('7');
  await expect(panel.getByTestId('trial-label')).toContainText('.jpg');
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', /map/);
  await expect(page).toHaveURL(/trial=7/);
  await expect(panel.getByRole('img', { name: /Betas of the crosshair voxel/ })).toBeVisible();

  // The mean over every shared trial, on the brain (golden picture).
  await panel.getByRole('combobox', { name: 'Betas map shows' }).selectOption('shared');
  await expect(page).toHaveURL(/tview=shared/);
  const view = page.getByTestId('niivue');
  await expect(view).toHaveAttribute('data-layers', 'anatomy,map,mask');
  await expect(page.getByTestId('progress-tray')).toHaveCount(0);
  await page.waitForTimeout(1500); // the mean is read in the worker, then drawn
  await expect(view).toHaveScreenshot('betas-mean-shared.png');

  await admin('stats/reset');
  await page.reload();
  await expect(panel.getByTestId('betas-cached')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('trial-label')).toContainText('.jpg');
  expect((await stats()).byKey[BETAS]).toBeUndefined(); // nothing of the betas file is downloaded again
});

test('cancel stops the download; nothing is kept as whole, the downloaded prefix is offered for a resume', async ({ page }) => {
  await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 400_000 });
  await page.goto(VIEW);
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-progress')).toContainText(/of [\d.]+ MB · .* inflated · volume \d+ of 120/);
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('betas-progress')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Stream ses-01 betas' })).toBeVisible();
  await page.reload();
  await expect(panel.getByRole('button', { name: 'Stream ses-01 betas' })).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('betas-cached')).toHaveCount(0);
  await expect(panel.getByTestId('betas-copy')).toHaveText(/^A previous download stopped at [\d.]+ [kM]B of 7\.\d+ MB: it resumes from there\.$/);
});

test('a corrupt betas file is named and nothing is kept', async ({ page }) => {
  await admin('faults', { match: 'ses-01_task-images_space-T1w_stat-effect', corruptByteAt: 300_000 });
  await page.goto(VIEW);
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByRole('alert')).toContainText(`${BETAS}: the gzip`, { timeout: 60_000 });
  await expect(panel.getByTestId('betas-cached')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Stream ses-01 betas' })).toBeVisible();
});

/** SHA-256 of the session's masked betas as kept in OPFS (the one entry's trial rows). */
async function cachedBetasDigest(page: import('@playwright/test').Page): Promise<string> {
  return page.evaluate(async () => {
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1', 'betas']) d = await d.getDirectoryHandle(n);
    const names: string[] = [];
    for await (const n of (d as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
    const rows = names.filter((n) => n.endsWith('.trials.f32'));
    if (rows.length !== 1) throw new Error(`expected one betas entry, found ${names.join(', ')}`);
    const file = await (await d.getFileHandle(rows[0])).getFile();
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
  });
}

async function clearOpfs(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    for await (const n of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(n, { recursive: true });
  });
}

test('parallel ranged parts overlap in Chromium; dropped parts are resumed on their own; the result is bit-identical', async ({ page }) => {
  test.setTimeout(180_000);
  const panel = page.getByTestId('betas-panel');
  const stream = async () => {
    await page.goto(VIEW);
    await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
    await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
    return cachedBetasDigest(page);
  };
  // A clean run, capped per connection so that the requests have to overlap to finish.
  await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 2_000_000 });
  await page.goto(VIEW);
  const button = panel.getByRole('button', { name: 'Stream ses-01 betas' });
  await expect(button).toBeEnabled({ timeout: 30_000 });
  await page.waitForTimeout(500); // the volumes on screen have finished loading
  await admin('stats/reset');
  await button.click();
  await expect(panel.getByTestId('betas-link-rates')).toContainText(/download [\d.]+ [kM]B\/s over 4 connections \(1\.05 MB parts\) · decode/);
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  const clean = await cachedBetasDigest(page);
  let s = await stats();
  expect(s.maxConcurrent).toBe(4);
  const parts = s.byKey[BETAS].ranges.length;
  expect(parts).toBeGreaterThanOrEqual(6); // a ~7 MB file in 1 MiB parts
  const cleanBytes = s.byKey[BETAS].bytesSent;

  // Every connection drops after 600 kB: each part is resumed from its own last byte.
  await clearOpfs(page);
  await admin('faults', { match: 'SingletrialBetas', dropAfterBytes: 600_000 });
  await admin('stats/reset');
  expect(await stream()).toBe(clean);
  s = await stats();
  // Every part is asked for again from further on each time: never restarted, never from a byte it already had.
  const MiB = 1024 * 1024;
  const starts = new Map<number, number[]>();
  for (const r of s.byKey[BETAS].ranges) {
    const from = Number(/^bytes=(\d+)-/.exec(r)![1]);
    const part = Math.floor(from / MiB);
    starts.set(part, [...(starts.get(part) ?? []), from]);
  }
  expect(starts.size).toBe(parts);
  for (const list of starts.values()) {
    expect(list.length).toBeGreaterThanOrEqual(list[0] + MiB > cleanBytes ? 1 : 2);
    expect(list.every((v, i) => i === 0 || v >= list[i - 1])).toBe(true); // equal: a drop before any byte arrived
  }
  // The server counts what it wrote before cutting the socket; what was still in the socket
  // buffers is lost with it, so these bytes exceed the file by an amount that varies run to run.
  expect(s.byKey[BETAS].bytesSent).toBeGreaterThan(cleanBytes);
});

test('a full browser storage quota: a clear message, nothing half-written kept, the app keeps working', async ({ page, baseURL }) => {
  const cdp = await page.context().newCDPSession(page);
  // 20 MB: the volumes fit, the session's masked betas (two layouts, ~34 MB) do not.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 20 * 1024 * 1024 });
  await page.goto(VIEW);
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  const alert = panel.getByRole('alert');
  await expect(alert).toContainText(`Not enough browser storage for the masked betas of ${BETAS}`, { timeout: 60_000 });
  await expect(panel.getByTestId('betas-cached')).toHaveCount(0);
  // Nothing partial is left in OPFS under the betas folder.
  const leftovers = await page.evaluate(async () => {
    const names: string[] = [];
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1', 'betas']) d = await d.getDirectoryHandle(n, { create: true });
    for await (const n of (d as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
    return names;
  });
  expect(leftovers).toEqual([]);
  // The rest of the viewer still works.
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', /anatomy,map/);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin });
});

test('an offline copy that cannot be opened: the pass still runs from the network, and says why the file was not kept', async ({ page }) => {
  await page.goto(VIEW);
  // A file where the folder of offline copies belongs: opening a copy fails with a TypeMismatchError.
  await page.evaluate(async () => {
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1']) d = await d.getDirectoryHandle(n, { create: true });
    await d.removeEntry('objects', { recursive: true }).catch(() => undefined);
    await d.getFileHandle('objects', { create: true });
  });
  await page.reload();
  const panel = page.getByTestId('betas-panel');
  await expect(panel.getByRole('checkbox', { name: /keep the compressed file/ })).toBeChecked();
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  await expect(panel.getByTestId('betas-copy-fault')).toHaveText(/^The compressed file was not kept offline: the offline copy could not be opened \(TypeMismatchError: [^)]*[^.]\)\.$/);
  await expect(panel.getByTestId('betas-copy')).toHaveCount(0);
  // The cache's consistency check removes the stray file; the next pass keeps its copy.
  await page.getByRole('button', { name: 'Cache' }).click();
  await expect(page.getByTestId('cache-check')).toContainText('data without a manifest');
  await page.keyboard.press('Escape');
  await dropMaskedEntries(page);
  await page.reload();
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-copy')).toContainText('is kept offline too', { timeout: 60_000 });
  await expect(panel.getByTestId('betas-copy-fault')).toHaveCount(0);
});

/** Deletes the derived (masked) betas entries, keeping any copy of the compressed file. */
async function dropMaskedEntries(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(async () => {
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1', 'betas']) d = await d.getDirectoryHandle(n);
    const names: string[] = [];
    for await (const n of (d as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(n);
    for (const n of names) await d.removeEntry(n);
  });
}

test('a reload in the middle of the download resumes from the bytes kept; then the kept file needs no network', async ({ page }) => {
  test.setTimeout(180_000);
  const panel = page.getByTestId('betas-panel');
  const progress = panel.getByTestId('betas-progress');
  await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 500_000 });
  await page.goto(VIEW);
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(progress).toContainText(/^[3-6]\.\d+ MB of 7\.\d+ MB/, { timeout: 30_000 });
  await page.reload();
  const note = panel.getByTestId('betas-copy');
  await expect(note).toContainText('A previous download stopped at', { timeout: 30_000 });
  // What is kept is what the inflater had taken, in order (the parts downloaded ahead are not kept).
  const [, num, unit] = /stopped at ([\d.]+) (kB|MB)/.exec((await note.textContent())!)!;
  const kept = Number(num) * (unit === 'MB' ? 1e6 : 1e3);
  expect(kept).toBeGreaterThan(200_000);

  await admin('faults', null);
  await admin('stats/reset');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-from-copy')).toContainText(/resumed: the first [\d.]+ [kM]B come from this browser’s copy/);
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  const resumed = await cachedBetasDigest(page);
  let s = await stats();
  const firstByte = Math.min(...s.byKey[BETAS].ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r)![1])));
  expect(Math.abs(firstByte - kept)).toBeLessThan(10_000); // (the note rounds to 3 digits)
  const size = statSync(`demo-data/laion-fmri/${BETAS}`).size;
  expect(s.byKey[BETAS].bytesSent).toBeLessThan(size - kept + 20_000);
  await expect(panel.getByTestId('betas-copy')).toContainText('The compressed file (7.');

  // The masked entry gone, the kept file alone makes it again: no request for the betas file.
  await dropMaskedEntries(page);
  await admin('stats/reset');
  await page.reload();
  await expect(panel.getByTestId('betas-copy')).toHaveText('The compressed file is in this browser: the pass needs no network.', { timeout: 30_000 });
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  expect((await stats()).byKey[BETAS]).toBeUndefined();
  expect(await cachedBetasDigest(page)).toBe(resumed);

  // And a clean pass from the network alone gives the same bytes.
  await clearOpfs(page);
  await page.reload();
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  s = await stats();
  expect(s.byKey[BETAS].bytesSent).toBeGreaterThan(7e6);
  expect(await cachedBetasDigest(page)).toBe(resumed);
});
