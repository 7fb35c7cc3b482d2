/**
 * Sets of trials (global trial indices over the subject's concatenated trial
 * table, laion_fmri `Subject.metadata` order) and how their betas combine
 * into one brain map: the mean over a set, and the contrast of two sets.
 *
 * Every set ends as a sorted list of trial indices, so a hand-picked
 * selection from the trial table plugs in the same way as a category, a
 * split's test set or a caption-search hit.
 *
 * Pure: no DOM, no fetch.
 */
import { oodTypeOf, splitMasks, type Split } from './splits.ts';
import { isSharedLabel } from './trials.ts';

export type TrialSetDef =
  | { kind: 'all' }
  /** The package's `stimuli=` filter: label prefix `shared_` (OOD images count as shared) or not. */
  | { kind: 'stimuli'; which: 'shared' | 'unique' }
  /** The metadata CSV's `dataset` column (LAION, NSD, THINGS, OOD, …). */
  | { kind: 'dataset'; dataset: string }
  /** OOD images (parsed from the name as the package does), all types or one. */
  | { kind: 'ood'; type: string | null }
  /** A split's train or test side (`get_split_masks`). */
  | { kind: 'split'; pool: string; name: string; part: 'train' | 'test'; variantId?: number; oodTypes?: readonly string[] | null }
  /** Every trial of the named images (a caption-search hit, a neighbour list). */
  | { kind: 'images'; names: readonly string[]; label: string }
  /** Trials picked by hand (global indices). */
  | { kind: 'trials'; indices: readonly number[]; label: string };

export interface TrialSetContext {
  /** Image name of every trial, global order. */
  labels: readonly string[];
  /** image_name → dataset (metadata CSV), needed by `dataset` sets. */
  datasetOf?: ReadonlyMap<string, string>;
  /** The loaded split, needed by `split` sets. */
  split?: Split;
}

export class TrialSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrialSetError';
  }
}

function where(labels: readonly string[], keep: (label: string, i: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (keep(labels[i], i)) out.push(i);
  return Uint32Array.from(out);
}

/** The set's trials, ascending. */
export function resolveTrialSet(def: TrialSetDef, ctx: TrialSetContext): Uint32Array {
  const { labels } = ctx;
  switch (def.kind) {
    case 'all':
      return where(labels, () => true);
    case 'stimuli':
      return where(labels, (l) => isSharedLabel(l) === (def.which === 'shared'));
    case 'dataset': {
      const d = ctx.datasetOf;
      if (!d) throw new TrialSetError('The stimulus metadata (dataset per image) is not loaded.');
      return where(labels, (l) => d.get(l) === def.dataset);
    }
    case 'ood':
      return where(labels, (l) => {
        const t = oodTypeOf(l);
        return t !== null && (def.type === null || t === def.type);
      });
    case 'split': {
      const s = ctx.split;
      if (!s || s.pool !== def.pool || s.name !== def.name) throw new TrialSetError(`The split ${def.pool}/${def.name} is not loaded.`);
      const m = splitMasks(labels, s, def.variantId ?? 0, def.oodTypes ?? null);
      const mask = def.part === 'train' ? m.train : m.test;
      return where(labels, (_, i) => mask[i] === 1);
    }
    case 'images': {
      const names = new Set(def.names);
      return where(labels, (l) => names.has(l));
    }
    case 'trials': {
      const bad = def.indices.find((i) => !Number.isInteger(i) || i < 0 || i >= labels.length);
      if (bad !== undefined) throw new TrialSetError(`Trial ${bad} is not in this subject's ${labels.length} trials.`);
      return Uint32Array.from(new Set(def.indices)).sort();
    }
  }
}

export function describeTrialSet(def: TrialSetDef): string {
  switch (def.kind) {
    case 'all':
      return 'all trials';
    case 'stimuli':
      return `${def.which} images`;
    case 'dataset':
      return `dataset ${def.dataset}`;
    case 'ood':
      return def.type === null ? 'OOD images' : `OOD: ${def.type}`;
    case 'split':
      return `${def.pool}/${def.name} ${def.part}${def.oodTypes?.length ? ` (${def.oodTypes.join(', ')})` : ''}`;
    case 'images':
    case 'trials':
      return def.label;
  }
}

export interface SessionBlock {
  id: string;
  /** Global index of the session's first trial. */
  start: number;
  count: number;
}

/** Splits global indices into per-session local indices (sessions in the given order; empty ones dropped). */
export function trialsBySession(indices: ArrayLike<number>, sessions: readonly SessionBlock[]): Array<{ session: string; local: number[] }> {
  const out = sessions.map((s) => ({ session: s.id, local: [] as number[] }));
  for (let k = 0; k < indices.length; k++) {
    const g = indices[k];
    const s = sessions.findIndex((b) => g >= b.start && g < b.start + b.count);
    if (s < 0) throw new TrialSetError(`Trial ${g} lies in no session.`);
    out[s].local.push(g - sessions[s].start);
  }
  return out.filter((o) => o.local.length > 0);
}

/**
 * The mean over all trials from per-session means: Σ mean_s · n_s / Σ n_s,
 * voxel by voxel (a NaN in any session's mean stays NaN: a failed fit is
 * not averaged away).
 */
export function combineSessionMeans(parts: ReadonlyArray<{ mean: Float32Array; n: number }>): Float32Array {
  if (parts.length === 0) throw new TrialSetError('No trials to average.');
  const len = parts[0].mean.length;
  if (parts.some((p) => p.mean.length !== len)) throw new TrialSetError('Session maps have different voxel counts: they cannot be combined.');
  const total = parts.reduce((a, p) => a + p.n, 0);
  const acc = new Float64Array(len);
  for (const p of parts) for (let i = 0; i < len; i++) acc[i] += p.mean[i] * p.n;
  return Float32Array.from(acc, (x) => x / total);
}

/** A − B, voxel by voxel. */
export function contrastMaps(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new TrialSetError('The two maps have different voxel counts.');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}
