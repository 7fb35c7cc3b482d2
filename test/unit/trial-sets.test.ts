/** Trial sets (global trial indices) and how per-session means combine into one map. */
import { describe, expect, it } from 'vitest';
import { combineSessionMeans, contrastMaps, describeTrialSet, resolveTrialSet, trialsBySession, TrialSetError } from '../../src/science/trial-sets.ts';
import { parseSplitJson } from '../../src/science/splits.ts';

const L = [
  'shared_12rep_LAION_cluster_1_i0.jpg', // 0
  'unique_LAION_initial_cluster_2_i1.jpg', // 1
  'shared_4rep_OOD_shape_001_c.png', // 2
  'shared_4rep_NSD_special100_3.jpg', // 3
  'shared_4rep_OOD_gabor_002_g.jpg', // 4
  'shared_12rep_LAION_cluster_1_i0.jpg', // 5 (a repeat of 0)
  'unique_THINGS_dog_0001.jpg', // 6
];
const arr = (x: Uint32Array) => Array.from(x);

describe('resolveTrialSet', () => {
  it('stimuli follows the package filter (OOD counts as shared; unique is the complement)', () => {
    expect(arr(resolveTrialSet({ kind: 'stimuli', which: 'shared' }, { labels: L }))).toEqual([0, 2, 3, 4, 5]);
    expect(arr(resolveTrialSet({ kind: 'stimuli', which: 'unique' }, { labels: L }))).toEqual([1, 6]);
    expect(arr(resolveTrialSet({ kind: 'all' }, { labels: L }))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
  it('ood by type, from the name', () => {
    expect(arr(resolveTrialSet({ kind: 'ood', type: null }, { labels: L }))).toEqual([2, 4]);
    expect(arr(resolveTrialSet({ kind: 'ood', type: 'gabor' }, { labels: L }))).toEqual([4]);
  });
  it('dataset joins the metadata by image name', () => {
    const datasetOf = new Map([
      [L[0], 'LAION'],
      [L[1], 'LAION'],
      [L[3], 'NSD'],
    ]);
    expect(arr(resolveTrialSet({ kind: 'dataset', dataset: 'LAION' }, { labels: L, datasetOf }))).toEqual([0, 1, 5]);
    expect(() => resolveTrialSet({ kind: 'dataset', dataset: 'LAION' }, { labels: L })).toThrow(TrialSetError);
  });
  it('split sides are get_split_masks over the trials, repeats included', () => {
    const split = parseSplitJson(JSON.stringify({ name: 'random_0', n_train: 1, n_test: 1, variants: [{ variant_id: 0, train_ids: [L[3]], test_ids: [L[0]] }] }), 'shared', 'f');
    expect(arr(resolveTrialSet({ kind: 'split', pool: 'shared', name: 'random_0', part: 'test' }, { labels: L, split }))).toEqual([0, 5]);
    expect(arr(resolveTrialSet({ kind: 'split', pool: 'shared', name: 'random_0', part: 'train' }, { labels: L, split }))).toEqual([3]);
    expect(() => resolveTrialSet({ kind: 'split', pool: 'shared', name: 'tau', part: 'test' }, { labels: L, split })).toThrow(/shared\/tau is not loaded/);
  });
  it('images (a search hit) and hand-picked trials', () => {
    expect(arr(resolveTrialSet({ kind: 'images', names: [L[0], 'nope.jpg'], label: 'hit' }, { labels: L }))).toEqual([0, 5]);
    expect(arr(resolveTrialSet({ kind: 'trials', indices: [6, 1, 6], label: 'mine' }, { labels: L }))).toEqual([1, 6]);
    expect(() => resolveTrialSet({ kind: 'trials', indices: [7], label: 'x' }, { labels: L })).toThrow(/Trial 7 is not in this subject's 7 trials/);
    expect(describeTrialSet({ kind: 'ood', type: 'shape' })).toBe('OOD: shape');
  });
});

describe('sessions and maps', () => {
  const sessions = [
    { id: 'ses-01', start: 0, count: 4 },
    { id: 'ses-02', start: 4, count: 3 },
  ];
  it('splits global indices into per-session local ones', () => {
    expect(trialsBySession([0, 2, 4, 6], sessions)).toEqual([
      { session: 'ses-01', local: [0, 2] },
      { session: 'ses-02', local: [0, 2] },
    ]);
    expect(trialsBySession([5], sessions)).toEqual([{ session: 'ses-02', local: [1] }]);
    expect(() => trialsBySession([9], sessions)).toThrow(/Trial 9 lies in no session/);
  });
  it('weights session means by their trial counts; NaN stays NaN', () => {
    // ses-01: trials 1 and 3 → mean 2; ses-02: trial 10 → mean 10. Overall (1+3+10)/3.
    const m = combineSessionMeans([
      { mean: Float32Array.from([2, NaN, 0]), n: 2 },
      { mean: Float32Array.from([10, 1, -3]), n: 1 },
    ]);
    expect(m[0]).toBeCloseTo(14 / 3, 5);
    expect(Number.isNaN(m[1])).toBe(true);
    expect(m[2]).toBeCloseTo(-1, 6);
    expect(Array.from(contrastMaps(Float32Array.from([1, 2]), Float32Array.from([3, -1])))).toEqual([-2, 3]);
    expect(() => combineSessionMeans([])).toThrow(/No trials/);
  });
});
