/**
 * The laion_fmri package's bundled train/test splits (bucket-layout.md §7),
 * written to `{splitsDir}/{pool}/{name}.json`. Schema and field values follow
 * the real package (ViCCo-Group/LAION-fMRI, `laion_fmri/splits/__init__.py`
 * and the JSONs under `laion_fmri/splits/data/`, newest versions seen):
 *
 * - `{name, pool, splitter, params, n_train, n_test, variants: [{variant_id: 0, train_ids, test_ids}]}`;
 *   one variant per file; ids sorted ascending; train = pool minus test.
 * - `pool` is a free-text label, not the pool id. The real sub-03 files say
 *   "sub-04 full pool …" (an internal participant code); copied here on purpose
 *   so code that trusts the label instead of the folder name breaks.
 * - random_*: shared pool = splitter `min_nn_stochastic`, `{method: uniform_random, seed: i}`
 *   (80/20); subject pools = splitter `random_kfold`, `{method: shuffled_5fold_cv, k: 5, seed: 42, fold: i}`
 *   (the 5 test folds partition the pool).
 * - cluster_k5_*: splitter `kmeans_cluster_holdout`, k-means (k = 5) on the
 *   CLIP embeddings, cluster i held out.
 * - tau: splitter `min_nn_stochastic`, 20 % test. The real selection (min-NN
 *   filter + stochastic MMD swaps) is emulated in `selectTau`; the reported
 *   tau / percentile / MMD² describe the demo's own choice.
 * - ood: splitter `ood_holdout`, train = the whole regular pool, test = all
 *   OOD images, `params.ood_types` lists the 9 types. The package restricts to
 *   types (`ood_types=`) by parsing `shared_4rep_OOD_<type>_…` from the test ids.
 * - pooled: all regular images of all subjects, tau and cluster_k5 only.
 */
import { createHash } from 'node:crypto';
import { DEMO_SUBJECTS, OOD_TYPES, type Catalog, type StimulusImage } from '../catalog.ts';
import type { Rng } from '../rng.ts';

export interface SplitJson {
  name: string;
  pool: string;
  splitter: string;
  params: Record<string, unknown>;
  n_train: number;
  n_test: number;
  variants: Array<{ variant_id: number; train_ids: string[]; test_ids: string[] }>;
}

/** Real package quirk: pool labels use internal participant codes (sub-03 → "sub-04"). */
const POOL_LABEL_CODE: Record<string, string> = { 'sub-01': 'sub-01', 'sub-03': 'sub-04' };

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isRegular = (i: StimulusImage) => i.category !== 'ood';

export function splitPools(catalog: Catalog): Record<string, string[]> {
  const sharedRegular = catalog.shared.filter(isRegular).map((i) => i.name);
  const pools: Record<string, string[]> = { shared: [...sharedRegular].sort(byString) };
  for (const sub of DEMO_SUBJECTS) pools[sub] = [...sharedRegular, ...catalog.unique[sub].filter(isRegular).map((i) => i.name)].sort(byString);
  pools.pooled = catalog.images.filter(isRegular).map((i) => i.name).sort(byString);
  return pools;
}

function make(name: string, pool: string, splitter: string, params: Record<string, unknown>, ids: string[], test: Set<string>): SplitJson {
  const testIds = ids.filter((i) => test.has(i));
  const trainIds = ids.filter((i) => !test.has(i));
  return { name, pool, splitter, params, n_train: trainIds.length, n_test: testIds.length, variants: [{ variant_id: 0, train_ids: trainIds, test_ids: testIds }] };
}

const sqDist = (a: Float32Array, b: Float32Array | Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
};

