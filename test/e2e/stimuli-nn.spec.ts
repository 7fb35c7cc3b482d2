/**
 * Nearest stimuli in embedding space: choose a model, see the neighbours
 * (names + cosine similarity) of the current trial's image, exactly those
 * the science module computes from the demo file; an embedding file that
 * does not cover the subject's images is named with the count missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import { expect, test } from '@playwright/test';
import { startBucketServer, type BucketServer } from '../../tools/s3-server/server.ts';
import { writeHdf5 } from '../../tools/lib/hdf5-writer.ts';
import { readEmbeddingsFile, type H5FileLike } from '../../src/formats/embeddings-h5.ts';
import type { H5wasmModuleLike } from '../../src/formats/hdf5-float16.ts';
import { buildEmbeddingIndex, candidateRows, nearestNeighbours } from '../../src/science/embeddings.ts';
import { float32ToFloat16Bits } from '../../src/formats/hdf5-float16.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BUCKET_DIR = join(REPO, 'demo-data', 'laion-fmri');
const VIEW = '/?source=demo&subject=sub-01&tab=viewer&roimode=off&layout=axial';
const emb = (model: string) => join(BUCKET_DIR, 'stimuli', `task-images_desc-${model}_embeddings.h5`);

function sub01Trials(): string[] {
  const dir = join(BUCKET_DIR, 'derivatives/glmsingle-tedana/sub-01');
  const sessions = readdirSync(dir).filter((s) => /^ses-(0\d|[12]\d|30)$/.test(s)).sort();
  return sessions.flatMap((s) =>
    readFileSync(join(dir, s, 'func', `sub-01_${s}_task-images_desc-SingletrialBetas_trials.tsv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[3]),
  );
}

async function expectedNeighbours(model: string, image: string, names: string[]) {
  const Module = (await h5wasm.ready) as unknown as H5wasmModuleLike;
  const f = new h5wasm.File(emb(model), 'r');
  try {
    const idx = buildEmbeddingIndex(readEmbeddingsFile(Module, f as unknown as H5FileLike, model), model);
    return nearestNeighbours(idx, image, 10, candidateRows(idx, names));
  } finally {
    f.close();
  }
}

test('choose a model and see the nearest stimuli of the trial image', async ({ page }) => {
  const labels = sub01Trials();
  const images = [...new Set(labels)];
  await page.goto(VIEW);
  await page.getByRole('button', { name: '▸ Nearest stimuli' }).click();
  const panel = page.getByTestId('nearest-stimuli');
  await expect(panel.getByText(`of ${labels[0]}`)).toBeVisible({ timeout: 30_000 });
  const items = panel.getByTestId('nn-list').locator('li');
  await expect(items).toHaveCount(10, { timeout: 30_000 });
  await expect(panel.getByTestId('nn-file')).toContainText('136 images × 1024');

  const want = await expectedNeighbours('CLIP', labels[0], images);
  expect(want.length).toBe(10);
  const rows = await items.allInnerTexts();
  expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(want.map((n) => n.name));
  expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(want.map((n) => n.similarity.toFixed(3)));
  await expect(panel.getByTestId('nn-timing')).toContainText(`cosine over ${images.length} images`);

  // Another model: another file, another neighbourhood, other numbers.
  await panel.getByRole('combobox', { name: 'Embedding model' }).selectOption('SigLIP2');
  await expect(panel.getByTestId('nn-file')).toContainText('136 images × 1152', { timeout: 30_000 });
  const want2 = await expectedNeighbours('SigLIP2', labels[0], images);
  await expect.poll(async () => (await items.allInnerTexts()).map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(want2.map((n) => `${n.name} ${n.similarity.toFixed(3)}`));

  // All images, not only sub-01's: every valid row of the SigLIP2 file (all 136 are valid) is a candidate.
  await panel.getByLabel('only images sub-01 saw').uncheck();
  await expect(panel.getByTestId('nn-timing')).toContainText('cosine over 136 images');

  // Picking a neighbour moves to its first trial.
  await panel.getByLabel('only images sub-01 saw').check();
  const pick = want2[0].name;
  await items.first().getByRole('button').click();
  await expect(panel.getByText(`of ${pick}`)).toBeVisible();
});

test('an embedding file that does not cover the subject\'s images is named, with the count', async ({ page }) => {
  // A copy of the demo bucket (hard links) whose CLIP file lacks three of sub-01's images.
  const dir = mkdtempSync(join(REPO, 'test-results', 'partial-bucket-'));
  let server: BucketServer | null = null;
  try {
    execFileSync('cp', ['-al', BUCKET_DIR, join(dir, 'laion-fmri')]);
    const labels = sub01Trials();
    const drop = new Set([...new Set(labels)].filter((n) => n !== labels[0]).slice(0, 3));
    const Module = (await h5wasm.ready) as unknown as H5wasmModuleLike;
    const f = new h5wasm.File(emb('CLIP'), 'r');
    const raw = readEmbeddingsFile(Module, f as unknown as H5FileLike, 'CLIP');
    f.close();
    const keep = raw.ids.map((id, i) => ({ id, i })).filter((r) => !drop.has(r.id));
    const halves = new Uint16Array(keep.length * raw.dim);
    keep.forEach((r, k) => {
      for (let j = 0; j < raw.dim; j++) halves[k * raw.dim + j] = float32ToFloat16Bits(raw.vectors[r.i * raw.dim + j]);
    });
    const target = join(dir, 'laion-fmri', 'stimuli', 'task-images_desc-CLIP_embeddings.h5');
    unlinkSync(target); // a hard link: never write through it into demo-data
    writeFileSync(
      target,
      writeHdf5([
        { name: 'embedding', type: 'f2', shape: [keep.length, raw.dim], data: halves },
        { name: 'image_ids', type: 'vlen-str', values: keep.map((r) => r.id) },
        { name: 'valid', type: 'bool', shape: [keep.length], data: Uint8Array.from(keep, (r) => raw.valid[r.i]) },
      ]),
    );
    server = await startBucketServer({ buckets: { 'laion-fmri': join(dir, 'laion-fmri') }, port: 0, deny: 'laion-fmri' });
    const endpoint = `${server.url}/laion-fmri`;
    await page.addInitScript((e) => localStorage.setItem('laion-fmri-explorer.customEndpoint', e), endpoint);
    await page.goto(VIEW.replace('source=demo', 'source=custom'));
    await page.getByRole('button', { name: '▸ Nearest stimuli' }).click();
    const panel = page.getByTestId('nearest-stimuli');
    const n = new Set(labels).size;
    await expect(panel.getByTestId('nn-coverage')).toHaveText(
      new RegExp(`^task-images_desc-CLIP_embeddings\\.h5 has no vector for 3 of the ${n} images sub-01 saw \\(e\\.g\\. .+\\): they are left out of the search\\.$`),
      { timeout: 30_000 },
    );
    // The rest of the panel keeps working: neighbours among the images that are there.
    await expect(panel.getByTestId('nn-list').locator('li')).toHaveCount(10);
    await expect(panel.getByTestId('nn-timing')).toContainText(`cosine over ${n - 3} images`);
    // Another model's file is whole: no message.
    await panel.getByRole('combobox', { name: 'Embedding model' }).selectOption('PEcore');
    await expect(panel.getByTestId('nn-file')).toContainText('136 images × 1024', { timeout: 30_000 });
    await expect(panel.getByTestId('nn-coverage')).toHaveCount(0);
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an embeddings file that is not HDF5 is named, nothing of it is cached, and a retry reads it again', async ({ page }) => {
  const { admin, stats } = await import('./bucket-admin.ts');
  const KEY = 'stimuli/task-images_desc-CLIP_embeddings.h5';
  // The HDF5 signature's first byte flipped, on the first download.
  await admin('faults', { match: 'desc-CLIP_embeddings', corruptByteAt: 0, times: 2 }); // the HEAD, then the GET
  await admin('stats/reset');
  try {
    await page.goto(VIEW);
    await page.getByRole('button', { name: '▸ Nearest stimuli' }).click();
    const panel = page.getByTestId('nearest-stimuli');
    await expect(panel.getByRole('alert')).toContainText(`${KEY} is not a readable HDF5 file`, { timeout: 30_000 });
    const before = (await stats()).byKey[KEY]?.bytesSent ?? 0;
    expect(before).toBe(statSize(emb('CLIP')));
    // Nothing of the bad bytes was kept: the next load downloads the file again, and it works.
    await page.reload();
    await page.getByRole('button', { name: '▸ Nearest stimuli' }).click();
    await expect(panel.getByTestId('nn-list').locator('li')).toHaveCount(10, { timeout: 30_000 });
    expect((await stats()).byKey[KEY].bytesSent).toBe(2 * statSize(emb('CLIP')));
  } finally {
    await admin('faults', null);
  }
});

function statSize(path: string): number {
  return readFileSync(path).byteLength;
}
