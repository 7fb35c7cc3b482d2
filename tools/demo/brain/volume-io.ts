/**
 * Writes one `.nii.gz` bucket object plus its JSON sidecar. gzip level 1 is
 * nibabel's default for `.nii.gz`; Node writes mtime 0 and no file name in
 * the gzip header, so the bytes are the same on every run.
 */
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { sidecarKey } from '../../../src/data/layout.ts';
import { encodeNifti1, type Nifti1WriteOptions } from '../../../src/formats/nifti-write.ts';
import type { DemoContext } from '../context.ts';
import type { Grid } from './grid.ts';

/** Sidecar fields every synthetic volume carries, so nobody mistakes it for real data. */
const GENERATED_BY = [{ Name: 'laion-fmri-explorer demo generator', Description: 'synthetic phantom; not for scientific use' }];

export function putNifti(ctx: DemoContext, key: string, opts: Nifti1WriteOptions, sidecar: Record<string, unknown>): void {
  putNiftiBytes(ctx, key, encodeNifti1(opts), sidecar);
}

const gzipAsync = promisify(gzip);

/**
 * Like `putNiftiBytes`, but compresses on the libuv thread pool so the next
 * session's betas are computed while this one is gzipped (the build's biggest
 * cost; the bytes are identical to gzipSync's). The object is written when
 * the promise resolves.
 */
export async function putNiftiBytesAsync(ctx: DemoContext, key: string, nii: Uint8Array, sidecar: Record<string, unknown>): Promise<void> {
  const gz = await gzipAsync(nii, { level: 1 });
  ctx.put(key, gz);
  ctx.put(sidecarKey(key), JSON.stringify({ ...sidecar, GeneratedBy: GENERATED_BY }, null, 2) + '\n');
}

/** Same, for a file already laid out with `allocateNifti1` (large 4-D volumes filled in place). */
export function putNiftiBytes(ctx: DemoContext, key: string, nii: Uint8Array, sidecar: Record<string, unknown>): void {
  ctx.put(key, gzipSync(nii, { level: 1 }));
  ctx.put(sidecarKey(key), JSON.stringify({ ...sidecar, GeneratedBy: GENERATED_BY }, null, 2) + '\n');
}

/** Shorthand for a 3-D volume on a grid (pixdim and affine from the grid). */
export function volumeOptions(
  grid: Grid,
  datatype: Nifti1WriteOptions['datatype'],
  data: Nifti1WriteOptions['data'],
  extra: Partial<Nifti1WriteOptions> = {},
): Nifti1WriteOptions {
  const s = grid.voxelSize;
  return { dims: [...grid.dims], pixdim: [s, s, s], datatype, data, affine: grid.affine, ...extra };
}

export function putJson(ctx: DemoContext, key: string, value: unknown): void {
  ctx.put(key, JSON.stringify(value, null, 2) + '\n');
}
