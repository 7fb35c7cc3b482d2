/**
 * (a) The NC distribution of every ROI of the query on the focus map (boxes
 * from the precomputed quartiles, coloured by category) with the threshold;
 * (b) reliability curves of the picked ROIs: the share of the ROI's in-brain
 * voxels with NC >= t, so "from which threshold" can be read off.
 */
import { useMemo } from 'react';
import type { BoxData, Data, Layout, ScatterData } from 'plotly.js-dist-min';
import { Plot } from '../common/Plot.tsx';
import { CURVE_THRESHOLDS, countAtLeastSorted, type Distribution, type InspectorStats } from './roi-stats.ts';
import { categoryColour, roiColour } from './palette.ts';
import { usePlotThreshold } from '../../state/roi-inspector.ts';
import type { RoiRow } from './RoiTable.tsx';
import type { NcMapDef } from './use-subject-volumes.ts';

interface Props {
  rows: RoiRow[];
  stats: InspectorStats | null;
  focus: NcMapDef | null;
  picked: readonly string[];
  staticPlot: boolean;
}

export const mapTitle = (d: NcMapDef) => (d.group === 'session' ? `${d.id} NC` : `${d.label} NC`);

function thresholdLine(axis: 'x' | 'y', t: number): NonNullable<Layout['shapes']>[number] {
  const line = { color: '#ffb347', width: 1.5, dash: 'dash' as const };
  return axis === 'y'
    ? { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: t, y1: t, line }
    : { type: 'line', yref: 'paper', y0: 0, y1: 1, xref: 'x', x0: t, x1: t, line };
}

type Figure = { data: Data[]; layout: Partial<Layout> };

/**
 * Figures are built in two layers: the traces, which do not depend on the
 * threshold, and a small threshold layer. Plotly.react compares arrays by
 * reference, so a slider move re-draws a line and a few markers, not the
 * whole figure.
 */
function distributionTraces(rows: RoiRow[], focus: NcMapDef): { data: Data[]; order: string[] } {
  // Ordered by median NC (threshold-free, so boxes stay put while the slider moves), categories by their best ROI.
  const median = (r: RoiRow) => r.stats!.dist.get(focus.id)!.summary.median;
  const ready = rows.filter((r) => r.stats?.dist.get(focus.id)?.summary.n).sort((a, b) => median(b) - median(a));
  const byCat = new Map<string, RoiRow[]>();
  for (const r of ready) byCat.set(r.info.category, [...(byCat.get(r.info.category) ?? []), r]);
  const data: Data[] = [...byCat.entries()].map(([category, list]): BoxData => {
    const s = list.map((r) => r.stats!.dist.get(focus.id)!.summary);
    const colour = categoryColour(category);
    return {
      type: 'box',
      name: category,
      x: list.map((r) => r.info.name),
      q1: s.map((x) => x.q25),
      median: s.map((x) => x.median),
      q3: s.map((x) => x.q75),
      lowerfence: s.map((x) => x.min),
      upperfence: s.map((x) => x.max),
      mean: s.map((x) => x.mean),
      boxmean: true,
      marker: { color: colour },
      line: { color: colour, width: 1.5 },
      fillcolor: `${colour}55`,
      hoverinfo: 'y+name',
    };
  });
  return { data, order: [...byCat.values()].flat().map((r) => r.info.name) };
}

function distributionLayout(focus: NcMapDef, order: string[], threshold: number): Partial<Layout> {
  return {
    title: { text: `NC distribution · ${mapTitle(focus)}`, font: { size: 13 }, x: 0.01, xanchor: 'left' },
    yaxis: { title: { text: 'noise ceiling (%)' }, range: [0, 100] },
    xaxis: { type: 'category', categoryorder: 'array', categoryarray: order, tickangle: order.length > 12 ? -60 : 0, tickfont: { size: 11 } },
    showlegend: false,
    boxgap: 0.35,
    shapes: [thresholdLine('y', threshold)],
    annotations: [
      { xref: 'paper', x: 1, xanchor: 'right', yref: 'y', y: threshold, yanchor: 'bottom', text: `threshold ${threshold}%`, showarrow: false, font: { size: 11, color: '#ffb347' }, bgcolor: 'rgba(13,17,25,0.8)' },
    ],
    margin: { l: 56, r: 12, t: 36, b: 40 },
  };
}

interface Curve {
  name: string;
  colour: string;
  d: Distribution;
}

