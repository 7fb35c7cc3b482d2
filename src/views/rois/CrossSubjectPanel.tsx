/**
 * "Across sessions and subjects side by side": for the picked ROIs, how many
 * voxels reach the threshold in each public session's NC map, for every
 * subject of the bucket, as grouped bars. Mounted only when opened, so the
 * other subjects' volumes load only then; each subject has its own loader
 * (hooks per subject) that reports threshold-free statistics upwards.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { BarData, Data, Layout } from 'plotly.js-dist-min';
import { Plot } from '../common/Plot.tsx';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { naturalCompare } from '../../data/discovery.ts';
import type { MaskSource } from '../../science/masks.ts';
import { useRois, useSessions, useSubjects } from '../../state/queries.ts';
import { useObjectIndex } from '../../state/volumes.ts';
import { countAtLeastSorted, fileName, type InspectorStats } from './roi-stats.ts';
import { ncMapDefs, roisByName, useSubjectVolumes, type NcMapDef } from './use-subject-volumes.ts';
import { PRIORITY } from '../../jobs/queue.ts';
import { roiColour } from './palette.ts';
import { usePlotThreshold, useRoiInspector, type CompareUnit } from '../../state/roi-inspector.ts';

interface SubjectSeries {
  subject: string;
  sessions: NcMapDef[];
  stats: InspectorStats | null;
  /** Picked ROIs this subject does not have. */
  missing: string[];
}

export interface PickedRoi {
  name: string;
  category: string;
  colour: string;
}

export function pickedColours(picked: ReadonlyArray<{ name: string; category: string }>): PickedRoi[] {
  return picked.map((r) => {
    const same = picked.filter((p) => p.category === r.category);
    return { ...r, colour: roiColour(r.category, same.indexOf(r), same.length) };
  });
}

function SubjectLoader({ subject, picked, maskSource, onSeries }: { subject: string; picked: readonly string[]; maskSource: MaskSource; onSeries(s: SubjectSeries): void }) {
  const { index, error: indexError } = useObjectIndex(subject);
  const sessions = useSessions(subject);
  const rois = useRois(subject);
  const defs = useMemo(() => (index && sessions.data ? ncMapDefs(subject, sessions.data, index).filter((d) => d.group === 'session') : []), [subject, index, sessions.data]);
  const byName = useMemo(() => roisByName(rois.data), [rois.data]);
  const infos = useMemo(() => picked.flatMap((n) => byName.get(n) ?? []), [picked, byName]);
  const missingKey = rois.data ? picked.filter((n) => !byName.has(n)).join(',') : '';
  const vols = useSubjectVolumes(subject, index, maskSource, defs, infos, { brainTotals: false, priority: PRIORITY.background });
  useEffect(() => {
    onSeries({ subject, sessions: defs, stats: vols.stats, missing: missingKey ? missingKey.split(',') : [] });
  }, [subject, defs, vols.stats, missingKey, onSeries]);

  const listingError = indexError ?? sessions.error ?? rois.error;
  const failed = [vols.mask, ...vols.maps.map((m) => m.state), ...vols.rois.map((r) => r.state)].filter((s) => s.status === 'error' || s.status === 'grid');
  const heldOut = defs.filter((d) => d.heldOut).map((d) => d.id);
  return (
    <li className="roi-insp-subject" data-subject={subject}>
      <strong>{subject}</strong>{' '}
      {listingError ? (
        <ErrorNotice error={listingError} compact title={`Could not list ${subject}`} />
      ) : vols.mask.status === 'unlisted' && index ? (
        <span className="roi-insp-warn">no {fileName(vols.mask.key)}</span>
      ) : vols.pending > 0 || !index ? (
        <Spinner label={`loading ${vols.requested - vols.pending} of ${vols.requested || '…'} volumes`} />
      ) : (
        <span className="muted">
          {defs.length - heldOut.length} sessions{heldOut.length > 0 && ` (${heldOut.join(', ')} held out)`}
          {missingKey && ` · has no ${missingKey.split(',').join(', ')}`}
        </span>
      )}
      {failed.map((s) =>
        s.status === 'error' ? (
          <ErrorNotice key={s.key} error={s.error} compact title={`Could not read ${fileName(s.key)}`} onRetry={s.retry} />
        ) : s.status === 'grid' ? (
          <p key={s.key} className="notice notice-warn notice-compact">
            {s.error.message}
          </p>
        ) : null,
      )}
    </li>
  );
}

