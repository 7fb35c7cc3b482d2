/**
 * Every view is a link: a view set up by hand, copied with "Copy link" and
 * opened in a fresh page comes back the same; a malformed or newer-version
 * link opens the closest valid view and names what it could not restore; an
 * old (version 1, no `v`) link still works; presentation mode from a link.
 */
import { expect, test } from '@playwright/test';

test('copy link → a new page restores the view (viewer settings, crosshair, trial, export filters, open panel)', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/?source=demo&subject=sub-01&tab=viewer');
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', /anatomy/, { timeout: 30_000 });
  await page.getByRole('combobox', { name: 'Colormap' }).selectOption('viridis');
  await page.keyboard.press('ArrowUp');
  const panel = page.getByTestId('export-panel');
  await panel.locator('summary').click();
  await panel.getByLabel('NC ≥ (%)').fill('15');
  await panel.getByLabel('Stimuli').selectOption('unique');
  await panel.getByLabel('Trials').fill('0-4,9');
  await panel.getByLabel('Trials').blur();
  await expect(page).toHaveURL(/xtrials=0-4,9/);
  await page.getByTestId('copy-link').click();
  await expect(page.getByTestId('copy-link')).toHaveText('Link copied');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toMatch(/[?&]v=2&/);
  expect(link).toMatch(/vox=\d+,\d+,\d+/);
  expect(link).toMatch(/cmap=viridis/);
  expect(link).toMatch(/xp=1/);
  expect(link).toMatch(/xnc=15/);
  expect(link).toMatch(/xstim=unique/);

  const fresh = await context.newPage();
  await fresh.goto(link);
  const p2 = fresh.getByTestId('export-panel');
  await expect(p2).toHaveJSProperty('open', true, { timeout: 30_000 });
  await expect(p2.getByLabel('NC ≥ (%)')).toHaveValue('15');
  await expect(p2.getByLabel('Stimuli')).toHaveValue('unique');
  await expect(p2.getByLabel('Trials')).toHaveValue('0-4,9');
  await expect(fresh.getByRole('combobox', { name: 'Colormap' })).toHaveValue('viridis');
  await expect(fresh.locator('.banner')).toHaveCount(0);
  await expect.poll(() => new URL(fresh.url()).search).toBe(new URL(link).search);
});

test('a malformed, newer-version link opens the closest valid view and says what it could not restore', async ({ page }) => {
  await page.goto('/?v=9&source=demo&subject=sub-01&tab=viewer&map=nc4&cmap=nope&vox=1,2&xnc=500&xtrials=3-x&panels=layers,bogus');
  const banner = page.locator('.banner');
  await expect(banner).toContainText('v=9 (a newer link format');
  await expect(banner).toContainText('cmap=nope');
  await expect(banner).toContainText('vox=1,2');
  await expect(banner).toContainText('xnc=500');
  await expect(banner).toContainText('xtrials=3-x');
  await expect(banner).toContainText('panels=bogus');
  // What was valid is applied: the viewer of sub-01 with the 4-rep noise ceiling, only the layers panel.
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', /map/, { timeout: 30_000 });
  await expect(page).toHaveURL(/map=nc4/);
  await expect(page).toHaveURL(/[?&]v=2&/);
  await expect(page.getByTestId('export-panel')).toHaveCount(0);
  await expect(page.getByTestId('betas-panel')).toHaveCount(0);
});

test('an old link (version 1, no v=) still opens its view; presentation mode from a link', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01&tab=viewer&map=nc4&layout=axial&present=1&panels=readout');
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', /map/, { timeout: 30_000 });
  await expect(page.locator('.banner')).toHaveCount(0);
  await expect(page.locator('.app.present')).toHaveCount(1);
  await expect(page.locator('.sidebar')).toHaveCount(0);
  await expect(page.getByTestId('export-panel')).toHaveCount(0);
  await expect(page).toHaveURL(/present=1/);
  await page.getByRole('button', { name: 'Exit presentation' }).click();
  await expect(page.locator('.sidebar')).toHaveCount(1);
  await expect(page).not.toHaveURL(/present=1/);
});
