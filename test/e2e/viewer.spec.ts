/**
 * The brain viewer in Chromium (WebGL2 through SwiftShader), on the demo
 * bucket: golden pictures from URL state, crosshair linking, layer controls,
 * the OPFS cache, header-first reads, and bad files.
 */
import { admin, stats } from './bucket-admin.ts';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';

const VIEW = '/?source=demo&subject=sub-01&tab=viewer';
const NC12 = 'derivatives/glmsingle-tedana/sub-01/sub-01_task-images_space-T1w_desc-Noiseceiling12rep_statmap.nii.gz';


/** Waits until the viewer has drawn exactly these layers and nothing is loading. */
async function drawn(page: Page, layers: string) {
  const view = page.getByTestId('niivue');
  await expect(view).toHaveAttribute('data-layers', layers, { timeout: 30_000 });
  await expect(view).not.toHaveAttribute('data-render-count', '0');
  await expect(page.getByTestId('progress-tray')).toHaveCount(0);
  // setLayers resolves after two animation frames; give the compositor the same.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test.afterEach(async () => {
  await admin('faults', null);
});

test('anatomy, brain outline, ROI outlines and a thresholded noise ceiling (golden)', async ({ page }) => {
  await page.goto(`${VIEW}&thr=35&vox=12,14,20`);
  await drawn(page, 'anatomy,map,mask,rois');
  await expect(page.getByTestId('readout-voxel')).toHaveText('12, 14, 20');
  await expect(page.getByTestId('niivue')).toHaveScreenshot('viewer-nc12-rois.png');
});

test('dual-coded map: hue = session noise ceiling, opacity = 12-rep noise ceiling (golden)', async ({ page }) => {
  await page.goto(`${VIEW}&map=nc:ses-02&cmap=viridis&thr=10&dual=nc12:60&roimode=off&mask=anatomical:off&layout=axial&vox=25,30,20`);
  await drawn(page, 'anatomy,map-opacity,map');
  await expect(page.getByTestId('niivue')).toHaveScreenshot('viewer-dual-coded.png');
});

/** Decodes a PNG into RGBA pixels. */
const png = (b: Buffer) => PNG.sync.read(b);

test('the first picture is a 2-D preview of the same slices, replaced by NiiVue’s first frame', async ({ page }) => {
  // Two views: the multiplanar grid and the dual-coded single plane (ROIs off: they arrive after the first frame).
  for (const q of ['&roimode=off&vox=40,45,30', '&map=nc:ses-02&cmap=viridis&thr=10&dual=nc12:60&roimode=off&layout=axial&vox=25,30,20']) {
    await page.goto(`${VIEW}${q}`);
    await drawn(page, q.includes('dual') ? 'anatomy,map-opacity,map,mask' : 'anatomy,map,mask');
    const preview = page.getByTestId('niivue-preview');
    await expect(preview).toBeHidden(); // NiiVue's frame is up
    const order = await page.evaluate(() => ['viewer:preview-drawn:', 'viewer:drawn:'].map((p) => performance.getEntriesByType('mark').find((m) => m.name.startsWith(p))?.startTime ?? -1));
    expect(order[0], 'the preview was drawn').toBeGreaterThan(0);
    expect(order[0], 'before NiiVue’s first frame').toBeLessThan(order[1]);
    // The preview against NiiVue's picture of the same layers, in 6 × 6 px blocks: edges may fall a
    // pixel apart (sampling, line widths) and NiiVue adds letters and the colour bar's numbers, but a
    // wrong slice, orientation, layout, colour or threshold changes whole blocks.
    const ours = png(Buffer.from((await preview.evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'))).split(',')[1], 'base64'));
    const theirs = png(await page.getByTestId('niivue').locator('canvas.niivue-canvas').screenshot({ animations: 'disabled' }));
    expect([ours.width, ours.height]).toEqual([theirs.width, theirs.height]);
    const B = 6;
    const mean = (img: PNG, bx: number, by: number, c: number) => {
      let sum = 0;
      for (let y = by * B; y < by * B + B; y++) for (let x = bx * B; x < bx * B + B; x++) sum += img.data[(y * img.width + x) * 4 + c];
      return sum / (B * B);
    };
    let blocks = 0;
    let differ = 0;
    let bright = 0;
    for (let by = 0; by < Math.floor(ours.height / B); by++) {
      for (let bx = 0; bx < Math.floor(ours.width / B); bx++) {
        blocks++;
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(mean(ours, bx, by, c) - mean(theirs, bx, by, c))));
        if (d > 40) differ++;
        if (mean(theirs, bx, by, 0) + mean(theirs, bx, by, 1) > 120) bright++;
      }
    }
    expect(bright / blocks, 'NiiVue drew a brain').toBeGreaterThan(0.1);
    expect(differ / blocks, `blocks that differ, ${q}`).toBeLessThan(0.02);
  }
});

test('changing the map or the anatomy redraws the same NiiVue instance (it is not started again)', async ({ page }) => {
  await page.goto(`${VIEW}&roimode=off`);
  await drawn(page, 'anatomy,map,mask');
  await page.getByRole('combobox', { name: 'Map', exact: true }).selectOption('nc:ses-02');
  await drawn(page, 'anatomy,map,mask');
  await page.getByRole('combobox', { name: 'Anatomy' }).selectOption('T2w');
  await drawn(page, 'anatomy,map,mask');
  await expect(page).toHaveURL(/map=nc:ses-02/);
  const starts = await page.evaluate(() => performance.getEntriesByName('viewer:create').length);
  expect(starts).toBe(1);
  expect(await page.locator('canvas.niivue-canvas').count()).toBe(1);
});

test('a click moves the crosshair; the readout and the link follow', async ({ page }) => {
  await page.goto(`${VIEW}&layout=axial&vox=25,30,24`);
  await drawn(page, 'anatomy,map,mask,rois');
  const box = (await page.getByTestId('niivue').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.35, box.y + box.height * 0.7);
  await expect(page.getByTestId('readout-voxel')).not.toHaveText('25, 30, 24');
  const voxel = (await page.getByTestId('readout-voxel').textContent())!.split(', ').map(Number);
  expect(voxel[2]).toBe(24); // an axial click keeps the slice
  await expect(page).toHaveURL(new RegExp(`vox=${voxel.join(',')}`));
  // Keyboard steps move it too.
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('readout-voxel')).toHaveText(`${voxel[0]}, ${voxel[1]}, 25`);
});

