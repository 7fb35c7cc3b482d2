/**
 * Single-trial betas in the viewer: one streaming pass into OPFS, then trials
 * and voxel series without the network; cancel and bad files.
 */
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

test('cancel stops the download and keeps nothing', async ({ page }) => {
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

test('dropped connections during the stream are resumed by Range; the pass completes', async ({ page }) => {
  await admin('faults', { match: 'SingletrialBetas', dropAfterBytes: 2_000_000 });
  await admin('stats/reset');
  await page.goto(VIEW);
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(panel.getByTestId('betas-cached')).toHaveText(/^120 trials/, { timeout: 60_000 });
  const s = await stats();
  const resumes = s.ranges.filter((r) => /^bytes=[1-9]\d*-$/.test(r));
  expect(resumes.length).toBeGreaterThanOrEqual(3); // a ~7 MB file, cut every 2 MB
  expect(s.byKey[BETAS].bytesSent).toBeLessThan(7_100_000 * 1.35);
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
