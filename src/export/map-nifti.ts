/**
 * A per-voxel map as `.nii.gz` on the source grid and affine, like
 * laion_fmri's `to_nifti` (values on the betas grid, the brain-mask file's
 * affine and header geometry). Pure.
 */
import { gzipSync } from 'fflate';
import type { NiftiHeader } from '../formats/nifti.ts';
import { encodeNifti1 } from '../formats/nifti-write.ts';

export interface MapForExport {
  /** Values in NIfTI order (x fastest), one per grid voxel. */
  data: Float32Array | Uint8Array;
  /** Geometry source: the grid the values lie on. */
  header: Pick<NiftiHeader, 'dims' | 'voxelSize' | 'affine' | 'sformCode' | 'qformCode'>;
  description: string;
}

export function encodeMapNiftiGz(m: MapForExport): Uint8Array {
  const [X, Y, Z] = m.header.dims;
  if (m.data.length !== X * Y * Z) throw new RangeError(`the map has ${m.data.length} values, the grid ${X}×${Y}×${Z} = ${X * Y * Z}`);
  const nii = encodeNifti1({
    dims: [X, Y, Z],
    pixdim: [...m.header.voxelSize],
    datatype: m.data instanceof Uint8Array ? 'uint8' : 'float32',
    data: m.data,
    affine: m.header.affine.map((r) => [...r]),
    description: m.description.replace(/[^\x20-\x7e]/g, '?').slice(0, 79),
    sformCode: m.header.sformCode || 2,
    qformCode: m.header.qformCode || 2,
  });
  // level 6 with the gzip header nibabel writes (no name, mtime 0): the same bytes for the same map.
  return gzipSync(nii, { level: 6, mtime: 0 });
}

/** Hands bytes to the browser as a download named `name`. */
export function downloadBytes(bytes: Uint8Array | Blob, name: string, type = 'application/octet-stream'): void {
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
