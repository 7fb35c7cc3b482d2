/**
 * The science layer on the BUILT demo bucket (demo-data/laion-fmri, `npm run
 * demo:build`): discovery → ROI catalog → resolveRoiQuery('all') → the
 * package's roi[brain] selection. The generator puts exactly one sub-01 FFA-1
 * voxel outside the res-1pt8 anatomical brain mask (tools/demo/brain/rois.ts
 * OUT_OF_BRAIN_ROI), and NaN into R2mean where the rsquare mask must drop it
 * (bucket-layout.md §9). Skipped, with the reason in the test name, when the
 * bucket has not been built.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { roisFromListing } from '../../src/data/discovery.ts';
import { anatKeys, dehyphenateRoiLabel, glmKeys, roiKeys } from '../../src/data/layout.ts';
import { bytesPerVolume, decodeVoxels, parseNiftiHeader } from '../../src/formats/nifti.ts';
import { assertSameLength, countMask, intersectMasks, nonzeroMask, roiSelection, toBrainAxis } from '../../src/science/masks.ts';
import { summary, valuesInMask } from '../../src/science/noise-ceiling.ts';
import { catalogFromCategories, resolveRoiQuery } from '../../src/science/roi-query.ts';
import { ijkOfNifti, type Dims3 } from '../../src/science/voxel-order.ts';
import { OUT_OF_BRAIN_ROI } from '../../tools/demo/brain/rois.ts';

const BUCKET = resolve(import.meta.dirname, '../../demo-data/laion-fmri');
const SUB = OUT_OF_BRAIN_ROI.subject;
const built = existsSync(join(BUCKET, 'derivatives', 'rois', SUB));
const skipReason = built ? null : `no demo bucket at ${BUCKET}; run \`npm run demo:build\``;
if (skipReason) console.warn(`science-demo.test.ts skipped: ${skipReason}`);

interface Vol {
  file: string;
  dims: number[];
  affine: number[][];
  data: Float32Array;
}
function load(key: string): Vol {
  const bytes = gunzipSync(readFileSync(join(BUCKET, key)));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const h = parseNiftiHeader(buf, key);
  const data = decodeVoxels(new Uint8Array(buf, h.voxOffset, bytesPerVolume(h)), h);
  return { file: key.slice(key.lastIndexOf('/') + 1), dims: h.dims, affine: h.affine, data };
}
function listing(prefix: string) {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? walk(join(dir, e)) : [join(dir, e)]));
  return walk(join(BUCKET, prefix)).map((p) => ({ key: relative(BUCKET, p), size: statSync(p).size, etag: '"x"', lastModified: '' }));
}

describe.skipIf(skipReason !== null)(`demo bucket ${SUB}${skipReason ? ` (SKIPPED: ${skipReason})` : ''}`, () => {
  it("roiSelection(anatomical brain, 'all') drops exactly one voxel: the FFA-1 voxel outside the brain", () => {
    const categories = roisFromListing(SUB, listing(roiKeys.subjectDir(SUB)));
    const catalog = catalogFromCategories(categories);
    const names = resolveRoiQuery('all', catalog);
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(names).toContain('FFA1');

    const brainVol = load(anatKeys.brainMaskRes1pt8(SUB));
    const dims = brainVol.dims.slice(0, 3) as unknown as Dims3;
    const brain = nonzeroMask(brainVol.data);
    const rois = new Map<string, Uint8Array>();
    for (const c of categories) {
      for (const r of c.rois) {
        const v = load(r.volume.key);
        assertSameLength(brainVol, v); // every res-1pt8 volume shares the beta grid
        rois.set(r.name, nonzeroMask(v.data));
      }
    }

    const all = roiSelection(brain, rois, names);
    expect(all.nOutsideBrain).toBe(1);
    const outside = all.perRoi.filter((p) => p.nOutsideBrain > 0);
    expect(outside).toEqual([expect.objectContaining({ name: dehyphenateRoiLabel(OUT_OF_BRAIN_ROI.label), nOutsideBrain: 1 })]);
    expect(all.nInBrain).toBe(countMask(all.mask));
    expect(countMask(intersectMasks(all.mask, brain))).toBe(all.nInBrain);

    // The dropped voxel is the generator's: not brain, but a 6-neighbour of an in-brain FFA1 voxel.
    const ffa = rois.get('FFA1')!;
    const dropped = Array.from(ffa).flatMap((v, n) => (v && !brain[n] ? [n] : []));
    expect(dropped).toHaveLength(1);
    expect(all.mask[dropped[0]]).toBe(0);
    const [x, y, z] = ijkOfNifti(dropped[0], dims);
    const [X, Y] = dims;
    const neighbours = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]].map(([dx, dy, dz]) => x + dx + X * (y + dy + Y * (z + dz)));
    expect(neighbours.some((n) => ffa[n] && brain[n])).toBe(true);

    // The hyphenated bucket spelling selects the same voxels.
    const byHyphen = roiSelection(brain, rois, resolveRoiQuery(OUT_OF_BRAIN_ROI.label, catalog));
    expect(byHyphen.nInBrain).toBe(countMask(ffa) - 1);
    expect(toBrainAxis(byHyphen.mask, brain, dims).length).toBe(countMask(brain));
  });

  it('the rsquare mask drops R2mean NaN, keeps negatives, and lies inside the anatomical mask', () => {
    const r2 = load(glmKeys.r2mean(SUB));
    const anatVol = load(anatKeys.brainMaskRes1pt8(SUB));
    assertSameLength(r2, anatVol);
    const nNaN = r2.data.reduce((k, v) => k + (Number.isNaN(v) ? 1 : 0), 0);
    expect(nNaN).toBeGreaterThan(0); // the bucket promises NaN that must be excluded
    const rsquare = nonzeroMask(r2.data);
    for (let p = 0; p < rsquare.length; p++) if (Number.isNaN(r2.data[p])) expect(rsquare[p]).toBe(0);
    const anat = nonzeroMask(anatVol.data);
    expect(countMask(intersectMasks(rsquare, anat))).toBe(countMask(rsquare));
    expect(countMask(anat)).toBeGreaterThan(countMask(rsquare));
  });

  it('subject NC inside the brain is percent (0–100) and summarised without NaN leaking', () => {
    const nc = load(glmKeys.subjectNc(SUB, 'Noiseceiling12rep'));
    const brainVol = load(anatKeys.brainMaskRes1pt8(SUB));
    const dims = brainVol.dims.slice(0, 3) as unknown as Dims3;
    const brain = nonzeroMask(brainVol.data);
    const vals = valuesInMask(nc.data, brain, dims);
    expect(vals.length).toBe(countMask(brain));
    const s = summary(vals);
    expect(s.n + s.nNaN).toBe(vals.length);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(100);
    expect(s.q25).toBeLessThanOrEqual(s.median);
    expect(s.median).toBeLessThanOrEqual(s.q75);
  });
});
