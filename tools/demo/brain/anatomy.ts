/**
 * Anatomical volumes of one subject: the phantom's tissue labels on the
 * 0.8 mm grid, T1w/T2w images with partial-volume blur, a smooth bias field
 * and Rician noise, brain masks, and the tissue fractions on the res-1pt8
 * grid that the functional model builds on.
 */
import { anatKeys } from '../../../src/data/layout.ts';
import type { DemoContext } from '../context.ts';
import type { Rng } from '../rng.ts';
import { smooth3d, touching } from './field.ts';
import { fillNormals } from './normals.ts';
import { ANAT_GRID, FUNC_GRID, type Grid, voxelCount, voxelToWorld } from './grid.ts';
import { type Anatomy, classify, isBrainTissue, type Radii, TISSUE, TISSUE_COUNT, toTemplate } from './phantom.ts';
import { putNifti, volumeOptions } from './volume-io.ts';

/** Tissue intensities, indexed by TISSUE code (MPRAGE-like T1w, SPACE-like T2w). */
const T1_BY_TISSUE = [0, 520, 60, 110, 430, 690, 530, 95, 410, 640, 600, 110, 290];
const T2_BY_TISSUE = [0, 330, 40, 950, 560, 330, 470, 980, 560, 350, 380, 900, 220];
if (T1_BY_TISSUE.length !== TISSUE_COUNT || T2_BY_TISSUE.length !== TISSUE_COUNT) throw new Error('tissue table size');

export interface SubjectBrain {
  anatomy: Anatomy;
  /** Tissue label per 0.8 mm voxel. */
  labels: Uint8Array;
  /** res-1pt8 grid: fraction of each voxel that is brain / cortical grey / cerebral white matter. */
  brainFrac: Float32Array;
  gmFrac: Float32Array;
  wmFrac: Float32Array;
  /** res-1pt8 anatomical brain mask (the package's default mask). */
  brainMask: Uint8Array;
  /** res-1pt8 cortical ribbon (inside the brain mask). */
  cortex: Uint8Array;
  /**
   * Voxels where the GLM is fitted: the ribbon plus the white matter touching
   * it. A strict subset of the brain mask; R2mean is non-zero exactly here.
   */
  fitSupport: Uint8Array;
  /** Template-space coordinates of every res-1pt8 voxel centre. */
  tx: Float32Array;
  ty: Float32Array;
  tz: Float32Array;
}

function labelVolume(anatomy: Anatomy): Uint8Array {
  const g = ANAT_GRID;
  const labels = new Uint8Array(voxelCount(g));
  const r: Radii = { hull: 0, pial: 0, white: 0 };
  // Voxel → template is separable on these axis-aligned grids: one lookup table per axis.
  const axis = (a: number) =>
    Float64Array.from({ length: g.dims[a] }, (_, i) => (g.affine[a][a] * i + g.affine[a][3] - anatomy.shift[a]) / anatomy.scale[a]);
  const [ax, ay, az] = [axis(0), axis(1), axis(2)];
  let p = 0;
  for (let k = 0; k < g.dims[2]; k++)
    for (let j = 0; j < g.dims[1]; j++)
      for (let i = 0; i < g.dims[0]; i++, p++) labels[p] = classify(anatomy, ax[i], ay[j], az[k], r);
  return labels;
}

/** For each coarse index along one axis, the fine indices of 3 sub-samples at -1/3, 0, +1/3 of a coarse voxel. */
function subsampleIndices(axis: number): Int32Array {
  const n = FUNC_GRID.dims[axis];
  const out = new Int32Array(n * 3);
  const cs = FUNC_GRID.affine[axis][axis];
  const fs = ANAT_GRID.affine[axis][axis];
  for (let i = 0; i < n; i++)
    for (let o = 0; o < 3; o++) {
      const world = FUNC_GRID.affine[axis][3] + cs * (i + (o - 1) / 3);
      const fine = Math.round((world - ANAT_GRID.affine[axis][3]) / fs);
      out[i * 3 + o] = Math.min(ANAT_GRID.dims[axis] - 1, Math.max(0, fine));
    }
  return out;
}

