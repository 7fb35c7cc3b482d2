/**
 * The pure-TS HDF5 writer, checked against two independent readers: the HDF5
 * C library inside h5wasm (always) and h5py (when /usr/bin/python3 has it).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import {
  float16BitsToFloat32, float32ToFloat16Bits, writeHdf5, type H5DatasetSpec, type H5NumericType,
} from '../../tools/lib/hdf5-writer.ts';
import { decodeFloat16Array, readFloat16Dataset, readFloat16Rows } from '../../src/formats/hdf5-float16.ts';

type H5Module = Awaited<typeof h5wasm.ready>;
type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

let Module: H5Module;
let fileCounter = 0;
beforeAll(async () => {
  Module = await h5wasm.ready;
});

/** Opens bytes with h5wasm (HDF5 2.0 C library), runs `fn`, closes and removes the file. */
function withFile<T>(bytes: Uint8Array, fn: (f: H5File) => T): T {
  const path = `/w${fileCounter++}.h5`;
  Module.FS.writeFile(path, bytes);
  const f = new h5wasm.File(path, 'r');
  try {
    return fn(f);
  } finally {
    f.close();
    Module.FS.unlink(path);
  }
}
const ds = (f: H5File, name: string): H5Dataset => f.get(name) as H5Dataset;
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Values covering each type's extremes, as the typed array the writer expects. */
function sampleData(type: H5NumericType, n: number, seed: number): ArrayBufferView {
  const r = rng(seed);
  const bytes = new Uint8Array(n * Number(type.slice(1)));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
  const ctor = {
    u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array, i4: Int32Array,
    u8: BigUint64Array, i8: BigInt64Array, f2: Uint16Array, f4: Float32Array, f8: Float64Array,
  }[type];
  const arr = new ctor(bytes.buffer);
  if (type === 'f4' || type === 'f8') {
    const special = [NaN, Infinity, -Infinity, -0, 0, 5e-324, 1.4e-45, -3.4e38, 1, -1];
    special.forEach((v, i) => { if (i < n) (arr as Float32Array)[i] = v; });
  }
  return arr;
}

const TYPES: H5NumericType[] = ['u1', 'i1', 'u2', 'i2', 'u4', 'i4', 'u8', 'i8', 'f2', 'f4', 'f8'];
const H5WASM_DTYPE: Record<H5NumericType, string> = {
  u1: '<B', i1: '<b', u2: '<H', i2: '<h', u4: '<I', i4: '<i', u8: '<Q', i8: '<q', f2: '<e', f4: '<f', f8: '<d',
};

/** Reads a numeric dataset's raw little-endian bytes (float16 through our reader, decoded back to bits). */
function rawBytes(f: H5File, name: string, type: H5NumericType): Uint8Array {
  if (type !== 'f2') return bytesOf(ds(f, name).value as ArrayBufferView);
  const { data } = readFloat16Dataset(Module, f, name);
  return bytesOf(Uint16Array.from(data, (v) => float32ToFloat16Bits(v)));
}
/** What `rawBytes` should give: float16 NaN payloads collapse to one quiet NaN after decoding. */
function expectedBytes(type: H5NumericType, data: ArrayBufferView): Uint8Array {
  if (type !== 'f2') return bytesOf(data);
  return bytesOf(Uint16Array.from(data as Uint16Array, (b) => float32ToFloat16Bits(float16BitsToFloat32(b))));
}

