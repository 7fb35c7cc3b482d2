/**
 * Stimuli → brain: the mean beta map of a set of trials and the contrast of
 * two sets, over every public session, drawn on the viewer (golden picture);
 * the value at the crosshair equals the same contrast computed here from the
 * raw betas files; a split's test set and a wrong splits source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectSetMapPicture, SESSIONS, setMapValue, SPLITS, VOX, voxelSeries } from './demo-betas.ts';

const VIEW = `/?source=demo&subject=sub-01&tab=viewer&roimode=off&layout=axial&vox=${VOX.join(',')}`;

test('the contrast of two sets over every session, on the brain', async ({ page }) => {
  const series = voxelSeries();
  const shared = series.filter((s) => s.label.startsWith('shared_'));
  const unique = series.filter((s) => !s.label.startsWith('shared_'));
  const mean = (xs: typeof series) => xs.reduce((a, s) => a + s.beta, 0) / xs.length;
  const expected = mean(shared) - mean(unique);

  await page.goto(VIEW);
  await page.getByRole('button', { name: '▸ Stimuli → brain' }).click();
  const panel = page.getByTestId('set-map-panel');
  await expect(panel.getByTestId('set-a-count')).toHaveText(`${shared.length} trials`, { timeout: 30_000 });
  await expect(panel.getByTestId('set-missing-sessions')).toHaveText(`Betas of ${SESSIONS.join(', ')} are not in this browser yet: their trials are left out.`);
  await panel.getByRole('button', { name: `Stream ${SESSIONS.length} sessions` }).click();
  await expect(panel.getByTestId('set-stream-progress')).toContainText(/ses-0\d \(\d of 4\): [\d.]+ (kB|MB) of [\d.]+ MB/);
  await expect(panel.getByTestId('set-missing-sessions')).toHaveCount(0, { timeout: 120_000 });
  await expect(panel.getByTestId('set-stream-progress')).toHaveCount(0, { timeout: 60_000 });

  await panel.getByRole('combobox', { name: 'Set B' }).selectOption('stimuli:unique');
  await expect(panel.getByTestId('set-b-count')).toHaveText(`${unique.length} trials`);
  await panel.getByLabel('show A − B on the brain').check();
  await expect(panel.getByTestId('set-map-summary')).toContainText(`mean β of shared images (${shared.length} trials) − unique images (${unique.length} trials)`, { timeout: 90_000 });
  const shown = await setMapValue(panel);
  expect(Math.abs(shown - expected)).toBeLessThan(1e-4);

  await expectSetMapPicture(page, 'set-contrast-shared-minus-unique.png');

  // A split's test set (get_split_masks over the subject's trials), minus nothing: its mean.
  await panel.getByRole('combobox', { name: 'Set B' }).selectOption('');
  await panel.getByRole('combobox', { name: 'Set A' }).selectOption('split:test');
  const split = JSON.parse(readFileSync(join(SPLITS, 'sub-01/random_0.json'), 'utf8')) as { n_train: number; n_test: number; variants: Array<{ test_ids: string[] }> };
  const testIds = new Set(split.variants[0].test_ids);
  const inTest = series.filter((s) => testIds.has(s.label));
  await expect(panel.getByTestId('split-summary')).toHaveText(`sub-01/random_0: ${split.n_train} train / ${split.n_test} test images (random_kfold)`);
  await expect(panel.getByTestId('set-a-count')).toHaveText(`${inTest.length} trials`);
  await expect(panel.getByTestId('set-map-summary')).toContainText(`mean β of sub-01/random_0 test (${inTest.length} trials)`, { timeout: 60_000 });
  const shownMean = await setMapValue(panel);
  expect(Math.abs(shownMean - mean(inTest))).toBeLessThan(1e-4);

  // The ood split restricted to one type: test = that type's OOD images only.
  await panel.getByRole('combobox', { name: 'Split', exact: true }).selectOption('ood');
  await panel.getByRole('combobox', { name: 'Split OOD type' }).selectOption('shape');
  const shape = series.filter((s) => /^shared_4rep_OOD_shape_.+\.(png|jpg)$/.test(s.label));
  await expect(panel.getByTestId('set-a-count')).toHaveText(`${shape.length} trials`);

  // A splits source that does not hold the files: named, and the panel keeps working.
  const input = panel.getByRole('textbox', { name: 'Splits source' });
  await input.fill('http://127.0.0.1:9/nowhere');
  await input.press('Enter');
  await expect(panel.getByRole('alert')).toContainText('http://127.0.0.1:9/nowhere/sub-01/ood.json could not be reached');
  await panel.getByRole('button', { name: 'default' }).click();
  await expect(panel.getByTestId('set-a-count')).toHaveText(`${shape.length} trials`);
});
