/**
 * A brain-shaped anatomical phantom, defined analytically in a template space
 * with MNI-like millimetres (x right, y anterior, z superior, origin near the
 * anterior commissure) so that ROI positions can be taken from the
 * literature. A subject is the template scaled by about 0.52 (the demo grid
 * is small) with a little jitter, so subjects differ slightly.
 *
 * Each cerebral hemisphere is star-shaped about its own centre: for a
 * direction d the smooth hull radius comes from an ellipsoid with per-octant
 * semi-axes (flattened base, temporal lobe bump) cut by the mid-sagittal
 * plane (interhemispheric fissure). Sulci push the pial surface inwards from
 * the hull: a random gyral pattern (a few plane waves on the sphere, sharpened
 * so that sulci are narrow and gyri broad) plus named landmark sulci (central,
 * Sylvian, calcarine, ...). White = pial minus a cortical thickness that is
 * larger on gyral crowns, as in real cortex. Being star-shaped makes the
 * FreeSurfer-like meshes trivial: vertex = centre + r(d)·d.
 */
import type { Rng } from '../rng.ts';
import type { Vec3 } from './grid.ts';

export const TISSUE = {
  air: 0,
  scalp: 1,
  skull: 2,
  csf: 3,
  gm: 4,
  wm: 5,
  deepGm: 6,
  ventricle: 7,
  cbGm: 8,
  cbWm: 9,
  brainstem: 10,
  /** CSF inside the brain's smooth hull (sulci, fissure): part of a brain mask, dark on T1w. */
  sulcalCsf: 11,
  /** Neck and skull-base soft tissue. */
  muscle: 12,
} as const;
export const TISSUE_COUNT = 13;

export function isBrainTissue(t: number): boolean {
  return t >= TISSUE.gm && t <= TISSUE.sulcalCsf;
}

/** Template-space centre of the right hemisphere (the left one is mirrored). */
const HEMI_CENTRE: Vec3 = [30, -17, 12];
const FISSURE_HALF = 1.1;
const SULCAL_DEPTH = 15;

interface Wave {
  u: Vec3;
  omega: number;
  phase: number;
}
interface Sulcus {
  /** Unit directions from the hemisphere centre, flattened xyz triples. */
  dirs: number[];
  depth: number;
  width: number;
}
interface HemiShape {
  waves: Wave[];
  sulci: Sulcus[];
}

/**
 * hull/pial/white radii tabulated on a cube map of directions. Evaluating the
 * sulcal pattern per voxel is ~20x slower than this bilinear lookup, and the
 * 0.8 mm grid has 1.6M voxels per subject.
 */
interface RadiusMap {
  hull: Float32Array;
  pial: Float32Array;
  white: Float32Array;
}
const CUBE_N = 120;

export interface Anatomy {
  /** world = scale ⊙ template + shift (mm). */
  scale: Vec3;
  shift: Vec3;
  /** [left, right]. */
  hemis: [HemiShape, HemiShape];
  maps: [RadiusMap, RadiusMap];
}

/** Landmark sulci as template points (right hemisphere) along the fundus, with depth and half-width (rad). */
const NAMED_SULCI: Array<{ pts: Vec3[]; depth: number; width: number }> = [
  { pts: [[2, -102, 2], [2, -86, 4], [2, -70, 6], [2, -56, 2]], depth: 12, width: 0.07 }, // calcarine
  { pts: [[2, -58, 4], [2, -68, 26], [2, -76, 46]], depth: 11, width: 0.06 }, // parieto-occipital
  { pts: [[8, -38, 76], [36, -24, 62], [58, -10, 28]], depth: 12, width: 0.05 }, // central
  { pts: [[44, 16, -6], [56, -14, 10], [60, -42, 26]], depth: 24, width: 0.09 }, // lateral (Sylvian)
  { pts: [[56, 6, -22], [60, -24, -6], [56, -54, 12]], depth: 10, width: 0.05 }, // superior temporal
  { pts: [[2, 38, 8], [2, 18, 34], [2, -20, 44], [2, -40, 58]], depth: 9, width: 0.05 }, // cingulate
  { pts: [[32, -38, 56], [30, -58, 50], [28, -78, 32]], depth: 10, width: 0.05 }, // intraparietal
  { pts: [[22, 44, 44], [24, 16, 60], [22, -4, 68]], depth: 8, width: 0.05 }, // superior frontal
  { pts: [[28, -28, -22], [28, -50, -16], [24, -72, -8]], depth: 9, width: 0.05 }, // collateral
];

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function makeHemi(rng: Rng): HemiShape {
  const waves: Wave[] = [];
  for (let k = 0; k < 6; k++) {
    waves.push({ u: unit([rng.normal(), rng.normal(), rng.normal()]), omega: rng.uniform(13, 19), phase: rng.uniform(0, 2 * Math.PI) });
  }
  const sulci = NAMED_SULCI.map((s) => ({
    // Subjects' sulci sit a few mm apart, as in real brains.
    dirs: s.pts.flatMap((p) => unit([p[0] + rng.normal() * 1.5 - HEMI_CENTRE[0], p[1] + rng.normal() * 2 - HEMI_CENTRE[1], p[2] + rng.normal() * 2 - HEMI_CENTRE[2]])),
    depth: s.depth * rng.uniform(0.9, 1.1),
    width: s.width,
  }));
  return { waves, sulci };
}

