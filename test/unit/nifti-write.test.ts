import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as nifti from 'nifti-reader-js';
import { affineToQuatern, allocateNifti1, encodeNifti1, type Nifti1WriteOptions } from '../../src/formats/nifti-write.ts';

/** A fresh, exactly-sized ArrayBuffer: nifti-reader-js wants one, and a Node Buffer's `.slice()` is a view on a shared pool. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function parse(bytes: Uint8Array) {
  const buf = toArrayBuffer(bytes);
  expect(nifti.isNIFTI1(buf)).toBe(true);
  const header = nifti.readHeader(buf) as nifti.NIFTI1;
  return { header, image: nifti.readImage(header, buf) };
}

function expectMatClose(a: number[][], b: number[][], tol = 1e-4) {
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(a[i][j] - b[i][j])).toBeLessThan(tol);
}

const S = 1.7778;
const LAS: number[][] = [
  [-S, 0, 0, 41.8],
  [0, S, 0, -52.1],
  [0, 0, S, -38.3],
  [0, 0, 0, 1],
];

function rotation(ax: number, ay: number, az: number): number[][] {
  const [ca, sa, cb, sb, cc, sc] = [Math.cos(ax), Math.sin(ax), Math.cos(ay), Math.sin(ay), Math.cos(az), Math.sin(az)];
  const rx = [[1, 0, 0], [0, ca, -sa], [0, sa, ca]];
  const ry = [[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]];
  const rz = [[cc, -sc, 0], [sc, cc, 0], [0, 0, 1]];
  const mul = (p: number[][], q: number[][]) => p.map((row) => q[0].map((_, j) => row.reduce((s, v, k) => s + v * q[k][j], 0)));
  return mul(rz, mul(ry, rx));
}

function withScaleAndFlip(r: number[][], vox: [number, number, number], flipX: boolean, t: [number, number, number]): number[][] {
  return [0, 1, 2]
    .map((i) => [0, 1, 2].map((j) => r[i][j] * vox[j] * (flipX && j === 0 ? -1 : 1)).concat([t[i]]))
    .concat([[0, 0, 0, 1]]);
}

describe('encodeNifti1', () => {
  it('writes a 3-D float32 LAS volume that nifti-reader-js parses back exactly', () => {
    const dims = [5, 4, 3];
    const data = new Float32Array(60).map((_, i) => i * 0.5 - 3);
    data[7] = NaN;
    const bytes = encodeNifti1({ dims, pixdim: [S, S, S], datatype: 'float32', data, affine: LAS, description: 'unit test' });
    expect(bytes.length).toBe(352 + 60 * 4);
    const { header, image } = parse(bytes);
    expect(header.littleEndian).toBe(true);
    expect(header.dims.slice(0, 4)).toEqual([3, 5, 4, 3]);
    expect(header.datatypeCode).toBe(16);
    expect(header.numBitsPerVoxel).toBe(32);
    expect(header.vox_offset).toBe(352);
    expect(header.pixDims[1]).toBeCloseTo(S, 5);
    expect(header.pixDims[0]).toBe(-1); // qfac for the negative determinant
    expect(header.sform_code).toBe(2);
    expect(header.qform_code).toBeGreaterThan(0);
    expect(header.description).toBe('unit test');
    expectMatClose(header.affine, LAS);
    expectMatClose(header.getQformMat(), LAS);
    const back = new Float32Array(image);
    expect(Number.isNaN(back[7])).toBe(true);
    back[7] = 0;
    data[7] = 0;
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('writes 4-D float32 with the 4th dim and pixdim', () => {
    const dims = [3, 2, 2, 7];
    const data = new Float32Array(84).map((_, i) => Math.sin(i));
    const bytes = encodeNifti1({ dims, pixdim: [2, 2, 2, 1], datatype: 'float32', data, affine: [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]] });
    const { header, image } = parse(bytes);
    expect(header.dims.slice(0, 5)).toEqual([4, 3, 2, 2, 7]);
    expect(header.pixDims[4]).toBe(1);
    expect(header.pixDims[0]).toBe(1);
    expect(Array.from(new Float32Array(image))).toEqual(Array.from(data));
  });

  it('stores scaling, intent, units and display range', () => {
    const data = Int16Array.from({ length: 24 }, (_, i) => i * 100 - 1000);
    const opts: Nifti1WriteOptions = {
      dims: [2, 3, 4],
      pixdim: [0.8, 0.8, 0.8],
      datatype: 'int16',
      data,
      affine: [[-0.8, 0, 0, 10], [0, 0.8, 0, -20], [0, 0, 0.8, 5], [0, 0, 0, 1]],
      sclSlope: 0.05,
      sclInter: -2.5,
      intentCode: 1002,
      intentName: 'percent',
      xyztUnits: 2,
      calMin: -10,
      calMax: 400,
    };
    const { header, image } = parse(encodeNifti1(opts));
    expect(header.datatypeCode).toBe(4);
    expect(header.scl_slope).toBeCloseTo(0.05, 7);
    expect(header.scl_inter).toBeCloseTo(-2.5, 7);
    expect(header.intent_code).toBe(1002);
    expect(header.intent_name).toBe('percent');
    expect(header.xyzt_units).toBe(2);
    expect(header.cal_min).toBe(-10);
    expect(header.cal_max).toBe(400);
    expect(Array.from(new Int16Array(image))).toEqual(Array.from(data));
  });

  it('leaves scl_slope 0 (unscaled) when not asked', () => {
    const { header } = parse(encodeNifti1({ dims: [1, 1, 1], pixdim: [1, 1, 1], datatype: 'uint8', data: new Uint8Array([7]), affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }));
    expect(header.scl_slope).toBe(0);
    expect(header.scl_inter).toBe(0);
  });

  it.each([
    ['uint8', Uint8Array.from([0, 1, 255, 3, 4, 5, 6, 7]), 2, 8],
    ['int32', Int32Array.from([0, -1, 2 ** 30, 3, 4, 5, 6, -7]), 8, 32],
    ['float64', Float64Array.from([0, Math.PI, -1e300, 3, 4, 5, 6, 7]), 64, 64],
  ] as const)('round-trips %s', (datatype, data, code, bitpix) => {
    const { header, image } = parse(
      encodeNifti1({ dims: [2, 2, 2], pixdim: [1, 1, 1], datatype, data, affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }),
    );
    expect(header.datatypeCode).toBe(code);
    expect(header.numBitsPerVoxel).toBe(bitpix);
    const Ctor = data.constructor as new (b: ArrayBuffer) => ArrayLike<number>;
    expect(Array.from(new Ctor(image))).toEqual(Array.from(data));
  });

  it.each([
    ['oblique RAS', rotation(0.3, -0.2, 0.7), false],
    ['oblique LAS', rotation(-0.4, 0.1, 2.5), true],
    ['180° about z', rotation(0, 0, Math.PI), false],
    ['LPI-like', rotation(Math.PI, 0, 0), true],
  ])('qform agrees with the sform for an %s affine', (_name, r, flip) => {
    const affine = withScaleAndFlip(r, [1.2, 0.9, 2.5], flip, [3, -4, 5]);
    const { header } = parse(encodeNifti1({ dims: [2, 2, 2], pixdim: [1.2, 0.9, 2.5], datatype: 'uint8', data: new Uint8Array(8), affine }));
    expect(header.pixDims[0]).toBe(flip ? -1 : 1);
    expectMatClose(header.getQformMat(), affine, 1e-5);
    expectMatClose(header.affine, affine, 1e-5);
    const q = affineToQuatern(affine);
    expect(q.b * q.b + q.c * q.c + q.d * q.d).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('parses after gzip (the .nii.gz path)', () => {
    const data = new Float32Array(27).fill(1.5);
    const gz = gzipSync(encodeNifti1({ dims: [3, 3, 3], pixdim: [S, S, S], datatype: 'float32', data, affine: LAS }), { level: 1 });
    const buf = toArrayBuffer(gz);
    expect(nifti.isCompressed(buf)).toBe(true);
    const raw = nifti.decompress(buf) as ArrayBuffer;
    const header = nifti.readHeader(raw) as nifti.NIFTI1;
    expect(header.dims[1]).toBe(3);
    expect(new Float32Array(nifti.readImage(header, raw))[13]).toBe(1.5);
  });

  it('allocateNifti1 gives the same bytes as encodeNifti1 when the view is filled in place', () => {
    const opts = { dims: [4, 3, 2, 5], pixdim: [S, S, S, 1], datatype: 'float32' as const, affine: LAS, description: 'in place' };
    const values = new Float32Array(120).map((_, i) => i / 7);
    const { bytes, data } = allocateNifti1(opts);
    expect(data).toBeInstanceOf(Float32Array);
    data.set(values);
    expect(Buffer.from(bytes).equals(Buffer.from(encodeNifti1({ ...opts, data: values })))).toBe(true);
    const f64 = allocateNifti1({ ...opts, datatype: 'float64' });
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(f64.data.length).toBe(120);
  });

  it('rejects mismatched inputs', () => {
    const base: Nifti1WriteOptions = { dims: [2, 2, 2], pixdim: [1, 1, 1], datatype: 'float32', data: new Float32Array(8), affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] };
    expect(() => encodeNifti1({ ...base, data: new Float64Array(8) })).toThrow(/Float32Array/);
    expect(() => encodeNifti1({ ...base, data: new Float32Array(7) })).toThrow(/8/);
    expect(() => encodeNifti1({ ...base, pixdim: [2, 1, 1] })).toThrow(/pixdim/);
    expect(() => encodeNifti1({ ...base, dims: [8] })).toThrow(/3 or 4/);
    expect(() => encodeNifti1({ ...base, description: 'x'.repeat(80) })).toThrow(/longer/);
  });
});
