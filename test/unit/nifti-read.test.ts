import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { encodeNifti1 } from '../../src/formats/nifti-write.ts';
import { decodeVoxels, mmToVoxel, NiftiFormatError, parseNiftiHeader, sameGrid, voxelToMm, type Affine } from '../../src/formats/nifti.ts';
import { iterateVolumes, maybeGunzip } from '../../src/formats/nifti-stream.ts';

const LAS: number[][] = [
  [-1.7778, 0, 0, 40],
  [0, 1.7778, 0, -50],
  [0, 0, 1.7778, -30],
  [0, 0, 0, 1],
];
const buf = (u: Uint8Array) => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

function file(opts: Partial<Parameters<typeof encodeNifti1>[0]> & { dims: number[] }) {
  const n = opts.dims.reduce((a, b) => a * b, 1);
  return encodeNifti1({ pixdim: opts.dims.map((_, i) => (i < 3 ? 1.7778 : 1)), datatype: 'float32', affine: LAS, data: Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3), ...opts });
}

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
  });
}

describe('parseNiftiHeader', () => {
  it('reads dims, dtype, voxel size and the sform affine (LAS)', () => {
    const h = parseNiftiHeader(buf(file({ dims: [4, 5, 6] })), 'a.nii');
    expect(h.version).toBe(1);
    expect(h.dims).toEqual([4, 5, 6]);
    expect(h.dtype).toBe('float32');
    expect(h.voxOffset).toBe(352);
    expect(h.affineSource).toBe('sform');
    expect(h.affine[0][0]).toBeCloseTo(-1.7778, 4);
    expect(h.affine.map((r) => r.map((v) => Number(v.toFixed(4))))).toEqual(LAS);
    expect(h.voxelSize.map((v) => Number(v.toFixed(4)))).toEqual([1.7778, 1.7778, 1.7778]);
  });

  it('computes the same affine from the qform when there is no sform', () => {
    const bytes = file({ dims: [4, 5, 6] });
    new DataView(bytes.buffer).setInt16(254, 0, true); // sform_code = 0
    const h = parseNiftiHeader(buf(bytes), 'q.nii');
    expect(h.affineSource).toBe('qform');
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(h.affine[r][c]).toBeCloseTo(LAS[r][c], 4);
  });

  it('falls back to the pixdim base affine (nibabel) without qform and sform', () => {
    const bytes = file({ dims: [5, 5, 3] });
    const v = new DataView(bytes.buffer);
    v.setInt16(252, 0, true);
    v.setInt16(254, 0, true);
    const h = parseNiftiHeader(buf(bytes), 'p.nii');
    expect(h.affineSource).toBe('pixdim');
    expect(voxelToMm(h.affine, [2, 2, 1]).map((x) => Math.abs(x) < 1e-9 ? 0 : x)).toEqual([0, 0, 0]);
  });

  it('drops trailing singleton dims but keeps T', () => {
    expect(parseNiftiHeader(buf(file({ dims: [3, 3, 3, 1] })), 'x').dims).toEqual([3, 3, 3]);
    expect(parseNiftiHeader(buf(file({ dims: [3, 3, 3, 7] })), 'x').dims).toEqual([3, 3, 3, 7]);
  });

  it('names the file and the fault for bad input', () => {
    expect(() => parseNiftiHeader(new ArrayBuffer(0), 'empty.nii')).toThrow(/empty\.nii: the file is empty/);
    expect(() => parseNiftiHeader(new TextEncoder().encode('hello world, not nifti'.repeat(20)).buffer, 'x.nii.gz')).toThrow(/x\.nii\.gz: not a NIfTI file/);
    expect(() => parseNiftiHeader(buf(gzipSync(file({ dims: [2, 2, 2] }))), 'z.nii.gz')).toThrow(/still gzip-compressed/);
    expect(() => parseNiftiHeader(buf(file({ dims: [2, 2, 2] }).slice(0, 200)), 'short.nii')).toThrow(/ends inside its 348-byte/);
    const rgb = file({ dims: [2, 2, 2] });
    new DataView(rgb.buffer).setInt16(70, 128, true);
    new DataView(rgb.buffer).setInt16(72, 24, true);
    const err = (() => {
      try {
        parseNiftiHeader(buf(rgb), 'rgb.nii');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(NiftiFormatError);
    expect(err!.message).toBe('rgb.nii: unsupported data type RGB24 (128); supported: uint8, int8, int16, uint16, int32, uint32, float32, float64.');
  });

  it('reads a NIfTI-2 header (int64 dims, double pixdim and srow)', () => {
    const b = new ArrayBuffer(544 + 2 * 3 * 2 * 4);
    const v = new DataView(b);
    v.setInt32(0, 540, true);
    new Uint8Array(b, 4, 8).set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a]); // "n+2\0\r\n\032\n"
    v.setInt16(12, 16, true); // float32
    v.setInt16(14, 32, true);
    [3, 2, 3, 2, 1, 1, 1, 1].forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), true));
    [1, 2, 2, 2, 1, 1, 1, 1].forEach((d, i) => v.setFloat64(104 + 8 * i, d, true));
    v.setBigInt64(168, 544n, true);
    v.setFloat64(176, 1, true);
    v.setInt32(348, 2, true); // sform_code
    [[-2, 0, 0, 10], [0, 2, 0, -20], [0, 0, 2, 5]].forEach((row, r) => row.forEach((x, c) => v.setFloat64(400 + 32 * r + 8 * c, x, true)));
    new Float32Array(b, 544).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const h = parseNiftiHeader(b, 'two.nii');
    expect(h.version).toBe(2);
    expect(h.dims).toEqual([2, 3, 2]);
    expect(h.voxOffset).toBe(544);
    expect(h.affine[0]).toEqual([-2, 0, 0, 10]);
    expect(Array.from(decodeVoxels(new Uint8Array(b, 544), h))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('reads a big-endian NIfTI-1 file', () => {
    const b = new ArrayBuffer(352 + 8 * 2);
    const v = new DataView(b);
    v.setInt32(0, 348, false);
    [3, 2, 2, 2, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, false));
    v.setInt16(70, 4, false); // int16
    v.setInt16(72, 16, false);
    [1, 3, 3, 3].forEach((d, i) => v.setFloat32(76 + 4 * i, d, false));
    v.setFloat32(108, 352, false);
    new Uint8Array(b, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
    [-300, -1, 0, 1, 2, 255, 256, 32767].forEach((x, i) => v.setInt16(352 + 2 * i, x, false));
    const h = parseNiftiHeader(b, 'be.nii');
    expect(h.littleEndian).toBe(false);
    expect(h.affineSource).toBe('pixdim');
    expect(Array.from(decodeVoxels(new Uint8Array(b, 352), h))).toEqual([-300, -1, 0, 1, 2, 255, 256, 32767]);
  });
});

describe('decodeVoxels', () => {
  it.each([
    ['uint8', Uint8Array.from([0, 1, 200, 255])],
    ['int16', Int16Array.from([-32768, -1, 0, 32767])],
    ['int32', Int32Array.from([-2147483648, -1, 0, 123456789])],
    ['float32', Float32Array.from([NaN, -0.5, 0, 1e30])],
    ['float64', Float64Array.from([NaN, -0.25, 0, 1e-300])],
  ] as const)('decodes %s exactly (NaN stays NaN)', (datatype, data) => {
    const bytes = encodeNifti1({ dims: [2, 2, 1], pixdim: [1.7778, 1.7778, 1.7778], datatype, affine: LAS, data });
    const h = parseNiftiHeader(buf(bytes), 'x.nii');
    expect(h.dtype).toBe(datatype);
    expect(Array.from(decodeVoxels(bytes.subarray(h.voxOffset), h))).toEqual(Array.from(data, (x) => Math.fround(x)));
  });

  it('applies scl_slope and scl_inter, and ignores a slope of 0', () => {
    const data = Int16Array.from([-2, 0, 3, 100]);
    const scaled = encodeNifti1({ dims: [2, 2, 1], pixdim: [1.7778, 1.7778, 1.7778], datatype: 'int16', affine: LAS, data, sclSlope: 0.5, sclInter: 10 });
    const h = parseNiftiHeader(buf(scaled), 's.nii');
    expect(Array.from(decodeVoxels(scaled.subarray(352), h))).toEqual([9, 10, 11.5, 60]);
    const unscaled = encodeNifti1({ dims: [2, 2, 1], pixdim: [1.7778, 1.7778, 1.7778], datatype: 'int16', affine: LAS, data, sclSlope: 0, sclInter: 10 });
    expect(Array.from(decodeVoxels(unscaled.subarray(352), parseNiftiHeader(buf(unscaled), 'u.nii')))).toEqual([-2, 0, 3, 100]);
  });
});

describe('affine helpers', () => {
  it('mmToVoxel inverts voxelToMm', () => {
    const a = LAS as Affine;
    const mm = voxelToMm(a, [3, 7, 11]);
    mmToVoxel(a, mm).forEach((x, i) => expect(x).toBeCloseTo([3, 7, 11][i], 9));
  });
  it('sameGrid compares dims and affine', () => {
    const h1 = parseNiftiHeader(buf(file({ dims: [4, 5, 6] })), 'a');
    const h2 = parseNiftiHeader(buf(file({ dims: [4, 5, 6, 3] })), 'b');
    const h3 = parseNiftiHeader(buf(file({ dims: [4, 5, 7] })), 'c');
    expect(sameGrid(h1, h2)).toBe(true);
    expect(sameGrid(h1, h3)).toBe(false);
  });
});

describe('streaming volumes', () => {
  const T = 5;
  const dims = [6, 5, 4, T];
  const raw = file({ dims });
  const vol = 6 * 5 * 4;

  it.each([
    ['gzip', gzipSync(raw), 997],
    ['plain .nii', raw, 333],
  ])('yields every volume of a %s stream, whatever the chunking', async (_, bytes, chunk) => {
    const seen: number[][] = [];
    const gen = iterateVolumes(await maybeGunzip(chunked(bytes, chunk)), 'b.nii.gz');
    for await (const v of gen) {
      const h = parseNiftiHeader(buf(raw), 'b');
      seen.push(Array.from(decodeVoxels(v.raw, h)));
    }
    expect(seen.length).toBe(T);
    for (let t = 0; t < T; t++) expect(seen[t]).toEqual(Array.from({ length: vol }, (_, i) => Math.fround((t * vol + i) * 0.5 - 3)));
  });

  async function drain(stream: ReadableStream<Uint8Array>, name: string) {
    let n = 0;
    for await (const _ of iterateVolumes(await maybeGunzip(stream), name)) n++;
    return n;
  }

  it('names a truncated gzip file', async () => {
    const gz = gzipSync(raw);
    await expect(drain(chunked(gz.slice(0, gz.length - 40), 100), 'cut.nii.gz')).rejects.toThrow(/^cut\.nii\.gz: the gzip data is truncated/);
  });

  it('names a gzip checksum error', async () => {
    const gz = gzipSync(raw);
    gz[gz.length - 6] ^= 0xff; // CRC32 in the trailer
    await expect(drain(chunked(gz, 100), 'crc.nii.gz')).rejects.toThrow(/^crc\.nii\.gz: the gzip checksum does not match/);
  });

  it('names an uncompressed file that ends mid-volume', async () => {
    await expect(drain(chunked(raw.slice(0, 352 + vol * 4 * 2 + 10), 64), 'short.nii')).rejects.toThrow(
      'short.nii: the file is truncated: volume 3 of 5 has 10 of 480 bytes (dims [6, 5, 4, 5]).',
    );
  });

  it('stops early with maxVolumes and cancels the download', async () => {
    // Noise does not compress, so the source is far from exhausted after two volumes.
    const big = encodeNifti1({
      dims: [32, 32, 32, 40],
      pixdim: [1.7778, 1.7778, 1.7778, 1],
      datatype: 'float32',
      affine: LAS,
      data: Float32Array.from({ length: 32 ** 3 * 40 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1),
    });
    const gz = gzipSync(big);
    let cancelled = false;
    let pulled = 0;
    const watched = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= gz.length) return c.close();
        c.enqueue(gz.slice(pulled, pulled + 65536));
        pulled += 65536;
      },
      cancel() {
        cancelled = true;
      },
    });
    let n = 0;
    for await (const _ of iterateVolumes(await maybeGunzip(watched), 'x', { maxVolumes: 2 })) n++;
    expect(n).toBe(2);
    // The cancel travels inflater → source within a task, not synchronously.
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: 500 });
    expect(pulled).toBeLessThan(gz.length / 4);
  });
});

