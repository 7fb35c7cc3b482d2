/**
 * The first vertical slice, as a user meets it: the demo bucket through the
 * dev S3 server, in Debian's Chromium, against the built app.
 */
import { BUCKET, setFaults } from './bucket-admin.ts';
import { expect, test, type Page } from '@playwright/test';



test.afterEach(async () => {
  await setFaults(null);
});

async function useCustomEndpoint(page: Page, url: string) {
  await page.getByRole('radio', { name: 'Custom endpoint' }).click();
  await page.getByLabel('Bucket URL').fill(url);
  await page.getByRole('button', { name: 'Connect' }).click();
}

test('lists both demo subjects, their sessions (ses-31 held out) and ROIs by category', async ({ page }) => {
  await page.goto('/?source=demo');
  const subjects = page.getByRole('navigation', { name: 'Subjects' });
  await expect(subjects.getByRole('button')).toHaveText([/sub-01/, /sub-03/]);
  await subjects.getByRole('button', { name: /sub-01/ }).click();
  await expect(page).toHaveURL(/subject=sub-01/);

  const sessions = page.locator('[data-session]');
  await expect(sessions).toHaveCount(5);
  await expect(page.locator('[data-session][data-held-out=true]')).toHaveAttribute('data-session', 'ses-31');
  await expect(page.locator('[data-session=ses-31]')).toContainText('held out');
  await expect(page.locator('[data-session=ses-01]')).toContainText(/betas \d/);

  // Hyphenated bucket labels are shown de-hyphenated, grouped by the directory name.
  const face = page.locator('[data-category=face]');
  await expect(face.locator('[data-roi=FFA1]')).toBeVisible();
  await expect(face.locator('[data-roi=pSTSfaces]')).toBeVisible();
  expect(await page.locator('[data-category]').count()).toBeGreaterThanOrEqual(5);
  await expect(page.locator('[data-roi="FFA-1"]')).toHaveCount(0);

  await expect(page).toHaveScreenshot('subject-overview.png', { mask: [page.getByTestId('source-status')] });
});

test('a subject lacking one ROI shows the ROIs it has', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01');
  await expect(page.locator('[data-roi]').first()).toBeVisible();
  const rois01 = await page.locator('[data-roi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-roi')));
  await page.keyboard.press('ArrowDown');
  await expect(page).toHaveURL(/subject=sub-03/);
  await expect(page.locator('#subject-title')).toHaveText('sub-03');
  await expect(page.locator('[data-roi]').first()).toBeVisible();
  const rois03 = await page.locator('[data-roi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-roi')));
  const missing = rois01.filter((r) => !rois03.includes(r));
  expect(missing.length).toBe(1);
});

test('a held-out session explains the 403, and the app keeps working', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01');
  await page.locator('[data-session=ses-31]').click();
  const alert = page.getByTestId('session-detail').getByRole('alert');
  await expect(alert).toContainText('held-out session');
  await expect(alert).toContainText('sub-01_ses-31_task-images_desc-SingletrialBetas_trials.tsv');
  await expect(alert.getByRole('button', { name: 'Retry' })).toHaveCount(0); // a 403 does not pass by retrying
  await page.locator('[data-session=ses-02]').click();
  await expect(page.getByTestId('trial-count')).toHaveText(/^\d+$/);
  await expect(page.getByTestId('session-detail')).toContainText('session, run, beta_index, label');
});

test('file inventory lists every file with its size, filterable', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01&tab=files');
  const summary = page.getByTestId('inventory-summary');
  await expect(summary).toHaveText(/^\d+ files · [\d.]+ [kMG]?B$/);
  const total = Number((await summary.textContent())!.split(' ')[0]);
  expect(total).toBeGreaterThan(50);
  await page.getByLabel('Filter files').fill('Noiseceiling12rep');
  await expect(summary).toHaveText(/^2 files/); // the map and its JSON sidecar
  await expect(page.getByRole('row').filter({ hasText: 'Noiseceiling12rep_statmap.nii.gz' })).toBeVisible();
});

test.describe('bad input', () => {
  test('an unknown subject in a link', async ({ page }) => {
    await page.goto('/?source=demo&subject=sub-99');
    await expect(page.getByTestId('unknown-subject')).toContainText('There is no subject sub-99 in this bucket. It has sub-01, sub-03.');
  });

  test('an endpoint that is not S3 (an HTML page)', async ({ page, baseURL }) => {
    await page.goto('/?source=demo');
    await useCustomEndpoint(page, `${baseURL}/`);
    await expect(page.getByRole('alert')).toContainText('not like an S3 bucket (an HTML page)');
    await page.getByRole('radio', { name: 'Demo bucket' }).click();
    await expect(page.getByRole('navigation', { name: 'Subjects' }).getByRole('button')).toHaveCount(2);
  });

  test('an unreachable endpoint suggests the dev server', async ({ page }) => {
    await page.goto('/?source=demo');
    await useCustomEndpoint(page, 'http://127.0.0.1:9/laion-fmri');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('refused or lost the connection to http://127.0.0.1:9', { timeout: 20_000 });
    await expect(alert).toContainText('npm run bucket -- --root');
  });

  test('a bucket that does not exist', async ({ page }) => {
    await page.goto('/?source=demo');
    await useCustomEndpoint(page, `${BUCKET}/no-such-bucket`);
    await expect(page.getByRole('alert')).toContainText(`There is no bucket at ${BUCKET}/no-such-bucket (NoSuchBucket)`);
  });

  test('a malformed listing page is reported, and Retry recovers', async ({ page }) => {
    await setFaults({ listingMalformed: true });
    await page.goto('/?source=demo');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('is malformed');
    await setFaults(null);
    await alert.getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByRole('navigation', { name: 'Subjects' }).getByRole('button')).toHaveCount(2);
  });
});
