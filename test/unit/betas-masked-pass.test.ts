/**
 * maskedPass on synthetic 4-D NIfTI files (gzip via node:zlib): exact values
 * (NaN bits, scl_slope/inter, big-endian), the shape checks against the
 * trial table and the mask grid, damaged files, and abort.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { fileOrder, maskedPass, TrialCountMismatchError, type MaskedPassOptions, type MaskedPassProgress } from '../../src/formats/masked-pass.ts';
import { encodeNifti1, type NiftiTypedArray } from '../../src/formats/nifti-write.ts';
import { decodeVoxels, NiftiFormatError, parseNiftiHeader } from '../../src/formats/nifti.ts';
import { maybeGunzip } from '../../src/formats/nifti-stream.ts';
import { GridMismatchError } from '../../src/science/grid.ts';

const LAS = [[-1.7778, 0, 0, 40], [0, 1.7778, 0, -50], [0, 0, 1.7778, -30], [0, 0, 0, 1]];
const DIMS: [number, number, number] = [5, 4, 3]; // asymmetric, 60 voxels
const NV = 60;
const T = 4;
const QUIET_NAN = 0x7fc00000;
const PAYLOAD_NAN = 0x7fc00123; // a NaN with payload: must come through bit for bit
const GATHER = Uint32Array.from([59, 0, 17, 3, 42, 17, 8]); // any order, a repeat allowed

function nifti(datatype: 'float32' | 'int16' | 'float64', data: NiftiTypedArray, extra: { sclSlope?: number; sclInter?: number; dims?: number[] } = {}): Uint8Array {
  const dims = extra.dims ?? [...DIMS, T];
  return encodeNifti1({ dims, pixdim: dims.map((_, i) => (i < 3 ? 1.7778 : 1)), datatype, data, affine: LAS, sclSlope: extra.sclSlope, sclInter: extra.sclInter });
}

/** float32 betas with NaN (two bit patterns) at fixed voxels of some volumes. */
function float32Betas(): Float32Array {
  const f = Float32Array.from({ length: NV * T }, (_, i) => Math.fround(Math.sin(i * 1.7) * 3.25));
  const bits = new Uint32Array(f.buffer);
  bits[1 * NV + 17] = QUIET_NAN;
  bits[2 * NV + 42] = PAYLOAD_NAN;
  return f;
}

function chunked(bytes: Uint8Array, size: number, hooks: { onCancel?: () => void; stallAfter?: number } = {}): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (hooks.stallAfter !== undefined && o >= hooks.stallAfter) return new Promise<void>(() => undefined); // a stalled download
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
    cancel() {
      hooks.onCancel?.();
    },
  });
}

/** Runs the pass and returns a copy of every volume's values. */
async function run(bytes: Uint8Array, opts: Partial<MaskedPassOptions> = {}, name = 'betas.nii.gz', chunk = 97): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  await maskedPass(await maybeGunzip(chunked(bytes, chunk)), name, { gather: GATHER, onVolume: (_t, v) => void rows.push(v.slice()), ...opts });
  return rows;
}

const bitsOf = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

/** The expected row: file value at each gathered voxel, via decodeVoxels on the whole volume. */
function expectedRows(file: Uint8Array): Float32Array[] {
  const buf = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const h = parseNiftiHeader(buf, 'x');
  const all = decodeVoxels(new Uint8Array(buf, h.voxOffset), h);
  return Array.from({ length: T }, (_, t) => Float32Array.from(GATHER, (g) => all[t * NV + g]));
}

/**
 * The same file, big-endian: every numeric header field and every voxel
 * byte-swapped (nifti1.h field layout). encodeNifti1 writes little-endian only.
 */
function toBigEndian(le: Uint8Array, bytesPerVoxel: number): Uint8Array {
  const be = le.slice();
  const swap = (o: number, n: number) => be.subarray(o, o + n).reverse();
  const fields: Array<[number, number, number]> = [
    [0, 4, 1], [32, 4, 1], [36, 2, 1], [40, 2, 8], [56, 4, 3], [68, 2, 4], [76, 4, 8], [108, 4, 3],
    [120, 2, 1], [124, 4, 4], [140, 4, 2], [252, 2, 2], [256, 4, 6], [280, 4, 12],
  ];
  for (const [o, n, k] of fields) for (let i = 0; i < k; i++) swap(o + i * n, n);
  for (let o = 352; o < be.length; o += bytesPerVoxel) swap(o, bytesPerVoxel);
  return be;
}

