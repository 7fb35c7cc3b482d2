/**
 * The laion_fmri package's train/test splits (bucket-layout.md §7;
 * `laion_fmri/splits/__init__.py`): `{source}/{pool}/{name}.json` with
 * `{name, pool, splitter, params, n_train, n_test, variants: [{variant_id,
 * train_ids, test_ids}]}`. IDs are image file names, equal to the trial
 * tables' `label` values.
 *
 * Semantics follow the package exactly:
 * - `get_train_test_ids(name, pool, variant_id=0, ood_types=None)`: the
 *   variant's lists; `ood_types` only for the `ood` split, and it filters
 *   the TEST list by the type parsed from `shared_4rep_OOD_<type>_….{png|jpg}`
 *   (train is untouched);
 * - `get_split_masks(trials, …)`: per trial, `label in train_set` and
 *   `label in test_set`. Trials whose image is in neither list (an OOD image
 *   in a random split, another pool's image) are false in both.
 * - The `pool` field inside a file is a free-text label (the real sub-03 files
 *   say "sub-04 …"): the pool is the folder the file was loaded from.
 *
 * Pure: no DOM, no fetch.
 */

export const SUBJECT_SPLIT_NAMES = [
  'random_0', 'random_1', 'random_2', 'random_3', 'random_4',
  'cluster_k5_0', 'cluster_k5_1', 'cluster_k5_2', 'cluster_k5_3', 'cluster_k5_4',
  'tau', 'ood',
] as const;
/** The newer `pooled` pool carries tau and cluster_k5 only. */
export const POOLED_SPLIT_NAMES = ['cluster_k5_0', 'cluster_k5_1', 'cluster_k5_2', 'cluster_k5_3', 'cluster_k5_4', 'tau'] as const;
export type SplitName = (typeof SUBJECT_SPLIT_NAMES)[number];

export const OOD_TYPES = ['cropped', 'gabor', 'gaudy', 'illusion-classic', 'illusion-natural', 'relations', 'selfmade', 'shape', 'unusual'] as const;
export type OodType = (typeof OOD_TYPES)[number];

const OOD_FILENAME_RE = /^shared_4rep_OOD_([a-zA-Z0-9-]+)_.+\.(png|jpg)$/;

/** The OOD category of an image name, or null for a regular image (the package's regex). */
export function oodTypeOf(imageName: string): string | null {
  const m = OOD_FILENAME_RE.exec(imageName);
  return m ? m[1] : null;
}

export interface SplitVariant {
  variantId: number;
  trainIds: string[];
  testIds: string[];
}

export interface Split {
  name: string;
  /** The folder it was loaded from (not the file's free-text `pool` label). */
  pool: string;
  poolLabel: string;
  splitter: string;
  params: Record<string, unknown>;
  nTrain: number;
  nTest: number;
  variants: SplitVariant[];
}

export class SplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitError';
  }
}

/** `shared`, `pooled`, or a subject id. */
export function isSplitPool(pool: string): boolean {
  return pool === 'shared' || pool === 'pooled' || /^sub-[A-Za-z0-9]+$/.test(pool);
}

export function splitNamesFor(pool: string): readonly string[] {
  return pool === 'pooled' ? POOLED_SPLIT_NAMES : SUBJECT_SPLIT_NAMES;
}

function stringList(v: unknown, what: string, file: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SplitError(`${file}: ${what} is not a list of image names.`);
  return v as string[];
}

/** Parses one split JSON; `file` names it in errors. */
export function parseSplitJson(text: string, pool: string, file: string): Split {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SplitError(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SplitError(`${file}: expected a JSON object with name, n_train, n_test and variants.`);
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== 'string') throw new SplitError(`${file}: 'name' is missing.`);
  if (!Array.isArray(o.variants) || o.variants.length === 0) throw new SplitError(`${file}: 'variants' is missing or empty.`);
  const variants = o.variants.map((v: unknown, i: number): SplitVariant => {
    if (typeof v !== 'object' || v === null) throw new SplitError(`${file}: variant ${i} is not an object.`);
    const w = v as Record<string, unknown>;
    const id = Number(w.variant_id);
    if (!Number.isInteger(id)) throw new SplitError(`${file}: variant ${i} has no integer variant_id.`);
    return { variantId: id, trainIds: stringList(w.train_ids, `variant ${id} train_ids`, file), testIds: stringList(w.test_ids, `variant ${id} test_ids`, file) };
  });
  const nTrain = Number(o.n_train);
  const nTest = Number(o.n_test);
  if (!Number.isInteger(nTrain) || !Number.isInteger(nTest)) throw new SplitError(`${file}: n_train / n_test are not integers.`);
  return {
    name: o.name,
    pool,
    poolLabel: typeof o.pool === 'string' ? o.pool : '',
    splitter: typeof o.splitter === 'string' ? o.splitter : '',
    params: typeof o.params === 'object' && o.params !== null ? (o.params as Record<string, unknown>) : {},
    nTrain,
    nTest,
    variants,
  };
}

/** The package's `_validate_ood_types`: unknown names are an error. */
export function validateOodTypes(types: readonly string[] | null): readonly string[] | null {
  if (types === null) return null;
  const bad = types.filter((t) => !(OOD_TYPES as readonly string[]).includes(t));
  if (bad.length) throw new SplitError(`Unknown ood_types [${bad.map((b) => `'${b}'`).join(', ')}]. Valid: ${OOD_TYPES.join(', ')}.`);
  return types;
}

/** `get_train_test_ids`. */
export function trainTestIds(split: Split, variantId = 0, oodTypes: readonly string[] | null = null): { train: string[]; test: string[] } {
  const v = split.variants.find((x) => x.variantId === variantId);
  if (!v) throw new SplitError(`variant_id=${variantId} not in split '${split.name}' (pool ${split.pool}). Available variants: ${split.variants.map((x) => x.variantId).join(', ')}.`);
  let test = [...v.testIds];
  const types = validateOodTypes(oodTypes);
  if (types !== null) {
    if (split.name !== 'ood') throw new SplitError(`ood_types is only valid for the 'ood' split, got name='${split.name}'.`);
    const keep = new Set(types);
    test = test.filter((id) => keep.has(oodTypeOf(id) ?? ''));
  }
  return { train: [...v.trainIds], test };
}

/** `get_split_masks`: train and test masks over the given trials' labels (1 = member). */
export function splitMasks(
  labels: readonly string[],
  split: Split,
  variantId = 0,
  oodTypes: readonly string[] | null = null,
): { train: Uint8Array; test: Uint8Array } {
  const { train, test } = trainTestIds(split, variantId, oodTypes);
  const trainSet = new Set(train);
  const testSet = new Set(test);
  const tr = new Uint8Array(labels.length);
  const te = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (trainSet.has(labels[i])) tr[i] = 1;
    if (testSet.has(labels[i])) te[i] = 1;
  }
  return { train: tr, test: te };
}

export type SplitMembership = 'train' | 'test' | 'both' | null;

/** Per-trial membership for a table column: train, test, both (a file listing an image on both sides), or none. */
export function splitMembership(labels: readonly string[], split: Split, variantId = 0, oodTypes: readonly string[] | null = null): SplitMembership[] {
  const { train, test } = splitMasks(labels, split, variantId, oodTypes);
  return Array.from(labels, (_, i) => (train[i] && test[i] ? 'both' : train[i] ? 'train' : test[i] ? 'test' : null));
}
