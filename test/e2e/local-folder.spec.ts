/**
 * A local laion_fmri folder as the source: picked through the directory
 * input (the same path showDirectoryPicker feeds), browsed like the bucket,
 * read lazily in place — the dev server sees no request at all.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { admin, stats } from './bucket-admin.ts';

const FOLDER = path.resolve('demo-data/laion-fmri');

async function openFolder(page: Page) {
  await page.getByTestId('local-folder-input').setInputFiles(FOLDER);
  await expect(page.getByTestId('local-folder-name')).toHaveText('laion-fmri (on this computer)');
}

test('browse a local folder: subjects, sessions, the viewer and a betas pass, with no network reads', async ({ page }) => {
  await page.goto('/?source=demo');
  await expect(page.getByRole('button', { name: /sub-01/ })).toBeVisible();
  await admin('stats/reset');
  await openFolder(page);
  await expect(page).toHaveURL(/source=local/);
  await page.getByRole('button', { name: /sub-01/ }).click();
  await expect(page.getByText('ses-01').first()).toBeVisible();
  await page.getByRole('tab', { name: /Brain viewer/ }).click();
  const view = page.getByTestId('niivue');
  await expect(view).toHaveAttribute('data-layers', 'anatomy,map,mask,rois', { timeout: 40_000 });
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 40_000 });
  // Workers read the folder too: the masked betas pass of one session.
  const panel = page.getByTestId('betas-panel');
  await panel.getByRole('button', { name: /Stream ses-01 betas/ }).click();
  await expect(panel.getByTestId('betas-cached')).toBeVisible({ timeout: 60_000 });
  const s = await stats();
  expect(Object.keys(s.byKey)).toEqual([]);
});

test('a link or a reload cannot reopen a local folder: it says so and falls back', async ({ page }) => {
  await page.goto('/?source=demo');
  await openFolder(page);
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'source=local (a local folder has to be chosen again in this tab)' })).toBeVisible();
  await expect(page.getByTestId('source-status')).toContainText('127.0.0.1');
});
