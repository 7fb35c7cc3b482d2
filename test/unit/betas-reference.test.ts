/**
 * Bit-identical reference on the built demo bucket (demo-data/laion-fmri):
 * for sub-01 ses-01 and a grid of get_betas parameters (mask_source × roi ×
 * nc_threshold × stimuli, plus mask= cases), the betas from maskedPass +
 * resolveBetasSelection + the trial filter are compared byte for byte (NaN
 * positions included) with an independent numpy/nibabel implementation of
 * the package's get_betas (PY_REFERENCE below, run by /usr/bin/python3), and
 * the voxel order with its np.flatnonzero indices. Skipped, with the reason
 * in the test name, when the bucket is not built or nibabel is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { roisFromListing } from '../../src/data/discovery.ts';
import { anatKeys, glmKeys, roiKeys } from '../../src/data/layout.ts';
import { maskedPass } from '../../src/formats/masked-pass.ts';
import { decodeVoxels, parseNiftiHeader, bytesPerVolume } from '../../src/formats/nifti.ts';
import { maybeGunzip } from '../../src/formats/nifti-stream.ts';
import { resolveBetasSelection, type BetasSelectionInputs, type BetasSelectionParams, type GridVolume } from '../../src/science/betas-select.ts';
import type { MaskSource } from '../../src/science/masks.ts';
import { catalogFromCategories, type RoiQuery } from '../../src/science/roi-query.ts';
import { parseTrialTable, type StimulusSet } from '../../src/science/trials.ts';
import { niftiToC, type Dims3 } from '../../src/science/voxel-order.ts';

const PYTHON = '/usr/bin/python3';
const BUCKET = resolve(import.meta.dirname, '../../demo-data/laion-fmri');
const SUB = 'sub-01';
const SES = 'ses-01';

function skipReason(): string | null {
  if (!existsSync(join(BUCKET, glmKeys.betas(SUB, SES)))) return `no demo bucket at ${BUCKET}; run \`npm run demo:build\``;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy, nibabel'], { stdio: 'pipe' });
  } catch (e) {
    return `numpy/nibabel not importable by ${PYTHON} (${(e as Error).message.split('\n')[0]})`;
  }
  return null;
}
const SKIP = skipReason();
if (SKIP) console.warn(`betas-reference.test.ts skipped: ${SKIP}`);

const PY_REFERENCE = String.raw`
"""Independent reference for betas-reference.test.ts: laion_fmri's get_betas
written from bucket-layout.md §3-§4 with nibabel + numpy only (no code shared
with the TypeScript side).

stdin: JSON {betas, trials, nc, brain: {anatomical, rsquare}, roi_dir, out_dir,
cases: [{id, source, roi, mask, thr, stimuli}]}. Writes per case
<id>.f32 (betas, float32 little-endian, shape (T_sel, n_sel), C order) and
<id>.idx (uint32 C-order flat indices of the selected voxels), and prints a
JSON {id: [T_sel, n_sel]}.
"""
import csv
import json
import os
import re
import sys

import nibabel as nib
import numpy as np

spec = json.load(sys.stdin)


def array(path):
    # The dataobj array, scaled as nibabel scales it; shape (X, Y, Z[, T]).
    return np.asarray(nib.load(path).dataobj)


def mask_file(path):
    # load_nifti_mask: C-order ravel, nonzero and not NaN.
    d = array(path).ravel()
    return (d != 0) & ~np.isnan(d)


# ROI catalog from the folder: {category: {clean name: path}}.
CATS = {}
for cat in sorted(os.listdir(spec["roi_dir"])):
    d = os.path.join(spec["roi_dir"], cat)
    if not os.path.isdir(d):
        continue
    for f in sorted(os.listdir(d)):
        m = re.match(r"^sub-[^_]+_space-T1w_res-1pt8_label-(.+)_mask\.nii\.gz$", f)
        if m:
            CATS.setdefault(cat, {})[m.group(1).replace("-", "")] = os.path.join(d, f)


def resolve(query):
    entries = [query] if isinstance(query, str) else query
    out = {}
    for e in entries:
        if e == "all":
            for c in CATS.values():
                out.update(c)
        elif e in CATS:
            out.update(CATS[e])
        else:
            hits = {n: p for c in CATS.values() for n, p in c.items() if n == e}
            if not hits:
                raise ValueError(f"Unknown ROI/category: {e!r}")
            out.update(hits)
    return out


betas4d = array(spec["betas"]).astype(np.float32)
T = betas4d.shape[3]
# (X, Y, Z, T) -> (T, X*Y*Z), columns in C order of (x, y, z).
full = betas4d.reshape(-1, T).T
with open(spec["trials"], newline="") as fh:
    labels = [row["label"] for row in csv.DictReader(fh, delimiter="\t")]
assert len(labels) == T, (len(labels), T)
shared = np.array([lab.startswith("shared_") for lab in labels])

shapes = {}
for case in spec["cases"]:
    brain = mask_file(spec["brain"][case["source"]])
    if case["roi"] is not None and case["mask"] is not None:
        raise ValueError("roi and mask are mutually exclusive.")
    vm = None
    if case["roi"] is not None:
        vm = np.zeros(int(brain.sum()), dtype=bool)
        for path in resolve(case["roi"]).values():
            vm |= mask_file(path)[brain]
    if case["mask"] is not None:
        vm = np.fromfile(case["mask"], dtype=np.uint8).astype(bool)
    if case["thr"] is not None:
        nc = array(spec["nc"]).astype(np.float32).ravel()[brain]
        ncm = nc >= float(case["thr"])
        vm = ncm if vm is None else vm & ncm
    b = full[:, brain]
    idx = np.flatnonzero(brain)
    if vm is not None:
        b = b[:, vm]
        idx = idx[vm]
    if case["stimuli"] is not None:
        b = b[shared if case["stimuli"] == "shared" else ~shared]
    out = os.path.join(spec["out_dir"], case["id"])
    np.ascontiguousarray(b, dtype="<f4").tofile(out + ".f32")
    idx.astype("<u4").tofile(out + ".idx")
    shapes[case["id"]] = list(b.shape)

print(json.dumps(shapes))
`;

/** A 3-D volume decoded the app's way (NIfTI order, float32). */
function load3d(key: string): GridVolume {
  const bytes = gunzipSync(readFileSync(join(BUCKET, key)));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const h = parseNiftiHeader(buf, key);
  return { file: key.slice(key.lastIndexOf('/') + 1), dims: h.dims, affine: h.affine, data: decodeVoxels(new Uint8Array(buf, h.voxOffset, bytesPerVolume(h)), h) };
}

