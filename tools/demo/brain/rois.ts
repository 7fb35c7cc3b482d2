/**
 * Regions of interest: where they sit, how they are drawn, and the quirks of
 * the real bucket the demo reproduces (bucket-layout.md §5, §9):
 *
 * - categories are directory names; bucket labels keep their hyphens
 *   (`FFA-1`, `pSTS-faces`, `l-objects`, `laion-EVC`), the package strips them;
 * - within a category ROIs never overlap (each voxel goes to the ROI that
 *   claims it most strongly); across categories they may (FBA overlaps FFA);
 * - sub-03 has no `motion/MST` (`MISSING_ROI`);
 * - sub-01 `face/FFA-1` has exactly one voxel outside the res-1pt8 anatomical
 *   brain mask (`OUT_OF_BRAIN_ROI`), to exercise the package's `roi[brain]` drop.
 *
 * Shapes are smooth blobs, not spheres: a smooth random field plus a radial
 * fall-off, thresholded within the cortical ribbon near a literature
 * (MNI-like) centre that is jittered per subject. Early visual areas are
 * bands above/below the calcarine sulcus instead (V1 in the sulcus, V2 and V3
 * flanking it), with the band borders jittered by the same kind of field.
 */
import type { Rng } from '../rng.ts';
import type { SubjectBrain } from './anatomy.ts';
import { neighbours6, randomField } from './field.ts';
import { FUNC_GRID, type Vec3 } from './grid.ts';

export type Hemi = 'L' | 'R';

export interface RoiSpec {
  category: string;
  /** As written in bucket keys (may contain hyphens). */
  label: string;
  hemis: Hemi[];
  /** Right-hemisphere template centre (mirrored for L); for bands: the band index. */
  centre?: Vec3;
  /** Blob radius in template mm. */
  radius?: number;
  /** Calcarine band: visual area (1..3) and bank (-1 ventral, +1 dorsal). */
  band?: { area: 1 | 2 | 3; bank: -1 | 1 };
}

const BOTH: Hemi[] = ['L', 'R'];
export const ROI_SPECS: RoiSpec[] = [
  { category: 'retinotopy', label: 'V1v', hemis: BOTH, band: { area: 1, bank: -1 } },
  { category: 'retinotopy', label: 'V1d', hemis: BOTH, band: { area: 1, bank: 1 } },
  { category: 'retinotopy', label: 'V2v', hemis: BOTH, band: { area: 2, bank: -1 } },
  { category: 'retinotopy', label: 'V2d', hemis: BOTH, band: { area: 2, bank: 1 } },
  { category: 'retinotopy', label: 'V3v', hemis: BOTH, band: { area: 3, bank: -1 } },
  { category: 'retinotopy', label: 'V3d', hemis: BOTH, band: { area: 3, bank: 1 } },
  { category: 'retinotopy', label: 'hV4', hemis: BOTH, centre: [30, -80, -14], radius: 9 },
  { category: 'retinotopy', label: 'VO1', hemis: BOTH, centre: [28, -68, -14], radius: 7 },
  { category: 'retinotopy', label: 'V3A', hemis: BOTH, centre: [24, -90, 24], radius: 9 },
  { category: 'retinotopy', label: 'LO1', hemis: BOTH, centre: [34, -90, 4], radius: 8 },
  { category: 'retinotopy', label: 'LO2', hemis: BOTH, centre: [42, -84, 0], radius: 8 },
  { category: 'face', label: 'FFA-1', hemis: BOTH, centre: [40, -64, -18], radius: 9 },
  { category: 'face', label: 'FFA-2', hemis: BOTH, centre: [40, -46, -20], radius: 8 },
  { category: 'face', label: 'OFA', hemis: BOTH, centre: [40, -80, -8], radius: 8 },
  { category: 'face', label: 'pSTS-faces', hemis: BOTH, centre: [50, -50, 10], radius: 9 },
  { category: 'body', label: 'EBA', hemis: BOTH, centre: [48, -72, 4], radius: 11 },
  { category: 'body', label: 'FBA', hemis: BOTH, centre: [42, -50, -18], radius: 8 },
  { category: 'place', label: 'PPA', hemis: BOTH, centre: [26, -46, -10], radius: 10 },
  { category: 'place', label: 'OPA', hemis: BOTH, centre: [34, -82, 26], radius: 9 },
  { category: 'place', label: 'MPA', hemis: BOTH, centre: [14, -56, 14], radius: 9 },
  // The visual word form area is left-lateralised: its right-hemisphere files exist but are empty.
  { category: 'character', label: 'VWFA-1', hemis: ['L'], centre: [42, -58, -14], radius: 8 },
  { category: 'character', label: 'VWFA-2', hemis: ['L'], centre: [44, -44, -12], radius: 7 },
  { category: 'object', label: 'l-objects', hemis: BOTH, centre: [44, -76, -4], radius: 10 },
  { category: 'object', label: 'v-objects', hemis: BOTH, centre: [36, -50, -16], radius: 9 },
  { category: 'motion', label: 'MT', hemis: BOTH, centre: [46, -70, 4], radius: 8 },
  { category: 'motion', label: 'MST', hemis: BOTH, centre: [44, -60, 10], radius: 7 },
  { category: 'laion', label: 'laion-EVC', hemis: BOTH, centre: [10, -94, 4], radius: 12 },
  { category: 'laion', label: 'laion-ventral', hemis: BOTH, centre: [34, -58, -14], radius: 12 },
  { category: 'laion', label: 'laion-lateral', hemis: BOTH, centre: [46, -70, 0], radius: 12 },
  { category: 'laion', label: 'laion-dorsal', hemis: BOTH, centre: [26, -70, 44], radius: 11 },
];

