/**
 * Export in Chromium: masked betas as a .zip (download captured), checked by
 * an independent numpy/nibabel recomputation from the demo bucket files
 * (test/python/check_export.py) and by the export's own reproduce.py run
 * offline; a cancelled export leaves nothing; maps as .nii.gz load in
 * nibabel on the source grid and affine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { admin } from './bucket-admin.ts';

const ROOT = resolve(import.meta.dirname, '../../demo-data/laion-fmri');
const PYTHON = '/usr/bin/python3';
const VIEW = '/?source=demo&subject=sub-01&tab=viewer&vox=10,16,20&layout=axial';

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'export-e2e-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
test.afterEach(async () => {
  await admin('faults', null);
});

async function openExport(page: Page, url: string) {
  await page.goto(url);
  const panel = page.getByTestId('export-panel');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open))) await panel.locator('summary').click();
  await panel.getByLabel('Save as').selectOption('download');
  return panel;
}

async function exportZip(page: Page, panel: ReturnType<Page['getByTestId']>, name: string): Promise<string> {
  const button = panel.getByRole('button', { name: /^Export ses-/ });
  await expect(button).toBeEnabled({ timeout: 30_000 });
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await button.click();
  const d = await download;
  const path = join(dir, name);
  await d.saveAs(path);
  await expect(panel.getByTestId('export-done')).toContainText('.zip');
  return path;
}

async function stagedFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1', 'exports']) d = await d.getDirectoryHandle(n, { create: true });
    const names: string[] = [];
    for await (const k of (d as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(k);
    return names;
  });
}

function check(zip: string): { sessions: Record<string, { shape: number[]; nan: number; source: string }>; entries: string[] } {
  return JSON.parse(execFileSync(PYTHON, [resolve(import.meta.dirname, '../python/check_export.py'), zip, ROOT], { encoding: 'utf8' }));
}

function reproduce(zip: string, into: string): string {
  execFileSync('unzip', ['-q', '-o', zip, '-d', into]);
  return execFileSync(PYTHON, [join(into, 'reproduce.py'), '--local', ROOT], { encoding: 'utf8' });
}

test('masked betas export: zip → numpy equals an independent get_betas; same bytes from the bucket and from the browser cache', async ({ page }) => {
  // ROI query 'face', NC ≥ 10 %, shared stimuli, ses-01; rows streamed straight from the betas file (no cache yet).
  const panel = await openExport(page, `${VIEW}&rois=face&xp=1&xnc=10&xstim=shared`);
  await expect(panel.getByLabel('NC ≥ (%)')).toHaveValue('10');
  const a = await exportZip(page, panel, 'a.zip');
  const ra = check(a);
  expect(ra.sessions['ses-01'].shape[0]).toBeGreaterThan(10);
  expect(ra.sessions['ses-01'].shape[1]).toBeGreaterThan(10);
  expect(ra.sessions['ses-01'].source).toMatch(/streamed/);
  expect(ra.entries).toEqual(['README.txt', 'betas.npy', 'provenance.json', 'reproduce.py', 'trials.tsv', 'voxel_index.npy', 'voxels.npy', 'voxels_mm.npy']);
  expect(reproduce(a, join(dir, 'a'))).toMatch(/ses-01: betas\.npy \(\d+, \d+\) float32: OK[\s\S]*voxel_index\.npy: OK[\s\S]*trials\.tsv rows: OK/);

  // Two sessions, the whole brain, a list of global trial indices, rows from the browser's cache for ses-01.
  await page.getByTestId('betas-panel').getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(page.getByTestId('betas-cached')).toBeVisible({ timeout: 60_000 });
  // The same selection again, now read from the browser's cache: byte-identical arrays.
  const panelA2 = await openExport(page, `${VIEW}&rois=face&xp=1&xnc=10&xstim=shared`);
  const a2 = await exportZip(page, panelA2, 'a2.zip');
  expect(check(a2).sessions['ses-01'].source).toMatch(/browser cache/);
  const same = execFileSync(PYTHON, ['-c', 'import sys,zipfile as z;a,b=(z.ZipFile(p) for p in sys.argv[1:3]);print(all(a.read(n)==b.read(n) for n in a.namelist() if n.endswith(".npy") or n=="trials.tsv"))', a, a2], { encoding: 'utf8' });
  expect(same.trim()).toBe('True');
  await page.goto(`${VIEW}&xp=1&xroi=0&xses=ses-01,ses-02&xtrials=3-40,118-130`);
  const panel2 = page.getByTestId('export-panel');
  await panel2.getByLabel('Save as').selectOption('download');
  const b = await exportZip(page, panel2, 'b.zip');
  const rb = check(b);
  expect(rb.sessions['ses-01'].source).toMatch(/browser cache/);
  expect(rb.sessions['ses-02'].source).toMatch(/streamed/);
  expect(rb.sessions['ses-01'].shape[0]).toBe(40); // 3-40 and 118, 119 (ses-01 has 120 trials)
  expect(rb.sessions['ses-02'].shape[0]).toBe(11); // global 120-130 = ses-02 rows 0-10
  expect(rb.sessions['ses-01'].nan).toBeGreaterThan(0); // failed fits stay NaN
  expect(rb.entries).toContain('betas_ses-02.npy');
  expect(reproduce(b, join(dir, 'b'))).not.toMatch(/DIFFERENT/);
});

test('cancel midway: no download, no staged file left', async ({ page }) => {
  await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 300_000 });
  let downloads = 0;
  page.on('download', () => downloads++);
  const panel = await openExport(page, `${VIEW}&xp=1&xroi=0`);
  await expect(panel.getByRole('button', { name: /^Export ses-/ })).toBeEnabled({ timeout: 30_000 });
  await panel.getByRole('button', { name: /^Export ses-/ }).click();
  const progress = panel.getByTestId('export-progress');
  await expect(progress).toContainText(/[\d.]+ [kM]B of [\d.]+ [kM]B written · betas\.npy · .* read from the bucket/, { timeout: 30_000 });
  await panel.getByRole('button', { name: 'Cancel export' }).click();
  await expect(progress).toHaveCount(0);
  await expect(panel.getByTestId('export-done')).toHaveCount(0);
  await expect(panel.getByRole('alert')).toHaveCount(0);
  expect(await stagedFiles(page)).toEqual([]);
  await page.waitForTimeout(500);
  expect(downloads).toBe(0);
});

// The pre-check (storage estimate) is unit-tested (export-plan.test.ts): CDP's quota override is enforced on
// writes but not reported by navigator.storage.estimate(), so here the write itself runs out of space.
test('a full browser storage: a clear quota message, nothing staged kept, no download', async ({ page, baseURL }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 200_000 });
  const panel = await openExport(page, `${VIEW}&xp=1&xroi=0`);
  await expect(panel.getByRole('button', { name: /^Export ses-/ })).toBeEnabled({ timeout: 30_000 });
  await panel.getByRole('button', { name: /^Export ses-/ }).click();
  let downloads = 0;
  page.on('download', () => downloads++);
  await expect(panel.getByRole('alert')).toContainText(/Not enough space to write laion-fmri_sub-01_ses-01_brain\.zip \(while writing betas\.npy\)\. Nothing was kept\./);
  await expect(panel.getByRole('alert')).toHaveAttribute('data-error-kind', 'quota');
  await expect(panel.getByTestId('export-progress')).toHaveCount(0);
  expect(await stagedFiles(page)).toEqual([]);
  expect(downloads).toBe(0);
});

test('maps on screen as .nii.gz: nibabel reads the source grid, affine and values', async ({ page }) => {
  const panel = await openExport(page, `${VIEW}&rois=face&xp=1`);
  const maps = panel.getByTestId('map-export');
  const save = async (name: RegExp, file: string) => {
    const button = maps.getByRole('button', { name });
    await expect(button).toBeVisible({ timeout: 30_000 });
    const dl = page.waitForEvent('download');
    await button.click();
    const path = join(dir, file);
    await (await dl).saveAs(path);
    return path;
  };
  const nc = await save(/Noise ceiling, 12-rep/, 'nc12.nii.gz');
  const rois = await save(/ROI union/, 'rois.nii.gz');
  const out = execFileSync(
    PYTHON,
    [
      '-c',
      `import sys,json,glob,numpy as np,nibabel as nib
root=sys.argv[3]
src=nib.load(root+'/derivatives/glmsingle-tedana/sub-01/sub-01_task-images_space-T1w_desc-Noiseceiling12rep_statmap.nii.gz')
a=nib.load(sys.argv[1]); r=nib.load(sys.argv[2])
u=np.zeros(src.shape,bool)
for f in glob.glob(root+'/derivatives/rois/sub-01/face/*_res-1pt8_*_mask.nii.gz'):
    d=np.asarray(nib.load(f).dataobj); u|=(d!=0)&~np.isnan(d)
print(json.dumps(dict(shape=list(a.shape),dtype=str(a.get_data_dtype()),affine=bool(np.allclose(a.affine,src.affine,atol=1e-5)),
  qform=bool(np.allclose(a.get_qform(),src.affine,atol=1e-4)),values=bool(np.array_equal(np.asarray(a.dataobj),np.asarray(src.dataobj).astype(np.float32),equal_nan=True)),
  rshape=list(r.shape),raffine=bool(np.allclose(r.affine,src.affine,atol=1e-5)),runion=bool(np.array_equal(np.asarray(r.dataobj)!=0,u)),rcount=int(u.sum()))))`,
      nc,
      rois,
      ROOT,
    ],
    { encoding: 'utf8' },
  );
  const r = JSON.parse(out);
  expect(r).toMatchObject({ dtype: 'float32', affine: true, qform: true, values: true, raffine: true, runion: true });
  expect(r.shape).toEqual(r.rshape);
  expect(r.rcount).toBeGreaterThan(0);
});

/**
 * The File System Access targets. Playwright cannot click through the browser's native pickers, so the
 * pickers are answered with real handles from the origin's private file system: the app's code path
 * (createWritable → write → close, or abort) is the same as for a file on disk.
 */