describe('fileOrder', () => {
  it('visits the gather entries in file order, keeping the list order of a repeated voxel', () => {
    const { order, offsets } = fileOrder(Uint32Array.from([59, 0, 17, 3, 42, 17, 8]), 4);
    expect(Array.from(order)).toEqual([1, 3, 6, 2, 5, 4, 0]);
    expect(Array.from(offsets)).toEqual([0, 12, 32, 68, 68, 168, 236]);
  });

  it('large indices (several radix passes) and repeats: the same order as a stable sort', () => {
    let s = 12345;
    const gather = Uint32Array.from({ length: 5000 }, () => ((s = (s * 1103515245 + 12345) >>> 0) % 3_000_000) >>> (s & 1 ? 0 : 9)); // many repeats among the small ones
    const want = Array.from(gather.keys()).sort((x, y) => gather[x] - gather[y] || x - y);
    const { order, offsets } = fileOrder(gather, 4);
    expect(Array.from(order)).toEqual(want);
    expect(Array.from(offsets)).toEqual(want.map((k) => gather[k] * 4));
  });

  it('an ascending list is its own order; an empty one is empty', () => {
    expect(Array.from(fileOrder(Uint32Array.from([2, 5, 5, 9]), 2).order)).toEqual([0, 1, 2, 3]);
    expect(fileOrder(new Uint32Array(0), 4).order.length).toBe(0);
  });
});

