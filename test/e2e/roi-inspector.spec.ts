/**
 * The ROI inspector against the demo bucket: counts checked against the
 * NIfTI files themselves (read here with a minimal reader), threshold and
 * mask-source changes, the query grammar, held-out sessions never requested,
 * a broken volume reported by name while the rest keeps working, and a golden
 * screenshot with static plots.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { BUCKET } from './bucket-admin.ts';

const ROOT = 'demo-data/laion-fmri/';
const SUB = 'sub-01';
const VIEW = `/?source=demo&subject=${SUB}&tab=rois&plots=static`;
const KEYS = {
  anat: `derivatives/anatomical/${SUB}/ses-PrismaAnat/anat/${SUB}_ses-PrismaAnat_space-T1w_res-1pt8_desc-brain_mask.nii.gz`,
  r2mean: `derivatives/glmsingle-tedana/${SUB}/${SUB}_task-images_space-T1w_stat-rsquare_desc-R2mean_statmap.nii.gz`,
  nc12: `derivatives/glmsingle-tedana/${SUB}/${SUB}_task-images_space-T1w_desc-Noiseceiling12rep_statmap.nii.gz`,
  ses01: `derivatives/glmsingle-tedana/${SUB}/ses-01/func/${SUB}_ses-01_task-images_space-T1w_desc-Noiseceiling_statmap.nii.gz`,
  ffa1: `derivatives/rois/${SUB}/face/${SUB}_space-T1w_res-1pt8_label-FFA-1_mask.nii.gz`,
};

/** Just enough NIfTI-1 to check the app: dims, float32/uint8/int16, scaling (an independent reader on purpose). */
function readNifti(key: string): Float32Array {
  const raw = gunzipSync(readFileSync(ROOT + key));
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = [1, 2, 3].reduce((a, i) => a * dv.getInt16(40 + 2 * i, true), 1);
  const type = dv.getInt16(70, true);
  const off = dv.getFloat32(108, true);
  const get = type === 16 ? (i: number) => dv.getFloat32(off + 4 * i, true) : type === 2 ? (i: number) => dv.getUint8(off + i) : (i: number) => dv.getInt16(off + 2 * i, true);
  const slope = dv.getFloat32(112, true);
  const inter = dv.getFloat32(116, true);
  const scale = slope !== 0 && Number.isFinite(slope) && (slope !== 1 || inter !== 0);
  return Float32Array.from({ length: n }, (_, i) => (scale ? get(i) * slope + inter : get(i)));
}
const inMask = (v: number) => v !== 0 && !Number.isNaN(v);

function facts() {
  const anat = readNifti(KEYS.anat);
  const r2 = readNifti(KEYS.r2mean);
  const nc12 = readNifti(KEYS.nc12);
  const ses01 = readNifti(KEYS.ses01);
  const ffa1 = readNifti(KEYS.ffa1);
  const count = (pred: (i: number) => boolean) => anat.reduce((a, _, i) => a + (pred(i) ? 1 : 0), 0);
  const f32 = (t: number) => Math.fround(t);
  return {
    nBrainAnat: count((i) => inMask(anat[i])),
    nBrainRsq: count((i) => inMask(r2[i])),
    ffa1InBrain: count((i) => inMask(ffa1[i]) && inMask(anat[i])),
    ffa1Outside: count((i) => inMask(ffa1[i]) && !inMask(anat[i])),
    ffa1At: (map: Float32Array, t: number) => count((i) => inMask(ffa1[i]) && inMask(anat[i]) && map[i] >= f32(t)),
    brainAt: (map: Float32Array, t: number) => count((i) => inMask(anat[i]) && map[i] >= f32(t)),
    nc12,
    ses01,
  };
}