function curves(rows: RoiRow[], focus: NcMapDef, picked: readonly string[]): Curve[] {
  const chosen = rows.filter((r) => picked.includes(r.info.name) && r.stats?.dist.get(focus.id));
  chosen.sort((a, b) => picked.indexOf(a.info.name) - picked.indexOf(b.info.name));
  return chosen.map((r) => {
    const same = chosen.filter((c) => c.info.category === r.info.category);
    return { name: r.info.name, colour: roiColour(r.info.category, same.indexOf(r), same.length), d: r.stats!.dist.get(focus.id)! };
  });
}

function curveTraces(list: Curve[], brain: Distribution | undefined): Data[] {
  const x = CURVE_THRESHOLDS as number[];
  const data: Data[] = [];
  if (brain) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'whole brain',
      x,
      y: brain.curve.map((f) => 100 * f),
      line: { color: '#8d98ad', width: 1.5, dash: 'dot' },
      hovertemplate: 'whole brain: %{y:.1f}% of voxels have NC ≥ %{x}%<extra></extra>',
    } satisfies ScatterData);
  }
  for (const c of list) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: c.name,
      x,
      y: c.d.curve.map((f) => 100 * f),
      line: { color: c.colour, width: 2, shape: 'hv' },
      hovertemplate: `${c.name}: %{y:.0f}% of ${c.d.n} voxels have NC ≥ %{x}%<extra></extra>`,
    } satisfies ScatterData);
  }
  return data;
}

/** Where each curve crosses the threshold: one small marker trace. */
function thresholdMarkers(list: Curve[], threshold: number): Data {
  const at = list.map((c) => (c.d.n ? (100 * countAtLeastSorted(c.d.sorted, threshold)) / c.d.n : 0));
  return {
    type: 'scatter',
    mode: 'markers',
    showlegend: false,
    x: list.map(() => threshold),
    y: at,
    text: list.map((c) => c.name),
    marker: { color: list.map((c) => c.colour), size: 8, line: { color: '#0d1119', width: 1.5 } },
    hovertemplate: `%{text}: %{y:.0f}% at NC ≥ ${threshold}%<extra></extra>`,
  } satisfies ScatterData;
}

function curveLayout(focus: NcMapDef, threshold: number): Partial<Layout> {
  return {
    title: { text: `Reliability curve · ${mapTitle(focus)}`, font: { size: 13 }, x: 0.01, xanchor: 'left' },
    xaxis: { title: { text: 'NC threshold t (%)' }, range: [0, 100], dtick: 20 },
    yaxis: { title: { text: 'voxels with NC ≥ t (%)' }, range: [0, 102] },
    legend: { font: { size: 11 }, x: 1.02, xanchor: 'left', y: 1, yanchor: 'top', tracegroupgap: 2 },
    shapes: [thresholdLine('x', threshold)],
    hovermode: 'closest',
    margin: { l: 56, r: 8, t: 36, b: 44 },
  };
}

export function RoiPlots({ rows, stats, focus, picked, staticPlot }: Props) {
  const threshold = usePlotThreshold();
  const boxes = useMemo(() => (focus ? distributionTraces(rows, focus) : null), [rows, focus]);
  const dist = useMemo((): Figure | null => (boxes && focus ? { data: boxes.data, layout: distributionLayout(focus, boxes.order, threshold) } : null), [boxes, focus, threshold]);
  const list = useMemo(() => (focus ? curves(rows, focus, picked) : []), [rows, focus, picked]);
  const lines = useMemo(() => (focus && stats ? curveTraces(list, stats.brain.get(focus.id)) : null), [list, stats, focus]);
  const curve = useMemo(
    (): Figure | null => (lines && focus ? { data: [...lines, thresholdMarkers(list, threshold)], layout: curveLayout(focus, threshold) } : null),
    [lines, list, focus, threshold],
  );
  if (!focus) return <p className="empty">Choose at least one NC map to plot.</p>;
  return (
    <div className="roi-insp-plots">
      <figure className="roi-insp-figure" data-testid="roi-plot-distribution">
        {dist && dist.data.length > 0 ? (
          <Plot data={dist.data} layout={dist.layout} staticPlot={staticPlot} label={`Noise-ceiling distribution per ROI on ${mapTitle(focus)}, threshold ${threshold}%`} />
        ) : (
          <p className="empty roi-insp-plot-empty">The distribution appears when the ROIs and {mapTitle(focus)} have loaded.</p>
        )}
      </figure>
      <figure className="roi-insp-figure" data-testid="roi-plot-curve">
        {curve && picked.length > 0 ? (
          <Plot data={curve.data} layout={curve.layout} staticPlot={staticPlot} label={`Reliability curves of ${picked.join(', ')} on ${mapTitle(focus)}`} />
        ) : (
          <p className="empty roi-insp-plot-empty">Tick ROIs in the table to draw their reliability curves.</p>
        )}
      </figure>
    </div>
  );
}
