/**
 * The response model behind the synthetic betas. Units are percent signal
 * change. For a fit-support voxel v and an image i:
 *
 *   s(v,i) = t_v · g_v · [ b_v
 *                        + Σ_G w_G(v) · A_G · Σ_c e_c(i) · P_G[c]     category-selective areas
 *                        + E · evc_v · k(i)                             early visual cortex ∝ image contrast
 *                        + Σ_k L_k(v) · z_k(i)                          image-specific, shared by repeats
 *                        + σ_u(v) · u(v,i) ]                            voxel-specific image component
 *
 * with t_v = 1 in the cortical ribbon and 0.08 in white matter, g_v a smooth
 * log-normal gain, b_v a general visual response that is larger posteriorly,
 * w_G the ROI masks of category G smoothed (so selectivity fades smoothly
 * outside an ROI), e(i) the image's effective category (one-hot for natural
 * images; partial for OOD images according to what they depict), P_G the
 * category preferences, k(i) the image's luminance contrast (from the
 * catalogue depiction), z(i) a latent vector fixed per image (shared across
 * subjects) and L_k smooth loading fields, u ~ N(0,1) fixed per image and voxel.
 *
 * A trial beta adds a smooth per-session offset and spatially smooth noise:
 * β(v,t) = s(v, i_t) + o_s(v) + σ_v · n_t(v); see betas.ts.
 */
import type { Category, StimulusImage } from '../catalog.ts';
import type { Rng } from '../rng.ts';
import type { SubjectBrain } from './anatomy.ts';
import { neighbours6, randomField, smooth3d } from './field.ts';
import { fillNormals } from './normals.ts';
import { FUNC_GRID } from './grid.ts';
import type { RoiVolume } from './rois.ts';

export const LATENT_DIM = 6;
const PREF_CATS = ['face', 'body', 'place', 'word', 'object', 'animal', 'food', 'abstract'] as const;
type PrefCat = (typeof PREF_CATS)[number];
const GROUPS = ['face', 'body', 'place', 'character', 'object', 'motion', 'laion'] as const;
type Group = (typeof GROUPS)[number];

/** Peak response (% signal change) of each category-selective ROI group to its preferred category. */
const AMPLITUDE: Record<Group, number> = { face: 2.8, body: 2.0, place: 2.6, character: 1.8, object: 1.6, motion: 1.0, laion: 1.1 };
/** Relative response of each group to each category (1 = preferred). MT/MST respond weakly to everything. */
const PREFERENCE: Record<Group, Record<PrefCat, number>> = {
  face: { face: 1, body: 0.25, place: 0.05, word: 0.1, object: 0.1, animal: 0.3, food: 0.08, abstract: 0.06 },
  body: { face: 0.3, body: 1, place: 0.1, word: 0.1, object: 0.2, animal: 0.45, food: 0.1, abstract: 0.08 },
  place: { face: 0.04, body: 0.08, place: 1, word: 0.12, object: 0.25, animal: 0.08, food: 0.12, abstract: 0.2 },
  character: { face: 0.2, body: 0.15, place: 0.15, word: 1, object: 0.2, animal: 0.15, food: 0.15, abstract: 0.3 },
  object: { face: 0.4, body: 0.5, place: 0.3, word: 0.3, object: 1, animal: 0.7, food: 0.8, abstract: 0.4 },
  motion: { face: 0.5, body: 0.6, place: 0.45, word: 0.4, object: 0.45, animal: 0.55, food: 0.4, abstract: 0.5 },
  laion: { face: 0.8, body: 0.8, place: 0.8, word: 0.6, object: 0.8, animal: 0.8, food: 0.8, abstract: 0.35 },
};
/** What an out-of-distribution image effectively shows (the catalogue's OOD nouns: cropped faces, house drawings, ...). */
const OOD_CATEGORY: Record<string, Partial<Record<PrefCat, number>>> = {
  cropped: { face: 0.6 },
  'illusion-natural': { face: 0.5 },
  selfmade: { place: 0.6 },
  gaudy: { object: 0.7 },
  unusual: { animal: 0.6 },
  relations: { object: 0.4 },
  gabor: {},
  shape: {},
  'illusion-classic': {},
};
const CATEGORY_TO_PREF: Record<Exclude<Category, 'ood'>, PrefCat> = { face: 'face', body: 'body', place: 'place', word: 'word', object: 'object', animal: 'animal', food: 'food' };