test.describe('chosen file and folder targets', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() => {
      const dir = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
      Object.assign(window, {
        showSaveFilePicker: async (o: { suggestedName: string }) => (await dir()).getFileHandle(o.suggestedName, { create: true }),
        showDirectoryPicker: async () => dir(),
      });
    });
  });

  async function pickedTree(page: Page): Promise<Record<string, number>> {
    return page.evaluate(async () => {
      const out: Record<string, number> = {};
      const walk = async (d: FileSystemDirectoryHandle, prefix: string) => {
        for await (const [name, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
          if (h.kind === 'file') out[prefix + name] = (await (h as FileSystemFileHandle).getFile()).size;
          else await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
        }
      };
      await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true }), '');
      return out;
    });
  }

  test('zip into a chosen file; a cancelled export leaves the file as it was', async ({ page }) => {
    const panel = await openExport(page, `${VIEW}&rois=face&xp=1`);
    await panel.getByLabel('Save as').selectOption('file');
    await expect(panel.getByRole('button', { name: /^Export ses-/ })).toBeEnabled({ timeout: 30_000 });
    await panel.getByRole('button', { name: /^Export ses-/ }).click();
    await expect(panel.getByTestId('export-done')).toContainText('laion-fmri_sub-01_ses-01_face.zip');
    const b64 = await page.evaluate(async () => {
      const d = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked');
      const bytes = new Uint8Array(await (await (await d.getFileHandle('laion-fmri_sub-01_ses-01_face.zip')).getFile()).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    });
    const path = join(dir, 'picked.zip');
    (await import('node:fs')).writeFileSync(path, Buffer.from(b64, 'base64'));
    expect(check(path).sessions['ses-01'].shape[0]).toBe(120);

    // Again into the same file, slowed down and cancelled: the previous, complete zip stays.
    const before = (await pickedTree(page))['laion-fmri_sub-01_ses-01_face.zip'];
    await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 300_000 });
    await page.goto(`${VIEW}&rois=face&xp=1&xses=ses-02`);
    await panel.getByLabel('Save as').selectOption('file');
    await expect(panel.getByRole('button', { name: /^Export ses-02/ })).toBeEnabled({ timeout: 30_000 });
    await page.evaluate(async () => {
      // Point the picker at the existing file.
      Object.assign(window, { showSaveFilePicker: async () => (await (await navigator.storage.getDirectory()).getDirectoryHandle('picked')).getFileHandle('laion-fmri_sub-01_ses-01_face.zip') });
    });
    await panel.getByRole('button', { name: /^Export ses-02/ }).click();
    await expect(panel.getByTestId('export-progress')).toContainText(/read from the bucket/, { timeout: 30_000 });
    await panel.getByRole('button', { name: 'Cancel export' }).click();
    await expect(panel.getByTestId('export-progress')).toHaveCount(0);
    expect(await pickedTree(page)).toEqual({ 'laion-fmri_sub-01_ses-01_face.zip': before });
  });

  test('a folder: every file written; a cancelled export removes its folder', async ({ page }) => {
    const panel = await openExport(page, `${VIEW}&rois=face&xp=1`);
    await panel.getByLabel('Save as').selectOption('folder');
    await expect(panel.getByRole('button', { name: /^Export ses-/ })).toBeEnabled({ timeout: 30_000 });
    await panel.getByRole('button', { name: /^Export ses-/ }).click();
    await expect(panel.getByTestId('export-done')).toContainText('Folder laion-fmri_sub-01_ses-01_face');
    const tree = await pickedTree(page);
    const f = 'laion-fmri_sub-01_ses-01_face/';
    expect(Object.keys(tree).sort()).toEqual(['README.txt', 'betas.npy', 'provenance.json', 'reproduce.py', 'trials.tsv', 'voxel_index.npy', 'voxels.npy', 'voxels_mm.npy'].map((n) => f + n));
    const nVox = (tree[`${f}voxel_index.npy`] - 128) / 8;
    expect(tree[`${f}betas.npy`]).toBe(128 + 120 * nVox * 4);

    await admin('faults', { match: 'SingletrialBetas', bandwidthBytesPerSec: 300_000 });
    await page.goto(`${VIEW}&rois=face&xp=1&xses=ses-02`);
    await panel.getByLabel('Save as').selectOption('folder');
    await expect(panel.getByRole('button', { name: /^Export ses-02/ })).toBeEnabled({ timeout: 30_000 });
    await panel.getByRole('button', { name: /^Export ses-02/ }).click();
    await expect(panel.getByTestId('export-progress')).toContainText(/betas\.npy · .* read from the bucket/, { timeout: 30_000 });
    await panel.getByRole('button', { name: 'Cancel export' }).click();
    await expect(panel.getByTestId('export-progress')).toHaveCount(0);
    expect(Object.keys(await pickedTree(page)).filter((k) => k.includes('ses-02'))).toEqual([]);
  });
});
