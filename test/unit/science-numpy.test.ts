/**
 * The science layer against numpy itself (/usr/bin/python3), doing what
 * laion_fmri does: the voxel order of `vol.ravel()[mask]` on arrays read the
 * nibabel way (file bytes reshaped with order='F'), `np.flatnonzero`, the
 * newest mask rule, `nc >= thr` on float32 arrays, np.quantile's default, and
 * Python's sorted() for ROI names and category file names. Skipped, with the
 * reason in the test name, when numpy is not installed.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nonzeroMask } from '../../src/science/masks.ts';
import { countAtLeast, summary, survivalCurve } from '../../src/science/noise-ceiling.ts';
import { allRoiNames, categoryRoiNames, type RoiCatalog } from '../../src/science/roi-query.ts';
import { gather, niftiToC, voxelsInCOrder, type Dims3 } from '../../src/science/voxel-order.ts';

const PYTHON = '/usr/bin/python3';

function numpyMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `numpy is not importable by ${PYTHON} (${(e as Error).message.split('\n')[0]})`;
  }
}
const skipReason = numpyMissing();
if (skipReason) console.warn(`science-numpy.test.ts skipped: ${skipReason}`);

/** Runs `body` with `inp` (parsed JSON) bound; `body` assigns the JSON-able result to `out`. */
function py<T>(body: string, input: unknown): T {
  const script = `import json, sys\nimport numpy as np\ninp = json.load(sys.stdin)\n${body}\nprint(json.dumps(out))`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' })) as T;
}

/** Deterministic PRNG (mulberry32): the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON has no NaN: send NaN as null and rebuild it in Python. */
const enc = (xs: ArrayLike<number>) => Array.from(xs, (v) => (Number.isNaN(v) ? null : v));
const PY_DEC = 'def dec(xs): return np.array([np.nan if v is None else v for v in xs], dtype=np.float32)';

describe.skipIf(skipReason !== null)(`cross-checks against numpy${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`, () => {
  it('voxel order: our C-order listing equals np.flatnonzero and vol.ravel()[mask] on asymmetric grids', () => {
    const r = rng(1);
    const grids: Dims3[] = [[3, 4, 5], [7, 2, 6], [5, 9, 1], [1, 1, 8]];
    const cases = grids.map((dims) => {
      const n = dims[0] * dims[1] * dims[2];
      const mask = Uint8Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
      const vol = Float32Array.from({ length: n }, () => Math.fround(r() * 200 - 100));
      return { dims, mask, vol };
    });
    const got = py<Array<{ flat: number[]; vals: number[] }>>(
      `out = []
for c in inp:
    X, Y, Z = c['dims']
    # nibabel hands the package an (X, Y, Z) array: the file bytes (x fastest) reshaped with order='F'.
    m = np.array(c['mask'], dtype=np.uint8).reshape((X, Y, Z), order='F').ravel().astype(bool)
    v = np.array(c['vol'], dtype=np.float32).reshape((X, Y, Z), order='F')
    out.append({'flat': np.flatnonzero(m).tolist(), 'vals': v.ravel()[m].astype(float).tolist()})`,
      cases.map((c) => ({ dims: c.dims, mask: Array.from(c.mask), vol: Array.from(c.vol) })),
    );
    cases.forEach((c, i) => {
      const order = voxelsInCOrder(c.mask, c.dims);
      expect(Array.from(order, (n) => niftiToC(n, c.dims))).toEqual(got[i].flat);
      expect(Array.from(gather(c.vol, order))).toEqual(got[i].vals);
    });
  });

  it("mask rule: nonzeroMask = the newest load_nifti_mask ((v != 0) & ~isnan(v)), negatives in", () => {
    const r = rng(2);
    const vals = Float32Array.from({ length: 500 }, () => {
      const u = r();
      return u < 0.2 ? 0 : u < 0.3 ? NaN : u < 0.35 ? -0 : Math.fround(r() * 2 - 1);
    });
    const ref = py<boolean[]>(`${PY_DEC}\nv = dec(inp)\nout = ((v != 0) & ~np.isnan(v)).tolist()`, enc(vals));
    expect(Array.from(nonzeroMask(vals), Boolean)).toEqual(ref);
  });

  it('nc_threshold: countAtLeast and survivalCurve equal numpy `nc >= thr` on float32 arrays', () => {
    const r = rng(3);
    const nc = Float32Array.from({ length: 2000 }, () => (r() < 0.05 ? NaN : Math.fround(Math.round(r() * 1000) / 10)));
    // Decimal thresholds exercise float32 rounding (0.7 → 0.699999988); values sit exactly on them.
    const thresholds = [0, 0.1, 0.3, 0.7, 5, 12.3, 33.3, 50, 70.7, 99.9, 100, 101];
    const ref = py<{ counts: number[]; fractions: number[] }>(
      `${PY_DEC}
v = dec(inp['nc'])
finite = v[~np.isnan(v)]
out = {'counts': [int((v >= t).sum()) for t in inp['thr']], 'fractions': [float((finite >= t).mean()) for t in inp['thr']]}`,
      { nc: enc(nc), thr: thresholds },
    );
    expect(thresholds.map((t) => countAtLeast(nc, t))).toEqual(ref.counts);
    expect(survivalCurve(nc, thresholds)).toEqual(ref.fractions);
  });

  it("summary quantiles equal np.quantile's default (linear) and min/max/mean of the non-NaN values", () => {
    const r = rng(4);
    const arrays = [1, 2, 3, 4, 7, 10, 101, 1000].map((n) => Float32Array.from({ length: n }, () => (r() < 0.1 ? NaN : Math.fround(r() * 100))));
    const ref = py<Array<number[] | null>>(
      `${PY_DEC}
out = []
for xs in inp:
    v = dec(xs)
    f = v[~np.isnan(v)].astype(np.float64)
    out.append(None if f.size == 0 else [*np.quantile(f, [0.25, 0.5, 0.75]).tolist(), float(f.min()), float(f.max()), float(f.mean())])`,
      arrays.map(enc),
    );
    arrays.forEach((a, i) => {
      const s = summary(a);
      const want = ref[i];
      if (want === null) {
        expect(s.n).toBe(0);
        return;
      }
      expect([s.q25, s.median, s.q75, s.min, s.max]).toEqual(want.slice(0, 5));
      expect(s.mean).toBeCloseTo(want[5], 9);
    });
  });

  it("ROI order: 'all' = Python sorted(names); a category = sorted file names in its folder", () => {
    const names = ['V3', 'IPS', 'hV4', 'V3A', 'IPS0', 'laionEVC', 'FFA1', 'V1d', 'V1v', 'MT', 'MST', 'pSTSfaces', 'lobjects', 'VWFA1', 'EBA', 'LO1', 'V3d', 'V3B'];
    const catalog: RoiCatalog = new Map([['cat', names]]);
    const ref = py<{ all: string[]; files: string[] }>(
      `head = 'sub-01_space-T1w_res-1pt8_label-'
files = sorted(head + n + '_mask.nii.gz' for n in inp)
out = {'all': sorted(set(inp)), 'files': [f[len(head):-len('_mask.nii.gz')] for f in files]}`,
      names,
    );
    expect(allRoiNames(catalog)).toEqual(ref.all);
    expect(categoryRoiNames(catalog, 'cat')).toEqual(ref.files);
  });
});