/** A smooth multiplicative receive-coil bias field, different per subject. */
function biasField(rng: Rng): (x: number, y: number, z: number) => number {
  const c = Array.from({ length: 6 }, () => rng.uniform(-1, 1));
  return (x, y, z) => 1 + 0.08 * c[0] * (x / 45) + 0.07 * c[1] * (y / 55) + 0.1 * c[2] * (z / 45) - 0.06 * ((x / 45) ** 2 + (y / 55) ** 2) + 0.04 * c[3] * (x / 45) * (z / 45) + 0.03 * c[4] * (y / 55) * (z / 45) + 0.02 * c[5];
}


export function buildSubjectBrain(anatomy: Anatomy): SubjectBrain {
  const labels = labelVolume(anatomy);
  const g = FUNC_GRID;
  const n = voxelCount(g);
  const [nx, ny] = g.dims;
  const [fx, fy] = ANAT_GRID.dims;
  const sx = subsampleIndices(0);
  const sy = subsampleIndices(1);
  const sz = subsampleIndices(2);
  const brainFrac = new Float32Array(n);
  const gmFrac = new Float32Array(n);
  const wmFrac = new Float32Array(n);
  const tx = new Float32Array(n);
  const ty = new Float32Array(n);
  const tz = new Float32Array(n);
  let p = 0;
  for (let k = 0; k < g.dims[2]; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        let brain = 0;
        let gm = 0;
        let wm = 0;
        for (let c = 0; c < 3; c++)
          for (let b = 0; b < 3; b++)
            for (let a = 0; a < 3; a++) {
              const l = labels[sx[i * 3 + a] + fx * (sy[j * 3 + b] + fy * sz[k * 3 + c])];
              if (isBrainTissue(l)) brain++;
              if (l === TISSUE.gm) gm++;
              else if (l === TISSUE.wm) wm++;
            }
        brainFrac[p] = brain / 27;
        gmFrac[p] = gm / 27;
        wmFrac[p] = wm / 27;
        const w = voxelToWorld(g, i, j, k);
        const t = toTemplate(anatomy, w[0], w[1], w[2]);
        tx[p] = t[0];
        ty[p] = t[1];
        tz[p] = t[2];
      }
  const brainMask = new Uint8Array(n);
  const cortex = new Uint8Array(n);
  const whiteMatter = new Uint8Array(n);
  for (let q = 0; q < n; q++) {
    brainMask[q] = brainFrac[q] >= 0.5 ? 1 : 0;
    cortex[q] = brainMask[q] && gmFrac[q] >= 0.3 ? 1 : 0;
    whiteMatter[q] = brainMask[q] && !cortex[q] && wmFrac[q] >= 0.5 ? 1 : 0;
  }
  const wmNearCortex = touching(g.dims, whiteMatter, cortex);
  const fitSupport = new Uint8Array(n);
  for (let q = 0; q < n; q++) fitSupport[q] = cortex[q] || wmNearCortex[q] ? 1 : 0;
  return { anatomy, labels, brainFrac, gmFrac, wmFrac, brainMask, cortex, fitSupport, tx, ty, tz };
}

/**
 * Intensity image on `grid` from a per-voxel tissue mean, with bias and
 * Rician noise: the magnitude of a complex signal with Gaussian noise in both
 * channels, like real MR magnitude images (the dark background stays > 0).
 */
function mrImage(grid: Grid, mean: Float32Array, bias: (x: number, y: number, z: number) => number, rng: Rng, sigma: number): Float32Array {
  const out = new Float32Array(mean.length);
  const noise = fillNormals(rng, new Float32Array(2 * mean.length));
  const a = grid.affine;
  let p = 0;
  for (let k = 0; k < grid.dims[2]; k++)
    for (let j = 0; j < grid.dims[1]; j++)
      for (let i = 0; i < grid.dims[0]; i++, p++) {
        const re = mean[p] * bias(a[0][0] * i + a[0][3], a[1][1] * j + a[1][3], a[2][2] * k + a[2][3]) + sigma * noise[2 * p];
        const im = sigma * noise[2 * p + 1];
        out[p] = Math.sqrt(re * re + im * im);
      }
  return out;
}

function quantise(img: Float32Array, slope: number, inter: number): Int16Array {
  const out = new Int16Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round((img[i] - inter) / slope)));
  return out;
}

