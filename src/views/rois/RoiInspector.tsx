/**
 * The ROI inspector: which ROIs are reliable enough to analyse, and from
 * which noise-ceiling threshold. Reads the subject's listing, loads the brain
 * mask, the chosen NC maps and the ROI masks through the volume hooks, and
 * shows counts (table), distributions and reliability curves (plots), and a
 * comparison across sessions and subjects (loaded when opened).
 */
import { useMemo, useState } from 'react';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { catalogFromCategories, parseRoiQuery, resolveRoiQuery, RoiQueryError } from '../../science/roi-query.ts';
import { useRois, useSessions } from '../../state/queries.ts';
import { useObjectIndex } from '../../state/volumes.ts';
import { MapPicker, MaskSourcePicker, QueryControl, ThresholdControl } from './RoiControls.tsx';
import { RoiTable, type MapColumn, type RoiRow } from './RoiTable.tsx';
import { RoiPlots } from './RoiPlots.tsx';
import { CrossSubjectPanel, pickedColours } from './CrossSubjectPanel.tsx';
import { STATIC_PLOTS, useInspectorSettings } from '../../state/roi-inspector.ts';
import { fileName } from './roi-stats.ts';
import { defaultMapIds, focusMapId, isLoadable, ncMapDefs, roisByName, useSubjectVolumes, type SubjectVolumes, type VolumeState } from './use-subject-volumes.ts';

/** At most this many ROIs are ticked by default: the most reliable of each category. */
const DEFAULT_PICKS = 8;

interface ResolvedQuery {
  /** The ROI names of the last valid query (kept while the text is invalid, so the table does not blank out mid-typing). */
  names: string[];
  /** The text those names came from. */
  text: string;
  error: RoiQueryError | null;
}

function useResolvedQuery(text: string, cats: Parameters<typeof catalogFromCategories>[0] | undefined): ResolvedQuery {
  const catalog = useMemo(() => catalogFromCategories(cats ?? []), [cats]);
  const resolved = useMemo(() => {
    try {
      return { names: resolveRoiQuery(parseRoiQuery(text), catalog), error: null };
    } catch (e) {
      if (e instanceof RoiQueryError) return { names: null, error: e };
      throw e;
    }
  }, [text, catalog]);
  const [lastGood, setLastGood] = useState<{ names: string[]; text: string }>({ names: [], text: '' });
  const changed = resolved.names && (resolved.names.length !== lastGood.names.length || resolved.names.some((n, i) => n !== lastGood.names[i]) || text !== lastGood.text);
  if (resolved.names && changed) setLastGood({ names: resolved.names, text });
  return resolved.names ? { names: resolved.names, text, error: null } : { ...lastGood, error: resolved.error };
}