describe('maskedPass: values', () => {
  it('float32: the gathered voxels of every volume, in gather order, NaN bits kept exactly', async () => {
    const data = float32Betas();
    const rows = await run(gzipSync(nifti('float32', data)));
    expect(rows).toHaveLength(T);
    for (let t = 0; t < T; t++) expect(bitsOf(rows[t])).toEqual(Array.from(GATHER, (g) => new Uint32Array(data.buffer)[t * NV + g]));
    expect(new Uint32Array(rows[1].buffer)[2]).toBe(QUIET_NAN); // voxel 17 of volume 1
    expect(new Uint32Array(rows[1].buffer)[5]).toBe(QUIET_NAN); // the repeated 17
    expect(new Uint32Array(rows[2].buffer)[4]).toBe(PAYLOAD_NAN); // voxel 42 of volume 2
    expect(rows[0][1]).toBe(data[0]);
  });

  it('int16 with scl_slope/scl_inter: value·slope + inter in float32, like decodeVoxels', async () => {
    const raw = Int16Array.from({ length: NV * T }, (_, i) => ((i * 7919) % 65536) - 32768);
    const file = nifti('int16', raw, { sclSlope: 0.25, sclInter: -3.5 });
    const rows = await run(gzipSync(file));
    const want = expectedRows(file);
    for (let t = 0; t < T; t++) expect(Array.from(rows[t])).toEqual(Array.from(want[t]));
    expect(rows[0][1]).toBe(Math.fround(raw[0] * 0.25 - 3.5));
    expect(rows[3][0]).toBe(Math.fround(raw[3 * NV + 59] * 0.25 - 3.5));
  });

  it('float32 with a slope: scaled, NaN stays NaN', async () => {
    const data = float32Betas();
    const rows = await run(gzipSync(nifti('float32', data, { sclSlope: 2, sclInter: 1 })));
    expect(rows[0][1]).toBe(Math.fround(data[0] * 2 + 1));
    expect(rows[1][2]).toBeNaN();
    expect(rows[2][4]).toBeNaN();
  });

  it('float64 files are rounded to float32', async () => {
    const data = Float64Array.from({ length: NV * T }, (_, i) => i / 3);
    const rows = await run(gzipSync(nifti('float64', data)));
    expect(rows[2][3]).toBe(Math.fround((2 * NV + 3) / 3));
  });

  it('big-endian float32 (the DataView path): the same bits as the little-endian file', async () => {
    const data = float32Betas();
    const le = nifti('float32', data);
    const be = toBigEndian(le, 4);
    const hb = parseNiftiHeader(be.buffer.slice(0) as ArrayBuffer, 'be.nii');
    expect(hb.littleEndian).toBe(false);
    expect(hb.dims).toEqual([...DIMS, T]);
    const [a, b] = [await run(gzipSync(le)), await run(gzipSync(be))];
    for (let t = 0; t < T; t++) expect(bitsOf(b[t])).toEqual(bitsOf(a[t]));
    expect(new Uint32Array(b[2].buffer)[4]).toBe(PAYLOAD_NAN);
  });

  it('big-endian int16 with scaling', async () => {
    const raw = Int16Array.from({ length: NV * T }, (_, i) => (i * 331) % 30000 - 15000);
    const le = nifti('int16', raw, { sclSlope: 0.5, sclInter: 10 });
    const rows = await run(gzipSync(toBigEndian(le, 2)));
    const want = expectedRows(le);
    for (let t = 0; t < T; t++) expect(Array.from(rows[t])).toEqual(Array.from(want[t]));
  });

  it('reads an uncompressed .nii too, and one-byte chunks', async () => {
    const data = float32Betas();
    const rows = await run(nifti('float32', data), {}, 'betas.nii', 1);
    expect(bitsOf(rows[3])).toEqual(Array.from(GATHER, (g) => new Uint32Array(data.buffer)[3 * NV + g]));
  });

  it('every chunking, aligned or not in memory, gives the same values (word-copy and DataView paths)', async () => {
    const data = float32Betas();
    const file = nifti('float32', data);
    const words = new Uint32Array(data.buffer);
    // Chunks as views at an odd or an even byte offset of a larger buffer: the
    // word copy needs 4-byte alignment in memory, the DataView path does not.
    const shifted = (size: number, shift: number) => {
      let o = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (o >= file.length) return c.close();
          const part = file.subarray(o, o + size);
          const host = new Uint8Array(part.length + 8);
          host.set(part, shift);
          c.enqueue(host.subarray(shift, shift + part.length));
          o += size;
        },
      });
    };
    // Any order, and file order with runs of neighbours and a repeat.
    const inFileOrder = Uint32Array.from([0, 1, 2, 3, 17, 17, 18, 19, 20, 42, 43, 58, 59]);
    for (const gather of [GATHER, inFileOrder]) {
      for (const size of [3, 4, 8, 13, 64, 240, 4096]) {
        for (const shift of [0, 1, 4]) {
          const rows: Float32Array[] = [];
          await maskedPass(shifted(size, shift), 'b.nii', { gather, onVolume: (_t, v) => void rows.push(v.slice()) });
          for (let t = 0; t < T; t++) expect(bitsOf(rows[t]), `[${gather.join()}] in chunks of ${size} at +${shift}, volume ${t}`).toEqual(Array.from(gather, (g) => words[t * NV + g]));
        }
      }
    }
  });

  it('a gather list already in file order gives the same rows as any other order', async () => {
    const data = float32Betas();
    const words = new Uint32Array(data.buffer);
    const ascending = Uint32Array.from([0, 3, 8, 17, 17, 42, 59]);
    const rows = await run(gzipSync(nifti('float32', data)), { gather: ascending });
    for (let t = 0; t < T; t++) expect(bitsOf(rows[t])).toEqual(Array.from(ascending, (g) => words[t * NV + g]));
  });

  it('reuses one output buffer, reports progress per volume, and returns the header', async () => {
    const seen = new Set<Float32Array>();
    const progress: MaskedPassProgress[] = [];
    const file = gzipSync(nifti('float32', float32Betas()));
    const h = await maskedPass(await maybeGunzip(chunked(file, 50)), 'b.nii.gz', { gather: GATHER, onVolume: (_t, v) => void seen.add(v), onProgress: (p) => void progress.push(p) });
    expect(seen.size).toBe(1);
    expect(h.dims).toEqual([...DIMS, T]);
    expect(progress).toEqual([1, 2, 3, 4].map((k) => ({ volumesDone: k, volumes: T, bytesInflated: 352 + k * NV * 4 })));
  });

  it('awaits onVolume: volumes arrive in order, one at a time', async () => {
    const order: string[] = [];
    await run(gzipSync(nifti('float32', float32Betas())), {
      onVolume: async (t) => {
        order.push(`start ${t}`);
        await new Promise((r) => setTimeout(r, 2));
        order.push(`end ${t}`);
      },
    });
    expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('an empty gather still reads (and verifies) the whole file', async () => {
    const rows = await run(gzipSync(nifti('float32', float32Betas())), { gather: new Uint32Array(0) });
    expect(rows.map((r) => r.length)).toEqual([0, 0, 0, 0]);
  });
});

