/**
 * The inspector's controls: brain mask source, NC threshold, which NC maps
 * become columns, and the ROI query (the package grammar).
 */
import { useId, useState } from 'react';
import { LockIcon } from '../common/icons.tsx';
import type { MaskSource } from '../../science/masks.ts';
import type { RoiQueryError } from '../../science/roi-query.ts';
import { clampThreshold, useRoiInspector } from '../../state/roi-inspector.ts';
import { isLoadable, type NcMapDef } from './use-subject-volumes.ts';

const MASK_LABELS: Record<MaskSource, { label: string; hint: string }> = {
  anatomical: { label: 'Anatomical', hint: 'res-1pt8 desc-brain_mask (the package default)' },
  rsquare: { label: 'R² mean', hint: 'voxels where the R2mean statmap is non-zero' },
};

export function MaskSourcePicker({ nBrain }: { nBrain: number | null }) {
  const maskSource = useRoiInspector((s) => s.maskSource);
  const set = useRoiInspector((s) => s.set);
  return (
    <div className="roi-insp-field">
      <span className="roi-insp-label" id="roi-insp-mask-label">
        Brain mask
      </span>
      <div className="segmented small" role="radiogroup" aria-labelledby="roi-insp-mask-label">
        {(Object.keys(MASK_LABELS) as MaskSource[]).map((m) => (
          <button key={m} role="radio" aria-checked={maskSource === m} className={maskSource === m ? 'active' : ''} title={MASK_LABELS[m].hint} onClick={() => set({ maskSource: m })}>
            {MASK_LABELS[m].label}
          </button>
        ))}
      </div>
      <span className="roi-insp-sub" data-testid="roi-insp-nbrain">
        {nBrain === null ? '…' : `${nBrain.toLocaleString('en')} brain voxels`}
      </span>
    </div>
  );
}

export function ThresholdControl() {
  const threshold = useRoiInspector((s) => s.threshold);
  const set = useRoiInspector((s) => s.set);
  const id = useId();
  // What is being typed (may be empty or out of range for a moment); the store keeps the last valid threshold.
  const [draft, setDraft] = useState<string | null>(null);
  const onValue = (v: string) => {
    const t = Number(v);
    if (v.trim() !== '' && Number.isFinite(t)) set({ threshold: clampThreshold(t) });
  };
  return (
    <div className="roi-insp-field roi-insp-threshold">
      <label className="roi-insp-label" htmlFor={id}>
        NC threshold
      </label>
      <input
        type="range"
        min={0}
        max={100}
        step={0.5}
        value={threshold}
        aria-label="NC threshold slider (percent)"
        onChange={(e) => {
          setDraft(null);
          onValue(e.target.value);
        }}
      />
      <span className="roi-insp-number">
        <input
          id={id}
          type="number"
          min={0}
          max={100}
          step={0.5}
          value={draft ?? threshold}
          onChange={(e) => {
            setDraft(e.target.value);
            onValue(e.target.value);
          }}
          onBlur={() => setDraft(null)}
          aria-describedby={`${id}-unit`}
        />
        <span id={`${id}-unit`}>%</span>
      </span>
      {threshold > 0 && threshold < 1 && (
        <span className="roi-insp-sub roi-insp-warn" role="note">
          NC maps are in percent (0–100): {threshold}% keeps almost every voxel. The package docs’ 0.2–0.3 examples mean 20–30 here.
        </span>
      )}
    </div>
  );
}

export function MapPicker({ defs, shown }: { defs: readonly NcMapDef[]; shown: readonly string[] }) {
  const set = useRoiInspector((s) => s.set);
  const toggle = (id: string) => set({ maps: shown.includes(id) ? shown.filter((m) => m !== id) : [...shown, id] });
  const groups: Array<{ group: NcMapDef['group']; title: string }> = [
    { group: 'session', title: 'Per session' },
    { group: 'subject', title: 'Subject (all sessions)' },
  ];
  return (
    <div className="roi-insp-field roi-insp-maps" role="group" aria-label="Noise-ceiling maps shown as columns">
      <span className="roi-insp-label">NC maps</span>
      {defs.length === 0 && <span className="roi-insp-sub">none listed</span>}
      {groups.map(({ group, title }) => {
        const list = defs.filter((d) => d.group === group);
        if (list.length === 0) return null;
        return (
          <span key={group} className="roi-insp-mapgroup">
            <span className="roi-insp-sub">{title}</span>
            {list.map((d) =>
              isLoadable(d) ? (
                <button key={d.id} className="roi-insp-chip" aria-pressed={shown.includes(d.id)} onClick={() => toggle(d.id)} data-map={d.id}>
                  {d.label}
                </button>
              ) : (
                <span key={d.id} className="roi-insp-chip held-out" data-map={d.id} data-held-out="true" title={`${d.id} is held out of the public release: its noise ceiling cannot be read.`}>
                  <LockIcon title="held out" />
                  {d.label}
                </span>
              ),
            )}
          </span>
        );
      })}
    </div>
  );
}

/** The unknown names and any "did you mean" first; the long list of what exists folds away. */
function QueryError({ id, error }: { id: string; error: RoiQueryError }) {
  const hints = /Did you mean .*$/.exec(error.message)?.[0];
  return (
    <div id={id} className="roi-insp-query-error" role="alert" data-testid="roi-query-error">
      <span>
        Unknown ROI/category: {error.unknown.map((u) => `'${u}'`).join(', ')}.{hints ? ` ${hints}` : ''}
      </span>
      <details>
        <summary>
          {error.availableRois.length} ROIs and {error.availableCategories.length} categories exist
        </summary>
        <p>
          Categories: <code>{error.availableCategories.join(', ')}</code>
        </p>
        <p>
          ROIs: <code>{error.availableRois.join(', ')}</code>
        </p>
      </details>
    </div>
  );
}

export function QueryControl({ error, summary }: { error: RoiQueryError | null; summary: string }) {
  const query = useRoiInspector((s) => s.query);
  const set = useRoiInspector((s) => s.set);
  const id = useId();
  return (
    <div className="roi-insp-field roi-insp-query">
      <label className="roi-insp-label" htmlFor={id}>
        ROIs
      </label>
      <input
        id={id}
        type="text"
        value={query}
        spellCheck={false}
        autoComplete="off"
        placeholder="all · face · FFA1, PPA"
        aria-invalid={error !== null}
        aria-describedby={`${id}-help`}
        onChange={(e) => set({ query: e.target.value, picked: null })}
      />
      {error ? (
        <QueryError id={`${id}-help`} error={error} />
      ) : (
        <span id={`${id}-help`} className="roi-insp-sub">
          {summary} · a name, a category, <code>all</code>, or a list, as in <code>get_betas(roi=…)</code>
        </span>
      )}
    </div>
  );
}
