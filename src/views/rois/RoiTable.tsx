/**
 * ROIs × NC maps: in every cell, how many of the ROI's in-brain voxels reach
 * the threshold (heat = that fraction). Rows grouped by category and sorted
 * by reliability on the focus map; the header rows carry the whole-brain and
 * query-union totals. Only binary searches run here, so it follows the slider.
 */
import type { RoiInfo } from '../../data/discovery.ts';
import type { MaskSource } from '../../science/masks.ts';
import { naturalCompare } from '../../data/discovery.ts';
import { countAtLeastSorted, fileName, type Distribution, type InspectorStats, type RoiStats } from './roi-stats.ts';
import type { NcMapDef, VolumeState } from './use-subject-volumes.ts';
import { categoryColour, heatColour } from './palette.ts';
import { useRoiInspector, type SortOrder } from '../../state/roi-inspector.ts';

export interface RoiRow {
  info: RoiInfo;
  state: VolumeState;
  stats?: RoiStats;
}
export interface MapColumn {
  def: NcMapDef;
  state: VolumeState;
}

interface Props {
  rows: RoiRow[];
  columns: MapColumn[];
  stats: InspectorStats | null;
  focus: string | null;
  sort: SortOrder;
  picked: readonly string[];
  maskSource: MaskSource;
  query: string;
  onFocus(mapId: string): void;
  onSortByName(): void;
  onTogglePick(name: string): void;
}

// One formatter: toLocaleString builds a new one per call, which showed in slider profiles (~900 cells per move).
const NUMBER = new Intl.NumberFormat('en');
const fmt = (n: number) => NUMBER.format(n);
const pct = (f: number) => (f > 0 && f < 0.01 ? '<1%' : f > 0.99 && f < 1 ? '>99%' : `${Math.round(f * 100)}%`);

/** Fraction of the ROI's in-brain voxels passing on the focus map (-1 while unknown). */
function reliability(row: RoiRow, focus: string | null, threshold: number): number {
  const d = focus ? row.stats?.dist.get(focus) : undefined;
  return d && d.n > 0 ? countAtLeastSorted(d.sorted, threshold) / d.n : -1;
}

export function sortRows(rows: RoiRow[], focus: string | null, threshold: number, sort: SortOrder): Array<{ category: string; rows: RoiRow[] }> {
  const byCat = new Map<string, RoiRow[]>();
  for (const r of rows) byCat.set(r.info.category, [...(byCat.get(r.info.category) ?? []), r]);
  const rel = new Map(rows.map((r) => [r, reliability(r, focus, threshold)]));
  const median = (r: RoiRow) => (focus ? (r.stats?.dist.get(focus)?.summary.median ?? -1) : -1);
  const cmp = (a: RoiRow, b: RoiRow) =>
    sort === 'name' ? naturalCompare(a.info.name, b.info.name) : rel.get(b)! - rel.get(a)! || median(b) - median(a) || naturalCompare(a.info.name, b.info.name);
  const groups = [...byCat.entries()].map(([category, list]) => ({ category, rows: list.sort(cmp) }));
  const best = (g: { rows: RoiRow[] }) => rel.get(g.rows[0]) ?? -1;
  return groups.sort((a, b) => (sort === 'name' ? naturalCompare(a.category, b.category) : best(b) - best(a) || naturalCompare(a.category, b.category)));
}

/** One count. Total rows (whole brain, union) show the share instead of repeating the long denominator of the "in brain" column. */
function Cell({ map, d, threshold, state, what, total = false, focus = false }: { map: string; d: Distribution | undefined; threshold: number; state: VolumeState; what: string; total?: boolean; focus?: boolean }) {
  const cls = `roi-insp-cell${focus ? ' roi-insp-focus-col' : ''}`;
  if (state.status === 'error') return <td data-map={map} className={`${cls} roi-insp-bad`} title={`Could not read ${fileName(state.key)}`}>!</td>;
  if (state.status === 'grid') return <td data-map={map} className={`${cls} roi-insp-bad`} title={state.error.message}>grid</td>;
  if (!d) return <td data-map={map} className={`${cls} roi-insp-wait`} aria-busy="true">…</td>;
  const k = countAtLeastSorted(d.sorted, threshold);
  const f = d.n ? k / d.n : 0;
  return (
    <td
      className={cls}
      data-map={map}
      style={{ background: heatColour(f) }}
      data-count={k}
      data-n={d.n}
      data-fraction={f.toFixed(4)}
      title={`${fmt(k)} of ${fmt(d.n)} in-brain voxels of ${what} have NC ≥ ${threshold}% (${pct(f)}); median NC ${d.summary.median.toFixed(1)}%`}
    >
      <span className="roi-insp-k">{fmt(k)}</span>
      {total ? <span className="roi-insp-n roi-insp-share">{pct(f)}</span> : <span className="roi-insp-n">/{fmt(d.n)}</span>}
    </td>
  );
}

/** ROI voxels in the brain, and the ones outside it that the package drops. */
function InBrain({ row, maskName }: { row: RoiRow; maskName: string }) {
  const st = row.state;
  if (st.status === 'error') return <span className="roi-insp-bad">!</span>;
  if (st.status === 'grid') return <span className="roi-insp-bad" title={st.error.message}>grid</span>;
  if (!row.stats) return <>…</>;
  const out = row.stats.nOutsideBrain;
  return (
    <>
      {fmt(row.stats.nInBrain)}
      {out > 0 && (
        <span
          className="roi-insp-outside"
          data-testid="roi-outside"
          title={`${out} voxel${out > 1 ? 's' : ''} of ${row.info.name} lie outside the ${maskName}; the package drops ${out > 1 ? 'them' : 'it'} (roi[brain]).`}
        >
          +{out} out
        </span>
      )}
    </>
  );
}

