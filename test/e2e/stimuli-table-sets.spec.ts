/**
 * The trial table wired to the rest of issue 5: a split chosen above the
 * table (train/test column and filter, counts checked against the split
 * files computed here), the nearest stimuli of the selected trial, and the
 * table's rows handed to the export and to Stimuli → brain (the mean map's
 * value at the crosshair checked against the raw betas files).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectSetMapPicture, labelsOf, SESSIONS, setMapValue, SPLITS, VOX, voxelSeries } from './demo-betas.ts';

const TAB = `/?source=demo&subject=sub-01&tab=trials&roimode=off&layout=axial&vox=${VOX.join(',')}`;

const PER_SESSION = SESSIONS.map(labelsOf);
/** Subject.metadata's image names, global order (sessions sorted, as the package concatenates them). */
const LABELS = PER_SESSION.flat();
/** The session of each global trial. */
const SESSION_OF = PER_SESSION.flatMap((rows, k) => rows.map(() => SESSIONS[k]));

interface SplitFile { n_train: number; n_test: number; variants: Array<{ variant_id: number; train_ids: string[]; test_ids: string[] }> }
const splitFile = (pool: string, name: string) => JSON.parse(readFileSync(join(SPLITS, pool, `${name}.json`), 'utf8')) as SplitFile;

/** get_split_masks over LABELS, variant 0, test side optionally restricted to OOD types. */
function masks(f: SplitFile, oodTypes: string[] | null = null) {
  const v = f.variants.find((x) => x.variant_id === 0)!;
  const train = new Set(v.train_ids);
  const test = new Set(oodTypes ? v.test_ids.filter((id) => oodTypes.includes(/^shared_4rep_OOD_([a-zA-Z0-9-]+)_.+\.(png|jpg)$/.exec(id)?.[1] ?? '')) : v.test_ids);
  const idx = (s: Set<string>) => LABELS.flatMap((l, i) => (s.has(l) ? [i] : []));
  return { train: idx(train), test: idx(test), neither: LABELS.flatMap((l, i) => (!train.has(l) && !test.has(l) ? [i] : [])) };
}

test('a split above the trial table: the column, the train/test filter, the OOD types, the URL; nearest stimuli of the selected trial', async ({ page }) => {
  const random = masks(splitFile('sub-01', 'random_0'));
  expect(random.test.length).toBeGreaterThan(0);
  expect(random.neither.length).toBeGreaterThan(0); // OOD images are in no random split
  await page.goto(TAB);
  const table = page.getByTestId('trial-table');
  await expect(table.getByTestId('trial-count')).toHaveText(`${LABELS.length} of ${LABELS.length} trials`);

  await table.getByRole('combobox', { name: 'Split', exact: true }).selectOption('random_0');
  await expect(table.getByTestId('split-summary')).toHaveText(`sub-01/random_0: ${random.train.length} train · ${random.test.length} test · ${random.neither.length} in neither (trials)`);
  // The column: each rendered row says what the split file says about its image.
  const cells = async () => table.locator('.trial-row').evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-trial')), r.querySelector('.c-split')!.textContent]));
  const expectCol = (g: number) => (random.train.includes(g) ? 'train' : random.test.includes(g) ? 'test' : '');
  const shown = await cells();
  expect(shown.length).toBeGreaterThan(10);
  expect(shown.map(([, t]) => t)).toEqual(shown.map(([g]) => expectCol(g as number)));

  // Filter to the test trials.
  await table.getByRole('combobox', { name: 'Train or test' }).selectOption('test');
  await expect(table.getByTestId('trial-count')).toHaveText(`${random.test.length} of ${LABELS.length} trials`);
  await expect(page).toHaveURL(/tsplit=subject:random_0&tpart=test/);
  const testRows = await cells();
  expect(testRows.map(([g]) => g)).toEqual(random.test.slice(0, testRows.length));
  expect(new Set(testRows.map(([, t]) => t))).toEqual(new Set(['test']));
  // With another filter on top.
  await table.getByLabel('Session', { exact: true }).selectOption('ses-02');
  await expect(table.getByTestId('trial-count')).toHaveText(`${random.test.filter((g) => SESSION_OF[g] === 'ses-02').length} of ${LABELS.length} trials`);
  await table.getByLabel('Session', { exact: true }).selectOption('');

  // The shared pool's ood split, restricted to one OOD type (ood_types filters the test side only).
  await table.getByRole('combobox', { name: 'Split pool' }).selectOption('shared');
  await table.getByRole('combobox', { name: 'Split', exact: true }).selectOption('ood');
  await page.getByTestId('split-ood-types').getByLabel('shape').check();
  const shape = masks(splitFile('shared', 'ood'), ['shape']);
  expect(shape.test.length).toBeGreaterThan(0);
  await expect(table.getByTestId('trial-count')).toHaveText(`${shape.test.length} of ${LABELS.length} trials`);
  for (const name of await table.locator('.trial-row .c-img').allTextContents()) expect(name).toMatch(/^shared_4rep_OOD_shape_/);
  await expect(page).toHaveURL(/tsplit=shared:ood&tood=shape&tpart=test/);
  // The link restores the split.
  await page.reload();
  await expect(page.getByTestId('trial-table').getByTestId('trial-count')).toHaveText(`${shape.test.length} of ${LABELS.length} trials`);

  // Nearest stimuli of the selected trial; picking a neighbour selects its first trial.
  const g = shape.test[0];
  await page.getByTestId('trial-table').locator(`[data-trial="${g}"]`).click();
  await expect(page.getByTestId('selected-trial')).toContainText(`Trial ${g} `);
  await page.getByRole('button', { name: '▸ Nearest stimuli' }).click();
  const nn = page.getByTestId('nearest-stimuli');
  await expect(nn.getByText(`of ${LABELS[g]}`)).toBeVisible({ timeout: 30_000 });
  const items = nn.getByTestId('nn-list').locator('li');
  await expect(items).toHaveCount(10, { timeout: 30_000 });
  const pick = (await items.nth(0).getByRole('button').textContent())!;
  expect(pick).not.toBe(LABELS[g]);
  await items.nth(0).getByRole('button').click();
  await expect(page.getByTestId('selected-trial')).toContainText(`Trial ${LABELS.indexOf(pick)} `);
  await expect(page.getByTestId('stimulus-name')).toHaveText(pick);
  await expect(nn.getByText(`of ${pick}`)).toBeVisible();
});