describe('the gzip trailer is always verified', () => {
  it('rejects a large file whose CRC is wrong even though every voxel byte decoded', async () => {
    const big = encodeNifti1({
      dims: [40, 40, 40],
      pixdim: [1.7778, 1.7778, 1.7778],
      datatype: 'float32',
      affine: LAS,
      data: Float32Array.from({ length: 40 ** 3 }, (_, i) => (Math.sin(i) * 1000) | 0),
    });
    const gz = gzipSync(big);
    gz[gz.length - 8] ^= 0x01; // CRC32, first byte of the trailer
    // The 8-byte trailer arrives late, in its own chunk, after every voxel byte was delivered.
    let sent = false;
    const body = gz.slice(0, gz.length - 8);
    const lateTrailer = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (!sent) {
          c.enqueue(body);
          sent = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 30));
        c.enqueue(gz.slice(gz.length - 8));
        c.close();
      },
    });
    let n = 0;
    const run = async () => {
      for await (const _ of iterateVolumes(await maybeGunzip(lateTrailer), 'big.nii.gz')) n++;
    };
    await expect(run()).rejects.toThrow(/big\.nii\.gz: the gzip checksum does not match/);
    expect(n).toBe(1); // the volume itself came through; only the trailer exposes the corruption
  });
});

describe('multi-member gzip (the fflate fallback)', () => {
  const raw = encodeNifti1({ dims: [6, 5, 4, 5], pixdim: [1.7778, 1.7778, 1.7778, 1], datatype: 'float32', affine: LAS, data: Float32Array.from({ length: 600 }, (_, i) => i - 0.25) });
  const cut = 352 + 2 * 480 + 17; // a member boundary in the middle of a volume
  const twoMembers = new Uint8Array([...gzipSync(raw.slice(0, cut)), ...gzipSync(raw.slice(cut))]);

  it('reads every volume of a two-member file', async () => {
    const vols: number[][] = [];
    const h = parseNiftiHeader(buf(raw), 'm');
    for await (const v of iterateVolumes(await maybeGunzip(chunked(twoMembers, 100), { decoder: 'fflate' }), 'm.nii.gz')) vols.push(Array.from(decodeVoxels(v.raw, h)));
    expect(vols.length).toBe(5);
    expect(vols[4]).toEqual(Array.from({ length: 120 }, (_, i) => 480 + i - 0.25));
  });

  it('names a truncated file in the fallback decoder too', async () => {
    const run = async () => {
      for await (const _ of iterateVolumes(await maybeGunzip(chunked(twoMembers.slice(0, twoMembers.length - 30), 100), { decoder: 'fflate' }), 'cut.nii.gz')) void _;
    };
    await expect(run()).rejects.toThrow(/^cut\.nii\.gz: the (gzip data is truncated|file is truncated)/);
  });

  it('recognises the error Chromium gives for a second member', async () => {
    const { describeGzipError } = await import('../../src/formats/nifti-stream.ts');
    expect(describeGzipError('x.nii.gz', new TypeError('Junk found after end of compressed data.')).message).toMatch(/multi-member/);
  });
});