function Legend({ threshold, maskName }: { threshold: number; maskName: string }) {
  return (
    <p className="roi-insp-legend">
      Cell: voxels with NC ≥ {threshold}% / ROI voxels in the {maskName}
      <span className="roi-insp-ramp" aria-hidden="true">
        <span>0%</span>
        <i style={{ background: `linear-gradient(90deg, ${heatColour(0.001)}, ${heatColour(0.5)}, ${heatColour(1)})` }} />
        <span>100%</span>
      </span>
      · click a map to sort and plot by it · tick ROIs to draw them
    </p>
  );
}

export function RoiTable(p: Props) {
  // The table reads the threshold itself: a slider move re-renders it, not the inspector around it.
  const threshold = useRoiInspector((s) => s.threshold);
  const groups = sortRows(p.rows, p.focus, threshold, p.sort);
  const sessions = p.columns.filter((c) => c.def.group === 'session');
  const ordered = [...sessions, ...p.columns.filter((c) => c.def.group === 'subject')];
  const nSubject = ordered.length - sessions.length;
  const maskName = p.maskSource === 'anatomical' ? 'anatomical mask' : 'R² mean mask';
  const cells = (row: string, dist: (id: string) => Distribution | undefined, stateOf: (c: MapColumn) => VolumeState, total = false) =>
    ordered.map((c) => (
      <Cell key={c.def.id} map={c.def.id} focus={c.def.id === p.focus} d={dist(c.def.id)} threshold={threshold} state={stateOf(c)} what={row} total={total} />
    ));
  return (
    <div className="roi-insp-tablebox">
      <div className="roi-insp-table-wrap">
        <table className="roi-insp-table" data-testid="roi-table">
          <caption className="sr-only">
            Voxels with noise ceiling at least {threshold}% per ROI and map, out of the ROI voxels inside the {maskName}
          </caption>
          <thead>
            <tr className="roi-insp-groups">
              <th rowSpan={2} scope="col" aria-sort={p.sort === 'name' ? 'ascending' : undefined}>
                <button className="roi-insp-sort" onClick={p.onSortByName} title="Sort by name (again: by reliability)">
                  ROI
                </button>
              </th>
              <th rowSpan={2} scope="col" className="roi-insp-num" title={`ROI voxels inside the ${maskName} (roi[brain])`}>
                in brain
              </th>
              {sessions.length > 0 && (
                <th colSpan={sessions.length} scope="colgroup">
                  per session
                </th>
              )}
              {nSubject > 0 && (
                <th colSpan={nSubject} scope="colgroup" className="roi-insp-split">
                  subject, all sessions
                </th>
              )}
            </tr>
            <tr>
              {ordered.map((c, i) => (
                <th
                  key={c.def.id}
                  scope="col"
                  aria-sort={p.sort === 'reliability' && p.focus === c.def.id ? 'descending' : undefined}
                  className={`${p.focus === c.def.id ? 'roi-insp-focus' : ''}${i === sessions.length && i > 0 ? ' roi-insp-split' : ''}`}
                >
                  <button className="roi-insp-sort" onClick={() => p.onFocus(c.def.id)} title={`Sort by ${c.def.label} and plot it · ${fileName(c.def.key)}`} data-map-header={c.def.id}>
                    {c.def.label}
                    {p.focus === c.def.id && <span aria-hidden="true"> ▾</span>}
                  </button>
                </th>
              ))}
            </tr>
            <tr className="roi-insp-total" data-testid="roi-insp-brain-row">
              <th scope="row">Whole brain</th>
              <td className="roi-insp-num">{p.stats ? fmt(p.stats.nBrain) : '…'}</td>
              {cells(`the ${maskName}`, (id) => p.stats?.brain.get(id), (c) => c.state, true)}
            </tr>
            {p.rows.length > 1 && (
              <tr className="roi-insp-total" data-testid="roi-insp-union-row">
                <th scope="row" title="The voxels get_betas(roi=…) would select: the union of these ROIs inside the brain">
                  Union <code>{p.query.trim() || '[]'}</code>
                </th>
                <td className="roi-insp-num">{p.stats?.union ? fmt(p.stats.union.nInBrain) : '…'}</td>
                {cells('the union of these ROIs', (id) => p.stats?.union?.dist.get(id), (c) => c.state, true)}
              </tr>
            )}
          </thead>
          {groups.map((g) => (
            <tbody key={g.category} data-category={g.category}>
              <tr className="roi-insp-cat">
                <th colSpan={2 + ordered.length} scope="rowgroup">
                  <span className="roi-insp-dot" style={{ background: categoryColour(g.category) }} aria-hidden="true" />
                  {g.category}
                </th>
              </tr>
              {g.rows.map((r) => (
                <tr key={r.info.volume.key} data-roi={r.info.name}>
                  <th scope="row">
                    <label className="roi-insp-roi" title={r.info.bucketLabel !== r.info.name ? `bucket label “${r.info.bucketLabel}”` : undefined}>
                      <input type="checkbox" checked={p.picked.includes(r.info.name)} onChange={() => p.onTogglePick(r.info.name)} aria-label={`Plot ${r.info.name}`} />
                      {r.info.name}
                    </label>
                  </th>
                  <td className="roi-insp-num" data-testid="roi-nbrain">
                    <InBrain row={r} maskName={maskName} />
                  </td>
                  {cells(r.info.name, (id) => r.stats?.dist.get(id), (c) => (r.state.status === 'ready' ? c.state : r.state))}
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      </div>
      <Legend threshold={threshold} maskName={maskName} />
    </div>
  );
}
