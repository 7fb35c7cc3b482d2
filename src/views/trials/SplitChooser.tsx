import { OOD_TYPES, SUBJECT_SPLIT_NAMES } from '../../science/splits.ts';
import { useTableSplit } from '../../state/trial-table.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';

export interface SplitSummary {
  label: string;
  /** Trial counts (not image counts): a trial of an image listed on both sides counts on both. */
  nTrain: number;
  nTest: number;
  nNeither: number;
}

/**
 * The trial table's split: pool (the subject's own or `shared`), split name
 * and, for `ood`, the OOD types kept in the test side (the package's
 * `ood_types`). Membership itself is computed by the caller.
 */
export function SplitChooser({ subject, summary, error, pending }: { subject: string; summary: SplitSummary | null; error: unknown; pending: boolean }) {
  const s = useTableSplit();
  const toggleType = (t: string, on: boolean) => s.set({ oodTypes: on ? [...s.oodTypes, t].sort() : s.oodTypes.filter((x) => x !== t) });
  return (
    <div className="trial-split" role="group" aria-label="Train/test split" data-testid="trial-split">
      <div className="trial-filters">
        <select aria-label="Split" value={s.name ?? ''} onChange={(e) => s.set({ name: e.target.value || null, part: e.target.value ? s.part : null })}>
          <option value="">no split</option>
          {SUBJECT_SPLIT_NAMES.map((n) => (
            <option key={n} value={n}>
              split {n}
            </option>
          ))}
        </select>
        <select aria-label="Split pool" value={s.pool} onChange={(e) => s.set({ pool: e.target.value as 'subject' | 'shared' })} disabled={s.name === null}>
          <option value="subject">{subject} pool</option>
          <option value="shared">shared pool</option>
        </select>
        <select aria-label="Train or test" value={s.part ?? ''} onChange={(e) => s.set({ part: (e.target.value || null) as 'train' | 'test' | null })} disabled={s.name === null}>
          <option value="">train + test + neither</option>
          <option value="train">train trials</option>
          <option value="test">test trials</option>
        </select>
        {pending && s.name !== null && !error && <Spinner label="Reading the split…" />}
        {summary && (
          <span className="trial-count" data-testid="split-summary">
            {summary.label}: {summary.nTrain.toLocaleString('en')} train · {summary.nTest.toLocaleString('en')} test · {summary.nNeither.toLocaleString('en')} in neither (trials)
          </span>
        )}
      </div>
      {s.name === 'ood' && (
        <fieldset className="ood-types" data-testid="split-ood-types">
          <legend>OOD types in the test side (none ticked = all)</legend>
          {OOD_TYPES.map((t) => (
            <label key={t}>
              <input type="checkbox" checked={s.oodTypes.includes(t)} onChange={(e) => toggleType(t, e.target.checked)} /> {t}
            </label>
          ))}
        </fieldset>
      )}
      {error !== null && error !== undefined && <ErrorNotice error={error} compact />}
    </div>
  );
}
