/**
 * The trial table's split choice (pool, split name, OOD types, train/test
 * filter), mirrored in the URL on the trials tab (`tsplit`, `tood`, `tpart`),
 * and the trial sets the table hands to the Stimuli → brain panel.
 */
import { create } from 'zustand';
import { OOD_TYPES, SUBJECT_SPLIT_NAMES } from '../science/splits.ts';
import type { TrialSetDef } from '../science/trial-sets.ts';

export interface TrialTableSplit {
  /** 'subject' = the selected subject's own pool. */
  pool: 'subject' | 'shared';
  /** null = no split chosen. */
  name: string | null;
  /** Only for the `ood` split; empty = all types (ood_types=None). */
  oodTypes: string[];
  /** Filter the table to one side, or null. */
  part: 'train' | 'test' | null;
}

export const DEFAULT_TABLE_SPLIT: TrialTableSplit = { pool: 'subject', name: null, oodTypes: [], part: null };

export const useTableSplit = create<TrialTableSplit & { set(patch: Partial<TrialTableSplit>): void }>((set) => ({
  ...DEFAULT_TABLE_SPLIT,
  set: (patch) => set(patch),
}));

export function tableSplitToQuery(s: TrialTableSplit, q: URLSearchParams): void {
  if (s.name === null) return;
  q.set('tsplit', `${s.pool}:${s.name}`);
  if (s.name === 'ood' && s.oodTypes.length) q.set('tood', s.oodTypes.join(','));
  if (s.part) q.set('tpart', s.part);
}

export function tableSplitFromQuery(q: URLSearchParams): { patch: Partial<TrialTableSplit>; ignored: string[] } {
  const patch: Partial<TrialTableSplit> = {};
  const ignored: string[] = [];
  const v = q.get('tsplit');
  if (v === null) return { patch, ignored };
  const m = /^(subject|shared):(.+)$/.exec(v);
  if (!m || !(SUBJECT_SPLIT_NAMES as readonly string[]).includes(m[2])) {
    ignored.push(`tsplit=${v} (expected subject|shared:<split name>)`);
    return { patch, ignored };
  }
  patch.pool = m[1] as TrialTableSplit['pool'];
  patch.name = m[2];
  const ood = q.get('tood');
  if (ood !== null) {
    const types = ood.split(',');
    if (m[2] === 'ood' && types.every((t) => (OOD_TYPES as readonly string[]).includes(t))) patch.oodTypes = types;
    else ignored.push(`tood=${ood} (expected OOD types of the ood split)`);
  }
  const part = q.get('tpart');
  if (part === 'train' || part === 'test') patch.part = part;
  else if (part !== null) ignored.push(`tpart=${part} (expected train|test)`);
  return { patch, ignored };
}

/**
 * Trial sets made in the table (per subject: they hold global trial indices),
 * offered by the Stimuli → brain panel. A `request` asks that panel to open
 * and show the mean of set `index` of `subject`.
 */
interface TableSets {
  sets: Record<string, TrialSetDef[]>;
  request: { subject: string; index: number; nonce: number } | null;
  /** Adds (or re-uses an identical) set; with `show`, asks the panel to map it. Returns its index. */
  add(subject: string, def: TrialSetDef, show: boolean): number;
  clearRequest(): void;
}

let nonce = 0;
const NONE: TrialSetDef[] = [];

export const useTableSets = create<TableSets>((set, get) => ({
  sets: {},
  request: null,
  add(subject, def, show) {
    const list = get().sets[subject] ?? NONE;
    const key = JSON.stringify(def);
    let index = list.findIndex((d) => JSON.stringify(d) === key);
    if (index < 0) {
      index = list.length;
      set({ sets: { ...get().sets, [subject]: [...list, def] } });
    }
    if (show) set({ request: { subject, index, nonce: ++nonce } });
    return index;
  },
  clearRequest: () => set({ request: null }),
}));

/** The sets made for `subject` (a stable empty list when none). */
export function tableSetsOf(s: Pick<TableSets, 'sets'>, subject: string): TrialSetDef[] {
  return s.sets[subject] ?? NONE;
}