function listing(prefix: string) {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : [join(dir, e)]));
  return walk(join(BUCKET, prefix)).map((p) => ({ key: relative(BUCKET, p), size: statSync(p).size, etag: '"x"', lastModified: '' }));
}

/** The betas file as a byte stream in 64 KiB chunks, like a download. */
function fileStream(key: string): ReadableStream<Uint8Array> {
  const bytes = readFileSync(join(BUCKET, key));
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(new Uint8Array(bytes.subarray(o, o + 65536)));
      o += 65536;
    },
  });
}

interface Case {
  id: string;
  source: MaskSource;
  roi: RoiQuery | null;
  mask: string | null;
  thr: number | null;
  stimuli: StimulusSet | null;
}

/** Deterministic mask= vector over the brain voxels: roughly 1 in 3, irregular. */
function maskVector(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, j) => ((Math.imul(j + seed, 2654435761) >>> 0) % 7 < 2 ? 1 : 0));
}

describe.skipIf(SKIP !== null)(`get_betas against numpy/nibabel on the demo bucket ${SUB} ${SES}${SKIP ? ` (SKIPPED: ${SKIP})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'betas-ref-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('every parameter combination is bit-identical, in the same voxel order', async () => {
    const brainVols: Record<MaskSource, GridVolume> = { anatomical: load3d(anatKeys.brainMaskRes1pt8(SUB)), rsquare: load3d(glmKeys.r2mean(SUB)) };
    const dims = brainVols.anatomical.dims.slice(0, 3) as unknown as Dims3;
    const categories = roisFromListing(SUB, listing(roiKeys.subjectDir(SUB)));
    const catalog = catalogFromCategories(categories);
    const rois = new Map<string, GridVolume>();
    for (const c of categories) for (const r of c.rois) rois.set(r.name.replace(/-/g, ''), load3d(r.volume.key));
    const trialKey = glmKeys.trials(SUB, SES);
    const trials = parseTrialTable(readFileSync(join(BUCKET, trialKey), 'utf8'), trialKey);
    const inputs: BetasSelectionInputs = { dims, brain: brainVols, rois, catalog, nc: load3d(glmKeys.sessionNc(SUB, SES)), trials };

    // The grid of the brief, plus mask= cases on both brains.
    const cases: Case[] = [];
    const roiQueries: Array<RoiQuery | null> = [null, 'FFA1', 'face', ['V1v', 'place']];
    for (const source of ['anatomical', 'rsquare'] as const) {
      roiQueries.forEach((roi, ri) => {
        for (const thr of [null, 0, 30]) {
          for (const stimuli of [null, 'shared', 'unique'] as const) cases.push({ id: `${source}-r${ri}-t${thr ?? 'none'}-s${stimuli ?? 'all'}`, source, roi, mask: null, thr, stimuli });
        }
      });
    }
    const masks = new Map<string, Uint8Array>();
    for (const [k, source, thr, stimuli] of [[1, 'anatomical', 30, 'shared'], [2, 'rsquare', null, null]] as const) {
      const id = `${source}-mask${k}`;
      const nBrain = resolveBetasSelection({ maskSource: source }, inputs).brainVoxels.length;
      masks.set(id, maskVector(nBrain, k));
      writeFileSync(join(work, `${id}.mask`), masks.get(id)!);
      cases.push({ id, source, roi: null, mask: join(work, `${id}.mask`), thr, stimuli });
    }

    const spec = {
      betas: join(BUCKET, glmKeys.betas(SUB, SES)),
      trials: join(BUCKET, trialKey),
      nc: join(BUCKET, glmKeys.sessionNc(SUB, SES)),
      brain: { anatomical: join(BUCKET, anatKeys.brainMaskRes1pt8(SUB)), rsquare: join(BUCKET, glmKeys.r2mean(SUB)) },
      roi_dir: join(BUCKET, roiKeys.subjectDir(SUB)),
      out_dir: work,
      cases,
    };
    const shapes = JSON.parse(execFileSync(PYTHON, ['-c', PY_REFERENCE], { input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 1 << 24 })) as Record<string, [number, number]>;

    // One full-brain pass per mask source; every case is sliced from it by
    // `selected` (positions on the brain axis). Cases marked `direct` also run
    // their own pass gathering only `nifti`, which must give the same bytes.
    const T = trials.length;
    const DIRECT = new Set(['anatomical-r2-t30-sshared', 'rsquare-r3-tnone-sunique', 'anatomical-mask1', 'rsquare-mask2']);
    let inflated = 0;
    let ms = 0;
    async function pass(gather: Uint32Array): Promise<Float32Array> {
      const n = gather.length;
      const rows = new Float32Array(T * n);
      const t0 = performance.now();
      const h = await maskedPass(await maybeGunzip(fileStream(glmKeys.betas(SUB, SES))), 'betas.nii.gz', {
        gather,
        expectedVolumes: T,
        expectedDims: [dims[0], dims[1], dims[2]],
        onVolume: (t, v) => rows.set(v, t * n),
      });
      ms += performance.now() - t0;
      inflated += h.voxOffset + T * bytesPerVolume(h);
      return rows;
    }
    const fullBrain = new Map<MaskSource, Float32Array>();
    for (const source of ['anatomical', 'rsquare'] as const) fullBrain.set(source, await pass(resolveBetasSelection({ maskSource: source }, inputs).brainVoxels));

    const stats = { nonEmpty: 0, withNaN: [] as string[], direct: 0 };
    for (const c of cases) {
      const params: BetasSelectionParams = { maskSource: c.source, roi: c.roi, mask: masks.get(c.id) ?? null, ncThreshold: c.thr, stimuli: c.stimuli };
      const sel = resolveBetasSelection(params, inputs);
      const nB = sel.brainVoxels.length;
      const n = sel.selected.length;
      const brainRows = fullBrain.get(c.source)!;
      const keep = sel.trials!;
      const ours = new Float32Array(keep.length * n);
      keep.forEach((t, i) => sel.selected.forEach((j, k) => (ours[i * n + k] = brainRows[t * nB + j])));
      const bits = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);

      expect(shapes[c.id], c.id).toEqual([keep.length, n]);
      const ref = readFileSync(join(work, `${c.id}.f32`));
      // Byte equality: same values, same NaN positions (and bits), same column order.
      expect(bits(ours).length, c.id).toBe(ref.length);
      expect(Buffer.compare(bits(ours), ref), `${c.id}: betas differ`).toBe(0);
      const idx = readFileSync(join(work, `${c.id}.idx`));
      expect(Array.from(sel.nifti, (v) => niftiToC(v, dims)), `${c.id}: voxel order`).toEqual(Array.from(new Uint32Array(idx.buffer, idx.byteOffset, idx.length / 4)));
      if (DIRECT.has(c.id)) {
        const rows = await pass(sel.nifti);
        const direct = new Float32Array(keep.length * n);
        keep.forEach((t, i) => direct.set(rows.subarray(t * n, (t + 1) * n), i * n));
        expect(Buffer.compare(bits(direct), ref), `${c.id}: direct pass differs`).toBe(0);
        stats.direct++;
      }
      if (ours.length > 0) stats.nonEmpty++;
      if (ours.some((v) => Number.isNaN(v))) stats.withNaN.push(c.id);
    }
    // The grid must exercise something: most cases select voxels, and NaN betas reach the comparison.
    expect(cases).toHaveLength(74);
    expect(stats.direct).toBe(DIRECT.size);
    expect(stats.nonEmpty).toBeGreaterThan(60);
    expect(stats.withNaN).toContain('anatomical-r0-tnone-sall');
    expect(stats.withNaN).toContain('anatomical-r0-t0-sshared');
    console.log(
      `betas-reference: ${cases.length} cases bit-identical; ${2 + DIRECT.size} passes, ${(inflated / 1e6).toFixed(0)} MB inflated in ${ms.toFixed(0)} ms = ` +
        `${(inflated / 1e6 / (ms / 1000)).toFixed(0)} MB/s; NaN betas in ${stats.withNaN.length} cases (${stats.withNaN.join(', ')})`,
    );
  }, 120_000);

  it('selection counts are the expected shape of the demo (roi[brain] drop, rsquare ⊂ anatomical, shared+unique = all)', () => {
    const brain = { anatomical: load3d(anatKeys.brainMaskRes1pt8(SUB)), rsquare: load3d(glmKeys.r2mean(SUB)) };
    const dims = brain.anatomical.dims.slice(0, 3) as unknown as Dims3;
    const categories = roisFromListing(SUB, listing(roiKeys.subjectDir(SUB)));
    const rois = new Map<string, GridVolume>();
    for (const c of categories) for (const r of c.rois) rois.set(r.name.replace(/-/g, ''), load3d(r.volume.key));
    const trialKey = glmKeys.trials(SUB, SES);
    const trials = parseTrialTable(readFileSync(join(BUCKET, trialKey), 'utf8'), trialKey);
    const inputs: BetasSelectionInputs = { dims, brain, rois, catalog: catalogFromCategories(categories), trials };
    const anat = resolveBetasSelection({ maskSource: 'anatomical', roi: 'FFA1' }, inputs);
    expect(anat.roiOutsideBrain).toBe(1); // the generator's one out-of-brain FFA-1 voxel
    const rsq = resolveBetasSelection({ maskSource: 'rsquare' }, inputs);
    const anatAll = new Set(resolveBetasSelection({ maskSource: 'anatomical' }, inputs).brainVoxels);
    expect(rsq.brainVoxels.length).toBeLessThan(anatAll.size);
    expect(Array.from(rsq.brainVoxels).every((n) => anatAll.has(n))).toBe(true);
    const s = resolveBetasSelection({ maskSource: 'anatomical', stimuli: 'shared' }, inputs).trials!.length;
    const u = resolveBetasSelection({ maskSource: 'anatomical', stimuli: 'unique' }, inputs).trials!.length;
    expect(s + u).toBe(trials.length);
    expect(s).toBeGreaterThan(0);
    expect(u).toBeGreaterThan(0);
  });
});