/** Cube-map face and texel coordinates of a unit direction. */
function cubeCoords(dx: number, dy: number, dz: number): [number, number, number] {
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  const az = Math.abs(dz);
  let face: number;
  let u: number;
  let v: number;
  if (ax >= ay && ax >= az) [face, u, v] = [dx > 0 ? 0 : 1, dy / ax, dz / ax];
  else if (ay >= az) [face, u, v] = [dy > 0 ? 2 : 3, dx / ay, dz / ay];
  else [face, u, v] = [dz > 0 ? 4 : 5, dx / az, dy / az];
  return [face, ((u + 1) * CUBE_N) / 2 - 0.5, ((v + 1) * CUBE_N) / 2 - 0.5];
}

function buildRadiusMap(h: HemiShape): RadiusMap {
  const n = 6 * CUBE_N * CUBE_N;
  const map: RadiusMap = { hull: new Float32Array(n), pial: new Float32Array(n), white: new Float32Array(n) };
  const r: Radii = { hull: 0, pial: 0, white: 0 };
  for (let face = 0; face < 6; face++)
    for (let j = 0; j < CUBE_N; j++)
      for (let i = 0; i < CUBE_N; i++) {
        const u = ((i + 0.5) * 2) / CUBE_N - 1;
        const v = ((j + 0.5) * 2) / CUBE_N - 1;
        const s = face % 2 === 0 ? 1 : -1;
        const d: Vec3 = face < 2 ? [s, u, v] : face < 4 ? [u, s, v] : [u, v, s];
        const [dx, dy, dz] = unit(d);
        hemiRadii(h, dx, dy, dz, r);
        const p = (face * CUBE_N + j) * CUBE_N + i;
        map.hull[p] = r.hull;
        map.pial[p] = r.pial;
        map.white[p] = r.white;
      }
  return map;
}

/** Bilinear lookup of the tabulated radii (texels clamped at face edges). */
export function lookupRadii(m: RadiusMap, dx: number, dy: number, dz: number, out: Radii): Radii {
  const [face, fu, fv] = cubeCoords(dx, dy, dz);
  const max = CUBE_N - 1;
  const cu = fu < 0 ? 0 : fu > max ? max : fu;
  const cv = fv < 0 ? 0 : fv > max ? max : fv;
  const i0 = Math.min(max - 1, Math.floor(cu));
  const j0 = Math.min(max - 1, Math.floor(cv));
  const tu = cu - i0;
  const tv = cv - j0;
  const p = (face * CUBE_N + j0) * CUBE_N + i0;
  const w00 = (1 - tu) * (1 - tv);
  const w10 = tu * (1 - tv);
  const w01 = (1 - tu) * tv;
  const w11 = tu * tv;
  const q = p + CUBE_N;
  out.hull = w00 * m.hull[p] + w10 * m.hull[p + 1] + w01 * m.hull[q] + w11 * m.hull[q + 1];
  out.pial = w00 * m.pial[p] + w10 * m.pial[p + 1] + w01 * m.pial[q] + w11 * m.pial[q + 1];
  out.white = w00 * m.white[p] + w10 * m.white[p + 1] + w01 * m.white[q] + w11 * m.white[q + 1];
  return out;
}

