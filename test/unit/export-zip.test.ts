/**
 * The export's containers: .npy headers and the streaming ZIP writer, read
 * back by Python's zipfile + numpy (/usr/bin/python3, Debian), which must
 * see the same shapes, dtypes, values and CRCs. archiveSize must predict
 * the written size exactly (the free-space check relies on it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeNpy, npyHeader } from '../../src/formats/npy.ts';
import { crc32, ZipStreamWriter } from '../../src/formats/zip-writer.ts';

const PYTHON = '/usr/bin/python3';

function py(script: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

describe('npy', () => {
  it('header is 64-byte aligned and numpy reads shape, dtype and values', () => {
    for (const shape of [[0], [7], [3, 5], [2, 3, 4], [1000, 12345]]) expect(npyHeader('<f4', shape).length % 64).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    try {
      const f = Float32Array.from({ length: 12 }, (_, i) => (i === 5 ? NaN : i * 0.5 - 1));
      writeFileSync(join(dir, 'a.npy'), encodeNpy('<f4', [3, 4], f));
      writeFileSync(join(dir, 'b.npy'), encodeNpy('<i8', [3], BigInt64Array.from([0n, 2n ** 40n, -3n])));
      writeFileSync(join(dir, 'c.npy'), encodeNpy('|b1', [4], Uint8Array.from([1, 0, 0, 1])));
      writeFileSync(join(dir, 'd.npy'), encodeNpy('<i4', [2, 3], Int32Array.from([1, 2, 3, 4, 5, -6])));
      const out = py(
        `import numpy as np,sys,json
d=sys.argv[1]
a=np.load(d+'/a.npy');b=np.load(d+'/b.npy');c=np.load(d+'/c.npy');e=np.load(d+'/d.npy')
print(json.dumps([a.shape,str(a.dtype),a.flags['C_CONTIGUOUS'],[None if np.isnan(x) else float(x) for x in a.ravel()],b.tolist(),str(c.dtype),c.tolist(),e.shape,e.tolist()]))`,
        [dir],
      );
      expect(JSON.parse(out)).toEqual([[3, 4], 'float32', true, Array.from(f, (x) => (Number.isNaN(x) ? null : x)), [0, 2 ** 40, -3], 'bool', [true, false, false, true], [2, 3], [[1, 2, 3], [4, 5, -6]]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses data that does not match the shape or dtype', () => {
    expect(() => encodeNpy('<f4', [2, 2], new Float32Array(3))).toThrow(/3 values/);
    expect(() => encodeNpy('<f8', [2], new Float32Array(2))).toThrow(/does not match/);
  });
});

describe('zip writer', () => {
  it('crc32 equals zlib', () => {
    const data = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(data.subarray(50_001), crc32(data.subarray(0, 50_001)))).toBe(zlibCrc32(data));
  });

  it('Python reads a streamed archive (entries in pieces, UTF-8 names, empty entry); archiveSize is exact', async () => {
    const parts: Uint8Array[] = [];
    const zip = new ZipStreamWriter({ write: (b) => void parts.push(b.slice()) }, new Date(2026, 10, 21, 6, 30, 10));
    const rows = 37;
    const cols = 1001;
    const entries = [
      { name: 'betas.npy', size: npyHeader('<f4', [rows, cols]).length + rows * cols * 4 },
      { name: 'trials.tsv', size: 0 },
      { name: 'ünïcode/ß.txt', size: 5 },
      { name: 'empty.bin', size: 0 },
    ];
    await zip.begin('betas.npy', entries[0].size);
    await zip.data(npyHeader('<f4', [rows, cols]));
    const row = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) row[c] = r * 1000 + c;
      await zip.data(new Uint8Array(row.buffer));
    }
    await zip.end();
    const tsv = new TextEncoder().encode('row\tlabel\n0\ta.jpg\n');
    entries[1].size = tsv.length;
    await zip.file('trials.tsv', tsv);
    await zip.file('ünïcode/ß.txt', new TextEncoder().encode('hello'));
    await zip.file('empty.bin', new Uint8Array(0));
    await zip.finish();
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBe(zip.bytesWritten);
    expect(ZipStreamWriter.archiveSize(entries)).toBe(bytes.length);
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    try {
      writeFileSync(join(dir, 'x.zip'), bytes);
      const out = py(
        `import zipfile,io,json,sys,numpy as np
z=zipfile.ZipFile(sys.argv[1])
bad=z.testzip()
a=np.load(io.BytesIO(z.read('betas.npy')))
print(json.dumps([bad,z.namelist(),a.shape,str(a.dtype),float(a[36,1000]),float(a[0,0]),z.read('ünïcode/ß.txt').decode(),[i.compress_type for i in z.infolist()]]))`,
        [join(dir, 'x.zip')],
      );
      expect(JSON.parse(out)).toEqual([null, ['betas.npy', 'trials.tsv', 'ünïcode/ß.txt', 'empty.bin'], [rows, cols], 'float32', 36 * 1000 + 1000, 0, 'hello', [0, 0, 0, 0]]);
      // Info-ZIP's unzip agrees (another independent reader).
      const t = execFileSync('unzip', ['-t', join(dir, 'x.zip')], { encoding: 'utf8' });
      expect(t).toMatch(/No errors detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an entry longer or shorter than announced', async () => {
    const zip = new ZipStreamWriter({ write: () => undefined });
    await zip.begin('a', 3);
    await expect(zip.data(new Uint8Array(4))).rejects.toThrow(/longer than announced/);
    await zip.data(new Uint8Array(2));
    await expect(zip.end()).rejects.toThrow(/2 bytes, 3 announced/);
  });
});