async function setFaults(faults: object | null) {
  const r = await fetch(`${BUCKET}/__admin/faults`, { method: 'PUT', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
  expect(r.ok).toBe(true);
}

test.afterEach(async () => {
  await setFaults(null);
});

const cell = (page: Page, roi: string, map: string) => page.locator(`[data-roi="${roi}"] [data-map="${map}"]`);
const brainCell = (page: Page, map: string) => page.getByTestId('roi-insp-brain-row').locator(`[data-map="${map}"]`);

async function loaded(page: Page) {
  await expect(cell(page, 'FFA1', 'Noiseceiling12rep')).toHaveAttribute('data-count', /^\d+$/, { timeout: 30_000 });
  await expect(page.locator('[data-testid=roi-inspector] [aria-busy=true]')).toHaveCount(0, { timeout: 30_000 });
}

test('counts per ROI and map match the files; threshold, mask source and query change them', async ({ page }) => {
  const f = facts();
  await fetch(`${BUCKET}/__admin/stats/reset`, { method: 'POST' });
  await page.goto(VIEW);
  await loaded(page);

  // Every demo ROI of sub-01, de-hyphenated, grouped by category.
  await expect(page.locator('tbody[data-category] tr[data-roi]')).toHaveCount(30);
  await expect(page.locator('tbody[data-category=face] [data-roi]')).toHaveCount(4);
  await expect(page.locator('[data-roi=pSTSfaces]')).toBeVisible();
  await expect(page.locator('[data-roi="FFA-1"]')).toHaveCount(0);

  // FFA1: one voxel outside the brain mask (the package's roi[brain] drops it), shown as a note.
  expect(f.ffa1Outside).toBe(1);
  await expect(page.locator('[data-roi=FFA1] [data-testid=roi-nbrain]')).toHaveText(`${f.ffa1InBrain}+1 out`);
  await expect(page.getByTestId('roi-insp-nbrain')).toHaveText(`${f.nBrainAnat.toLocaleString('en')} brain voxels`);

  // Exact counts at the default threshold (20 %), against the files.
  await expect(cell(page, 'FFA1', 'Noiseceiling12rep')).toHaveAttribute('data-count', String(f.ffa1At(f.nc12, 20)));
  await expect(cell(page, 'FFA1', 'ses-01')).toHaveAttribute('data-count', String(f.ffa1At(f.ses01, 20)));
  await expect(brainCell(page, 'Noiseceiling12rep')).toHaveAttribute('data-count', String(f.brainAt(f.nc12, 20)));

  // Plausible, from the demo's response model: face ROIs are far more reliable than the brain at large, and the
  // 12-repetition ceiling beats every single session's.
  const fraction = async (roi: string, map: string) => Number(await cell(page, roi, map).getAttribute('data-fraction'));
  const brainFraction = Number(await brainCell(page, 'Noiseceiling12rep').getAttribute('data-fraction'));
  for (const roi of ['FFA1', 'FFA2', 'OFA', 'pSTSfaces', 'PPA']) {
    expect(await fraction(roi, 'Noiseceiling12rep')).toBeGreaterThan(2 * brainFraction);
    for (const ses of ['ses-01', 'ses-02', 'ses-03', 'ses-04']) expect(await fraction(roi, 'Noiseceiling12rep')).toBeGreaterThan(await fraction(roi, ses));
  }

  // Sorted by reliability on the focus map (12rep) within each category.
  const faceOrder = async (map: string) => {
    const rows = page.locator('tbody[data-category=face] tr[data-roi]');
    const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-roi')!));
    return Promise.all(names.map(async (n) => fraction(n, map)));
  };
  const sortedDesc = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] >= x);
  expect(sortedDesc(await faceOrder('Noiseceiling12rep'))).toBe(true);
  // Keyboard: focus the ses-03 header button and press Enter; the table re-sorts by it.
  await page.locator('[data-map-header=ses-03]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('th[aria-sort=descending] [data-map-header=ses-03]')).toBeVisible();
  expect(sortedDesc(await faceOrder('ses-03'))).toBe(true);

  // Threshold: type 60, the counts follow the files.
  await page.getByRole('spinbutton', { name: 'NC threshold' }).fill('60');
  await expect(cell(page, 'FFA1', 'Noiseceiling12rep')).toHaveAttribute('data-count', String(f.ffa1At(f.nc12, 60)));
  await expect(cell(page, 'FFA1', 'ses-01')).toHaveAttribute('data-count', String(f.ffa1At(f.ses01, 60)));
  expect(f.ffa1At(f.nc12, 60)).toBeLessThan(f.ffa1At(f.nc12, 20));
  // The slider moves it too (keyboard).
  await page.getByRole('slider', { name: /NC threshold/ }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('spinbutton', { name: 'NC threshold' })).toHaveValue('60.5');
  await expect(cell(page, 'FFA1', 'Noiseceiling12rep')).toHaveAttribute('data-count', String(f.ffa1At(f.nc12, 60.5)));

  // Mask source: R² mean is a smaller brain.
  await page.getByRole('radio', { name: 'R² mean' }).click();
  await expect(page.getByTestId('roi-insp-nbrain')).toHaveText(`${f.nBrainRsq.toLocaleString('en')} brain voxels`);
  await expect(page.getByTestId('roi-insp-brain-row').locator('td').first()).toHaveText(f.nBrainRsq.toLocaleString('en'));
  expect(f.nBrainRsq).toBeLessThan(f.nBrainAnat);
  await page.getByRole('radio', { name: 'Anatomical' }).click();
  await expect(page.getByTestId('roi-insp-brain-row').locator('td').first()).toHaveText(f.nBrainAnat.toLocaleString('en'));

  // Query grammar: a category, a list, and a case slip.
  const query = page.getByRole('textbox', { name: 'ROIs' });
  await query.fill('face');
  await expect(page.locator('tr[data-roi]')).toHaveCount(4);
  await query.fill('place, FFA-1');
  await expect(page.locator('tr[data-roi]')).toHaveCount(4);
  await expect(page.locator('[data-roi=FFA1]')).toBeVisible();
  await query.fill('place, ffa1');
  const error = page.getByTestId('roi-query-error');
  await expect(error).toContainText("Unknown ROI/category: 'ffa1'.");
  await expect(error).toContainText("Did you mean 'FFA1'");
  await expect(query).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('tr[data-roi]')).toHaveCount(4); // the last valid rows stay
  await query.fill('all');
  await expect(error).toHaveCount(0);
  await expect(page.locator('tr[data-roi]')).toHaveCount(30);

  // Held-out ses-31: listed, locked, never requested.
  await expect(page.locator('[data-map=ses-31][data-held-out=true]')).toContainText('ses-31');
  await expect(page.locator('[data-map-header=ses-31]')).toHaveCount(0);
  const stats = (await (await fetch(`${BUCKET}/__admin/stats`)).json()) as { byKey: Record<string, unknown> };
  expect(Object.keys(stats.byKey).filter((k) => k.includes('/ses-31/'))).toEqual([]);
});