export interface ImageFeatures {
  /** Effective category weights over PREF_CATS (sum 1). */
  category: Float64Array;
  /** Luminance contrast factor, ~0.55..1.9. */
  contrast: number;
  latent: Float64Array;
}

function luminance(rgb: [number, number, number]): number {
  return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
}

/** Features of one image. `rng` must be forked from the image name so every subject sees the same image the same way. */
export function imageFeatures(image: StimulusImage, rng: Rng): ImageFeatures {
  const category = new Float64Array(PREF_CATS.length);
  if (image.category === 'ood') {
    const partial = OOD_CATEGORY[image.oodType ?? 'shape'] ?? {};
    let used = 0;
    for (const [c, w] of Object.entries(partial)) {
      category[PREF_CATS.indexOf(c as PrefCat)] = w;
      used += w;
    }
    category[PREF_CATS.indexOf('abstract')] += 1 - used;
  } else category[PREF_CATS.indexOf(CATEGORY_TO_PREF[image.category])] = 1;
  const d = image.depiction;
  let contrast = 0.55 + (1.1 * Math.abs(luminance(d.color.rgb) - luminance(d.background.rgb))) / 255;
  // Gratings and gaudy colour images drive early visual cortex harder than their mean luminance suggests.
  if (image.oodType === 'gabor') contrast += 0.45;
  if (image.oodType === 'gaudy') contrast += 0.3;
  const latent = Float64Array.from({ length: LATENT_DIM }, () => rng.normal());
  return { category, contrast, latent };
}

export interface VoxelModel {
  /** Flat res-1pt8 indices of the fit-support voxels, ascending; model arrays are indexed by position in this list. */
  vox: Int32Array;
  gm: Uint8Array;
  gain: Float32Array;
  base: Float32Array;
  evc: Float32Array;
  groupWeight: Float32Array[];
  loadings: Float32Array[];
  indepSd: Float32Array;
  noiseSd: Float32Array;
  /** CSR 6-neighbours inside the fit support (for spatially smooth noise). */
  nbrStart: Int32Array;
  nbr: Int32Array;
  /** Voxel lies in any ROI (failed-fit voxels are chosen elsewhere so ROI summaries stay clean). */
  inRoi: Uint8Array;
}

function smoothedMask(rois: RoiVolume[], select: (r: RoiVolume) => boolean, sigma: number): Float32Array {
  const n = rois[0].mask.length;
  const m = new Float32Array(n);
  for (const r of rois) if (select(r)) r.mask.forEach((v, p) => v && (m[p] = 1));
  return smooth3d(m, FUNC_GRID.dims, sigma);
}

