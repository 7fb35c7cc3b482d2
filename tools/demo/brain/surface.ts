/**
 * FreeSurfer-like cortical surfaces of the phantom and the surface file
 * formats the bucket uses: binary triangle surfaces (`lh.white`), GIfTI
 * functional files (`.func.gii`) and ASCII labels (`.label`).
 *
 * Meshes are geodesic spheres of frequency n (10n²+2 vertices, so lh and rh
 * get different, fsnative-like irregular counts) pushed out to the phantom's
 * white and pial radii. Coordinates are FreeSurfer "surface RAS" (tkrRAS):
 * scanner RAS minus c_ras, the world position of the anatomy volume's centre,
 * which the surface footer records exactly as recon-all does. Readers must
 * add c_ras to overlay surfaces on the NIfTI volumes.
 */
import { deflateSync } from 'node:zlib';
import { ANAT_GRID, type Vec3 } from './grid.ts';
import { type Anatomy, hemiCentre, lookupRadii, type Radii, toWorld } from './phantom.ts';

export interface Mesh {
  /** Unit directions, xyz triples. */
  dirs: Float64Array;
  /** Triangles, counter-clockwise seen from outside (FreeSurfer convention). */
  faces: Int32Array;
}

const ICO_VERTS: Vec3[] = (() => {
  const t = (1 + Math.sqrt(5)) / 2;
  return [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]];
})();
const ICO_FACES: Vec3[] = [
  [0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
  [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1],
];

/**
 * Class-I geodesic sphere: every icosahedron face split into n² triangles.
 * Points shared by faces are identified by an exact key (icosahedron corner
 * indices and integer weights), never by rounded coordinates.
 */
export function geodesicSphere(n: number): Mesh {
  const shared = new Map<string, number>();
  const dirs: number[] = [];
  const faces: number[] = [];
  const create = (corners: Vec3, w: Vec3): number => {
    let x = 0;
    let y = 0;
    let z = 0;
    for (let c = 0; c < 3; c++) {
      x += ICO_VERTS[corners[c]][0] * w[c];
      y += ICO_VERTS[corners[c]][1] * w[c];
      z += ICO_VERTS[corners[c]][2] * w[c];
    }
    const len = Math.hypot(x, y, z);
    dirs.push(x / len, y / len, z / len);
    return dirs.length / 3 - 1;
  };
  // Points on icosahedron edges/corners are shared between faces: identify them by sorted (corner, weight) pairs.
  const sharedVertex = (corners: Vec3, w: Vec3): number => {
    const parts: Array<[number, number]> = [];
    for (let c = 0; c < 3; c++) if (w[c] > 0) parts.push([corners[c], w[c]]);
    parts.sort((a, b) => a[0] - b[0]);
    const key = parts.map((p) => `${p[0]}:${p[1]}`).join('|');
    let id = shared.get(key);
    if (id === undefined) {
      const cs = parts.map((p) => p[0]);
      const ws = parts.map((p) => p[1]);
      while (cs.length < 3) {
        cs.push(cs[0]);
        ws.push(0);
      }
      id = create(cs as Vec3, ws as Vec3);
      shared.set(key, id);
    }
    return id;
  };
  for (const f of ICO_FACES) {
    // ids[i][j] for the point with barycentric weights (n-i-j, i, j).
    const ids: number[][] = [];
    for (let i = 0; i <= n; i++) {
      ids.push([]);
      for (let j = 0; j <= n - i; j++) {
        const w: Vec3 = [n - i - j, i, j];
        ids[i].push(w[0] > 0 && i > 0 && j > 0 ? create(f, w) : sharedVertex(f, w));
      }
    }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n - i; j++) {
        faces.push(ids[i][j], ids[i + 1][j], ids[i][j + 1]);
        if (i + j < n - 1) faces.push(ids[i + 1][j], ids[i + 1][j + 1], ids[i][j + 1]);
      }
  }
  return { dirs: Float64Array.from(dirs), faces: Int32Array.from(faces) };
}

export interface HemiSurfaces {
  /** World (scanner RAS) coordinates, xyz triples. */
  white: Float32Array;
  pial: Float32Array;
  faces: Int32Array;
  vertexCount: number;
}

/** White and pial surfaces of one hemisphere (0 = left, 1 = right) on a sphere of frequency n. */
export function hemisphereSurfaces(anatomy: Anatomy, hemi: 0 | 1, n: number): HemiSurfaces {
  const mesh = geodesicSphere(n);
  const nv = mesh.dirs.length / 3;
  const white = new Float32Array(nv * 3);
  const pial = new Float32Array(nv * 3);
  const c = hemiCentre(hemi);
  const r: Radii = { hull: 0, pial: 0, white: 0 };
  const mirror = hemi === 0 ? -1 : 1;
  for (let v = 0; v < nv; v++) {
    const dx = mesh.dirs[3 * v];
    const dy = mesh.dirs[3 * v + 1];
    const dz = mesh.dirs[3 * v + 2];
    // Radii are tabulated in right-hemisphere form (x lateral-positive).
    lookupRadii(anatomy.maps[hemi], dx * mirror, dy, dz, r);
    const w = toWorld(anatomy, [c[0] + r.white * dx, c[1] + r.white * dy, c[2] + r.white * dz]);
    const p = toWorld(anatomy, [c[0] + r.pial * dx, c[1] + r.pial * dy, c[2] + r.pial * dz]);
    white.set(w, 3 * v);
    pial.set(p, 3 * v);
  }
  return { white, pial, faces: mesh.faces, vertexCount: nv };
}