test('the table\'s rows go to the export, and their mean map lands on the viewer', async ({ page }) => {
  const random = masks(splitFile('sub-01', 'random_0'));
  const series = voxelSeries();
  expect(series.length).toBe(LABELS.length);
  const expected = random.test.reduce((a, g) => a + series[g].beta, 0) / random.test.length;

  await page.goto(`${TAB}&tsplit=subject:random_0&tpart=test`);
  const table = page.getByTestId('trial-table');
  await expect(table.getByTestId('trial-count')).toHaveText(`${random.test.length} of ${LABELS.length} trials`);

  // Export: the trials, their label and their sessions go to the export panel on the viewer.
  await table.getByRole('button', { name: `Export these ${random.test.length} trials` }).click();
  await expect(page).toHaveURL(/tab=viewer/);
  const exp = page.getByTestId('export-panel');
  await expect(exp).toHaveAttribute('open', '');
  await expect(exp).toContainText('trials from table: sub-01/random_0 test');
  const sessionsOfTest = [...new Set(random.test.map((g) => SESSION_OF[g]))].sort();
  await expect(page).toHaveURL(new RegExp(`xses=${sessionsOfTest.join(',')}&xtrials=`));

  // Back to the table; the mean map of the same rows.
  await page.getByRole('tab', { name: 'Trials & stimuli' }).click();
  await page.getByTestId('trial-table').getByRole('button', { name: `Mean map of these ${random.test.length} trials` }).click();
  await expect(page).toHaveURL(/tab=viewer/);
  const panel = page.getByTestId('set-map-panel');
  await expect(panel.getByRole('combobox', { name: 'Set A' })).toHaveValue('extra:0');
  await expect(panel.getByTestId('set-a-count')).toHaveText(`${random.test.length} trials`, { timeout: 30_000 });
  await expect(panel.getByLabel('show the mean of A on the brain')).toBeChecked();
  await panel.getByRole('button', { name: `Stream ${SESSIONS.length} sessions` }).click();
  await expect(panel.getByTestId('set-missing-sessions')).toHaveCount(0, { timeout: 120_000 });
  await expect(panel.getByTestId('set-map-summary')).toContainText(`mean β of table: sub-01/random_0 test (${random.test.length} trials)`, { timeout: 90_000 });
  const shown = await setMapValue(panel);
  expect(Math.abs(shown - expected)).toBeLessThan(1e-4);
  // On the brain: the set's mean replaces the noise-ceiling map (betas colours, both signs).
  await expectSetMapPicture(page, 'table-test-trials-mean.png');
});
