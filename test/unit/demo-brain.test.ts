/**
 * The brain side of the demo bucket, read back from the BUILT bucket
 * (demo-data/laion-fmri, `npm run demo:build`) with independent decoders
 * (node:zlib + nifti-reader-js, a hand-written FreeSurfer/GIfTI/label parser):
 * every bucket-layout.md §3–§5/§9 brain invariant, plus the model properties
 * a teacher will look at (category selectivity, repeat reliability), plus
 * determinism of the generator.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { constants, gunzipSync, inflateSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { anatKeys, freesurferKeys, glmKeys, isHeldOutKey, localizerKeys, parseRoiKey, roiKeys, sidecarKey, SUBJECT_NC_DESCS } from '../../src/data/layout.ts';
import { writeBrainSide } from '../../tools/demo/brain/index.ts';
import { MISSING_ROI, OUT_OF_BRAIN_ROI } from '../../tools/demo/brain/rois.ts';
import { generatorFingerprint } from '../../tools/demo/build.ts';
import { buildCatalog, DEMO_SEED, DEMO_SUBJECTS, HELD_OUT_SESSIONS, PUBLIC_SESSIONS, type StimulusImage } from '../../tools/demo/catalog.ts';
import { makeContext } from '../../tools/demo/context.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BUCKET = join(REPO, 'demo-data', 'laion-fmri');
const SESSIONS = [...PUBLIC_SESSIONS, ...HELD_OUT_SESSIONS];
const catalog = buildCatalog(DEMO_SEED);
const byName = new Map<string, StimulusImage>(catalog.images.map((i) => [i.name, i]));

type Vol = { h: nifti.NIFTI1; d: Float64Array | Float32Array | Int16Array | Int32Array | Uint8Array };
const cache = new Map<string, Vol>();
const file = (key: string) => readFileSync(join(BUCKET, key));
const ab = (u: Uint8Array) => new Uint8Array(u).buffer; // exact-size copy (a Buffer is a view on a pool)

function header(key: string): nifti.NIFTI1 {
  // The header is in the first few KB of the gzip stream: no need to inflate a 70 MB betas file.
  const head = gunzipSync(file(key).subarray(0, 4096), { finishFlush: constants.Z_SYNC_FLUSH });
  return nifti.readHeader(ab(head)) as nifti.NIFTI1;
}
function load(key: string): Vol {
  let v = cache.get(key);
  if (!v) {
    const buf = ab(gunzipSync(file(key)));
    const h = nifti.readHeader(buf) as nifti.NIFTI1;
    const img = nifti.readImage(h, buf);
    const Ctor = { 2: Uint8Array, 4: Int16Array, 8: Int32Array, 16: Float32Array, 64: Float64Array }[h.datatypeCode];
    if (!Ctor) throw new Error(`unexpected datatype ${h.datatypeCode} in ${key}`);
    v = { h, d: new Ctor(img) };
    if (!key.includes('SingletrialBetas')) cache.set(key, v);
  }
  return v;
}
function allKeys(dir = BUCKET): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allKeys(join(dir, e.name)) : [relative(BUCKET, join(dir, e.name))]));
}
function trials(sub: string, ses: string): string[][] {
  const lines = file(glmKeys.trials(sub, ses)).toString('utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('session\trun\tbeta_index\tlabel');
  return lines.slice(1).map((l) => l.split('\t'));
}
const idx = (m: ArrayLike<number>) => Array.from({ length: m.length }, (_, p) => p).filter((p) => m[p] !== 0 && !Number.isNaN(m[p]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let keys: string[] = [];
beforeAll(() => {
  if (!existsSync(join(BUCKET, 'derivatives', 'glmsingle-tedana'))) throw new Error(`no demo bucket at ${BUCKET}: run \`npm run demo:build\` first`);
  const stamp = JSON.parse(readFileSync(join(REPO, 'demo-data', 'demo-stamp.json'), 'utf8')) as { fingerprint: string; seed: number };
  // A bucket built by older generator code would test yesterday's bytes. (DEMO_ALLOW_STALE=1 skips this while several people edit the generator at once.)
  if (stamp.fingerprint !== generatorFingerprint(stamp.seed) && !process.env.DEMO_ALLOW_STALE) {
    throw new Error('the demo bucket is stale (the generator changed since it was built): run `npm run demo:build`');
  }
  keys = allKeys();
});

describe('grids and formats', () => {
  const res1pt8 = () => keys.filter((k) => k.endsWith('.nii.gz') && (k.startsWith('derivatives/glmsingle-tedana/') || k.includes('_res-1pt8_')));
  it('every res-1pt8 volume has the identical shape and LAS affine, and qform = sform', () => {
    const list = res1pt8();
    expect(list.length).toBeGreaterThan(100);
    const ref = header(list[0]);
    for (const k of list) {
      const h = header(k);
      expect(h.dims.slice(1, 4), k).toEqual(ref.dims.slice(1, 4));
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(h.affine[r][c] - ref.affine[r][c]), k).toBeLessThan(1e-5);
      const q = h.getQformMat();
      for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(Math.abs(q[r][c] - h.affine[r][c]), k).toBeLessThan(1e-3);
      expect(h.vox_offset).toBe(352);
    }
    expect(ref.affine[0][0]).toBeCloseTo(-1.7778, 4); // L: x column negative
    expect(ref.affine[1][1]).toBeCloseTo(1.7778, 4); // A
    expect(ref.affine[2][2]).toBeCloseTo(1.7778, 4); // S
    expect(ref.dims.slice(1, 4)).not.toEqual([143, 143, 143]);
    // World origin near the middle of the brain: inside the grid, near its centre.
    const centre = ref.dims.slice(1, 4).map((n, a) => ref.affine[a][a] * (n - 1) * 0.5 + ref.affine[a][3]);
    for (const c of centre) expect(Math.abs(c)).toBeLessThan(15);
  });

  it('full-resolution anatomy is 0.8 mm over the same field of view, with varied datatypes and scaling', () => {
    for (const sub of DEMO_SUBJECTS) {
      const coarse = header(anatKeys.brainMaskRes1pt8(sub));
      const t1 = header(anatKeys.image(sub, 'T1w'));
      const t2 = header(anatKeys.image(sub, 'T2w'));
      for (let a = 0; a < 3; a++) {
        expect(t1.pixDims[a + 1]).toBeCloseTo(0.8, 5);
        // Outer voxel edges coincide (to within one fine voxel at the far edge).
        const edge = (h: nifti.NIFTI1) => h.affine[a][3] - 0.5 * h.affine[a][a];
        expect(edge(t1)).toBeCloseTo(edge(coarse), 3);
        expect(Math.abs(t1.dims[a + 1] * 0.8 - coarse.dims[a + 1] * 1.7778)).toBeLessThan(0.8);
      }
      expect(t1.datatypeCode).toBe(4);
      expect(t1.scl_slope).not.toBe(0);
      expect(t1.scl_slope).not.toBe(1);
      expect(t2.datatypeCode).toBe(4);
      expect(t2.scl_inter).not.toBe(0);
      expect(header(anatKeys.imageRes1pt8(sub, 'T1w')).datatypeCode).toBe(16);
      expect(header(anatKeys.imageRes1pt8(sub, 'T2w')).datatypeCode).toBe(64);
      expect(header(anatKeys.brainMask(sub)).datatypeCode).toBe(2);
      expect(header(anatKeys.brainMaskRes1pt8(sub)).datatypeCode).toBe(2);
      expect(header(glmKeys.hrfIndex(sub, 'ses-01')).datatypeCode).toBe(8);
    }
  });

  it('T1w contrast: white matter brighter than grey matter brighter than CSF; T2w inverted', () => {
    const sub = 'sub-01';
    const t1 = load(anatKeys.image(sub, 'T1w'));
    const t2 = load(anatKeys.image(sub, 'T2w'));
    const mask = load(anatKeys.brainMask(sub)).d;
    const s1 = t1.h.scl_slope;
    const s2 = t2.h.scl_slope;
    const inBrain = idx(mask);
    const v1 = inBrain.map((p) => t1.d[p] * s1 + t1.h.scl_inter).sort((a, b) => a - b);
    const v2 = inBrain.map((p) => t2.d[p] * s2 + t2.h.scl_inter).sort((a, b) => a - b);
    const q = (v: number[], f: number) => v[Math.floor(v.length * f)];
    // Brain intensities span dark CSF to bright WM on T1w, and bright CSF on T2w.
    expect(q(v1, 0.9)).toBeGreaterThan(600);
    expect(q(v1, 0.05)).toBeLessThan(200);
    expect(q(v2, 0.97)).toBeGreaterThan(800);
    // Inverted: voxels bright on T1w are dark on T2w.
    const bright = inBrain.filter((p) => t1.d[p] * s1 > 620);
    expect(mean(bright.map((p) => t2.d[p] * s2 + t2.h.scl_inter))).toBeLessThan(420);
  });

  it('every .nii.gz has a JSON sidecar', () => {
    for (const k of keys.filter((x) => x.endsWith('.nii.gz') || x.endsWith('.tsv'))) {
      expect(keys, k).toContain(sidecarKey(k));
      expect(() => JSON.parse(file(sidecarKey(k)).toString('utf8'))).not.toThrow();
    }
  });
});

describe('trials and betas', () => {
  it('trial tables: 4 columns, run 1..12, beta_index 0..T-1, catalogue labels, ≤3 repeats, T == volumes', () => {
    for (const sub of DEMO_SUBJECTS) {
      const Ts: number[] = [];
      const perImage = new Map<string, number>();
      for (const ses of SESSIONS) {
        const rows = trials(sub, ses);
        const T = header(glmKeys.betas(sub, ses)).dims[4];
        expect(rows.length).toBe(T);
        Ts.push(T);
        const counts = new Map<string, number>();
        const runOf = new Map<string, Set<string>>();
        rows.forEach(([session, run, bi, label], t) => {
          expect(session).toBe(ses);
          expect(run).toMatch(/^([1-9]|1[0-2])$/);
          expect(bi).toBe(String(t));
          const im = byName.get(label);
          expect(im, label).toBeDefined();
          if (im!.uniqueOrShared === 'unique') expect(im!.participant).toBe(sub);
          counts.set(label, (counts.get(label) ?? 0) + 1);
          const runs = runOf.get(label) ?? new Set<string>();
          expect(runs.has(run), `${label} twice in run ${run}`).toBe(false);
          runOf.set(label, runs.add(run));
          if ((PUBLIC_SESSIONS as readonly string[]).includes(ses)) perImage.set(label, (perImage.get(label) ?? 0) + 1);
        });
        for (const c of counts.values()) expect(c).toBeLessThanOrEqual(3);
      }
      expect(new Set(Ts).size).toBe(Ts.length); // T differs between sessions
      // Over the public sessions every image of the subject has its planned reps, except ~8 with one fewer.
      const short = [...perImage].filter(([name, n]) => n === byName.get(name)!.nReps - 1);
      expect(short.length).toBe(8);
      for (const [name, n] of perImage) expect(n === byName.get(name)!.nReps || short.some(([s]) => s === name)).toBe(true);
      expect([...perImage.keys()].some((n) => n.includes('THINGS+'))).toBe(true);
      expect([...perImage.keys()].some((n) => n.startsWith('shared_4rep_OOD_') && n.endsWith('.png'))).toBe(true);
    }
  });

  it('betas are float32 4-D, 0 outside the rsquare support, NaN (all trials) at a few in-brain voxels', () => {
    for (const sub of DEMO_SUBJECTS) {
      const r2 = load(glmKeys.r2mean(sub)).d;
      const mask = load(anatKeys.brainMaskRes1pt8(sub)).d;
      const nanSets: string[] = [];
      for (const ses of SESSIONS) {
        const b = load(glmKeys.betas(sub, ses));
        expect(b.h.datatypeCode).toBe(16);
        expect(b.h.dims[0]).toBe(4);
        const n = r2.length;
        const T = b.h.dims[4];
        const nan: number[] = [];
        for (let p = 0; p < n; p++) {
          const first = b.d[p];
          if (Number.isNaN(first)) {
            for (let t = 0; t < T; t++) expect(Number.isNaN(b.d[t * n + p])).toBe(true);
            expect(mask[p]).toBe(1);
            if ((PUBLIC_SESSIONS as readonly string[]).includes(ses)) expect(Number.isNaN(r2[p])).toBe(true);
            nan.push(p);
          } else if (r2[p] === 0) {
            for (let t = 0; t < T; t++) if (b.d[t * n + p] !== 0) throw new Error(`${ses} beta ≠ 0 outside the fit support at ${p}`);
          }
        }
        expect(nan.length).toBeGreaterThan(0);
        nanSets.push(nan.join(','));
      }
      expect(new Set(nanSets).size).toBe(nanSets.length); // different voxels per session
    }
  });
});

describe('masks, R2 and noise ceilings', () => {
  it('rsquare mask ⊂ anatomical mask, clearly smaller, and R2mean has NaN inside the anatomical mask', () => {
    for (const sub of DEMO_SUBJECTS) {
      const r2 = load(glmKeys.r2mean(sub)).d;
      const mask = load(anatKeys.brainMaskRes1pt8(sub)).d;
      const rsq = idx(r2);
      expect(rsq.filter((p) => mask[p] !== 1)).toEqual([]);
      const anat = idx(mask).length;
      expect(rsq.length).toBeLessThan(0.8 * anat);
      expect(rsq.length).toBeGreaterThan(0.2 * anat);
      const nan = Array.from(r2.keys()).filter((p) => Number.isNaN(r2[p]));
      expect(nan.length).toBeGreaterThan(0);
      for (const p of nan) expect(mask[p]).toBe(1);
      expect(Array.from(mask).every((m) => m === 0 || m === 1)).toBe(true);
    }
  });

  it('noise ceilings are in [0,100] and exactly 0 outside the fit support', () => {
    for (const sub of DEMO_SUBJECTS) {
      const r2 = load(glmKeys.r2mean(sub)).d;
      const ncKeys = [...SUBJECT_NC_DESCS.map((d) => glmKeys.subjectNc(sub, d)), ...SESSIONS.map((s) => glmKeys.sessionNc(sub, s))];
      for (const k of ncKeys) {
        const nc = load(k).d;
        let positive = 0;
        const bad: string[] = [];
        for (let p = 0; p < nc.length; p++) {
          if (!(nc[p] >= 0 && nc[p] <= 100)) bad.push(`@${p}=${nc[p]}`);
          if (r2[p] === 0 && nc[p] !== 0) bad.push(`@${p}=${nc[p]} outside the fit support`);
          if (nc[p] > 0) positive++;
        }
        expect(bad.slice(0, 5), k).toEqual([]);
        expect(positive, k).toBeGreaterThan(100);
      }
    }
  });

  it('HRF index is an integer 0..19 and Fracridge is in [0.05, 1] on the fit support', () => {
    const sub = 'sub-01';
    const r2 = load(glmKeys.r2mean(sub)).d;
    const hrf = load(glmKeys.hrfIndex(sub, 'ses-02')).d;
    const frac = load(glmKeys.fracridge(sub, 'ses-02')).d;
    const fit = idx(r2);
    expect(fit.filter((p) => !(Number.isInteger(hrf[p]) && hrf[p] >= 0 && hrf[p] <= 19))).toEqual([]);
    expect(fit.filter((p) => !Number.isNaN(frac[p]) && !(frac[p] >= 0.05 - 1e-6 && frac[p] <= 1))).toEqual([]);
    expect(new Set(idx(r2).map((p) => hrf[p])).size).toBeGreaterThan(5);
  });
});

describe('ROIs', () => {
  const roiFiles = (sub: string) => keys.map(parseRoiKey).filter((r) => r !== null && r.subject === sub);

  it('has ≥5 categories, hyphenated bucket labels, one missing ROI and one voxel outside the brain', () => {
    for (const sub of DEMO_SUBJECTS) {
      const vols = roiFiles(sub).filter((r) => r!.kind === 'volume');
      expect(new Set(vols.map((r) => r!.category)).size).toBeGreaterThanOrEqual(5);
      for (const label of ['FFA-1', 'pSTS-faces', 'VWFA-1', 'l-objects']) expect(vols.some((r) => r!.bucketLabel === label)).toBe(true);
      const has = (cat: string, label: string) => keys.includes(roiKeys.volume(sub, cat, label));
      expect(has(MISSING_ROI.category, MISSING_ROI.label)).toBe(sub !== MISSING_ROI.subject);
      const mask = load(anatKeys.brainMaskRes1pt8(sub)).d;
      for (const r of vols) {
        const m = load(roiKeys.volume(sub, r!.category, r!.bucketLabel));
        expect(m.h.datatypeCode).toBe(2);
        const outside = idx(m.d).filter((p) => !mask[p]).length;
        const special = sub === OUT_OF_BRAIN_ROI.subject && r!.bucketLabel === OUT_OF_BRAIN_ROI.label;
        expect(outside, `${sub} ${r!.bucketLabel}`).toBe(special ? 1 : 0);
        expect(idx(m.d).length).toBeGreaterThan(0);
      }
    }
    for (const kind of ['volume', 'func.gii', 'label'] as const) {
      expect(roiFiles(MISSING_ROI.subject).some((r) => r!.kind === kind && r!.bucketLabel === MISSING_ROI.label)).toBe(false);
    }
  });

  it('ROIs of one category never overlap', () => {
    for (const sub of DEMO_SUBJECTS) {
      const byCat = new Map<string, string[]>();
      for (const r of roiFiles(sub).filter((x) => x!.kind === 'volume')) byCat.set(r!.category, [...(byCat.get(r!.category) ?? []), r!.bucketLabel]);
      for (const [cat, labels] of byCat) {
        const owner = new Map<number, string>();
        for (const label of labels)
          for (const p of idx(load(roiKeys.volume(sub, cat, label)).d)) {
            expect(owner.get(p), `${sub} ${cat}: ${label} overlaps ${owner.get(p)}`).toBeUndefined();
            owner.set(p, label);
          }
      }
    }
  });

  it('surfaces, .func.gii and .label agree vertex for vertex', () => {
    for (const sub of DEMO_SUBJECTS) {
      const surf = { L: readSurface(file(freesurferKeys.surface(sub, 'lh', 'white'))), R: readSurface(file(freesurferKeys.surface(sub, 'rh', 'white'))) };
      expect(surf.L.nv).not.toBe(surf.R.nv);
      for (const hemi of ['L', 'R'] as const) {
        const pial = readSurface(file(freesurferKeys.surface(sub, hemi === 'L' ? 'lh' : 'rh', 'pial')));
        expect(pial.nv).toBe(surf[hemi].nv);
        expect(surf[hemi].nf).toBe(2 * surf[hemi].nv - 4); // closed genus-0 mesh
        expect(surf[hemi].signedVolume).toBeGreaterThan(0); // faces wound outward
      }
      let nonEmpty = 0;
      for (const r of roiFiles(sub).filter((x) => x!.kind === 'func.gii')) {
        const hemi = r!.hemi!;
        const values = readFuncGifti(file(roiKeys.funcGii(sub, r!.category, r!.bucketLabel, hemi)).toString('utf8'));
        expect(values.length).toBe(surf[hemi].nv);
        const fromGii = idx(values);
        const label = file(roiKeys.label(sub, r!.category, r!.bucketLabel, hemi)).toString('utf8').trimEnd().split('\n');
        expect(label[0].startsWith('#')).toBe(true);
        expect(Number(label[1])).toBe(label.length - 2);
        const rows = label.slice(2).map((l) => l.trim().split(/\s+/).map(Number));
        expect(rows.map((x) => x[0])).toEqual(fromGii);
        // .label coordinates are the white-surface vertex positions (surface RAS), printed to 3 decimals.
        const xyz = surf[hemi].xyz;
        expect(rows.filter(([v, x, y, z]) => Math.max(Math.abs(x - xyz[3 * v]), Math.abs(y - xyz[3 * v + 1]), Math.abs(z - xyz[3 * v + 2])) > 2e-3)).toEqual([]);
        if (fromGii.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(40);
    }
  });
});

describe('surface and volume ROIs agree', () => {
  it('each ROI vertex sits (mid-thickness, scanner RAS = surface RAS + c_ras) in a voxel of the ROI volume', () => {
    const sub = 'sub-01';
    for (const hemi of ['L', 'R'] as const) {
      const fs = hemi === 'L' ? 'lh' : 'rh';
      const white = readSurface(file(freesurferKeys.surface(sub, fs, 'white')));
      const pial = readSurface(file(freesurferKeys.surface(sub, fs, 'pial')));
      for (const [cat, label] of [['face', 'FFA-1'], ['place', 'PPA'], ['retinotopy', 'V1v'], ['motion', 'MT']]) {
        const vol = load(roiKeys.volume(sub, cat, label));
        const a = vol.h.affine;
        const [nx, ny] = [vol.h.dims[1], vol.h.dims[2]];
        const verts = idx(readFuncGifti(file(roiKeys.funcGii(sub, cat, label, hemi)).toString('utf8')));
        expect(verts.length, `${label} ${hemi}`).toBeGreaterThan(10);
        const misses = verts.filter((v) => {
          const w = [0, 1, 2].map((c) => (white.xyz[3 * v + c] + pial.xyz[3 * v + c]) / 2 + white.cras[c]);
          const [i, j, k] = [0, 1, 2].map((c) => Math.round((w[c] - a[c][3]) / a[c][c]));
          return vol.d[i + nx * (j + ny * k)] !== 1;
        });
        expect(misses.length, `${label} ${hemi}`).toBe(0);
      }
    }
  });
});

describe('localizer', () => {
  it('the ses-31 object localizer is public, on a 1.5 mm grid over the same field of view, and peaks in object cortex', () => {
    for (const sub of DEMO_SUBJECTS) {
      const key = localizerKeys.volume(sub, 'ses-31', 'oloc', 'objects', 'z');
      expect(isHeldOutKey(key)).toBe(false);
      expect(isHeldOutKey(glmKeys.betas(sub, 'ses-31'))).toBe(true);
      const loc = load(key);
      const ref = header(anatKeys.brainMaskRes1pt8(sub));
      expect(loc.h.pixDims[1]).toBeCloseTo(1.5, 5);
      for (let a = 0; a < 3; a++) expect(loc.h.affine[a][3] - 0.5 * loc.h.affine[a][a]).toBeCloseTo(ref.affine[a][3] - 0.5 * ref.affine[a][a], 3);
      const lobj = load(roiKeys.volume(sub, 'object', 'l-objects'));
      const [nx, ny] = [loc.h.dims[1], loc.h.dims[2]];
      const zAt = (p: number) => {
        const [i, j, k] = [p % ref.dims[1], Math.floor(p / ref.dims[1]) % ref.dims[2], Math.floor(p / (ref.dims[1] * ref.dims[2]))];
        const w = [i, j, k].map((c, a) => ref.affine[a][a] * c + ref.affine[a][3]);
        const [li, lj, lk] = w.map((c, a) => Math.round((c - loc.h.affine[a][3]) / loc.h.affine[a][a]));
        return loc.d[li + nx * (lj + ny * lk)];
      };
      expect(median(idx(lobj.d).map(zAt))).toBeGreaterThan(3);
      for (const hemi of ['L', 'R'] as const) {
        const values = readFuncGifti(file(localizerKeys.surface(sub, 'ses-31', 'oloc', hemi, 'objects', 'z')).toString('utf8'));
        expect(values.length).toBe(readSurface(file(freesurferKeys.surface(sub, hemi === 'L' ? 'lh' : 'rh', 'white'))).nv);
      }
    }
  });
});

describe('the model is believable', () => {
  it('R2mean is high in visual cortex and low in frontal cortex and white matter', () => {
    for (const sub of DEMO_SUBJECTS) {
      const r2 = load(glmKeys.r2mean(sub)).d;
      const v1 = idx(load(roiKeys.volume(sub, 'retinotopy', 'V1d')).d).map((p) => r2[p]);
      const h = header(glmKeys.r2mean(sub));
      const n = h.dims[1] * h.dims[2];
      // Frontal: the most anterior quarter of the fit support.
      const fit = idx(r2);
      const ys = fit.map((p) => Math.floor((p % n) / h.dims[1])).sort((a, b) => a - b);
      const frontal = fit.filter((p) => Math.floor((p % n) / h.dims[1]) > ys[Math.floor(ys.length * 0.75)]).map((p) => r2[p]);
      expect(median(v1)).toBeGreaterThan(20);
      expect(median(frontal)).toBeLessThan(5);
    }
  });

  it('FFA prefers faces and PPA prefers places, by a clear margin', () => {
    for (const sub of DEMO_SUBJECTS) {
      for (const [cat, label, pref] of [['face', 'FFA-1', 'face'], ['place', 'PPA', 'place']] as const) {
        const roi = idx(load(roiKeys.volume(sub, cat, label)).d);
        const preferred: number[] = [];
        const other: number[] = [];
        for (const ses of PUBLIC_SESSIONS) {
          const b = load(glmKeys.betas(sub, ses));
          const n = b.d.length / b.h.dims[4];
          trials(sub, ses).forEach(([, , , name], t) => {
            const vals = roi.map((p) => b.d[t * n + p]).filter((x) => !Number.isNaN(x));
            (byName.get(name)!.category === pref ? preferred : other).push(mean(vals));
          });
        }
        expect(mean(preferred) - mean(other), `${sub} ${label}`).toBeGreaterThan(0.8);
      }
    }
  });

  it('repeats are reliable in FFA and not in white matter (subject noise ceiling)', () => {
    for (const sub of DEMO_SUBJECTS) {
      const nc = load(glmKeys.subjectNc(sub, 'Noiseceiling12rep')).d;
      const t1 = load(anatKeys.imageRes1pt8(sub, 'T1w')).d;
      const r2 = load(glmKeys.r2mean(sub)).d;
      const ffa = idx(load(roiKeys.volume(sub, 'face', 'FFA-1')).d).filter((p) => r2[p] !== 0);
      const wm = idx(r2).filter((p) => t1[p] > 640);
      expect(wm.length).toBeGreaterThan(200);
      expect(median(ffa.map((p) => nc[p]))).toBeGreaterThan(median(wm.map((p) => nc[p])) + 30);
    }
  });
});

describe('determinism', () => {
  it('writeBrainSide twice gives byte-identical files', async () => {
    const digests: Array<Map<string, string>> = [];
    const dirs: string[] = [];
    for (let run = 0; run < 2; run++) {
      const dir = mkdtempSync(join(tmpdir(), 'demo-brain-'));
      dirs.push(dir);
      const written: string[] = [];
      await writeBrainSide(makeContext(join(dir, 'b'), join(dir, 's'), DEMO_SEED, catalog, written));
      digests.push(new Map(written.map((k) => [k, createHash('sha256').update(readFileSync(join(dir, 'b', k))).digest('hex')])));
    }
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    expect(digests[0].size).toBeGreaterThan(400);
    expect([...digests[1]].sort()).toEqual([...digests[0]].sort());
    // …and the built bucket holds exactly those bytes.
    for (const [k, h] of digests[0]) expect(createHash('sha256').update(file(k)).digest('hex'), k).toBe(h);
  }, 180_000);
});

// ---------------------------------------------------------------- independent parsers

/** FreeSurfer binary triangle surface (big-endian); returns surface-RAS coordinates. */
function readSurface(buf: Buffer) {
  expect([...buf.subarray(0, 3)]).toEqual([0xff, 0xff, 0xfe]);
  let o = buf.indexOf('\n\n', 3) + 2;
  const nv = buf.readInt32BE(o);
  const nf = buf.readInt32BE(o + 4);
  o += 8;
  const xyz = new Float32Array(nv * 3);
  for (let i = 0; i < nv * 3; i++, o += 4) xyz[i] = buf.readFloatBE(o);
  let signedVolume = 0;
  for (let f = 0; f < nf; f++, o += 12) {
    const [a, b, c] = [buf.readInt32BE(o), buf.readInt32BE(o + 4), buf.readInt32BE(o + 8)];
    if (!(a < nv && b < nv && c < nv && a >= 0 && b >= 0 && c >= 0)) throw new Error(`face ${f} has a vertex out of range`);
    const [ax, ay, az, bx, by, bz, cx, cy, cz] = [a, b, c].flatMap((v) => [xyz[3 * v], xyz[3 * v + 1], xyz[3 * v + 2]]);
    signedVolume += (ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)) / 6;
  }
  expect([buf.readInt32BE(o), buf.readInt32BE(o + 4), buf.readInt32BE(o + 8)]).toEqual([2, 0, 20]);
  const footer = buf.subarray(o + 12).toString('utf8');
  expect(footer).toMatch(/^valid = 1/);
  const cras = /cras += (\S+) (\S+) (\S+)/.exec(footer)!.slice(1, 4).map(Number);
  return { nv, nf, xyz, signedVolume, cras };
}

/** The single float32 data array of a GZipBase64Binary (zlib) GIfTI file. */
function readFuncGifti(xml: string): Float32Array {
  expect(xml).toMatch(/NumberOfDataArrays="1"/);
  expect(xml).toMatch(/DataType="NIFTI_TYPE_FLOAT32"/);
  expect(xml).toMatch(/Encoding="GZipBase64Binary"/);
  const dim0 = Number(/Dim0="(\d+)"/.exec(xml)![1]);
  const raw = inflateSync(Buffer.from(/<Data>([^<]*)<\/Data>/.exec(xml)![1], 'base64'));
  const values = new Float32Array(new Uint8Array(raw).buffer);
  expect(values.length).toBe(dim0);
  return values;
}