export const MISSING_ROI = { subject: 'sub-03', category: 'motion', label: 'MST' } as const;
export const OUT_OF_BRAIN_ROI = { subject: 'sub-01', category: 'face', label: 'FFA-1' } as const;

export interface RoiVolume {
  spec: RoiSpec;
  /** res-1pt8 0/1 mask. */
  mask: Uint8Array;
}

/** Which ROIs a subject has (all but the deliberately missing one). */
export function roiSpecsFor(sub: string): RoiSpec[] {
  return ROI_SPECS.filter((s) => !(sub === MISSING_ROI.subject && s.category === MISSING_ROI.category && s.label === MISSING_ROI.label));
}

/** Calcarine-band score of a ribbon voxel: >0 inside the band for (area, bank). */
function bandScore(spec: RoiSpec, tx: number, ty: number, tz: number, jitter: number): number {
  const { area, bank } = spec.band!;
  // Eccentricity: distance from the occipital pole; the maps cover roughly the posterior 40 template mm.
  const ecc = Math.hypot(Math.abs(tx) - 6, ty + 102, tz - 3);
  if (ecc > 36 || Math.abs(tx) > 28) return -1;
  // Signed height above the calcarine fundus, which rises slightly towards the pole.
  const h = tz - (3 + 0.05 * (ty + 80)) + 2.2 * jitter;
  if (Math.sign(h) !== bank) return -1;
  const lo = [0, 0, 5, 10][area];
  const hi = [0, 5, 10, 15][area];
  const a = Math.abs(h);
  // A flat score near 1: neighbouring blobs (hV4, V3A, LO1) win where they are strong.
  return a >= lo && a < hi ? 0.9 + 0.05 * Math.min(a - lo, hi - a) : -1;
}

