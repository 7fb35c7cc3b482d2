/**
 * task-images_desc-segmentations.h5 + _metadata.csv (bucket-layout.md §6).
 * One mask row per drawn instance of a shared image; the masks are the exact
 * pixels the rasterizer painted (≥ 50 % coverage), so they are true by
 * construction.
 *
 * Conventions chosen here (the real ones are unknown):
 * - rows ordered by image (catalogue order), then noun (first drawn first),
 *   then instance_id; instance_id 0 is the highest score within (image, noun);
 * - boxes are pixel indices of the mask's extreme pixels, inclusive
 *   (torchvision `masks_to_boxes` style: x1 = last column that has a pixel);
 * - `localized` = 1 when there is a box and the mask covers < 99 % of the
 *   image, else 0 (the full-frame face of the JPEG `cropped` images);
 * - `mask_file` guesses a per-mask PNG export the masks were packed from:
 *   `{image stem}_{noun}_{instance_id}.png`.
 * Scores are a synthetic detector confidence: mains high, parts lower.
 */
import type { Rng } from '../rng.ts';
import type { Instance } from './raster.ts';
import { SIZE } from './raster.ts';

export const SEGMENTATION_HEADER = ['mask_row', 'image_name', 'noun', 'instance_id', 'score', 'box_x0', 'box_y0', 'box_x1', 'box_y1', 'localized', 'mask_file'] as const;

export interface SegmentationRow {
  mask_row: number;
  image_name: string;
  noun: string;
  instance_id: number;
  score: number;
  box: [number, number, number, number] | null;
  coverage: number;
  localized: 0 | 1;
  mask_file: string;
}

const SCORE_RANGE: Record<Instance['role'], [number, number]> = { main: [0.86, 0.99], extra: [0.7, 0.95], scene: [0.6, 0.9], part: [0.45, 0.8] };

export function maskBox(mask: Uint8Array): [number, number, number, number] | null {
  let x0 = SIZE;
  let y0 = SIZE;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (!mask[y * SIZE + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1, y1];
}

export function maskCoverage(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n / mask.length;
}

/** Rows (without mask_row yet) and masks of one image, in the order described above. */
export function segmentImage(imageName: string, instances: readonly Instance[], rng: Rng): Array<{ row: Omit<SegmentationRow, 'mask_row'>; mask: Uint8Array }> {
  const stem = imageName.replace(/\.[^.]+$/, '');
  const nouns = [...new Set(instances.map((i) => i.noun))];
  const out: Array<{ row: Omit<SegmentationRow, 'mask_row'>; mask: Uint8Array }> = [];
  for (const noun of nouns) {
    const scored = instances
      .filter((i) => i.noun === noun)
      .map((inst) => {
        const [lo, hi] = SCORE_RANGE[inst.role];
        return { inst, score: Math.round(rng.uniform(lo, hi) * 10000) / 10000 };
      })
      .sort((a, b) => b.score - a.score);
    scored.forEach(({ inst, score }, instanceId) => {
      const box = maskBox(inst.mask);
      const coverage = maskCoverage(inst.mask);
      out.push({
        row: {
          image_name: imageName,
          noun,
          instance_id: instanceId,
          score,
          box,
          coverage,
          localized: box !== null && coverage < 0.99 ? 1 : 0,
          mask_file: `${stem}_${noun}_${instanceId}.png`,
        },
        mask: inst.mask,
      });
    });
  }
  return out;
}