export function makeAnatomy(rng: Rng): Anatomy {
  const g = rng.uniform(0.97, 1.03);
  const hemis: [HemiShape, HemiShape] = [makeHemi(rng.fork('lh')), makeHemi(rng.fork('rh'))];
  return {
    scale: [0.52 * g * rng.uniform(0.98, 1.02), 0.53 * g * rng.uniform(0.98, 1.02), 0.52 * g * rng.uniform(0.98, 1.02)],
    shift: [rng.normal() * 0.8, rng.normal() * 1.2 - 4, rng.normal() * 1.2 + 1],
    hemis,
    maps: [buildRadiusMap(hemis[0]), buildRadiusMap(hemis[1])],
  };
}

export function toTemplate(a: Anatomy, x: number, y: number, z: number): Vec3 {
  return [(x - a.shift[0]) / a.scale[0], (y - a.shift[1]) / a.scale[1], (z - a.shift[2]) / a.scale[2]];
}
export function toWorld(a: Anatomy, t: Vec3): Vec3 {
  return [t[0] * a.scale[0] + a.shift[0], t[1] * a.scale[1] + a.shift[1], t[2] * a.scale[2] + a.shift[2]];
}

export function hemiCentre(hemi: 0 | 1): Vec3 {
  return [hemi === 1 ? HEMI_CENTRE[0] : -HEMI_CENTRE[0], HEMI_CENTRE[1], HEMI_CENTRE[2]];
}

/**
 * Radius of the smooth hull along a unit direction given in right-hemisphere
 * form (dx > 0 = lateral): the boundary of a whole-brain ellipsoid centred on
 * the midline (per-octant semi-axes: flat base, temporal-lobe bump, narrower
 * occipital lobe), cut by the mid-sagittal plane. The half-ellipsoid is
 * convex, so it is star-shaped about the hemisphere centre.
 */
function hullRadius(dx: number, dy: number, dz: number): number {
  const temporal = Math.exp(-(((dy - 0.05) / 0.42) ** 2)) * Math.min(1, Math.max(0, (dx - 0.05) / 0.35));
  const sx = 69 * (dy < 0 ? 1 - 0.16 * dy * dy : 1);
  const sy = dy > 0 ? 86 : 87;
  const sz = dz > 0 ? 62 : 36 + 24 * temporal;
  const c = HEMI_CENTRE[0];
  const A = (dx / sx) ** 2 + (dy / sy) ** 2 + (dz / sz) ** 2;
  const B = (2 * c * dx) / (sx * sx);
  const C = (c / sx) ** 2 - 1;
  let r = (-B + Math.sqrt(B * B - 4 * A * C)) / (2 * A);
  if (dx < 0) r = Math.min(r, (c - FISSURE_HALF) / -dx);
  return r;
}

export interface Radii {
  hull: number;
  pial: number;
  white: number;
}

/**
 * Hull, pial and white radii along a unit direction (right-hemisphere form).
 * The white surface uses the same sulci widened by about one cortical
 * thickness: a radial model would otherwise leave the steep sulcal walls
 * without grey matter, whereas real cortex lines both banks of a sulcus.
 */
export function hemiRadii(h: HemiShape, dx: number, dy: number, dz: number, out: Radii): Radii {
  const hull = hullRadius(dx, dy, dz);
  let f = 0;
  for (const w of h.waves) f += Math.sin(w.omega * (w.u[0] * dx + w.u[1] * dy + w.u[2] * dz) + w.phase);
  f /= Math.sqrt(h.waves.length / 2);
  // Sharpened: most of the surface is gyral crown, sulci are narrow valleys.
  const gyralPial = 1 / (1 + Math.exp(-4.5 * (f + 0.6)));
  const gyralWhite = 1 / (1 + Math.exp(-3.2 * (f - 0.15)));
  let depthPial = SULCAL_DEPTH * (1 - gyralPial);
  let depthWhite = SULCAL_DEPTH * (1 - gyralWhite);
  for (const s of h.sulci) {
    let best = Infinity;
    const p = s.dirs;
    for (let i = 0; i + 5 < p.length; i += 3) {
      const ex = p[i + 3] - p[i];
      const ey = p[i + 4] - p[i + 1];
      const ez = p[i + 5] - p[i + 2];
      const len2 = ex * ex + ey * ey + ez * ez;
      let t = ((dx - p[i]) * ex + (dy - p[i + 1]) * ey + (dz - p[i + 2]) * ez) / len2;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const d2 = (dx - p[i] - t * ex) ** 2 + (dy - p[i + 1] - t * ey) ** 2 + (dz - p[i + 2] - t * ez) ** 2;
      if (d2 < best) best = d2;
    }
    depthPial = Math.max(depthPial, s.depth * Math.exp(-best / (s.width * s.width)));
    const ww = s.width + 0.07;
    depthWhite = Math.max(depthWhite, s.depth * Math.exp(-best / (ww * ww)));
  }
  out.hull = hull;
  out.pial = hull - depthPial;
  // Thicker on gyral crowns than in fundi, as in real cortex.
  out.white = Math.min(out.pial - 3.6, hull - depthWhite - 4.2 - 0.8 * gyralPial);
  return out;
}