export function buildRois(brain: SubjectBrain, sub: string, rng: Rng): RoiVolume[] {
  const dims = FUNC_GRID.dims;
  const n = brain.cortex.length;
  const { tx, ty, tz } = brain;
  const specs = roiSpecsFor(sub);
  const categories = [...new Set(specs.map((s) => s.category))];
  const out: RoiVolume[] = [];
  const ribbon: number[] = [];
  for (let p = 0; p < n; p++) if (brain.cortex[p]) ribbon.push(p);

  for (const category of categories) {
    const field = randomField(rng.fork(`field/${category}`), dims, 1.3);
    const members = specs.filter((s) => s.category === category);
    // Per ROI and hemisphere: a jittered centre snapped to the nearest ribbon voxel.
    const centres = members.map((spec) =>
      spec.hemis.map((hemi) => {
        if (!spec.centre) return null;
        const j = rng.fork(`centre/${spec.label}/${hemi}`);
        const sx = hemi === 'L' ? -1 : 1;
        const c: Vec3 = [sx * spec.centre[0] + j.normal() * 2.5, spec.centre[1] + j.normal() * 3, spec.centre[2] + j.normal() * 2.5];
        let best = -1;
        let bestD = Infinity;
        for (const p of ribbon) {
          if (Math.sign(tx[p]) !== sx) continue;
          const d = (tx[p] - c[0]) ** 2 + (ty[p] - c[1]) ** 2 + (tz[p] - c[2]) ** 2;
          if (d < bestD) [best, bestD] = [p, d];
        }
        return [tx[best], ty[best], tz[best]] as Vec3;
      }),
    );
    const masks = members.map(() => new Uint8Array(n));
    for (const p of ribbon) {
      let bestScore = 0;
      let bestRoi = -1;
      members.forEach((spec, r) => {
        const hemi: Hemi = tx[p] < 0 ? 'L' : 'R';
        const h = spec.hemis.indexOf(hemi);
        if (h < 0) return;
        let score: number;
        if (spec.band) score = bandScore(spec, tx[p], ty[p], tz[p], field[p]);
        else {
          const c = centres[r][h]!;
          const d2 = ((tx[p] - c[0]) ** 2 + (ty[p] - c[1]) ** 2 + (tz[p] - c[2]) ** 2) / spec.radius! ** 2;
          if (d2 > 2.5) return;
          score = 1.2 * (1 - d2) + 0.55 * field[p];
        }
        if (score > bestScore) [bestScore, bestRoi] = [score, r];
      });
      if (bestRoi >= 0) masks[bestRoi][p] = 1;
    }
    members.forEach((spec, r) => out.push({ spec, mask: masks[r] }));
  }

  if (sub === OUT_OF_BRAIN_ROI.subject) addOutOfBrainVoxel(brain, out.find((r) => r.spec.label === OUT_OF_BRAIN_ROI.label)!);
  return out;
}

/** Adds the one voxel outside the anatomical mask: the non-brain 6-neighbour of the ROI nearest its centroid. */
function addOutOfBrainVoxel(brain: SubjectBrain, roi: RoiVolume): void {
  const [nx, ny] = FUNC_GRID.dims;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  let count = 0;
  roi.mask.forEach((m, p) => {
    if (!m) return;
    cx += p % nx;
    cy += Math.floor(p / nx) % ny;
    cz += Math.floor(p / (nx * ny));
    count++;
  });
  [cx, cy, cz] = [cx / count, cy / count, cz / count];
  let best = -1;
  let bestD = Infinity;
  const nb: number[] = [];
  roi.mask.forEach((m, p) => {
    if (!m) return;
    for (const q of neighbours6(FUNC_GRID.dims, p, nb)) {
      if (brain.brainMask[q] || roi.mask[q]) continue;
      const d = (q % nx - cx) ** 2 + ((Math.floor(q / nx) % ny) - cy) ** 2 + (Math.floor(q / (nx * ny)) - cz) ** 2;
      if (d < bestD) [best, bestD] = [q, d];
    }
  });
  if (best < 0) throw new Error('no voxel outside the brain mask next to the ROI');
  roi.mask[best] = 1;
}
