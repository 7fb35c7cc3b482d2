/**
 * A plotly.js figure as a React component. Plotly (~3.5 MB) is imported on
 * first use, so pages without plots never load it. `Plotly.react` diffs the
 * figure in place; unmounting purges it (StrictMode's mount/unmount/mount
 * works because the purge and the next render are queued on one promise, in
 * order). Colours follow the app's dark theme (CSS variables).
 */
import { useEffect, useRef } from 'react';
import type { Config, Data, Layout } from 'plotly.js-dist-min';

type PlotlyApi = typeof import('plotly.js-dist-min').default;
let plotly: Promise<PlotlyApi> | null = null;
const loadPlotly = (): Promise<PlotlyApi> =>
  (plotly ??= import('plotly.js-dist-min').then(
    (m) => m.default,
    (e: unknown) => {
      plotly = null; // let a later render try again
      throw e;
    },
  ));

export interface PlotProps {
  data: Data[];
  layout?: Partial<Layout>;
  /** No hover, zoom or mode bar: for screenshots and thumbnails. */
  staticPlot?: boolean;
  /** Accessible name of the figure (it is an image to a screen reader). */
  label: string;
  className?: string;
}

/** The app's theme colours, read once (getComputedStyle per render showed in slider profiles). */
let theme: Partial<Layout> | null = null;
function themeLayout(): Partial<Layout> {
  if (theme) return theme;
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const axis = { gridcolor: v('--line', '#263047'), zerolinecolor: v('--line', '#263047'), linecolor: v('--line', '#263047'), automargin: true };
  theme = {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: css.fontFamily, size: 12, color: v('--text', '#e4e9f2') },
    hoverlabel: { bgcolor: v('--panel-2', '#1a2232'), bordercolor: v('--line', '#263047'), font: { color: v('--text', '#e4e9f2') } },
    template: { layout: { xaxis: axis, yaxis: axis } },
  };
  return theme;
}

function themed(layout: Partial<Layout> | undefined): Partial<Layout> {
  const t = themeLayout();
  return { margin: { l: 56, r: 16, t: 30, b: 48 }, ...layout, ...t, font: { ...t.font, ...layout?.font } };
}

export function Plot({ data, layout, staticPlot = false, label, className }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current!;
    let alive = true;
    const observer = new ResizeObserver(() => void loadPlotly().then((P) => alive && el.dataset.rendered && P.Plots.resize(el)));
    observer.observe(el);
    return () => {
      alive = false;
      observer.disconnect();
      void loadPlotly().then((P) => P.purge(el));
    };
  }, []);
  useEffect(() => {
    const el = ref.current!;
    let alive = true;
    const config: Partial<Config> = { displaylogo: false, staticPlot, responsive: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };
    void loadPlotly()
      .then((P) => (alive ? P.react(el, data, themed(layout), config) : null))
      .then((done) => {
        if (done && alive) el.dataset.rendered = 'true';
      })
      .catch((e: unknown) => {
        // The chunk did not load (offline?) or the figure was refused: say so in place of the figure.
        if (alive) el.textContent = `The plot could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
      });
    return () => {
      alive = false;
    };
  }, [data, layout, staticPlot]);
  return <div ref={ref} className={`plot-root${className ? ` ${className}` : ''}`} role="img" aria-label={label} />;
}