export function writeAnatomy(ctx: DemoContext, sub: string, brain: SubjectBrain): void {
  const rng = ctx.rng(`anat-images/${sub}`);
  const bias = biasField(rng.fork('bias'));
  const fine = brain.labels;
  const fullKey = (c: 'T1w' | 'T2w') => anatKeys.image(sub, c);
  const common = { SpatialReference: 'T1w', Acquisition: 'synthetic phantom (demo)', SkullStripped: false };

  // Full resolution: tissue table, a little partial-volume blur, bias, noise.
  for (const [contrast, table, sigma, slope, inter] of [
    ['T1w', T1_BY_TISSUE, 9, 0.05, 0],
    ['T2w', T2_BY_TISSUE, 12, 0.1, -5],
  ] as const) {
    const mean = new Float32Array(fine.length);
    for (let i = 0; i < fine.length; i++) mean[i] = table[fine[i]];
    const img = mrImage(ANAT_GRID, smooth3d(mean, ANAT_GRID.dims, 0.55), bias, rng.fork(contrast), sigma);
    // int16 with a non-trivial slope (and, for T2w, an intercept) so readers must apply scl_slope/scl_inter.
    putNifti(ctx, fullKey(contrast), volumeOptions(ANAT_GRID, 'int16', quantise(img, slope, inter), { sclSlope: slope, sclInter: inter, description: `synthetic ${contrast} 0.8mm` }), {
      ...common,
      Modality: contrast,
      Resolution: '0.8 mm isotropic',
    });
  }
  const mask08 = new Uint8Array(fine.length);
  for (let i = 0; i < fine.length; i++) mask08[i] = isBrainTissue(fine[i]) ? 1 : 0;
  putNifti(ctx, anatKeys.brainMask(sub), volumeOptions(ANAT_GRID, 'uint8', mask08, { description: 'brain mask 0.8mm' }), {
    Type: 'Brain',
    Resolution: '0.8 mm isotropic',
    RawSources: [fullKey('T1w')],
  });

  // res-1pt8: the same images on the beta grid (partial volume from the tissue fractions).
  const n = voxelCount(FUNC_GRID);
  const coarse = [new Float32Array(n), new Float32Array(n)];
  const [fx, fy] = ANAT_GRID.dims;
  const sx = subsampleIndices(0);
  const sy = subsampleIndices(1);
  const sz = subsampleIndices(2);
  let p = 0;
  for (let k = 0; k < FUNC_GRID.dims[2]; k++)
    for (let j = 0; j < FUNC_GRID.dims[1]; j++)
      for (let i = 0; i < FUNC_GRID.dims[0]; i++, p++) {
        let a1 = 0;
        let a2 = 0;
        for (let c = 0; c < 3; c++)
          for (let b = 0; b < 3; b++)
            for (let a = 0; a < 3; a++) {
              const l = fine[sx[i * 3 + a] + fx * (sy[j * 3 + b] + fy * sz[k * 3 + c])];
              a1 += T1_BY_TISSUE[l];
              a2 += T2_BY_TISSUE[l];
            }
        coarse[0][p] = a1 / 27;
        coarse[1][p] = a2 / 27;
      }
  const t1 = mrImage(FUNC_GRID, coarse[0], bias, rng.fork('T1w-1pt8'), 4);
  const t2 = Float64Array.from(mrImage(FUNC_GRID, coarse[1], bias, rng.fork('T2w-1pt8'), 5));
  const resampled = { ...common, Resolution: '1.7778 mm isotropic (res-1pt8, the beta grid)' };
  putNifti(ctx, anatKeys.imageRes1pt8(sub, 'T1w'), volumeOptions(FUNC_GRID, 'float32', t1, { description: 'synthetic T1w res-1pt8' }), { ...resampled, Modality: 'T1w', Sources: [fullKey('T1w')] });
  putNifti(ctx, anatKeys.imageRes1pt8(sub, 'T2w'), volumeOptions(FUNC_GRID, 'float64', t2, { description: 'synthetic T2w res-1pt8' }), { ...resampled, Modality: 'T2w', Sources: [fullKey('T2w')] });
  putNifti(ctx, anatKeys.brainMaskRes1pt8(sub), volumeOptions(FUNC_GRID, 'uint8', brain.brainMask, { description: 'brain mask res-1pt8' }), {
    Type: 'Brain',
    Resolution: '1.7778 mm isotropic (res-1pt8, the beta grid)',
    Description: 'Voxels at least half inside the brain (0.8 mm mask resampled). The laion_fmri default brain mask (mask_source="anatomical").',
    RawSources: [anatKeys.brainMask(sub)],
  });
}