// ---------------------------------------------------------------- deep structures

function inEllipsoid(x: number, y: number, z: number, c: Vec3, s: Vec3): number {
  return ((x - c[0]) / s[0]) ** 2 + ((y - c[1]) / s[1]) ** 2 + ((z - c[2]) / s[2]) ** 2;
}

/** Squared distance from (x,y,z) to a polyline, x distances weighted by `xw`, and the interpolated radius there. */
function tubeDistance(x: number, y: number, z: number, pts: readonly Vec3[], radii: readonly number[], xw: number): number {
  let best = Infinity;
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    const ex = b[0] - a[0];
    const ey = b[1] - a[1];
    const ez = b[2] - a[2];
    let t = ((x - a[0]) * ex + (y - a[1]) * ey + (z - a[2]) * ez) / (ex * ex + ey * ey + ez * ez);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const r = radii[i] + t * (radii[i + 1] - radii[i]);
    const d = (((x - a[0] - t * ex) * xw) ** 2 + (y - a[1] - t * ey) ** 2 + (z - a[2] - t * ez) ** 2) / (r * r);
    if (d < best) best = d;
  }
  return best; // < 1 means inside the tube
}

// Right-hemisphere forms; mirrored with |x|.
const LATERAL_VENTRICLE: Vec3[] = [[9, 30, 10], [11, 12, 20], [12, -18, 21], [17, -36, 13], [26, -30, -2], [30, -12, -15]];
const LATERAL_VENTRICLE_R = [5, 7, 6.5, 6, 3.2, 2.5];
const CORPUS_CALLOSUM: Vec3[] = [[0, 30, 6], [0, 32, 14], [0, 20, 26], [0, -10, 28], [0, -34, 22], [0, -40, 12]];
const CORPUS_CALLOSUM_R = [4, 5, 3.5, 3.5, 4, 5.5];
const BRAINSTEM: Vec3[] = [[0, -20, 0], [0, -26, -18], [0, -30, -36], [0, -34, -56], [0, -38, -110]];
const BRAINSTEM_R = [11, 13, 14, 9, 8];
const THALAMUS: [Vec3, Vec3] = [[10, -18, 6], [9, 14, 9]];
const CAUDATE: [Vec3, Vec3] = [[14, 12, 12], [5, 12, 7]];
const PUTAMEN: [Vec3, Vec3] = [[25, 2, 2], [5, 14, 9]];
const CEREBELLUM: [Vec3, Vec3] = [[22, -63, -37], [30, 27, 21]];
const VERMIS: [Vec3, Vec3] = [[0, -60, -33], [12, 24, 20]];
const HEAD_CENTRE: Vec3 = [0, -16, 10];
const HEAD_SEMI: Vec3 = [74, 93, 69];
/** The skull base sits lower than the vault is high (cerebellum, temporal lobes). */
const HEAD_SEMI_BELOW: Vec3 = [74, 93, 72];

/**
 * Cerebellum: tissue label, or -1 outside; -2 in the CSF of the posterior
 * fossa just around it. Lobules radiate from the deep white matter (the
 * "arbor vitae" seen on sagittal slices): a white-matter branch runs along
 * each lobule's axis, grey matter covers it, fissures of CSF separate the
 * lobules near the surface, and the surface is finely folded (folia).
 */