export function buildVoxelModel(brain: SubjectBrain, rois: RoiVolume[], rng: Rng): VoxelModel {
  const dims = FUNC_GRID.dims;
  const list: number[] = [];
  brain.fitSupport.forEach((v, p) => v && list.push(p));
  const vox = Int32Array.from(list);
  const V = vox.length;
  const at = (field: Float32Array, f: (x: number, v: number) => number) => Float32Array.from(vox, (p, v) => f(field[p], v));
  const gm = Uint8Array.from(vox, (p) => brain.cortex[p]);
  const tissue = (v: number) => (gm[v] ? 1 : 0.08);
  // Posterior (visual) cortex responds to images; the response fades towards frontal cortex.
  const vis = Float32Array.from(vox, (p) => 1 / (1 + Math.exp((brain.ty[p] + 40) / 10)));
  const gain = at(randomField(rng.fork('gain'), dims, 2), (f, v) => Math.exp(0.25 * f) * tissue(v));
  const base = Float32Array.from(vis, (s) => 0.1 + 0.5 * s);
  const retino = smoothedMask(rois, (r) => r.spec.category === 'retinotopy' && /^V[123]/.test(r.spec.label), 1.2);
  const evc = Float32Array.from(vox, (p) => {
    const ecc = Math.hypot(Math.abs(brain.tx[p]) - 6, brain.ty[p] + 102, brain.tz[p] - 3);
    return Math.min(1, retino[p] / 0.45) * 0.7 + 0.5 * Math.exp(-ecc / 25);
  });
  const groupWeight = GROUPS.map((g) => {
    const s = smoothedMask(rois, (r) => r.spec.category === g, 1.0);
    return Float32Array.from(vox, (p) => Math.min(1, s[p] / 0.45));
  });
  const loadings = Array.from({ length: LATENT_DIM }, (_, k) =>
    at(randomField(rng.fork(`loading/${k}`), dims, 1.5), (f, v) => 0.25 * f * (0.25 + 0.75 * vis[v])),
  );
  const indepSd = Float32Array.from(vis, (s) => 0.15 + 0.25 * s);
  const noiseSd = at(randomField(rng.fork('noise-sd'), dims, 2.5), (f, v) => (gm[v] ? 2.2 : 1.2) * Math.exp(0.2 * f));

  const local = new Int32Array(brain.fitSupport.length).fill(-1);
  vox.forEach((p, v) => (local[p] = v));
  const nbrStart = new Int32Array(V + 1);
  const nbrList: number[] = [];
  const nb: number[] = [];
  for (let v = 0; v < V; v++) {
    for (const q of neighbours6(dims, vox[v], nb)) if (local[q] >= 0) nbrList.push(local[q]);
    nbrStart[v + 1] = nbrList.length;
  }
  const anyRoi = new Uint8Array(brain.fitSupport.length);
  for (const r of rois) r.mask.forEach((m, p) => m && (anyRoi[p] = 1));
  const inRoi = Uint8Array.from(vox, (p) => anyRoi[p]);
  return { vox, gm, gain, base, evc, groupWeight, loadings, indepSd, noiseSd, nbrStart, nbr: Int32Array.from(nbrList), inRoi };
}

/**
 * Noise-free response s(v,i) of every voxel to every image, image-major
 * (row i = images[i]). `indepRng(name)` gives the per-image stream of the
 * voxel-specific component.
 */
export function signalMatrix(m: VoxelModel, features: ImageFeatures[], indepRng: (i: number) => Rng): Float32Array {
  const V = m.vox.length;
  const out = new Float32Array(features.length * V);
  const u = new Float32Array(V);
  features.forEach((f, i) => {
    const groupDrive = GROUPS.map((g) => AMPLITUDE[g] * PREF_CATS.reduce((s, c, ci) => s + f.category[ci] * PREFERENCE[g][c], 0));
    fillNormals(indepRng(i), u);
    const row = out.subarray(i * V, (i + 1) * V);
    // Accumulate term by term over whole arrays: tight loops, no per-voxel inner loops over groups.
    const e = 2.0 * f.contrast;
    for (let v = 0; v < V; v++) row[v] = m.base[v] + e * m.evc[v] + m.indepSd[v] * u[v];
    GROUPS.forEach((_g, g) => {
      const w = m.groupWeight[g];
      const d = groupDrive[g];
      if (d !== 0) for (let v = 0; v < V; v++) row[v] += w[v] * d;
    });
    for (let k = 0; k < LATENT_DIM; k++) {
      const l = m.loadings[k];
      const z = f.latent[k];
      for (let v = 0; v < V; v++) row[v] += l[v] * z;
    }
    for (let v = 0; v < V; v++) row[v] *= m.gain[v];
  });
  return out;
}