export function RoiInspector({ subject }: { subject: string }) {
  const s = useInspectorSettings();
  const { index, isPending: indexPending, error: indexError } = useObjectIndex(subject);
  const sessions = useSessions(subject);
  const rois = useRois(subject);
  const query = useResolvedQuery(s.query, rois.data);

  const defs = useMemo(() => (index && sessions.data ? ncMapDefs(subject, sessions.data, index) : []), [subject, index, sessions.data]);
  const shownIds = useMemo(() => (s.maps ?? defaultMapIds(defs)).filter((id) => defs.some((d) => d.id === id && isLoadable(d))), [s.maps, defs]);
  const shown = useMemo(() => defs.filter((d) => shownIds.includes(d.id)), [defs, shownIds]);
  const focusId = focusMapId(s.focusMap, shown);
  const byName = useMemo(() => roisByName(rois.data), [rois.data]);
  const infos = useMemo(() => query.names.flatMap((n) => byName.get(n) ?? []), [query.names, byName]);

  const vols = useSubjectVolumes(subject, index, s.maskSource, shown, infos, { brainTotals: true });
  const stats = vols.stats;
  const rows = useMemo((): RoiRow[] => vols.rois.map((r) => ({ info: r.info, state: r.state, stats: stats?.rois.get(r.info.name) })), [vols.rois, stats]);
  const columns: MapColumn[] = vols.maps;

  const picked = useMemo(() => {
    if (s.picked) return s.picked.filter((n) => byName.has(n) && query.names.includes(n));
    // Default: the ROI of each category with the highest median NC on the focus map (threshold-free, so the curves do not swap while dragging).
    const best = new Map<string, RoiRow>();
    const median = (r: RoiRow) => (focusId ? (r.stats?.dist.get(focusId)?.summary.median ?? -1) : -1);
    for (const r of rows) {
      const cur = best.get(r.info.category);
      if (!cur || median(r) > median(cur)) best.set(r.info.category, r);
    }
    return [...best.values()].sort((a, b) => median(b) - median(a)).slice(0, DEFAULT_PICKS).map((r) => r.info.name);
  }, [s.picked, byName, query.names, rows, focusId]);
  const pickedRois = useMemo(() => pickedColours(picked.flatMap((n) => (byName.get(n) ? [{ name: n, category: byName.get(n)!.category }] : []))), [picked, byName]);
  const togglePick = (name: string) => s.set({ picked: picked.includes(name) ? picked.filter((n) => n !== name) : [...picked, name] });

  const listingError = indexError ?? sessions.error ?? rois.error;
  if (listingError) return <ErrorNotice error={listingError} title={`Could not list the files of ${subject}`} />;
  if (indexPending || sessions.isPending || rois.isPending) return <Spinner label={`Listing ${subject}’s noise ceilings, masks and ROIs…`} />;

  const noRois = (rois.data?.length ?? 0) === 0;
  const noMaps = defs.filter(isLoadable).length === 0;
  return (
    <div className="roi-insp" data-testid="roi-inspector">
      <div className="roi-insp-controls card">
        <QueryControl error={query.error} summary={noRois ? 'no ROIs listed' : `${query.names.length} ROI${query.names.length === 1 ? '' : 's'}`} />
        <MaskSourcePicker nBrain={stats?.nBrain ?? null} />
        <ThresholdControl />
        <MapPicker defs={defs} shown={shownIds} />
      </div>
      <Problems subject={subject} vols={vols} />
      {noRois && <p className="empty">No ROI masks (res-1pt8) are listed for {subject}: there is nothing to inspect.</p>}
      {noMaps && <p className="empty">No noise-ceiling maps are listed for {subject}: only the ROI sizes can be shown.</p>}
      {!noRois && (
        <>
          <Status vols={vols} />
          {vols.mask.status !== 'unlisted' && (
            <RoiTable
              rows={rows}
              columns={columns}
              stats={stats}
              focus={focusId}
              sort={s.sort}
              picked={picked}
              maskSource={s.maskSource}
              query={query.text}
              onFocus={(id) => s.set({ focusMap: id, sort: 'reliability' })}
              onSortByName={() => s.set({ sort: s.sort === 'name' ? 'reliability' : 'name' })}
              onTogglePick={togglePick}
            />
          )}
          {!noMaps && stats && (
            <RoiPlots rows={rows} stats={stats} focus={shown.find((d) => d.id === focusId) ?? null} picked={picked} staticPlot={STATIC_PLOTS} />
          )}
          {!noMaps && (
            <section className="roi-insp-section">
              <button className="roi-insp-disclosure" aria-expanded={s.compareOpen} onClick={() => s.set({ compareOpen: !s.compareOpen })}>
                <span aria-hidden="true">{s.compareOpen ? '▾' : '▸'}</span> Across sessions and subjects
              </button>
              {s.compareOpen && <CrossSubjectPanel subject={subject} picked={pickedRois} staticPlot={STATIC_PLOTS} />}
            </section>
          )}
        </>
      )}
    </div>
  );
}

function Status({ vols }: { vols: SubjectVolumes }) {
  if (vols.pending === 0) return null;
  return <Spinner label={`Loading ${vols.requested - vols.pending} of ${vols.requested} volumes…`} />;
}

/** Notices beyond this many are summarised in one line (a dead connection fails every volume). */
const MAX_NOTICES = 4;

/** Failed volumes (each named, the rest keeps working), grid mismatches, a missing brain mask. */
function Problems({ subject, vols }: { subject: string; vols: SubjectVolumes }) {
  const bad = [vols.mask, ...vols.maps.map((m) => m.state), ...vols.rois.map((r) => r.state)].filter((st) => st.status === 'error' || st.status === 'grid');
  const all: VolumeState[] = bad.slice(0, MAX_NOTICES);
  const more = bad.slice(MAX_NOTICES);
  return (
    <div className="roi-insp-problems">
      {vols.mask.status === 'unlisted' && (
        <p className="notice notice-warn" role="alert">
          {subject} has no <code>{fileName(vols.mask.key)}</code> in this bucket, so this brain mask cannot be used. Choose the other mask source.
        </p>
      )}
      {all.map((st) =>
        st.status === 'error' ? (
          <ErrorNotice key={st.key} error={st.error} compact title={`Could not read ${fileName(st.key)}`} onRetry={st.retry} />
        ) : st.status === 'grid' ? (
          <p key={st.key} className="notice notice-warn notice-compact" role="alert" data-testid="roi-grid-mismatch">
            {st.error.message} Its numbers are left out.
          </p>
        ) : null,
      )}
      {more.length > 0 && (
        <p className="notice notice-error notice-compact">
          {more.length} more volume{more.length > 1 ? 's' : ''} could not be used: {more.map((st) => fileName(st.key)).join(', ')}.
        </p>
      )}
    </div>
  );
}