function cerebellum(x: number, y: number, z: number): number {
  const ax = Math.abs(x);
  if (y > -28 || z > -8) return -1;
  const q = Math.min(inEllipsoid(ax, y, z, CEREBELLUM[0], CEREBELLUM[1]), inEllipsoid(x, y, z, VERMIS[0], VERMIS[1]));
  if (q > 1.3) return -1;
  // Branches fan out backwards from the deep nuclei at the front of the cerebellum, like a tree on sagittal slices.
  const py = CEREBELLUM[0][1] + 16;
  const pz = CEREBELLUM[0][2] + 3;
  const theta = Math.atan2(z - pz, py - y);
  const reach = Math.hypot(y - py, z - pz) / 40;
  const rr = Math.sqrt(q);
  const lobule = Math.cos(theta * 6.5); // +1 on a lobule's axis, -1 in the fissure between two lobules
  // Folia ripple the surface; between two lobules a fissure cuts in.
  const rim = 1 + 0.03 * Math.sin(theta * 45) - (lobule < -0.75 ? (0.35 * (-0.75 - lobule)) / 0.25 : 0);
  if (rr > rim) return rr < rim + 0.12 ? -2 : -1;
  if (reach < 0.28) return TISSUE.cbWm;
  const branch = 0.5 * Math.max(0, 1 - reach) + 0.04 + 0.06 * Math.cos(theta * 26);
  if (rr < 0.88 && lobule > 1 - branch) return TISSUE.cbWm;
  return TISSUE.cbGm;
}

/** Tissue label at a template-space point. `r` is scratch space to avoid allocations in the hot loop. */
export function classify(a: Anatomy, x: number, y: number, z: number, r: Radii): number {
  const ax = Math.abs(x);
  if (ax < 16 && y < -4 && y > -54 && z < 12 && tubeDistance(ax, y, z, BRAINSTEM, BRAINSTEM_R, 1) < 1) return TISSUE.brainstem;
  // Cerebral hemisphere.
  const vx = ax - HEMI_CENTRE[0];
  const vy = y - HEMI_CENTRE[1];
  const vz = z - HEMI_CENTRE[2];
  const rho = Math.sqrt(vx * vx + vy * vy + vz * vz) || 1e-9;
  lookupRadii(a.maps[x >= 0 ? 1 : 0], vx / rho, vy / rho, vz / rho, r);
  const hull = r.hull;
  if (rho < hull) {
    if (ax < 16 && y > -46 && y < 36 && z > -4 && z < 34 && tubeDistance(ax, y, z, CORPUS_CALLOSUM, CORPUS_CALLOSUM_R, 0.35) < 1) return TISSUE.wm;
    if (ax < 36 && y > -48 && y < 40 && z > -22 && z < 32) {
      if (tubeDistance(ax, y, z, LATERAL_VENTRICLE, LATERAL_VENTRICLE_R, 1.9) < 1) return TISSUE.ventricle;
      if (ax < 1.6 && y > -24 && y < 4 && z > -6 && z < 12) return TISSUE.ventricle; // third ventricle
      if (inEllipsoid(ax, y, z, THALAMUS[0], THALAMUS[1]) < 1) return TISSUE.deepGm;
      if (inEllipsoid(ax, y, z, CAUDATE[0], CAUDATE[1]) < 1) return TISSUE.deepGm;
      if (inEllipsoid(ax, y, z, PUTAMEN[0], PUTAMEN[1]) < 1) return TISSUE.deepGm;
    }
    if (rho < r.white) return TISSUE.wm;
    if (rho < r.pial) return TISSUE.gm;
  }
  const cb = cerebellum(x, y, z);
  if (cb >= 0) return cb;
  if (rho < hull) return TISSUE.sulcalCsf;
  const e = Math.sqrt(inEllipsoid(x, y, z, HEAD_CENTRE, z > HEAD_CENTRE[2] ? HEAD_SEMI : HEAD_SEMI_BELOW));
  if (e < 1) {
    // A thin CSF layer around the brain; below it the skull base and its soft tissue, not a void.
    if (rho < hull + 3.5 || cb === -2) return TISSUE.csf;
    if (ax < 20 && y < -4 && y > -60 && tubeDistance(ax, y, z, BRAINSTEM, BRAINSTEM_R, 1) < 1.5) return TISSUE.csf; // cisterns
    // Bone of the skull base and posterior fossa hugs the brain; neck and face soft tissue lie further down.
    const fossa = Math.min(inEllipsoid(ax, y, z, CEREBELLUM[0], CEREBELLUM[1]), inEllipsoid(x, y, z, VERMIS[0], VERMIS[1]));
    return rho < hull + 10 || z > -20 || fossa < 1.9 ? TISSUE.skull : TISSUE.muscle;
  }
  if (e < 1.075) return TISSUE.skull;
  if (e < 1.16) return TISSUE.scalp;
  // Neck and skull-base soft tissue below the head ellipsoid, so the field of view does not end in air.
  if (z < HEAD_CENTRE[2] - 40 && (x / 52) ** 2 + ((y + 26) / 60) ** 2 < 1) return TISSUE.muscle;
  return TISSUE.air;
}