/** Lloyd's k-means with k-means++ seeding; best of `nInit` restarts by inertia. Labels are renumbered by first member. */
export function kmeans(x: Float32Array[], k: number, nInit: number, rng: Rng): number[] {
  let best: { labels: number[]; inertia: number } | null = null;
  for (let run = 0; run < nInit; run++) {
    const centres: Float64Array[] = [Float64Array.from(x[rng.int(0, x.length - 1)])];
    while (centres.length < k) {
      const d = x.map((p) => Math.min(...centres.map((c) => sqDist(p, c))));
      let r = rng.next() * d.reduce((s, v) => s + v, 0);
      let pick = d.length - 1;
      for (let i = 0; i < d.length; i++) if ((r -= d[i]) <= 0) { pick = i; break; }
      centres.push(Float64Array.from(x[pick]));
    }
    let labels = new Array<number>(x.length).fill(-1);
    for (let iter = 0; iter < 100; iter++) {
      const next = x.map((p) => centres.reduce((bi, c, ci) => (sqDist(p, c) < sqDist(p, centres[bi]) ? ci : bi), 0));
      const changed = next.some((l, i) => l !== labels[i]);
      labels = next;
      for (let c = 0; c < k; c++) {
        const members = x.filter((_, i) => labels[i] === c);
        if (members.length === 0) continue; // keep the old centre; k-means++ seeding makes this rare
        centres[c] = new Float64Array(x[0].length).map((_, j) => members.reduce((s, m) => s + m[j], 0) / members.length);
      }
      if (!changed) break;
    }
    const inertia = x.reduce((s, p, i) => s + sqDist(p, centres[labels[i]]), 0);
    if (!best || inertia < best.inertia) best = { labels, inertia };
  }
  const order: number[] = [];
  for (const l of best!.labels) if (!order.includes(l)) order.push(l);
  return best!.labels.map((l) => order.indexOf(l));
}

const cosDist = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return 1 - ab / Math.sqrt(aa * bb);
};

/** Linear-kernel MMD²: squared distance between the train and test means. */
function mmd2(x: Float32Array[], test: boolean[]): number {
  const d = x[0].length;
  const mean = (sel: boolean) => {
    const m = new Float64Array(d);
    const rows = x.filter((_, i) => test[i] === sel);
    for (const r of rows) for (let j = 0; j < d; j++) m[j] += r[j] / rows.length;
    return m;
  };
  const a = mean(true);
  const b = mean(false);
  return a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
}

/**
 * Emulates the package's tau selection: keep only images whose nearest
 * neighbour is at least the p-th percentile away (tau), then draw test sets
 * from them and keep the one whose MMD² to the train set is closest (in log
 * ratio) to that of random splits; lower p until that ratio is ≤ 1.
 */
function selectTau(x: Float32Array[], nTest: number, randomMmd: number[], rng: Rng): { test: number[]; selection: Record<string, unknown> } {
  const nn = x.map((p, i) => Math.min(...x.map((q, j) => (i === j ? Infinity : cosDist(p, q)))));
  const sorted = [...nn].sort((a, b) => a - b);
  const reference = randomMmd.reduce((s, v) => s + v, 0) / randomMmd.length;
  let chosen: { test: number[]; tau: number; percentile: number; mmd: number } | null = null;
  for (let percentile = 90; percentile >= 0; percentile -= 5) {
    const tau = sorted[Math.min(sorted.length - 1, Math.floor((percentile / 100) * sorted.length))];
    const candidates = nn.map((_, i) => i).filter((i) => nn[i] >= tau);
    if (candidates.length < nTest) continue;
    let best: { test: number[]; mmd: number } | null = null;
    for (let t = 0; t < 40; t++) {
      const test = rng.shuffle([...candidates]).slice(0, nTest);
      const mask = x.map(() => false);
      for (const i of test) mask[i] = true;
      const mmd = mmd2(x, mask);
      if (!best || Math.abs(Math.log(mmd / reference)) < Math.abs(Math.log(best.mmd / reference))) best = { test, mmd };
    }
    chosen = { test: best!.test, tau, percentile, mmd: best!.mmd };
    if (best!.mmd / reference <= 1.0) break;
  }
  const c = chosen!;
  return {
    test: c.test,
    selection: {
      criterion: 'mmd_matched_log_closest',
      tier: 'balanced',
      target_ratio_x_random: 1.0,
      tau: c.tau,
      percentile: c.percentile,
      mmd2_mean: c.mmd,
      ratio_to_random: c.mmd / reference,
    },
  };
}

