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
