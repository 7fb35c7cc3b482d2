/**
 * Grid agreement between volumes that come from different files. Every
 * `res-1pt8` volume (betas, NC, R2mean, anat mask, ROIs) shares one shape and
 * affine (bucket-layout.md §3); combining two that do not would silently mix
 * voxels from different places, so the science functions refuse and say which
 * files disagree. Lives apart from masks.ts so that voxel-order.ts can use it
 * without an import cycle.
 */

/** A volume as the science layer sees it: where it came from and its dims (X, Y, Z[, T]). */
export interface GridRef {
  /** File name or a label a researcher recognises (`sub-01 … R2mean_statmap.nii.gz`, `ROI FFA1`). */
  file: string;
  dims: readonly number[];
  /** Voxel → mm (row-major 4×4 or 3×4). Compared only when both sides carry one. */
  affine?: ReadonlyArray<readonly number[]>;
}

/** A volume plus its decoded voxels (one 3-D volume, NIfTI order). */
export interface GridArray extends GridRef {
  data: { readonly length: number };
}

const fmtDims = (dims: readonly number[]) => dims.join('×');

/** Two volumes that must share the beta grid do not. The message names both files and both dims. */
export class GridMismatchError extends Error {
  readonly a: GridRef;
  readonly b: GridRef;
  constructor(a: GridRef, b: GridRef, detail?: string) {
    super(
      `${a.file} (${fmtDims(a.dims)}) and ${b.file} (${fmtDims(b.dims)}) are not on the same voxel grid` +
        (detail ? ` (${detail})` : '') +
        '; they cannot be combined voxel by voxel.',
    );
    this.name = 'GridMismatchError';
    this.a = a;
    this.b = b;
  }
}

/** X·Y·Z of the spatial part of `dims` (a 4-D file counts one volume). */
export function spatialVoxels(dims: readonly number[]): number {
  return (dims[0] ?? 1) * (dims[1] ?? 1) * (dims[2] ?? 1);
}

/** mm: smaller than any real header rounding, far smaller than the 1.78 mm voxel. */
const AFFINE_TOL = 1e-3;

/** Same spatial dims and (when both are known) the same affine. */
export function assertSameGrid(a: GridRef, b: GridRef): void {
  for (let i = 0; i < 3; i++) {
    if ((a.dims[i] ?? 1) !== (b.dims[i] ?? 1)) throw new GridMismatchError(a, b, 'different dimensions');
  }
  if (!a.affine || !b.affine) return;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const d = Math.abs((a.affine[r]?.[c] ?? NaN) - (b.affine[r]?.[c] ?? NaN));
      if (!(d <= AFFINE_TOL)) throw new GridMismatchError(a, b, `affines differ at [${r}][${c}]`);
    }
  }
}

/**
 * Every array holds exactly one volume of its header's grid, and all share one
 * grid. Call before combining voxels of volumes read from different files.
 */
export function assertSameLength(...items: GridArray[]): void {
  for (const it of items) {
    const n = spatialVoxels(it.dims);
    if (it.data.length !== n) {
      throw new GridMismatchError(it, { file: `its ${it.data.length}-voxel array`, dims: [it.data.length] }, `the header promises ${n} voxels`);
    }
  }
  for (let i = 1; i < items.length; i++) assertSameGrid(items[0], items[i]);
}

/** For arrays that carry no file: lengths must agree; labels say what each array is. */
export function assertLengths(a: { label: string; length: number }, b: { label: string; length: number }): void {
  if (a.length !== b.length) throw new GridMismatchError({ file: a.label, dims: [a.length] }, { file: b.label, dims: [b.length] }, 'different voxel counts');
}
