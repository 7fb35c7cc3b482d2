/**
 * The two voxel grids of the demo brain.
 *
 * `FUNC_GRID` is the "res-1pt8" grid shared by every functional volume, the
 * res-1pt8 anatomy and the ROI masks (bucket-layout.md §3: identical shape and
 * affine). The real grid is 143³; the demo uses 50×60×48 so a session of
 * betas stays a few MB, and readers must take the shape from the header.
 * `ANAT_GRID` is the 0.8 mm full-resolution anatomy covering the same field
 * of view (same outer voxel edges), as the real T1w/T2w do.
 *
 * Both are LAS (first voxel axis points to the subject's left, so the sform's
 * x column is negative) like the real anatomy, and the world origin sits near
 * the middle of the brain so coordinates look like scanner RAS.
 */

export type Vec3 = [number, number, number];

export interface Grid {
  dims: Vec3;
  voxelSize: number;
  /** voxel (i,j,k) → world RAS mm, row-major 4x4. */
  affine: number[][];
}

export const RES_1PT8_MM = 1.7778;
export const RES_0PT8_MM = 0.8;

const FUNC_DIMS: Vec3 = [50, 60, 48];
/** World position (RAS mm) of the centre of voxel (0,0,0) of the functional grid. */
const FUNC_ORIGIN: Vec3 = [(FUNC_DIMS[0] - 1) * 0.5 * RES_1PT8_MM, -61.5, -36.5];

function lasAffine(size: number, origin: Vec3): number[][] {
  return [
    [-size, 0, 0, origin[0]],
    [0, size, 0, origin[1]],
    [0, 0, size, origin[2]],
    [0, 0, 0, 1],
  ];
}

export const FUNC_GRID: Grid = { dims: FUNC_DIMS, voxelSize: RES_1PT8_MM, affine: lasAffine(RES_1PT8_MM, FUNC_ORIGIN) };

/** The functional grid's field of view at another voxel size: first voxel centre half a voxel inside the same outer edge. */
function sameFieldOfView(size: number): Grid {
  const extent = FUNC_DIMS.map((n) => n * RES_1PT8_MM);
  const dims = extent.map((e) => Math.round(e / size)) as Vec3;
  const sign = [-1, 1, 1];
  const origin = FUNC_ORIGIN.map((o, a) => o + sign[a] * (-RES_1PT8_MM / 2 + size / 2)) as Vec3;
  return { dims, voxelSize: size, affine: lasAffine(size, origin) };
}
export const ANAT_GRID: Grid = sameFieldOfView(RES_0PT8_MM);
/** The `res-1pt5` localizer grid (its real dims are unknown, bucket-layout.md §3). */
export const RES_1PT5_MM = 1.5;
export const LOCALIZER_GRID: Grid = sameFieldOfView(RES_1PT5_MM);

export function voxelCount(g: Grid): number {
  return g.dims[0] * g.dims[1] * g.dims[2];
}

/** Flat index in NIfTI order (x fastest). */
export function flatIndex(g: Grid, i: number, j: number, k: number): number {
  return i + g.dims[0] * (j + g.dims[1] * k);
}

export function voxelToWorld(g: Grid, i: number, j: number, k: number): Vec3 {
  const a = g.affine;
  return [a[0][0] * i + a[0][3], a[1][1] * j + a[1][3], a[2][2] * k + a[2][3]];
}

/** Continuous voxel coordinates of a world point (the grids are axis-aligned). */
export function worldToVoxel(g: Grid, x: number, y: number, z: number): Vec3 {
  const a = g.affine;
  return [(x - a[0][3]) / a[0][0], (y - a[1][3]) / a[1][1], (z - a[2][3]) / a[2][2]];
}

/** Flat index of the voxel containing a world point, or -1 outside the grid. */
export function worldToIndex(g: Grid, x: number, y: number, z: number): number {
  const [fi, fj, fk] = worldToVoxel(g, x, y, z);
  const i = Math.round(fi);
  const j = Math.round(fj);
  const k = Math.round(fk);
  if (i < 0 || j < 0 || k < 0 || i >= g.dims[0] || j >= g.dims[1] || k >= g.dims[2]) return -1;
  return flatIndex(g, i, j, k);
}

/** World coordinates of every voxel centre, as three flat arrays (precomputed once per grid). */
export function worldCoordinates(g: Grid): { x: Float32Array; y: Float32Array; z: Float32Array } {
  const n = voxelCount(g);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const z = new Float32Array(n);
  let p = 0;
  for (let k = 0; k < g.dims[2]; k++)
    for (let j = 0; j < g.dims[1]; j++)
      for (let i = 0; i < g.dims[0]; i++, p++) {
        const w = voxelToWorld(g, i, j, k);
        x[p] = w[0];
        y[p] = w[1];
        z[p] = w[2];
      }
  return { x, y, z };
}
