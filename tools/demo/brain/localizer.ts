/**
 * One functional-localizer result per subject: the object localizer (`oloc`)
 * from the held-out ses-31, which the bucket nevertheless serves publicly
 * (bucket-layout.md §1: the `derivatives/localizers/**` task-oloc exemption).
 * A z map "objects > scrambled" on the res-1pt5 grid plus the same map on
 * each hemisphere's fsnative surface (the volume sampled at mid-thickness),
 * high where the model's object-selective cortex is (l-objects, v-objects).
 */
import { localizerKeys } from '../../../src/data/layout.ts';
import type { DemoContext } from '../context.ts';
import type { SubjectBrain } from './anatomy.ts';
import { randomField, smooth3d } from './field.ts';
import { FUNC_GRID, LOCALIZER_GRID, voxelCount, worldToIndex } from './grid.ts';
import type { Hemi, RoiVolume } from './rois.ts';
import { encodeFuncGifti, type HemiSurfaces } from './surface.ts';
import { putNifti, volumeOptions } from './volume-io.ts';

const SESSION = 'ses-31';
const TASK = 'oloc';
const CONTRAST = 'objects';

export function writeLocalizer(ctx: DemoContext, sub: string, brain: SubjectBrain, rois: RoiVolume[], surfaces: Record<Hemi, HemiSurfaces>): void {
  const g = LOCALIZER_GRID;
  const objects = new Float32Array(voxelCount(FUNC_GRID));
  for (const r of rois) if (r.spec.category === 'object') r.mask.forEach((m, p) => m && (objects[p] = 1));
  const selectivity = smooth3d(objects, FUNC_GRID.dims, 1.2);
  const noise = randomField(ctx.rng(`localizer/${sub}`), g.dims, 1.2);
  const z = new Float32Array(voxelCount(g));
  let p = 0;
  for (let k = 0; k < g.dims[2]; k++)
    for (let j = 0; j < g.dims[1]; j++)
      for (let i = 0; i < g.dims[0]; i++, p++) {
        const a = g.affine;
        const q = worldToIndex(FUNC_GRID, a[0][0] * i + a[0][3], a[1][1] * j + a[1][3], a[2][2] * k + a[2][3]);
        // A z map only exists inside the brain; visual cortex responds to both conditions, so the contrast is selective.
        if (q < 0 || !brain.brainMask[q]) continue;
        z[p] = 9 * Math.min(1, selectivity[q] / 0.45) + 1.1 * noise[p];
      }
  putNifti(ctx, localizerKeys.volume(sub, SESSION, TASK, CONTRAST, 'z'), volumeOptions(g, 'float32', z, { description: 'oloc objects>scrambled z' }), {
    Description: 'Object localizer, contrast objects > scrambled objects, z statistic. Synthetic demo data; public although from ses-31.',
    TaskName: TASK,
    Contrast: 'objects > scrambled',
    Resolution: '1.5 mm isotropic (res-1pt5)',
  });
  for (const hemi of ['L', 'R'] as const) {
    const s = surfaces[hemi];
    const values = new Float32Array(s.vertexCount);
    for (let v = 0; v < s.vertexCount; v++) {
      const mid = [0, 1, 2].map((c) => (s.white[3 * v + c] + s.pial[3 * v + c]) / 2);
      const q = worldToIndex(g, mid[0], mid[1], mid[2]);
      values[v] = q >= 0 ? z[q] : 0;
    }
    ctx.put(localizerKeys.surface(sub, SESSION, TASK, hemi, CONTRAST, 'z'), encodeFuncGifti(values, hemi));
  }
}