/** c_ras: world position of the anatomy volume's centre voxel (FreeSurfer's conformed-volume centre). */
export function centreRas(): Vec3 {
  const a = ANAT_GRID.affine;
  const d = ANAT_GRID.dims;
  return [0, 1, 2].map((r) => a[r][0] * (d[0] / 2) + a[r][1] * (d[1] / 2) + a[r][2] * (d[2] / 2) + a[r][3]) as Vec3;
}

// ---------------------------------------------------------------- file formats

function fmt(v: number): string {
  return Number(v.toPrecision(10)).toString();
}

/**
 * FreeSurfer binary triangle surface (`lh.white`), big-endian: magic FF FF FE,
 * a creation line + blank line, counts, float32 coordinates, int32 faces, then
 * the volume-geometry footer that nibabel's read_geometry(read_metadata=True)
 * parses. The date is fixed so the file is deterministic.
 */
export function encodeFreesurferSurface(worldCoords: Float32Array, faces: Int32Array, subject: string): Uint8Array {
  const nv = worldCoords.length / 3;
  const nf = faces.length / 3;
  const cras = centreRas();
  const stamp = new TextEncoder().encode(`created by laion-fmri-explorer demo (${subject}) on Thu Jan  1 00:00:00 1970\n\n`);
  const d = ANAT_GRID.dims;
  const a = ANAT_GRID.affine;
  const s = ANAT_GRID.voxelSize;
  const footerText =
    'valid = 1  # volume info valid\n' +
    `filename = ../mri/filled.mgz\n` +
    `volume = ${d[0]} ${d[1]} ${d[2]}\n` +
    `voxelsize = ${fmt(s)} ${fmt(s)} ${fmt(s)}\n` +
    `xras   = ${fmt(a[0][0] / s)} ${fmt(a[1][0] / s)} ${fmt(a[2][0] / s)}\n` +
    `yras   = ${fmt(a[0][1] / s)} ${fmt(a[1][1] / s)} ${fmt(a[2][1] / s)}\n` +
    `zras   = ${fmt(a[0][2] / s)} ${fmt(a[1][2] / s)} ${fmt(a[2][2] / s)}\n` +
    `cras   = ${fmt(cras[0])} ${fmt(cras[1])} ${fmt(cras[2])}\n`;
  const footer = new TextEncoder().encode(footerText);
  const size = 3 + stamp.length + 8 + nv * 12 + nf * 12 + 12 + footer.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0xff, 0xff, 0xfe], 0);
  let o = 3;
  out.set(stamp, o);
  o += stamp.length;
  view.setInt32(o, nv);
  view.setInt32(o + 4, nf);
  o += 8;
  for (let v = 0; v < nv; v++) {
    for (let c = 0; c < 3; c++) view.setFloat32(o + 4 * c, worldCoords[3 * v + c] - cras[c]);
    o += 12;
  }
  for (let f = 0; f < faces.length; f++, o += 4) view.setInt32(o, faces[f]);
  for (const tag of [2, 0, 20]) {
    view.setInt32(o, tag);
    o += 4;
  }
  out.set(footer, o);
  return out;
}

/**
 * GIfTI functional file with one float32 data array (one value per vertex),
 * encoded GZipBase64Binary. Despite its name that encoding is a zlib stream
 * (nibabel and the GIfTI reference reader use zlib (de)compress), not gzip.
 */
export function encodeFuncGifti(values: Float32Array, hemi: 'L' | 'R'): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const data = deflateSync(bytes, { level: 6 }).toString('base64');
  const structure = hemi === 'L' ? 'CortexLeft' : 'CortexRight';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE GIFTI SYSTEM "http://www.nitrc.org/frs/download.php/115/gifti.dtd">',
    '<GIFTI Version="1.0" NumberOfDataArrays="1">',
    '   <MetaData>',
    '      <MD>',
    '         <Name><![CDATA[AnatomicalStructurePrimary]]></Name>',
    `         <Value><![CDATA[${structure}]]></Value>`,
    '      </MD>',
    '   </MetaData>',
    '   <LabelTable/>',
    '   <DataArray Intent="NIFTI_INTENT_NONE"',
    '              DataType="NIFTI_TYPE_FLOAT32"',
    '              ArrayIndexingOrder="RowMajorOrder"',
    '              Dimensionality="1"',
    `              Dim0="${values.length}"`,
    '              Encoding="GZipBase64Binary"',
    '              Endian="LittleEndian"',
    '              ExternalFileName=""',
    '              ExternalFileOffset="">',
    '      <MetaData/>',
    `      <Data>${data}</Data>`,
    '   </DataArray>',
    '</GIFTI>',
    '',
  ].join('\n');
}

/** FreeSurfer ASCII label: comment line, count, then `vno x y z value` in surface RAS (white surface). */
export function encodeLabel(vertices: number[], whiteWorld: Float32Array, subject: string): string {
  const cras = centreRas();
  const rows = vertices.map((v) => {
    const xyz = [0, 1, 2].map((c) => (whiteWorld[3 * v + c] - cras[c]).toFixed(3));
    return `${v}  ${xyz[0]}  ${xyz[1]}  ${xyz[2]} 1.0000000000`;
  });
  return [`#!ascii label  , from subject ${subject} vox2ras=TkReg coords=white`, String(vertices.length), ...rows, ''].join('\n');
}