test('the readout names the ROIs and masks at the crosshair', async ({ page }) => {
  // Find an FFA1 voxel from the data itself, then point the crosshair at it.
  await page.goto(`${VIEW}&rois=FFA1`);
  await drawn(page, 'anatomy,map,mask,rois');
  await page.getByLabel('ROI query').fill('FFA1, PPA');
  await drawn(page, 'anatomy,map,mask,rois');
  await page.getByLabel('ROI query').fill('FFA9');
  await expect(page.getByText(/Unknown ROI\/category: .*FFA9/)).toBeVisible();
  await expect(page.getByLabel('ROI query')).toHaveAttribute('aria-invalid', 'true');
  await drawn(page, 'anatomy,map,mask');
  await page.getByLabel('ROI query').fill('face');
  await drawn(page, 'anatomy,map,mask,rois');
  await expect(page.getByText('4 ROIs: a name, a category')).toBeVisible();
});

test('layers toggle and reorder; the link restores them', async ({ page }) => {
  await page.goto(VIEW);
  await drawn(page, 'anatomy,map,mask,rois');
  await page.getByRole('radiogroup', { name: 'ROI display' }).getByRole('radio', { name: 'off' }).click();
  await drawn(page, 'anatomy,map,mask');
  await page.getByRole('button', { name: 'Move Map up' }).click();
  await drawn(page, 'anatomy,mask,map');
  await expect(page).toHaveURL(/order=mask,map,rois/);
  await expect(page).toHaveURL(/roimode=off/);
  await page.reload();
  await drawn(page, 'anatomy,mask,map');
});

test('a second visit draws from the browser cache (OPFS) without downloading volumes', async ({ page }) => {
  await page.goto(VIEW);
  await drawn(page, 'anatomy,map,mask,rois');
  await admin('stats/reset');
  await page.reload();
  await drawn(page, 'anatomy,map,mask,rois');
  const volumeGets = Object.entries((await stats()).byKey).filter(([k]) => k.endsWith('.nii.gz'));
  expect(volumeGets).toEqual([]);
});

test('header first: the shape of a 4-D betas file costs less than 64 KiB', async ({ page }) => {
  await admin('stats/reset');
  await page.goto('/?source=demo&subject=sub-01&session=ses-01');
  await expect(page.getByTestId('betas-shape')).toContainText(/Betas \d+ × \d+ × \d+ × 1\d\d float32/);
  const key = 'derivatives/glmsingle-tedana/sub-01/ses-01/func/sub-01_ses-01_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz';
  const s = (await stats()).byKey[key];
  expect(s.requests).toBe(1);
  expect(s.bytesSent).toBeLessThanOrEqual(65_536);
});

test.describe('bad files', () => {
  test('a corrupt noise ceiling: named, the other layers draw, nothing half-decoded is cached', async ({ page }) => {
    await admin('faults', { match: 'Noiseceiling12rep', corruptByteAt: 4000 });
    await page.goto(VIEW);
    await drawn(page, 'anatomy,mask,rois');
    const map = page.locator('[data-layer=map]');
    await expect(map.getByRole('alert')).toContainText(`${NC12}: the gzip`);
    // Once the file is whole again, it is fetched (it was not cached) and drawn.
    await admin('faults', null);
    await admin('stats/reset');
    await page.reload();
    await drawn(page, 'anatomy,map,mask,rois');
    expect((await stats()).byKey[NC12]?.requests).toBe(1);
  });

  test('a truncated file names the file and says it is truncated', async ({ page }) => {
    await admin('faults', { match: 'res-1pt8_T1w', truncateTo: 20_000 });
    await page.goto(VIEW);
    await drawn(page, 'anatomy,map,mask,rois'); // the anatomy slot falls back to the mask's grid, left black
    // The server's Content-Range gives its real size (20 kB) before any byte is decoded.
    await expect(page.getByText(/sub-01_ses-PrismaAnat_space-T1w_res-1pt8_T1w\.nii\.gz is truncated on the server: it holds 20\.0 kB, the listing says 525 kB\./)).toBeVisible();
  });
});

test('switching subjects again and again does not leak WebGL contexts', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (/WebGL|context/i.test(m.text())) warnings.push(m.text());
  });
  await page.goto(VIEW);
  await drawn(page, 'anatomy,map,mask,rois');
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press(i % 2 === 0 ? 'j' : 'k');
    await expect(page.locator('#subject-title')).toHaveText(i % 2 === 0 ? 'sub-03' : 'sub-01');
    await expect(page.getByTestId('niivue')).toHaveCount(1);
  }
  await drawn(page, 'anatomy,map,mask,rois');
  const canvases = await page.locator('canvas.niivue-canvas').count(); // WebGL canvases (the 2-D preview has one too)
  expect(canvases).toBe(1);
  expect(warnings.filter((w) => /too many active webgl contexts|context lost/i.test(w))).toEqual([]);
});
