/**
 * The package's split semantics (laion_fmri/splits): get_train_test_ids with
 * ood_types, get_split_masks over a trial table's labels, the schema, and the
 * demo's split files read the same way.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  isSplitPool, oodTypeOf, OOD_TYPES, parseSplitJson, splitMasks, splitMembership, splitNamesFor, SplitError, SUBJECT_SPLIT_NAMES, trainTestIds,
} from '../../src/science/splits.ts';

const json = (o: unknown) => JSON.stringify(o);
const OOD_A = 'shared_4rep_OOD_shape_001_circle.png';
const OOD_B = 'shared_4rep_OOD_illusion-classic_002_mueller.jpg';
const OOD_C = 'shared_4rep_OOD_shape_003_square.jpg';
const OOD_SPLIT = parseSplitJson(
  json({ name: 'ood', pool: 'sub-04 full pool', splitter: 'ood_holdout', params: {}, n_train: 2, n_test: 3, variants: [{ variant_id: 0, train_ids: ['a.jpg', 'b.jpg'], test_ids: [OOD_A, OOD_B, OOD_C] }] }),
  'sub-03',
  'sub-03/ood.json',
);
const RANDOM = parseSplitJson(
  json({ name: 'random_0', pool: 'x', splitter: 'random_kfold', params: { fold: 0 }, n_train: 2, n_test: 1, variants: [{ variant_id: 0, train_ids: ['a.jpg', 'b.jpg'], test_ids: ['c.jpg'] }] }),
  'shared',
  'shared/random_0.json',
);

describe('image names', () => {
  it('parses the OOD type with the package regex (hyphenated types, png or jpg only)', () => {
    expect(oodTypeOf(OOD_A)).toBe('shape');
    expect(oodTypeOf(OOD_B)).toBe('illusion-classic');
    expect(oodTypeOf('shared_4rep_OOD_shape_001.gif')).toBeNull();
    expect(oodTypeOf('shared_12rep_LAION_cluster_1_i0.jpg')).toBeNull();
    expect(OOD_TYPES).toHaveLength(9);
  });
  it('knows the pools and the names per pool', () => {
    expect(isSplitPool('shared') && isSplitPool('sub-01') && isSplitPool('pooled')).toBe(true);
    expect(isSplitPool('../etc')).toBe(false);
    expect(splitNamesFor('sub-01')).toEqual(SUBJECT_SPLIT_NAMES);
    expect(splitNamesFor('pooled')).not.toContain('ood');
    expect(splitNamesFor('pooled')).not.toContain('random_0');
  });
});

describe('get_train_test_ids', () => {
  it('returns the variant lists; the pool is the folder, not the label', () => {
    expect(trainTestIds(RANDOM)).toEqual({ train: ['a.jpg', 'b.jpg'], test: ['c.jpg'] });
    expect(OOD_SPLIT.pool).toBe('sub-03');
    expect(OOD_SPLIT.poolLabel).toBe('sub-04 full pool');
  });
  it('ood_types filters the test list only', () => {
    expect(trainTestIds(OOD_SPLIT, 0, ['shape'])).toEqual({ train: ['a.jpg', 'b.jpg'], test: [OOD_A, OOD_C] });
    expect(trainTestIds(OOD_SPLIT, 0, ['shape', 'illusion-classic']).test).toEqual([OOD_A, OOD_B, OOD_C]);
    expect(trainTestIds(OOD_SPLIT, 0, []).test).toEqual([]);
  });
  it('refuses what the package refuses', () => {
    expect(() => trainTestIds(OOD_SPLIT, 0, ['triangles'])).toThrow(/Unknown ood_types \['triangles'\]/);
    expect(() => trainTestIds(RANDOM, 0, ['shape'])).toThrow(/only valid for the 'ood' split, got name='random_0'/);
    expect(() => trainTestIds(RANDOM, 1)).toThrow(/variant_id=1 not in split 'random_0'.*Available variants: 0/);
  });
});

describe('get_split_masks over a trial table', () => {
  // Global trial order: repeats stay separate rows; an image in neither list is false in both masks.
  const labels = ['a.jpg', 'c.jpg', OOD_A, 'a.jpg', 'z.jpg', 'c.jpg', OOD_B];
  it('marks every trial of a listed image, repeats included', () => {
    const m = splitMasks(labels, RANDOM);
    expect(Array.from(m.train)).toEqual([1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(m.test)).toEqual([0, 1, 0, 0, 0, 1, 0]);
    expect(splitMembership(labels, RANDOM)).toEqual(['train', 'test', null, 'train', null, 'test', null]);
  });
  it('ood with and without a type filter', () => {
    expect(Array.from(splitMasks(labels, OOD_SPLIT).test)).toEqual([0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(splitMasks(labels, OOD_SPLIT, 0, ['shape']).test)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(splitMasks(labels, OOD_SPLIT, 0, ['shape']).train)).toEqual([1, 0, 0, 1, 0, 0, 0]);
  });
  it('an image listed on both sides is in both masks (as the package computes it)', () => {
    const both = parseSplitJson(json({ name: 'tau', n_train: 1, n_test: 1, variants: [{ variant_id: 0, train_ids: ['a.jpg'], test_ids: ['a.jpg'] }] }), 'shared', 'shared/tau.json');
    expect(splitMembership(['a.jpg'], both)).toEqual(['both']);
  });
});

describe('bad files', () => {
  it('names the file and the fault', () => {
    expect(() => parseSplitJson('{"name": "tau", ', 'shared', 'shared/tau.json')).toThrow(/^shared\/tau\.json is not valid JSON/);
    expect(() => parseSplitJson(json({ name: 'tau', n_train: 1, n_test: 1, variants: [] }), 'shared', 'shared/tau.json')).toThrow(/'variants' is missing or empty/);
    expect(() => parseSplitJson(json({ name: 'tau', n_train: 1, n_test: 1, variants: [{ variant_id: 0, train_ids: [1], test_ids: [] }] }), 'shared', 'f.json')).toThrow(SplitError);
  });
});

describe('the demo\'s split files (package schema)', () => {
  const dir = resolve(import.meta.dirname, '../../demo-data/splits/data');
  it('parse, and train = pool minus test, with the ood test set = every OOD image', () => {
    expect(existsSync(dir), 'run `npm run demo:build` first').toBe(true);
    for (const pool of readdirSync(dir)) {
      for (const name of splitNamesFor(pool)) {
        const s = parseSplitJson(readFileSync(join(dir, pool, `${name}.json`), 'utf8'), pool, `${pool}/${name}.json`);
        const { train, test } = trainTestIds(s);
        expect(train.length).toBe(s.nTrain);
        expect(test.length).toBe(s.nTest);
        expect(train.some((t) => test.includes(t))).toBe(false);
        if (name === 'ood') {
          expect(test.every((t) => oodTypeOf(t) !== null)).toBe(true);
          const byType = OOD_TYPES.map((t) => trainTestIds(s, 0, [t]).test.length);
          expect(byType.reduce((a, b) => a + b, 0)).toBe(test.length);
        } else expect([...train, ...test].every((t) => oodTypeOf(t) === null)).toBe(true);
      }
    }
  });
});