function compareFigure(series: SubjectSeries[], picked: PickedRoi[], threshold: number, unit: CompareUnit): { data: Data[]; layout: Partial<Layout> } {
  const subjects: string[] = [];
  const sessions: string[] = [];
  for (const s of series) {
    for (const d of s.sessions) {
      if (d.heldOut || !s.stats) continue;
      subjects.push(s.subject);
      sessions.push(d.id);
    }
  }
  const data: Data[] = picked.map((r): BarData => {
    const y = subjects.map((sub, i) => {
      const st = series.find((s) => s.subject === sub)?.stats?.rois.get(r.name)?.dist.get(sessions[i]);
      if (!st) return null;
      const k = countAtLeastSorted(st.sorted, threshold);
      return unit === 'count' ? k : st.n ? (100 * k) / st.n : 0;
    });
    return {
      type: 'bar',
      name: r.name,
      x: [subjects, sessions],
      y,
      marker: { color: r.colour },
      hovertemplate: `${r.name} · %{x}: %{y:${unit === 'count' ? ',d' : '.0f'}}${unit === 'count' ? ' voxels' : '%'} with NC ≥ ${threshold}%<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      barmode: 'group',
      bargap: 0.25,
      bargroupgap: 0.05,
      title: { text: `Voxels with session NC ≥ ${threshold}%`, font: { size: 13 }, x: 0.01, xanchor: 'left' },
      yaxis: { title: { text: unit === 'count' ? 'voxels' : '% of the ROI in brain' }, ...(unit === 'percent' ? { range: [0, 100] } : {}) },
      xaxis: { type: 'multicategory', tickfont: { size: 11 } },
      legend: { orientation: 'h', y: 1.02, x: 1, xanchor: 'right', yanchor: 'bottom', font: { size: 11 } },
      margin: { l: 56, r: 12, t: 40, b: 56 },
    },
  };
}

export function CrossSubjectPanel({ subject, picked, staticPlot }: { subject: string; picked: PickedRoi[]; staticPlot: boolean }) {
  const threshold = usePlotThreshold();
  const subjects = useSubjects(true);
  const maskSource = useRoiInspector((s) => s.maskSource);
  const unit = useRoiInspector((s) => s.compareUnit);
  const set = useRoiInspector((s) => s.set);
  const [series, setSeries] = useState<Record<string, SubjectSeries>>({});
  const onSeries = useCallback((s: SubjectSeries) => setSeries((prev) => ({ ...prev, [s.subject]: s })), []);
  const ids = useMemo(() => [subject, ...(subjects.data ?? []).map((s) => s.id).filter((id) => id !== subject).sort(naturalCompare)], [subject, subjects.data]);
  const names = useMemo(() => picked.map((p) => p.name), [picked]);
  const figure = useMemo(() => {
    const list = ids.flatMap((id) => series[id] ?? []);
    return list.some((s) => s.stats) ? compareFigure(list, picked, threshold, unit) : null;
  }, [ids, series, picked, threshold, unit]);
  return (
    <div className="roi-insp-compare" data-testid="roi-compare">
      <div className="roi-insp-compare-head">
        <p className="muted">
          Per-session noise ceilings of {picked.length ? picked.map((p) => p.name).join(', ') : 'the ticked ROIs'} in every subject ({maskSource} brain mask).
        </p>
        <div className="segmented small" role="radiogroup" aria-label="Bar height">
          {(['count', 'percent'] as const).map((u) => (
            <button key={u} role="radio" aria-checked={unit === u} className={unit === u ? 'active' : ''} onClick={() => set({ compareUnit: u })}>
              {u === 'count' ? 'voxels' : '% of ROI'}
            </button>
          ))}
        </div>
      </div>
      {subjects.isPending && <Spinner label="Listing subjects…" />}
      {subjects.isError && <ErrorNotice error={subjects.error} compact onRetry={() => subjects.refetch()} />}
      <ul className="roi-insp-subjects">
        {ids.map((id) => (
          <SubjectLoader key={id} subject={id} picked={names} maskSource={maskSource} onSeries={onSeries} />
        ))}
      </ul>
      {picked.length === 0 ? (
        <p className="empty">Tick ROIs in the table to compare them.</p>
      ) : figure ? (
        <figure className="roi-insp-figure roi-insp-figure-wide" data-testid="roi-plot-compare">
          <Plot data={figure.data} layout={figure.layout} staticPlot={staticPlot} label={`Voxels with NC ≥ ${threshold}% per session and subject for ${names.join(', ')}`} />
        </figure>
      ) : null}
    </div>
  );
}
