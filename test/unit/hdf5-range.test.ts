/**
 * The range-reading HDF5 reader (src/formats/hdf5-range.ts) against files
 * written by our own writer (the demo bucket's) and by h5py (real HDF5, both
 * "earliest" and "latest" format bounds), counting the bytes it reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hdf5File, type RangeSource } from '../../src/formats/hdf5-range.ts';
import { writeHdf5 } from '../../tools/lib/hdf5-writer.ts';

function memSource(bytes: Uint8Array, name = 'mem.h5') {
  const log: Array<[number, number]> = [];
  const src: RangeSource & { log: typeof log; bytesRead(): number } = {
    name,
    log,
    bytesRead: () => log.reduce((a, [, n]) => a + n, 0),
    async read(offset, length) {
      const out = bytes.slice(offset, Math.min(bytes.length, offset + length));
      log.push([offset, out.length]);
      return out;
    },
  };
  return src;
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('vlen uint8 (the stimuli archive)', () => {
  const values = [pattern(10, 1), pattern(300_000, 2), new Uint8Array(0), pattern(5000, 3), ...Array.from({ length: 600 }, (_, i) => pattern(50 + i, 10 + i))];
  const file = writeHdf5([
    { name: 'aaa', type: 'u1', shape: [4], data: new Uint8Array([1, 2, 3, 4]) },
    { name: 'images', type: 'vlen-u1', values },
  ]);

  it('a reader that is cancelled does not fail another reading the same file at the same time', async () => {
    // Slow reads, honouring the signal they are given (as fetch does).
    const inner = memSource(file);
    const slow: RangeSource = {
      name: 'slow.h5',
      read: (offset, length, signal) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve(inner.read(offset, length)), 20);
          signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
        }),
    };
    const h5 = new Hdf5File(slow);
    const first = new AbortController();
    const a = h5.readVlenBytes('images', 3, first.signal);
    const b = h5.readVlenBytes('images', 3); // starts while a's metadata reads are in flight
    first.abort(new DOMException('Cancelled', 'AbortError'));
    await expect(a).rejects.toThrow('Cancelled');
    expect(await b).toEqual(values[3]);
  });

  it('reads any element exactly, fetching little more than the element', async () => {
    const src = memSource(file);
    const h5 = new Hdf5File(src);
    expect(await h5.readVlenBytes('images', 1)).toEqual(values[1]);
    const afterFirst = src.bytesRead();
    expect(afterFirst).toBeLessThan(values[1].length + 96 * 1024);
    for (const i of [0, 2, 3, 4, 599, 603]) expect(await h5.readVlenBytes('images', i)).toEqual(values[i]);
    // The index is cached: a second read of a big element costs the element (+ header), nothing else.
    const before = src.bytesRead();
    await h5.readVlenBytes('images', 1);
    expect(src.bytesRead() - before).toBeLessThan(values[1].length + 8192);
  });

  it('names the file and the fault for a bad index, a missing dataset, a non-HDF5 file', async () => {
    const h5 = new Hdf5File(memSource(file, 'stim.h5'));
    await expect(h5.readVlenBytes('images', values.length)).rejects.toThrow(/^stim\.h5: index \d+ is outside 'images'/);
    await expect(h5.readVlenBytes('nope', 0)).rejects.toThrow(/stim\.h5: there is no dataset 'nope'/);
    await expect(h5.readVlenBytes('aaa', 0)).rejects.toThrow(/not a 1-D variable-length uint8/);
    await expect(new Hdf5File(memSource(new TextEncoder().encode('<html>denied</html>'), 'x.h5')).readVlenBytes('images', 0)).rejects.toThrow(/x\.h5: not an HDF5 file/);
    const damaged = file.slice();
    // Break every global heap signature: the reference then points at garbage.
    for (let i = 0; i + 4 <= damaged.length; i++) if (damaged[i] === 0x47 && damaged[i + 1] === 0x43 && damaged[i + 2] === 0x4f && damaged[i + 3] === 0x4c) damaged[i] = 0;
    await expect(new Hdf5File(memSource(damaged, 'd.h5')).readVlenBytes('images', 3)).rejects.toThrow(/d\.h5: element 3 of 'images' points at \d+, which is not a global heap collection/);
  });
});

describe('chunked shuffle + gzip (the segmentation masks)', () => {
  const shape = [7, 40, 30];
  const data = new Uint8Array(7 * 40 * 30).map((_, i) => ((i * 7919) % 13 < 6 ? 1 : 0));
  const slab = (k: number) => data.slice(k * 1200, (k + 1) * 1200);

  for (const chunks of [[1, 40, 30], [2, 16, 7], [7, 40, 30]]) {
    it(`reads one mask with chunks ${chunks.join('×')}`, async () => {
      const file = writeHdf5([{ name: 'masks', type: 'u1', shape, data, chunks, gzip: 4, shuffle: true }]);
      const src = memSource(file);
      const h5 = new Hdf5File(src);
      for (const k of [0, 3, 6]) expect(await h5.readSlab('masks', k)).toEqual(slab(k));
    });
  }

  it('a 2-byte type is unshuffled', async () => {
    const u2 = new Uint16Array(4 * 10 * 10).map((_, i) => i * 37);
    const file = writeHdf5([{ name: 'm', type: 'u2', shape: [4, 10, 10], data: u2, chunks: [1, 5, 10], gzip: 1, shuffle: true }]);
    const got = await new Hdf5File(memSource(file)).readSlab('m', 2);
    expect(new Uint16Array(got.buffer, got.byteOffset, 100)).toEqual(u2.slice(200, 300));
  });

  it('reads only the chunks of the asked mask', async () => {
    const big = pattern(50 * 40 * 30, 7);
    const file = writeHdf5([{ name: 'masks', type: 'u1', shape: [50, 40, 30], data: big, chunks: [1, 40, 30], gzip: 4, shuffle: true }]);
    const src = memSource(file);
    const h5 = new Hdf5File(src);
    expect(await h5.readSlab('masks', 10)).toEqual(big.slice(10 * 1200, 11 * 1200));
    expect(src.bytesRead()).toBeLessThan(file.length / 2);
    // The chunk index is cached: the next mask is one request, for its chunk alone (< one raw mask).
    const n = src.log.length;
    expect(await h5.readSlab('masks', 49)).toEqual(big.slice(49 * 1200));
    expect(src.log.length - n).toBe(1);
    expect(src.log[n][1]).toBeLessThan(1200);
  });

  it('a damaged chunk is named', async () => {
    const file = writeHdf5([{ name: 'masks', type: 'u1', shape, data, chunks: [1, 40, 30], gzip: 4, shuffle: true }]);
    const h5 = new Hdf5File(memSource(file, 'seg.h5'));
    const info = await h5.dataset('masks');
    expect(info.filters.map((f) => f.id)).toEqual([2, 1]);
    const broken = file.slice();
    // Garble the first chunk's deflate stream (chunk data follows the superblock, before the headers).
    broken.fill(0xff, 98, 130);
    await expect(new Hdf5File(memSource(broken, 'seg.h5')).readSlab('masks', 0)).rejects.toThrow(/seg\.h5: a compressed chunk of 'masks' does not inflate/);
  });
});

const PY = '/usr/bin/python3';
const hasH5py = existsSync(PY) && (() => {
  try {
    execFileSync(PY, ['-c', 'import h5py']);
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(hasH5py)('files written by h5py (real HDF5)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h5range-'));
  execFileSync(PY, ['-c', `
import h5py, numpy as np
rng = np.random.default_rng(1)
vals = [rng.integers(0, 256, size=n, dtype=np.uint8) for n in [10, 5000, 0, 70000, 3, 200000]]
m = (rng.random((5, 40, 30)) > 0.5).astype(np.uint8)
for lib in ['earliest', 'latest']:
    with h5py.File('${dir}/v_' + lib + '.h5', 'w', libver=lib) as f:
        f.create_dataset('other', data=np.arange(10))
        d = f.create_dataset('images', (len(vals),), dtype=h5py.vlen_dtype(np.uint8))
        for i, v in enumerate(vals): d[i] = v
        f.create_dataset('masks', data=m, chunks=(1, 40, 30), compression='gzip', shuffle=True)
        f.create_dataset('masks2', data=m, chunks=(2, 16, 7), compression='gzip', shuffle=True)
for i, v in enumerate(vals): v.tofile('${dir}/val' + str(i) + '.bin')
m.tofile('${dir}/m.bin')
`]);
  const vals = [0, 1, 2, 3, 4, 5].map((i) => new Uint8Array(readFileSync(join(dir, `val${i}.bin`))));
  const m = new Uint8Array(readFileSync(join(dir, 'm.bin')));

  it('earliest bounds: images and masks', async () => {
    const src = memSource(new Uint8Array(readFileSync(join(dir, 'v_earliest.h5'))));
    const h5 = new Hdf5File(src);
    for (let i = 0; i < vals.length; i++) expect(await h5.readVlenBytes('images', i)).toEqual(vals[i]);
    for (const name of ['masks', 'masks2']) for (const k of [0, 2, 4]) expect(await h5.readSlab(name, k)).toEqual(m.slice(k * 1200, (k + 1) * 1200));
  });

  it('latest bounds: images read; v4 chunk indexes are refused by name', async () => {
    const h5 = new Hdf5File(memSource(new Uint8Array(readFileSync(join(dir, 'v_latest.h5'))), 'latest.h5'));
    for (let i = 0; i < vals.length; i++) expect(await h5.readVlenBytes('images', i)).toEqual(vals[i]);
    await expect(h5.readSlab('masks', 0)).rejects.toThrow(/latest\.h5: 'masks' uses data layout message version 4/);
  });
});