describe('float16 conversions', () => {
  it('rounds float32 to the nearest half, ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555],
      [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01],
      [2 ** -14, 0x0400], [2 ** -14 - 2 ** -24, 0x03ff], [2 ** -24, 0x0001], [-(2 ** -24), 0x8001],
      [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [3 * 2 ** -25, 0x0002], [5 * 2 ** -25, 0x0002],
      [2 ** -26, 0x0000], [1e-10, 0x0000], [1.4e-45, 0x0000], [2 ** -14 - 2 ** -25, 0x0400],
    ];
    for (const [x, bits] of cases) expect([x, float32ToFloat16Bits(x)]).toEqual([x, bits]);
    const nan = float32ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x03ff).not.toBe(0);
  });

  it('decodes every half exactly and re-encodes it to the same bits', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const decoded = decodeFloat16Array(all);
    let mismatches = 0;
    for (let b = 0; b < 65536; b++) {
      const v = decoded[b];
      if (Number.isNaN(v) !== ((b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0)) mismatches++;
      else if (!Number.isNaN(v) && float32ToFloat16Bits(v) !== b) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('writeHdf5 read back by h5wasm (HDF5 C library)', () => {
  it('round-trips every numeric type, contiguous and chunked with shuffle+gzip (edge chunks)', () => {
    const specs: H5DatasetSpec[] = [];
    TYPES.forEach((type, i) => {
      specs.push({ name: `c_${type}`, type, shape: [5, 7], data: sampleData(type, 35, i) });
      specs.push({ name: `z_${type}`, type, shape: [5, 7, 9], data: sampleData(type, 315, 100 + i), chunks: [2, 3, 4], gzip: 6, shuffle: true });
    });
    specs.push({ name: 'gzip_only', type: 'i4', shape: [10], data: sampleData('i4', 10, 7), chunks: [3], gzip: 1 });
    specs.push({ name: 'shuffle_only', type: 'f8', shape: [4, 3], data: sampleData('f8', 12, 8), chunks: [3, 2], shuffle: true });
    specs.push({ name: 'empty', type: 'f4', shape: [0, 3], data: new Float32Array(0) });
    withFile(writeHdf5(specs), (f) => {
      for (const s of specs.slice(0, -1)) {
        if (s.type === 'bool' || s.type === 'vlen-str' || s.type === 'vlen-u1') continue;
        const d = ds(f, s.name);
        expect([s.name, d.dtype, d.shape]).toEqual([s.name, H5WASM_DTYPE[s.type], s.shape]);
        expect(d.metadata.chunks).toEqual(s.chunks ?? null);
        expect(rawBytes(f, s.name, s.type)).toEqual(expectedBytes(s.type, s.data));
      }
      expect(ds(f, 'z_u2').filters).toEqual([
        { id: 2, name: 'shuffle', cd_values: [2] },
        { id: 1, name: 'deflate', cd_values: [6] },
      ]);
      expect(ds(f, 'gzip_only').filters).toEqual([{ id: 1, name: 'deflate', cd_values: [1] }]);
      expect(ds(f, 'shuffle_only').filters).toEqual([{ id: 2, name: 'shuffle', cd_values: [8] }]);
      expect(ds(f, 'c_f4').filters).toEqual([]);
      // Partial reads of a chunked dataset go through the B-tree lookup.
      const z = ds(f, 'z_i2');
      const all = z.value as Int16Array;
      const part = z.slice([[3, 5], [2, 7], [5, 9]]) as Int16Array;
      const want: number[] = [];
      for (let a = 3; a < 5; a++) for (let b = 2; b < 7; b++) for (let c = 5; c < 9; c++) want.push(all[(a * 7 + b) * 9 + c]);
      expect(Array.from(part)).toEqual(want);
      expect(ds(f, 'empty').shape).toEqual([0, 3]);
    });
  });

  it('indexes thousands of chunks (multi-level B-tree) like (M, H, W) masks', () => {
    const M = 5000; // 5000 chunks: 79 leaves, 2 internal nodes, a root
    const data = new Uint8Array(M * 6 * 5);
    const r = rng(3);
    for (let i = 0; i < data.length; i++) data[i] = r() < 0.3 ? 1 : 0;
    const bytes = writeHdf5([{ name: 'masks', type: 'u1', shape: [M, 6, 5], data, chunks: [1, 6, 5], gzip: 4, shuffle: true }]);
    withFile(bytes, (f) => {
      const d = ds(f, 'masks');
      expect(d.metadata.chunks).toEqual([1, 6, 5]);
      expect(bytesOf(d.value as Uint8Array)).toEqual(data);
      for (const row of [0, 63, 64, 4095, 4096, 4999]) {
        expect(Array.from(d.slice([[row, row + 1]]) as Uint8Array)).toEqual(Array.from(data.subarray(row * 30, row * 30 + 30)));
      }
    });
  });

  it('writes h5py-style bool, vlen UTF-8 strings and vlen uint8 with many heap collections', () => {
    const r = rng(11);
    const strings = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? '' : `img_${i}_é☃🧠`.repeat(1 + (i % 5))));
    strings[5] = 'x'.repeat(70_000); // larger than one collection's target
    const blobs = Array.from({ length: 2500 }, (_, i) => {
      const n = i % 3 === 0 ? 0 : i % 100 === 1 ? 10_000 + Math.floor(r() * 40_000) : Math.floor(r() * 300);
      return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    });
    const valid = Uint8Array.from({ length: 1001 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const bytes = writeHdf5([
      { name: 'valid', type: 'bool', shape: [1001], data: valid },
      { name: 'image_ids', type: 'vlen-str', values: strings },
      { name: 'images', type: 'vlen-u1', values: blobs },
    ]);
    withFile(bytes, (f) => {
      const v = ds(f, 'valid');
      expect(v.metadata.enum_type).toEqual({ type: 0, nmembers: 2, members: { FALSE: 0, TRUE: 1 } });
      expect(v.metadata.size).toBe(1);
      expect(Array.from(v.value as Int8Array)).toEqual(Array.from(valid));
      const s = ds(f, 'image_ids');
      expect([s.metadata.type, s.metadata.vlen, s.metadata.cset]).toEqual([3, true, 1]);
      expect(s.value).toEqual(strings);
      const im = ds(f, 'images');
      expect(im.metadata.vlen_type?.size).toBe(1);
      const got = im.value as Uint8Array[];
      expect(got.length).toBe(blobs.length);
      expect(got.every((g, i) => Buffer.compare(g, blobs[i]) === 0)).toBe(true);
      const mid = im.slice([[1200, 1203]]) as Uint8Array[];
      expect(mid.map((m) => Buffer.from(m).toString('hex'))).toEqual(blobs.slice(1200, 1203).map((b) => Buffer.from(b).toString('hex')));
    });
  });

  it('writes string and number attributes on datasets and the root group', () => {
    const bytes = writeHdf5(
      [{ name: 'emb', type: 'f4', shape: [2], data: new Float32Array([1, 2]), attrs: { model: 'SigLIP2 ✓', dim: 1152, scale: -0.125 } }],
      { rootAttrs: { title: 'LAION-fMRI démo', version: 2, pi: Math.PI, empty: '' } },
    );
    withFile(bytes, (f) => {
      expect(Object.keys(f.attrs).sort()).toEqual(['empty', 'pi', 'title', 'version']);
      expect(f.attrs['title'].value).toBe('LAION-fMRI démo');
      expect(f.attrs['empty'].value).toBe('');
      expect(f.attrs['version'].value).toBe(2);
      expect(f.attrs['pi'].value).toBe(Math.PI);
      expect(f.attrs['pi'].dtype).toBe('<d');
      const a = ds(f, 'emb').attrs;
      expect([a['model'].value, a['dim'].value, a['scale'].value]).toEqual(['SigLIP2 ✓', 1152, -0.125]);
    });
  });

  it('lists many datasets (several symbol table nodes) under their names', () => {
    const names = Array.from({ length: 45 }, (_, i) => `d${(i * 17) % 45}`).concat(['Ärger', 'ZZ', '_x', 'a.b-c']);
    const bytes = writeHdf5(names.map((name, i) => ({ name, type: 'i4' as const, shape: [1], data: new Int32Array([i]) })));
    withFile(bytes, (f) => {
      expect([...f.keys()].sort()).toEqual([...names].sort());
      names.forEach((name, i) => expect([name, Array.from(ds(f, name).value as Int32Array)]).toEqual([name, [i]]));
    });
    withFile(writeHdf5([]), (f) => expect(f.keys()).toEqual([]));
  });

  it('is deterministic', () => {
    const make = (): Uint8Array => writeHdf5(
      [{ name: 'x', type: 'u2', shape: [50, 20], data: sampleData('u2', 1000, 5), chunks: [7, 6], gzip: 4, shuffle: true, attrs: { a: 'b' } },
        { name: 's', type: 'vlen-str', values: ['a', 'b'] }],
      { rootAttrs: { n: 1 } },
    );
    expect(Buffer.compare(make(), make())).toBe(0);
  });

  it('rejects invalid input with a clear error', () => {
    const bad = (spec: H5DatasetSpec): (() => Uint8Array) => () => writeHdf5([spec]);
    expect(bad({ name: 'a', type: 'f4', shape: [2], data: new Float64Array(2) })).toThrow(/needs a Float32Array/);
    expect(bad({ name: 'a', type: 'i2', shape: [3], data: new Int16Array(2) })).toThrow(/2 values for shape \[3\]/);
    expect(bad({ name: 'a', type: 'u1', shape: [4, 4], data: new Uint8Array(16), chunks: [5, 1] })).toThrow(/chunk dimension 0/);
    expect(bad({ name: 'a', type: 'u1', shape: [4], data: new Uint8Array(4), gzip: 4 })).toThrow(/need chunks/);
    expect(bad({ name: 'a/b', type: 'u1', shape: [1], data: new Uint8Array(1) })).toThrow(/invalid dataset name/);
    expect(bad({ name: 'b', type: 'bool', shape: [1], data: new Uint8Array([2]) })).toThrow(/only hold 0 and 1/);
    const one = { name: 'a', type: 'u1' as const, shape: [1], data: new Uint8Array(1) };
    expect(() => writeHdf5([one, one])).toThrow(/duplicate/);
  });
});

describe('readFloat16Rows / readFloat16Dataset', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i); // every half: subnormals, ±Inf, NaNs
  const file = (): Uint8Array => writeHdf5([
    { name: 'h', type: 'f2', shape: [256, 256], data: all },
    { name: 'hz', type: 'f2', shape: [256, 256], data: all, chunks: [10, 100], gzip: 4, shuffle: true },
    { name: 'h1', type: 'f2', shape: [4], data: new Uint16Array(4) },
    { name: 'f', type: 'f4', shape: [2, 2], data: new Float32Array(4) },
  ]);

  it('reads rows and whole datasets exactly, contiguous and chunked', () => {
    const want = decodeFloat16Array(all);
    withFile(file(), (f) => {
      for (const path of ['h', 'hz']) {
        const rows = readFloat16Rows(Module, f, path, 37, 20);
        expect(bytesOf(rows)).toEqual(bytesOf(want.subarray(37 * 256, 57 * 256)));
        const whole = readFloat16Dataset(Module, f, path);
        expect(whole.shape).toEqual([256, 256]);
        expect(bytesOf(whole.data)).toEqual(bytesOf(want));
      }
      const r = readFloat16Rows(Module, f, 'h', 0, 1); // 0x0000..0x00ff: +0 and subnormals
      expect([Object.is(r[0], 0), r[1], r[255]]).toEqual([true, 2 ** -24, 255 * 2 ** -24]);
      expect(Object.is(readFloat16Rows(Module, f, 'h', 0x80, 1)[0], -0)).toBe(true);
      const row = readFloat16Rows(Module, f, 'h', 0x7c, 1); // 0x7c00..0x7cff: +Inf then NaNs
      expect(row[0]).toBe(Infinity);
      expect(row[1]).toBeNaN();
      expect(readFloat16Rows(Module, f, 'h', 0xfc, 1)[0]).toBe(-Infinity);
      expect(readFloat16Rows(Module, f, 'h', 5, 0).length).toBe(0);
    });
  });

  it('fails clearly on a non-float16 or non-2-D dataset and on bad rows', () => {
    withFile(file(), (f) => {
      expect(() => readFloat16Rows(Module, f, 'f', 0, 1)).toThrow(/'f' is not float16/);
      expect(() => readFloat16Rows(Module, f, 'h1', 0, 1)).toThrow(/1-D, expected 2-D/);
      expect(() => readFloat16Rows(Module, f, 'h', 250, 7)).toThrow(RangeError);
      expect(readFloat16Dataset(Module, f, 'h1').shape).toEqual([4]);
    });
  });

  it('handles an embeddings-sized file (25,052 × 1152 float16)', () => {
    const N = 25_052;
    const D = 1152;
    const bits = new Uint16Array(N * D);
    for (let i = 0; i < bits.length; i++) bits[i] = float32ToFloat16Bits(Math.sin(i * 0.001) * 3);
    const t0 = performance.now();
    const bytes = writeHdf5([{ name: 'embedding', type: 'f2', shape: [N, D], data: bits }]);
    const ms = performance.now() - t0;
    console.info(`hdf5-writer: ${N}×${D} float16 (${(bytes.length / 1e6).toFixed(1)} MB) written in ${ms.toFixed(0)} ms`);
    expect(bytes.length).toBeGreaterThan(N * D * 2);
    withFile(bytes, (f) => {
      const rows = readFloat16Rows(Module, f, 'embedding', N - 3, 3);
      expect(bytesOf(rows)).toEqual(bytesOf(decodeFloat16Array(bits.subarray((N - 3) * D))));
    });
  });
});

// ---- Cross-check with h5py -------------------------------------------------------------

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
const h5pyMissing = probe.status !== 0 ? `${PYTHON} cannot import h5py (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})` : '';
if (h5pyMissing) console.warn(`SKIPPING the h5py cross-check: ${h5pyMissing}`);

const PY_DUMP = String.raw`
import sys, json, base64, h5py, numpy as np
def b64(a): return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()
def attr(v): return {'type': type(v).__name__, 'value': v if isinstance(v, str) else v.decode() if isinstance(v, bytes) else float(v)}
out = {'attrs': {k: attr(v) for k, v in h5py.File(sys.argv[1], 'r').attrs.items()}, 'datasets': {}}
with h5py.File(sys.argv[1], 'r') as f:
    for name, d in f.items():
        i = {'dtype': d.dtype.str, 'shape': list(d.shape), 'chunks': list(d.chunks) if d.chunks else None,
             'compression': d.compression, 'level': d.compression_opts, 'shuffle': d.shuffle,
             'attrs': {k: attr(v) for k, v in d.attrs.items()}}
        a = d[()]
        sd, vl = h5py.check_string_dtype(d.dtype), h5py.check_vlen_dtype(d.dtype)
        if sd is not None:
            i.update(encoding=sd.encoding, elem=sorted({type(x).__name__ for x in a}), values=[x.decode() if isinstance(x, bytes) else x for x in a])
        elif vl is not None:
            i.update(base=np.dtype(vl).str, elem=sorted({x.dtype.str for x in a}), values=[b64(x) for x in a])
        else:
            i.update(bytes=b64(a))
        out['datasets'][name] = i
    src, mine = f['f32src'][()], f['f16mine'][()].view('<u2')
    with np.errstate(all='ignore'):
        ref = src.astype(np.float16)
    bad = (ref.view('<u2') != mine) & ~(np.isnan(ref) & np.isnan(mine.view('<f2')))
    out['roundingMismatches'] = [[float(x), int(y), int(z)] for x, y, z in zip(src[bad][:5], ref.view('<u2')[bad][:5], mine[bad][:5])] + [int(bad.sum())]
print(json.dumps(out))
`;

interface PyDataset {
  dtype: string; shape: number[]; chunks: number[] | null; compression: string | null; level: number | null; shuffle: boolean;
  attrs: Record<string, { type: string; value: string | number }>; encoding?: string; base?: string; elem?: string[];
  values?: string[]; bytes?: string;
}

describe.skipIf(h5pyMissing !== '')(`h5py cross-check${h5pyMissing ? ` (SKIPPED: ${h5pyMissing})` : ''}`, () => {
  it('h5py reads what the real bucket files give: <f2, bool, vlen str, vlen uint8, gzip+shuffle uint8', () => {
    const r = rng(42);
    const N = 300;
    const emb = Uint16Array.from({ length: N * 16 }, () => float32ToFloat16Bits((r() - 0.5) * 8));
    const ids = Array.from({ length: N }, (_, i) => `shared_${i}_ünï.jpg`);
    const valid = Uint8Array.from({ length: N }, (_, i) => (i % 10 === 0 ? 0 : 1));
    const images = Array.from({ length: 120 }, (_, i) => Uint8Array.from({ length: i % 4 === 0 ? 45_000 : 300 + i }, () => Math.floor(r() * 256)));
    const masks = Uint8Array.from({ length: 70 * 64 * 48 }, () => (r() < 0.2 ? 1 : 0));
    // float32 -> float16 rounding inputs: random bits, the half range, and exact ties.
    const src = new Float32Array(60_000);
    const srcBits = new Uint32Array(src.buffer);
    for (let i = 0; i < src.length; i++) {
      if (i % 3 === 0) srcBits[i] = Math.floor(r() * 2 ** 32);
      else if (i % 3 === 1) src[i] = (r() - 0.5) * 2 ** Math.floor(r() * 44 - 28);
      else src[i] = float16BitsToFloat32(Math.floor(r() * 0x7c00)) * (1 + 2 ** -11);
    }
    const specs: H5DatasetSpec[] = [
      { name: 'embedding', type: 'f2', shape: [N, 16], data: emb, attrs: { model: 'SigLIP2' } },
      { name: 'image_ids', type: 'vlen-str', values: ids },
      { name: 'valid', type: 'bool', shape: [N], data: valid },
      { name: 'images', type: 'vlen-u1', values: images },
      { name: 'masks', type: 'u1', shape: [70, 64, 48], data: masks, chunks: [1, 64, 48], gzip: 4, shuffle: true },
      { name: 'f32src', type: 'f4', shape: [src.length], data: src },
      { name: 'f16mine', type: 'f2', shape: [src.length], data: src },
      ...TYPES.map((type, i): H5DatasetSpec => ({ name: `z_${type}`, type, shape: [9, 5], data: sampleData(type, 45, i), chunks: [4, 2], gzip: 5, shuffle: true })),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'h5w-'));
    try {
      const path = join(dir, 'x.h5');
      writeFileSync(path, writeHdf5(specs, { rootAttrs: { title: 'démo', n: 25052 } }));
      const run = spawnSync(PYTHON, ['-c', PY_DUMP, path], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout) as { attrs: PyDataset['attrs']; datasets: Record<string, PyDataset>; roundingMismatches: unknown[] };
      const d = out.datasets;
      expect(out.attrs).toEqual({ title: { type: 'str', value: 'démo' }, n: { type: 'float64', value: 25052 } });
      expect(out.roundingMismatches).toEqual([0]);
      expect([d.embedding.dtype, d.embedding.shape, d.embedding.chunks]).toEqual(['<f2', [N, 16], null]);
      expect(Buffer.from(d.embedding.bytes ?? '', 'base64')).toEqual(Buffer.from(bytesOf(emb)));
      expect(d.embedding.attrs).toEqual({ model: { type: 'str', value: 'SigLIP2' } });
      expect([d.image_ids.dtype, d.image_ids.encoding, d.image_ids.elem]).toEqual(['|O', 'utf-8', ['bytes']]);
      expect(d.image_ids.values).toEqual(ids);
      expect([d.valid.dtype, Buffer.from(d.valid.bytes ?? '', 'base64')]).toEqual(['|b1', Buffer.from(valid)]);
      expect([d.images.dtype, d.images.base, d.images.elem]).toEqual(['|O', '|u1', ['|u1']]);
      expect(d.images.values).toEqual(images.map((b) => Buffer.from(b).toString('base64')));
      expect(d.masks).toMatchObject({ dtype: '|u1', shape: [70, 64, 48], chunks: [1, 64, 48], compression: 'gzip', level: 4, shuffle: true });
      expect(Buffer.from(d.masks.bytes ?? '', 'base64')).toEqual(Buffer.from(masks));
      for (const [i, type] of TYPES.entries()) {
        const z = d[`z_${type}`];
        expect([z.dtype, z.chunks, z.compression, z.shuffle]).toEqual([`${type.endsWith('1') ? '|' : '<'}${type}`, [4, 2], 'gzip', true]);
        expect(Buffer.from(z.bytes ?? '', 'base64')).toEqual(Buffer.from(bytesOf(sampleData(type, 45, i))));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
