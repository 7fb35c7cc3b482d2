/**
 * Writes a subject's surfaces and ROI files:
 * `derivatives/freesurfer/{sub}/surf/{lh,rh}.{white,pial}` and, per ROI,
 * the res-1pt8 mask plus per hemisphere a `.func.gii` and a `.label`.
 *
 * A vertex belongs to an ROI when its mid-thickness point (halfway between
 * white and pial) falls in an ROI voxel of its own hemisphere, so the surface
 * files and the volume always agree, and the .func.gii and .label of one
 * hemisphere list exactly the same vertices.
 */
import { freesurferKeys, roiKeys, type FsHemi } from '../../../src/data/layout.ts';
import type { DemoContext } from '../context.ts';
import type { SubjectBrain } from './anatomy.ts';
import { FUNC_GRID, worldToIndex } from './grid.ts';
import type { Hemi, RoiVolume } from './rois.ts';
import { encodeFreesurferSurface, encodeFuncGifti, encodeLabel, type HemiSurfaces } from './surface.ts';
import { putNifti, volumeOptions } from './volume-io.ts';

const FS_HEMI: Record<Hemi, FsHemi> = { L: 'lh', R: 'rh' };

export function writeSurfaces(ctx: DemoContext, sub: string, surfaces: Record<Hemi, HemiSurfaces>): void {
  for (const hemi of ['L', 'R'] as const) {
    const s = surfaces[hemi];
    ctx.put(freesurferKeys.surface(sub, FS_HEMI[hemi], 'white'), encodeFreesurferSurface(s.white, s.faces, sub));
    ctx.put(freesurferKeys.surface(sub, FS_HEMI[hemi], 'pial'), encodeFreesurferSurface(s.pial, s.faces, sub));
  }
}

/** res-1pt8 voxel under each vertex's mid-thickness point, or -1 if it is in the other hemisphere / off the grid. */
export function vertexVoxels(s: HemiSurfaces, brain: SubjectBrain, hemi: Hemi): Int32Array {
  const out = new Int32Array(s.vertexCount);
  for (let v = 0; v < s.vertexCount; v++) {
    const x = (s.white[3 * v] + s.pial[3 * v]) / 2;
    const y = (s.white[3 * v + 1] + s.pial[3 * v + 1]) / 2;
    const z = (s.white[3 * v + 2] + s.pial[3 * v + 2]) / 2;
    const p = worldToIndex(FUNC_GRID, x, y, z);
    out[v] = p >= 0 && brain.tx[p] < 0 === (hemi === 'L') ? p : -1;
  }
  return out;
}

export function writeRois(ctx: DemoContext, sub: string, brain: SubjectBrain, rois: RoiVolume[], surfaces: Record<Hemi, HemiSurfaces>): void {
  const under = { L: vertexVoxels(surfaces.L, brain, 'L'), R: vertexVoxels(surfaces.R, brain, 'R') };
  for (const { spec, mask } of rois) {
    const { category, label } = spec;
    putNifti(ctx, roiKeys.volume(sub, category, label), volumeOptions(FUNC_GRID, 'uint8', mask, { description: `ROI ${label}` }), {
      Description: `${label} (${category}) on the res-1pt8 beta grid; 1 = inside. Derived from the fsnative surface ROI.`,
      Hemispheres: spec.hemis,
      Resolution: '1.7778 mm isotropic (res-1pt8)',
    });
    for (const hemi of ['L', 'R'] as const) {
      const vox = under[hemi];
      const values = new Float32Array(vox.length);
      const members: number[] = [];
      for (let v = 0; v < vox.length; v++) {
        if (vox[v] >= 0 && mask[vox[v]]) {
          values[v] = 1;
          members.push(v);
        }
      }
      ctx.put(roiKeys.funcGii(sub, category, label, hemi), encodeFuncGifti(values, hemi));
      ctx.put(roiKeys.label(sub, category, label, hemi), encodeLabel(members, surfaces[hemi].white, sub));
    }
  }
}