describe('maskedPass: shape checks and damaged files', () => {
  const good = () => gzipSync(nifti('float32', float32Betas()));

  it('T differs from the trial table: TrialCountMismatchError before any volume', async () => {
    let calls = 0;
    const p = run(good(), { expectedVolumes: 5, onVolume: () => void calls++ }, 'sub-01_ses-01_betas.nii.gz');
    await expect(p).rejects.toThrow(TrialCountMismatchError);
    await expect(run(good(), { expectedVolumes: 3 }, 'sub-01_ses-01_betas.nii.gz')).rejects.toThrow(
      'sub-01_ses-01_betas.nii.gz holds 4 volumes but its trial table lists 3 trials; volume t must be trial row t, so the two cannot be paired (is the table from another session?).',
    );
    expect(calls).toBe(0);
    expect(await run(good(), { expectedVolumes: 4 })).toHaveLength(4);
  });

  it('dims differ from the mask: GridMismatchError naming both', async () => {
    const p = run(good(), { expectedDims: [5, 3, 4], expectedDimsSource: 'anat_res-1pt8_desc-brain_mask.nii.gz' }, 'betas.nii.gz');
    await expect(p).rejects.toThrow(GridMismatchError);
    await expect(run(good(), { expectedDims: [5, 3, 4], expectedDimsSource: 'brain.nii.gz' }, 'betas.nii.gz')).rejects.toThrow(
      'betas.nii.gz (5×4×3×4) and brain.nii.gz (5×3×4) are not on the same voxel grid (different dimensions); they cannot be combined voxel by voxel.',
    );
  });

  it('a gather index outside the grid is a RangeError', async () => {
    await expect(run(good(), { gather: Uint32Array.from([0, 60]) })).rejects.toThrow('betas.nii.gz: gather index 60 is outside its 5×4×3 grid (60 voxels).');
  });

  it('a truncated gzip file is named', async () => {
    const gz = good();
    await expect(run(gz.slice(0, gz.length - 30), {}, 'cut.nii.gz')).rejects.toThrow(/^cut\.nii\.gz: the gzip data is truncated/);
  });

  it('an uncompressed file that ends mid-volume is named, with the volume', async () => {
    const raw = nifti('float32', float32Betas());
    await expect(run(raw.slice(0, 352 + NV * 4 * 2 + 12), {}, 'short.nii')).rejects.toThrow(
      new NiftiFormatError('short.nii', 'the file is truncated: volume 3 of 4 has 12 of 240 bytes (dims [5, 4, 3, 4]).'),
    );
  });

  it('a corrupt gzip trailer fails the pass (the data itself inflates fine)', async () => {
    const gz = good();
    gz[gz.length - 7] ^= 0x10; // CRC32
    let calls = 0;
    await expect(run(gz, { onVolume: () => void calls++ }, 'crc.nii.gz')).rejects.toThrow(/^crc\.nii\.gz: the gzip checksum does not match/);
    // How many volumes came through first depends on where the inflater sees the trailer.
    expect(calls).toBeLessThanOrEqual(T);
  });

  it('a throwing onVolume stops the pass and cancels the download', async () => {
    let cancelled = false;
    const big = gzipSync(nifti('float32', Float32Array.from({ length: NV * 400 }, (_, i) => Math.sin(i * 12.9898) * 437.5), { dims: [...DIMS, 400] }));
    const p = maskedPass(await maybeGunzip(chunked(big, 512, { onCancel: () => (cancelled = true) })), 'b.nii.gz', {
      gather: GATHER,
      onVolume: (t) => {
        if (t === 1) throw new Error('disk full');
      },
    });
    await expect(p).rejects.toThrow('disk full');
    // The cancel travels inflater → source within a task, not synchronously.
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: 500 });
  });
});

describe('maskedPass: abort', () => {
  it('an abort while the download is stalled rejects at once and cancels the source', async () => {
    const big = gzipSync(nifti('float32', Float32Array.from({ length: NV * 400 }, (_, i) => Math.sin(i * 12.9898) * 437.5), { dims: [...DIMS, 400] }));
    let cancelled = false;
    const ac = new AbortController();
    let volumes = 0;
    const source = chunked(big, 1024, { stallAfter: Math.floor(big.length / 2), onCancel: () => (cancelled = true) });
    const p = maskedPass(await maybeGunzip(source), 'stall.nii.gz', {
      gather: GATHER,
      signal: ac.signal,
      onVolume: () => void volumes++,
    });
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(volumes).toBeGreaterThan(0);
    expect(volumes).toBeLessThan(400);
    await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
  });

  it('an abort during onVolume: no further volume is delivered', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const p = run(gzipSync(nifti('float32', float32Betas())), {
      signal: ac.signal,
      onVolume: (t) => {
        seen.push(t);
        if (t === 1) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, 1]);
  });

  it('an already-aborted signal rejects before reading, with its reason', async () => {
    const ac = new AbortController();
    const reason = new DOMException('user left', 'AbortError');
    ac.abort(reason);
    let cancelled = false;
    const p = maskedPass(chunked(nifti('float32', float32Betas()), 64, { onCancel: () => (cancelled = true) }), 'x.nii', { gather: GATHER, signal: ac.signal, onVolume: () => undefined });
    await expect(p).rejects.toBe(reason);
    expect(cancelled).toBe(true);
  });
});