test('a broken NC map is reported by name; every other number stays', async ({ page }) => {
  await setFaults({ match: 'ses-02_task-images_space-T1w_desc-Noiseceiling_statmap', truncateTo: 400 });
  await page.goto(VIEW);
  await expect(cell(page, 'FFA1', 'Noiseceiling12rep')).toHaveAttribute('data-count', /^\d+$/, { timeout: 30_000 });
  const alert = page.getByRole('alert').filter({ hasText: 'sub-01_ses-02_task-images_space-T1w_desc-Noiseceiling_statmap.nii.gz' });
  await expect(alert.first()).toBeVisible({ timeout: 30_000 });
  await expect(cell(page, 'FFA1', 'ses-02')).toHaveText('!');
  await expect(cell(page, 'FFA1', 'ses-01')).toHaveAttribute('data-count', /^\d+$/);
  await expect(page.getByTestId('roi-plot-curve').locator('.plot-root[data-rendered]')).toBeVisible();
});

test('across sessions and subjects: loaded when opened, sub-03 lacks MST', async ({ page }) => {
  await fetch(`${BUCKET}/__admin/stats/reset`, { method: 'POST' });
  await page.goto(VIEW);
  await loaded(page);
  let stats = (await (await fetch(`${BUCKET}/__admin/stats`)).json()) as { byKey: Record<string, unknown> };
  expect(Object.keys(stats.byKey).filter((k) => k.includes('/sub-03/'))).toEqual([]);

  await page.getByRole('button', { name: /Across sessions and subjects/ }).click();
  const compare = page.getByTestId('roi-compare');
  await expect(compare.locator('[data-subject=sub-03]')).toContainText('has no MST', { timeout: 30_000 });
  await expect(compare.locator('[data-subject=sub-03]')).toContainText('ses-31 held out');
  await expect(page.getByTestId('roi-plot-compare').locator('.plot-root[data-rendered]')).toBeVisible({ timeout: 30_000 });
  stats = (await (await fetch(`${BUCKET}/__admin/stats`)).json()) as { byKey: Record<string, unknown> };
  expect(Object.keys(stats.byKey).some((k) => k.includes('/sub-03/'))).toBe(true);
  expect(Object.keys(stats.byKey).filter((k) => k.includes('/ses-31/'))).toEqual([]);
});

test('golden screenshot: table, distribution, reliability curves, comparison', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 2050 });
  await page.goto(VIEW);
  await loaded(page);
  await page.getByRole('button', { name: /Across sessions and subjects/ }).click();
  await expect(page.getByTestId('roi-compare').locator('.spinner')).toHaveCount(0, { timeout: 30_000 });
  for (const id of ['roi-plot-distribution', 'roi-plot-curve', 'roi-plot-compare']) await expect(page.getByTestId(id).locator('.plot-root[data-rendered]')).toBeVisible();
  await page.evaluate(() => document.fonts.ready);
  await expect(page).toHaveScreenshot('roi-inspector.png', { mask: [page.getByTestId('source-status')] });
});

test('the inspector settings live in the link', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01&tab=rois&ncthr=45&roiq=face&roimask=rsquare');
  await expect(page.getByRole('spinbutton', { name: 'NC threshold' })).toHaveValue('45');
  await expect(page.getByRole('textbox', { name: 'ROIs' })).toHaveValue('face');
  await expect(page.getByRole('radio', { name: 'R² mean' })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('spinbutton', { name: 'NC threshold' }).fill('50');
  await expect(page).toHaveURL(/ncthr=50/);
  await expect(page).toHaveURL(/roiq=face/);
});
