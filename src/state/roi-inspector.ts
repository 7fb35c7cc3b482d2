/**
 * Settings of the ROI inspector. A store of its own (not the selection
 * store): moving the threshold slider must re-render the inspector only. It
 * outlives a tab switch, and its fields are plain values so that they can be
 * mirrored in the URL (`inspectorToQuery` / `inspectorFromQuery`).
 */
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_MASK_SOURCE, MASK_SOURCES, type MaskSource } from '../science/masks.ts';

export type SortOrder = 'reliability' | 'name';
export type CompareUnit = 'count' | 'percent';

export interface RoiInspectorSettings {
  maskSource: MaskSource;
  /** NC threshold in percent (the maps are 0–100); a voxel passes when nc >= threshold. */
  threshold: number;
  /** ROI query in the package grammar: a name, a category, 'all', or a list. */
  query: string;
  /** NC maps shown as columns (map ids), or null for the default set. */
  maps: string[] | null;
  /** The map the plots and the reliability sort use, or null for the default (12rep if listed). */
  focusMap: string | null;
  /** ROIs drawn in the curves and the comparison, or null for the default pick. */
  picked: string[] | null;
  sort: SortOrder;
  compareOpen: boolean;
  compareUnit: CompareUnit;
}

interface RoiInspectorState extends RoiInspectorSettings {
  set(patch: Partial<RoiInspectorSettings>): void;
}

export const DEFAULT_INSPECTOR: RoiInspectorSettings = {
  maskSource: DEFAULT_MASK_SOURCE,
  threshold: 20,
  query: 'all',
  maps: null,
  focusMap: null,
  picked: null,
  sort: 'reliability',
  compareOpen: false,
  compareUnit: 'count',
};

export const useRoiInspector = create<RoiInspectorState>((set) => ({
  ...DEFAULT_INSPECTOR,
  set: (patch) => set(patch),
}));

/**
 * `?plots=static` renders every plot without hover, zoom or mode bar (for
 * golden screenshots). Read once at start-up, before the URL binding
 * rewrites the query string.
 */
export const STATIC_PLOTS = typeof location !== 'undefined' && new URLSearchParams(location.search).get('plots') === 'static';

/** Every setting but the threshold: the inspector shell does not re-render while the slider moves. */
export function useInspectorSettings(): Omit<RoiInspectorState, 'threshold'> {
  return useRoiInspector(
    useShallow(({ maskSource, query, maps, focusMap, picked, sort, compareOpen, compareUnit, set }) => ({ maskSource, query, maps, focusMap, picked, sort, compareOpen, compareUnit, set })),
  );
}

/** Plots redraw at most this often while the slider is dragged (the table follows every step). */
const PLOT_THRESHOLD_INTERVAL_MS = 120;

/**
 * The threshold for plots: trailing-throttled, so dragging redraws the
 * figures a few times a second and always ends on the final value.
 */
export function usePlotThreshold(): number {
  const threshold = useRoiInspector((s) => s.threshold);
  const [shown, setShown] = useState(threshold);
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + PLOT_THRESHOLD_INTERVAL_MS - performance.now());
    const id = setTimeout(() => {
      last.current = performance.now();
      setShown(threshold);
    }, wait);
    return () => clearTimeout(id);
  }, [threshold]);
  return shown;
}

export function clampThreshold(t: number): number {
  return Number.isFinite(t) ? Math.min(100, Math.max(0, t)) : DEFAULT_INSPECTOR.threshold;
}

/** URL parameters for the non-default settings (`roimask=rsquare&ncthr=35&roiq=face`). */
export function inspectorToQuery(s: RoiInspectorSettings, q: URLSearchParams): void {
  if (s.maskSource !== DEFAULT_INSPECTOR.maskSource) q.set('roimask', s.maskSource);
  if (s.threshold !== DEFAULT_INSPECTOR.threshold) q.set('ncthr', String(s.threshold));
  if (s.query !== DEFAULT_INSPECTOR.query) q.set('roiq', s.query);
  if (s.focusMap) q.set('ncmap', s.focusMap);
}

export function inspectorFromQuery(q: URLSearchParams): { patch: Partial<RoiInspectorSettings>; ignored: string[] } {
  const patch: Partial<RoiInspectorSettings> = {};
  const ignored: string[] = [];
  const mask = q.get('roimask');
  if (mask !== null) {
    if ((MASK_SOURCES as readonly string[]).includes(mask)) patch.maskSource = mask as MaskSource;
    else ignored.push(`roimask=${mask} (use anatomical or rsquare)`);
  }
  const thr = q.get('ncthr');
  if (thr !== null) {
    const t = Number(thr);
    if (Number.isFinite(t) && t >= 0 && t <= 100) patch.threshold = t;
    else ignored.push(`ncthr=${thr} (a noise ceiling in percent, 0–100)`);
  }
  const query = q.get('roiq');
  if (query !== null) patch.query = query;
  const map = q.get('ncmap');
  if (map !== null) patch.focusMap = map;
  return { patch, ignored };
}
