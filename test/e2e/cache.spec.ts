/**
 * The browser cache: the cache manager panel (contents per subject/session,
 * quota, eviction), its consistency check (broken entries are removed and
 * counted, entries being written are left alone), and partial downloads that
 * survive a reload and resume by Range.
 */
import { expect, test, type Page } from '@playwright/test';
import { admin, setFaults, stats } from './bucket-admin.ts';

const VIEW = '/?source=demo&subject=sub-01&tab=viewer';
const T1 = 'derivatives/anatomical/sub-01/ses-PrismaAnat/anat/sub-01_ses-PrismaAnat_space-T1w_res-1pt8_T1w.nii.gz';
const T1_SIZE = 525_293;

async function drawn(page: Page, layers = 'anatomy,map,mask,rois') {
  const view = page.getByTestId('niivue');
  await expect(view).toHaveAttribute('data-layers', layers, { timeout: 40_000 });
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 40_000 });
}

/** Names of the files in an OPFS folder under laion-fmri-explorer/v1 ('' = v1 itself). */
async function opfsFiles(page: Page, sub: string): Promise<string[]> {
  return page.evaluate(async (sub) => {
    let d = await navigator.storage.getDirectory();
    for (const n of ['laion-fmri-explorer', 'v1', ...(sub ? [sub] : [])]) d = await d.getDirectoryHandle(n, { create: true });
    const out: string[] = [];
    for await (const [n, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) if (h.kind === 'file') out.push(n);
    return out.sort();
  }, sub);
}

/** Writes files into an OPFS folder under laion-fmri-explorer/v1. */
async function plant(page: Page, sub: string, files: Record<string, string>) {
  await page.evaluate(
    async ({ sub, files }) => {
      let d = await navigator.storage.getDirectory();
      for (const n of ['laion-fmri-explorer', 'v1', ...(sub ? [sub] : [])]) d = await d.getDirectoryHandle(n, { create: true });
      for (const [name, text] of Object.entries(files)) {
        const w = await (await d.getFileHandle(name, { create: true })).createWritable();
        await w.write(text);
        await w.close();
      }
    },
    { sub, files },
  );
}

test.afterEach(async () => {
  await setFaults(null);
});

test('the cache panel lists what the viewer kept, per subject and session, with quota; eviction works', async ({ page }) => {
  await page.goto(VIEW);
  await drawn(page);
  await page.getByRole('button', { name: 'Cache' }).click();
  const panel = page.getByTestId('cache-panel');
  await expect(panel.getByTestId('cache-check')).toContainText(/Consistency check: \d+ complete entries, none broken\./);
  const items = panel.getByTestId('cache-item');
  const n = await items.count();
  expect(n).toBeGreaterThanOrEqual(4); // anatomy, brain mask, NC map, ROI volumes
  await expect(panel.locator('[data-store=volume]')).toHaveCount(n);
  await expect(panel.getByTestId('cache-group').filter({ hasText: 'sub-01 · ses-PrismaAnat' })).toContainText('res-1pt8_T1w.nii.gz');
  await expect(panel.getByTestId('cache-quota')).toHaveText(/\d+(\.\d+)? (GB|MB)/);
  await expect(panel.getByTestId('cache-usage')).toHaveText(/\d/);
  // Sizes shown are the files on disk: the anatomy (decoded float32) entry.
  const files = await opfsFiles(page, '');
  expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(n);

  // Evict one entry: one fewer on the panel and on disk.
  await panel.getByRole('button', { name: /Evict sub-01_ses-PrismaAnat_space-T1w_res-1pt8_T1w\.nii\.gz/ }).click();
  await expect(items).toHaveCount(n - 1);
  expect((await opfsFiles(page, '')).filter((f) => f.endsWith('.json'))).toHaveLength(n - 1);
  // The evicted volume is fetched again on the next visit, the others come from the cache.
  await page.keyboard.press('Escape');
  await admin('stats/reset');
  await page.reload();
  await drawn(page);
  const gets = Object.keys((await stats()).byKey).filter((k) => k.endsWith('.nii.gz'));
  expect(gets).toEqual([T1]);

  // Evict all: nothing left on disk, the panel says so.
  await page.keyboard.press('Shift+C');
  await panel.getByRole('button', { name: 'Evict all' }).click();
  await expect(items).toHaveCount(0);
  await expect(panel.getByText('Nothing is cached yet')).toBeVisible();
  expect(await opfsFiles(page, '')).toEqual([]);
});

test('consistency check on open: broken entries are removed and counted, never listed; an entry being written is left alone', async ({ page }) => {
  await page.goto('/?source=demo');
  await plant(page, '', {
    // data without a manifest (a write cut off before its commit)
    'aaaa.bin': 'x'.repeat(100),
    // a manifest whose size disagrees with its data
    'bbbb.json': JSON.stringify({ id: 'bbbb', kind: 'volume-f32', endpoint: 'e', key: 'derivatives/anatomical/sub-01/x_T1w.nii.gz', etag: '"1"', size: 400, createdAt: '' }),
    'bbbb.bin': 'x'.repeat(300),
    // an unreadable manifest
    'cccc.json': '{"id": "cccc", "si',
    'cccc.bin': 'x',
  });
  await plant(page, 'betas', { 'dddd.trials.f32.partial': 'x'.repeat(64) });
  await plant(page, 'partial', {
    'eeee.json': JSON.stringify({ endpoint: 'e', key: 'k', etag: '"1"', size: 1000, have: 500, updatedAt: '' }),
    'eeee.part': 'x'.repeat(200), // the record vouches for more than is on disk
  });
  // A kept-offline prefix longer than the object it claims to be a prefix of.
  await plant(page, 'objects', {
    'gggg.partial': 'x'.repeat(50),
    'gggg.partial.json': JSON.stringify({ id: 'gggg', endpoint: 'e', key: 'k', etag: '"1"', size: 20, createdAt: '' }),
  });
  // A write in progress (this tab holds its lock): incomplete, but not broken.
  await page.evaluate(() => {
    void navigator.locks.request('opfs:ffff', () => new Promise(() => undefined));
  });
  await plant(page, '', { 'ffff.bin': 'x'.repeat(10) });

  await page.getByRole('button', { name: 'Cache' }).click();
  const panel = page.getByTestId('cache-panel');
  const check = panel.getByTestId('cache-check');
  await expect(check).toContainText('removed 6 broken entries');
  await expect(check).toContainText('data without a manifest');
  await expect(check).toContainText('data is 300 bytes, the manifest says 400');
  await expect(check).toContainText('unreadable manifest');
  await expect(check).toContainText('record vouches for 500 bytes, 200 on disk');
  await expect(check).toContainText('data is 50 bytes, the object is 20');
  await expect(check).toContainText('1 being written now');
  await expect(panel.getByTestId('cache-item')).toHaveCount(0);
  expect(await opfsFiles(page, '')).toEqual(['ffff.bin']);
  expect(await opfsFiles(page, 'betas')).toEqual([]);
  expect(await opfsFiles(page, 'partial')).toEqual([]);
  expect(await opfsFiles(page, 'objects')).toEqual([]);
});

test('compressed betas files kept offline are listed, whole or as the prefix a cancelled pass left, and can be evicted', async ({ page }) => {
  const betasView = '/?source=demo&subject=sub-01&tab=viewer&vox=10,16,20&roimode=off&layout=axial';
  const betas = page.getByTestId('betas-panel');
  const cache = page.getByTestId('cache-panel');
  const copyItem = cache.locator('[data-store=copy]');
  // A pass cancelled part-way: the prefix is kept for a resume, and listed with how much of the file it holds.
  await setFaults({ match: 'SingletrialBetas', bandwidthBytesPerSec: 400_000 });
  await page.goto(betasView);
  await betas.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(betas.getByTestId('betas-progress')).toContainText(/volume \d+ of 120/);
  await betas.getByRole('button', { name: 'Cancel' }).click();
  await expect(betas.getByTestId('betas-progress')).toHaveCount(0);
  await page.getByRole('button', { name: 'Cache' }).click();
  await expect(copyItem).toHaveCount(1);
  await expect(copyItem).toContainText(/compressed file, kept offline \([\d.]+ [kM]B of 7\.\d+ MB\)/);
  await expect(cache.getByTestId('cache-group').filter({ has: page.locator('[data-store=copy]') })).toContainText('sub-01 · ses-01');
  await page.keyboard.press('Escape');

  // The pass finished: the whole file is listed, without a fraction, and evicting it deletes it.
  await setFaults(null);
  await betas.getByRole('button', { name: 'Stream ses-01 betas' }).click();
  await expect(betas.getByTestId('betas-copy')).toContainText('is kept offline too', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Cache' }).click();
  await expect(copyItem).toHaveCount(1);
  await expect(copyItem).toContainText(/compressed file, kept offline\s*7\.\d+ MB/);
  await copyItem.getByRole('button', { name: /^Evict sub-01_ses-01_.*SingletrialBetas_statmap\.nii\.gz$/ }).click();
  await expect(copyItem).toHaveCount(0);
  expect(await opfsFiles(page, 'objects')).toEqual([]);
  await expect(cache.locator('[data-store=betas]')).toHaveCount(1); // the masked betas stay
});

test('a reload in the middle of a download resumes by Range on the next visit instead of restarting', async ({ page }) => {
  // ~5.3 s for the anatomy at 100 kB/s: reload once ~40 % of it is on disk.
  await setFaults({ match: 'res-1pt8_T1w\\.nii', bandwidthBytesPerSec: 100_000 });
  await admin('stats/reset');
  await page.goto(VIEW);
  const partialHave = () =>
    page.evaluate(async () => {
      let d = await navigator.storage.getDirectory();
      for (const n of ['laion-fmri-explorer', 'v1', 'partial']) d = await d.getDirectoryHandle(n, { create: true });
      for await (const [n, h] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (!n.endsWith('.json')) continue;
        try {
          return (JSON.parse(await (await (h as FileSystemFileHandle).getFile()).text()) as { have: number }).have;
        } catch {
          return 0;
        }
      }
      return 0;
    });
  await expect.poll(partialHave, { timeout: 20_000, intervals: [100] }).toBeGreaterThanOrEqual(200_000);
  const kept = await partialHave();
  expect(kept).toBeLessThan(T1_SIZE);
  await page.reload();
  await drawn(page);
  const s = await stats();
  const resumed = s.byKey[T1].ranges.filter((r) => /^bytes=[1-9]\d*-\d*$/.test(r));
  expect(resumed.length).toBe(1);
  const from = Number(/^bytes=(\d+)-/.exec(resumed[0])![1]);
  expect(from).toBeGreaterThanOrEqual(kept);
  // Bytes of the object sent in all, over both visits: one copy plus what was in flight at the reload.
  const total = s.byKey[T1].bytesSent;
  console.log(`reload resume: ${kept} B kept at reload, resumed from byte ${from}, ${total} B sent for a ${T1_SIZE} B object (re-fetched ${Math.max(0, total - T1_SIZE)} B)`);
  expect(total).toBeLessThan(T1_SIZE * 1.5);
  // Decoded and cached; the partial download is gone.
  expect(await opfsFiles(page, 'partial')).toEqual([]);
  await expect(page.locator('[data-layer=anatomy]').getByRole('alert')).toHaveCount(0);
});