export function buildSplits(catalog: Catalog, clip: Map<string, Float32Array>, rngFor: (label: string) => Rng): Map<string, SplitJson> {
  const out = new Map<string, SplitJson>();
  const pools = splitPools(catalog);
  const oodIds = catalog.shared.filter((i) => i.category === 'ood').map((i) => i.name).sort(byString);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  // The demo has no duplicate images: its duplicate/image group files would be empty lists.
  const pooledExtras = { duplicate_groups_sha256: sha('[]\n'), image_groups_sha256: sha('{"groups": [], "cluster_label_order": [0, 1, 2, 3, 4]}\n') };

  for (const [pool, ids] of Object.entries(pools)) {
    const pooled = pool === 'pooled';
    const label = pool === 'shared' ? `LAION non-OOD shared (${ids.length} images)` : pooled ? `All subjects, regular images (${ids.length} images)` : `${POOL_LABEL_CODE[pool]} full pool (unique + LAION non-OOD shared)`;
    const x = ids.map((id) => clip.get(id)!);
    const nTest = Math.round(0.2 * ids.length);

    const randomMmd: number[] = [];
    if (!pooled) {
      if (pool === 'shared') {
        for (let i = 0; i < 5; i++) {
          const test = new Set(rngFor(`split:${pool}:random_${i}`).shuffle([...ids]).slice(0, nTest));
          out.set(`${pool}/random_${i}`, make(`random_${i}`, label, 'min_nn_stochastic', { method: 'uniform_random', seed: i }, ids, test));
        }
      } else {
        // sklearn KFold sizes: the first n % k folds get one extra image.
        const shuffled = rngFor(`split:${pool}:kfold`).shuffle([...ids]);
        let start = 0;
        for (let i = 0; i < 5; i++) {
          const size = Math.floor(ids.length / 5) + (i < ids.length % 5 ? 1 : 0);
          const test = new Set(shuffled.slice(start, start + size));
          start += size;
          out.set(`${pool}/random_${i}`, make(`random_${i}`, label, 'random_kfold', { method: 'shuffled_5fold_cv', k: 5, seed: 42, fold: i }, ids, test));
        }
      }
      for (let i = 0; i < 5; i++) randomMmd.push(mmd2(x, ids.map((id) => out.get(`${pool}/random_${i}`)!.variants[0].test_ids.includes(id))));
    } else {
      for (let i = 0; i < 5; i++) {
        const test = new Set(rngFor(`split:${pool}:mmd-reference:${i}`).shuffle([...ids]).slice(0, nTest));
        randomMmd.push(mmd2(x, ids.map((id) => test.has(id))));
      }
    }

    const labels = kmeans(x, 5, 10, rngFor(`split:${pool}:kmeans`));
    for (let k = 0; k < 5; k++) {
      const params: Record<string, unknown> = { method: 'kmeans_clip_k5_holdout', feature_space: 'CLIP', n_clusters: 5, seed: 2026, n_init: 10, held_out_cluster: k };
      if (pooled) Object.assign(params, pooledExtras, { cosine_distance_cutoffs: { clip: 0.25, dreamsim: 0.3, dinov2: 0.25, sscd: 0.6 } });
      out.set(`${pool}/cluster_k5_${k}`, make(`cluster_k5_${k}`, label, 'kmeans_cluster_holdout', params, ids, new Set(ids.filter((_, i) => labels[i] === k))));
    }

    const { test: tauTest, selection } = selectTau(x, nTest, randomMmd, rngFor(`split:${pool}:tau`));
    const tauParams = pooled
      ? { method: 'min_nn_filter + stochastic_mmd_swap', adaptive_selection: selection, duplicate_images_in_training: 0, duplicate_groups_sha256: pooledExtras.duplicate_groups_sha256 }
      : { method: 'min_nn_filter + stochastic_mmd_swap', criterion: 'MMD-matched (≤ 1.0× random)', adaptive_selection: selection };
    out.set(`${pool}/tau`, make('tau', label, 'min_nn_stochastic', tauParams, ids, new Set(tauTest.map((i) => ids[i]))));

    if (!pooled) {
      const oodLabel = pool === 'shared' ? label : `${pool} full pool (${ids.length} images)`;
      const all = [...ids, ...oodIds].sort(byString);
      const split = make('ood', oodLabel, 'ood_holdout', { method: 'ood_dataset_holdout', ood_types: [...OOD_TYPES] }, all, new Set(oodIds));
      out.set(`${pool}/ood`, split);
    }
  }
  return out;
}
