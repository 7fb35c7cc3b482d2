import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { captionSearchText, describeTrialFilter, filterTrials, type ImageCaptions, type SubjectTrials, type TrialFilter, type TrialSortKey } from '../../science/stimuli.ts';
import { useSplitMembership } from '../../state/splits.ts';
import { useTableSplit } from '../../state/trial-table.ts';
import { SplitChooser, type SplitSummary } from './SplitChooser.tsx';

const ROW_H = 26;

const COLUMNS: Array<{ key: TrialSortKey; label: string; cls: string }> = [
  { key: 'index', label: '#', cls: 'c-idx' },
  { key: 'session', label: 'session', cls: 'c-ses' },
  { key: 'run', label: 'run', cls: 'c-run' },
  { key: 'image_name', label: 'image', cls: 'c-img' },
  { key: 'unique_or_shared', label: 'set', cls: 'c-set' },
  { key: 'dataset', label: 'dataset', cls: 'c-ds' },
];

/**
 * `Subject.metadata` as a virtualised table (only the visible rows are in the
 * DOM). Row keys are global trial indices; the selection is the caller's.
 * Keyboard: ↑/↓ move the selection, PgUp/PgDn by a page, Home/End.
 */
export function TrialTable({
  subject,
  trials,
  captions,
  selected,
  onSelect,
  onUse,
}: {
  subject: string;
  trials: SubjectTrials;
  captions: Map<string, ImageCaptions> | undefined;
  /** Global index of the selected trial, or -1. */
  selected: number;
  onSelect(globalIndex: number): void;
  /** Hands the visible rows (global indices, ascending) on: their mean map, or the export. */
  onUse?(kind: 'map' | 'export', trials: number[], label: string): void;
}) {
  const [filter, setFilter] = useState<TrialFilter>({});
  const [sort, setSort] = useState<{ key: TrialSortKey; desc: boolean }>({ key: 'index', desc: false });
  const rows = trials.rows;

  // The chosen split: per-trial membership with get_split_masks semantics over the table's global order.
  const splitChoice = useTableSplit();
  const pool = splitChoice.name === null ? null : splitChoice.pool === 'shared' ? 'shared' : subject;
  const labels = useMemo(() => rows.map((r) => r.image_name), [rows]);
  const oodTypes = splitChoice.name === 'ood' && splitChoice.oodTypes.length > 0 ? splitChoice.oodTypes : null;
  const split = useSplitMembership(labels, pool, splitChoice.name, 0, oodTypes);
  const membership = splitChoice.name !== null ? split.data?.membership : undefined;
  const splitLabel = pool && splitChoice.name ? `${pool}/${splitChoice.name}${oodTypes ? ` (${oodTypes.join(', ')})` : ''}` : null;
  const summary = useMemo((): SplitSummary | null => {
    if (!split.data || !membership || !splitLabel) return null;
    const nNeither = membership.reduce((n, m) => n + (m === null ? 1 : 0), 0);
    return { label: splitLabel, nTrain: split.data.nTrain, nTest: split.data.nTest, nNeither };
  }, [split.data, membership, splitLabel]);
  const splitPart = splitChoice.name !== null ? splitChoice.part : null;
  const effective = useMemo(
    (): TrialFilter => ({ ...filter, split: splitPart && split.data && membership ? { part: splitPart, train: split.data.train, test: split.data.test } : null }),
    [filter, splitPart, split.data, membership],
  );
  const runs = useMemo(() => [...new Set(rows.map((r) => r.run))].sort((a, b) => a - b), [rows]);
  const datasets = useMemo(() => [...new Set(rows.map((r) => r.dataset).filter((d) => d !== ''))].sort(), [rows]);
  const captionText = useMemo(() => {
    const cache = new Map<string, string>();
    return (name: string) => {
      let t = cache.get(name);
      if (t === undefined) cache.set(name, (t = captionSearchText(captions?.get(name))));
      return t;
    };
  }, [captions]);
  const visible = useMemo(() => filterTrials(rows, effective, sort, captionText), [rows, effective, sort, captionText]);
  const position = useMemo(() => {
    for (let i = 0; i < visible.length; i++) if (visible[i] === selected) return i;
    return -1;
  }, [visible, selected]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is used as documented
  const virtualizer = useVirtualizer({ count: visible.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_H, overscan: 12 });

  useEffect(() => {
    if (position >= 0) virtualizer.scrollToIndex(position, { align: 'auto' });
  }, [position, virtualizer]);

  const move = (to: number) => {
    if (visible.length === 0) return;
    const p = Math.max(0, Math.min(visible.length - 1, to));
    onSelect(visible[p]);
  };
  const onKey = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_H) - 1);
    const at = position < 0 ? -1 : position;
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(at + 1),
      ArrowUp: () => move(at < 0 ? 0 : at - 1),
      PageDown: () => move(at + page),
      PageUp: () => move(at - page),
      Home: () => move(0),
      End: () => move(visible.length - 1),
    };
    const f = keys[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  };
  const set = (patch: Partial<TrialFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const toggleSort = (key: TrialSortKey) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: false }));

  const use = (kind: 'map' | 'export') => {
    const list = Array.from(visible).sort((a, b) => a - b);
    onUse?.(kind, list, describeTrialFilter(effective, splitLabel));
  };
  const waitingForSplit = splitPart !== null && !effective.split;

  return (
    <div className="trial-table" data-testid="trial-table">
      <SplitChooser subject={subject} summary={summary} error={splitChoice.name !== null ? split.error : null} pending={split.isPending} />
      <div className="trial-filters" role="group" aria-label="Filter trials">
        <select aria-label="Session" value={filter.sessions?.[0] ?? ''} onChange={(e) => set({ sessions: e.target.value ? [e.target.value] : null })}>
          <option value="">all sessions</option>
          {trials.sessions.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="Run" value={filter.run ?? ''} onChange={(e) => set({ run: e.target.value ? Number(e.target.value) : null })}>
          <option value="">all runs</option>
          {runs.map((r) => (
            <option key={r} value={r}>
              run {r}
            </option>
          ))}
        </select>
        <select aria-label="Shared or unique" value={filter.uniqueOrShared ?? ''} onChange={(e) => set({ uniqueOrShared: e.target.value || null })}>
          <option value="">shared + unique</option>
          <option value="shared">shared</option>
          <option value="unique">unique</option>
        </select>
        <select aria-label="Dataset" value={filter.dataset ?? ''} onChange={(e) => set({ dataset: e.target.value || null })}>
          <option value="">all datasets</option>
          {datasets.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <input type="search" aria-label="Search image names and captions" placeholder="image name or caption…" value={filter.text ?? ''} onChange={(e) => set({ text: e.target.value })} />
        <span className="trial-count" data-testid="trial-count">
          {visible.length.toLocaleString('en')} of {rows.length.toLocaleString('en')} trials
          {waitingForSplit ? ' (split not applied yet)' : ''}
        </span>
      </div>
      {onUse && (
        <div className="trial-actions" role="group" aria-label="Use these trials">
          <button className="small" onClick={() => use('map')} disabled={visible.length === 0 || waitingForSplit} title="The mean single-trial beta map of the rows shown, in the viewer's Stimuli → brain panel">
            Mean map of these {visible.length.toLocaleString('en')} trials
          </button>
          <button className="small ghost" onClick={() => use('export')} disabled={visible.length === 0 || waitingForSplit} title="Export the masked betas of the rows shown">
            Export these {visible.length.toLocaleString('en')} trials
          </button>
        </div>
      )}
      <div className="trial-head" role="row">
        {COLUMNS.map((c) => (
          <button key={c.key} className={`trial-cell ${c.cls}`} onClick={() => toggleSort(c.key)} aria-label={`Sort by ${c.label}`} aria-pressed={sort.key === c.key}>
            {c.label}
            {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
          </button>
        ))}
        <span className="trial-cell c-split" title={splitLabel ?? 'Choose a split above'}>
          split
        </span>
      </div>
      <div
        ref={scrollRef}
        className="trial-scroll"
        tabIndex={0}
        role="grid"
        aria-label="Trials"
        aria-rowcount={visible.length}
        aria-activedescendant={position >= 0 ? `trial-row-${selected}` : undefined}
        onKeyDown={onKey}
        data-testid="trial-scroll"
      >
        {visible.length === 0 ? (
          <p className="empty">No trial matches these filters.</p>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((vi) => {
              const g = visible[vi.index];
              const r = rows[g];
              return (
                <div
                  key={g}
                  id={`trial-row-${g}`}
                  role="row"
                  aria-selected={g === selected}
                  data-trial={g}
                  className={`trial-row${g === selected ? ' selected' : ''}${r.stim_idx < 0 ? ' unmatched' : ''}`}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_H, transform: `translateY(${vi.start}px)` }}
                  onClick={() => onSelect(g)}
                >
                  <span className="trial-cell c-idx">{g}</span>
                  <span className="trial-cell c-ses">
                    {r.session} <span className="dim">#{r.session_trial}</span>
                  </span>
                  <span className="trial-cell c-run">{r.run}</span>
                  <span className="trial-cell c-img" title={r.image_name}>
                    {r.image_name}
                  </span>
                  <span className="trial-cell c-set">{r.unique_or_shared || '?'}</span>
                  <span className="trial-cell c-ds">{r.dataset || '?'}</span>
                  <span className={`trial-cell c-split${membership?.[g] ? ` m-${membership[g]}` : ''}`}>{membership?.[g] ?? ''}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
