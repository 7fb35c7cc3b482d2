/**
 * sub-01's single-trial betas in the demo bucket, read here straight from the
 * files (Node, zlib, the app's NIfTI header parser), for tests that check what
 * the app shows against them; and the set-map panel's readout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, type Locator, type Page } from '@playwright/test';
import { bytesPerVolume, decodeVoxels, parseNiftiHeader } from '../../src/formats/nifti.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const GLM = join(REPO, 'demo-data/laion-fmri/derivatives/glmsingle-tedana/sub-01');
export const SPLITS = join(REPO, 'demo-data/splits/data');
/** The crosshair voxel these tests read the maps at. */
export const VOX: [number, number, number] = [10, 16, 20];
/** The public sessions (ses-31 is held out), sorted as the package concatenates them. */
export const SESSIONS = readdirSync(GLM).filter((s) => /^ses-(0\d|[12]\d|30)$/.test(s)).sort();

/** Image names of a session's trials, in TSV order. */
export const labelsOf = (ses: string): string[] =>
  readFileSync(join(GLM, ses, 'func', `sub-01_${ses}_task-images_desc-SingletrialBetas_trials.tsv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[3]);

/** Every trial's beta at VOX, global order, with its image name. */
export function voxelSeries(): Array<{ label: string; beta: number }> {
  return SESSIONS.flatMap((ses) => {
    const bytes = gunzipSync(readFileSync(join(GLM, ses, 'func', `sub-01_${ses}_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz`)));
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const h = parseNiftiHeader(buf, ses);
    const [X, Y] = h.dims;
    const flat = VOX[0] + X * (VOX[1] + Y * VOX[2]);
    const per = bytesPerVolume(h);
    return labelsOf(ses).map((label, t) => ({ label, beta: decodeVoxels(new Uint8Array(buf, h.voxOffset + t * per, per), h)[flat] }));
  });
}

/** The set map's value at the crosshair, as the panel prints it. */
export async function setMapValue(panel: Locator): Promise<number> {
  return Number(/at the crosshair: (-?[\d.]+) β/.exec((await panel.getByTestId('set-map-voxel').textContent())!)![1]);
}

/** The set map on the brain, once every transfer has ended and the worker's means are drawn (golden). */
export async function expectSetMapPicture(page: Page, name: string): Promise<void> {
  const view = page.getByTestId('niivue');
  await expect(view).toHaveAttribute('data-layers', /map/);
  await expect(page.getByTestId('progress-tray')).toHaveCount(0);
  await page.waitForTimeout(1500); // drawn after the worker's means arrive
  await expect(view).toHaveScreenshot(name);
}
