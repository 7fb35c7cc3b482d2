/**
 * Viewer settings: which layers are shown and how, the crosshair, the slice
 * layout. Kept apart from the subject selection (a hover or a slider move
 * must not re-render the whole app) and mirrored in the URL so every
 * picture can be reproduced from its link.
 */
import { create } from 'zustand';
import type { MaskSource } from '../science/masks.ts';

export type AnatomyChoice = 'T1w' | 'T2w' | 'T1w-full' | 'none';
export type DrawMode = 'outline' | 'fill' | 'off';
export type SliceLayout = 'multiplanar' | 'multiplanar3d' | 'axial' | 'coronal' | 'sagittal' | 'render';
/** A per-voxel map: a session's noise ceiling, a subject-level one, or R² mean. */
export type MapId = `nc:${string}` | 'nc4' | 'nc12' | 'ncall' | 'r2mean';
export type OverlayId = 'map' | 'mask' | 'rois';
export type TrialView = 'trial' | 'image' | 'shared' | 'unique';
const TRIAL_VIEWS: TrialView[] = ['trial', 'image', 'shared', 'unique'];

export const COLORMAPS = ['hot', 'warm', 'viridis', 'plasma', 'inferno', 'cool'] as const;
export type Colormap = (typeof COLORMAPS)[number];

export interface ViewerSettings {
  anatomy: AnatomyChoice;
  maskSource: MaskSource;
  maskMode: DrawMode;
  roiQuery: string;
  roiMode: DrawMode;
  map: MapId | null;
  colormap: Colormap;
  /** Upper end of the colour range; null = the map's robust maximum. */
  rangeMax: number | null;
  /** Values below are transparent (percent for NC maps). */
  threshold: number;
  /** Dual coding: hue = the map's value, opacity = a noise ceiling. */
  dual: boolean;
  dualBy: MapId;
  /** NC at which the dual-coded opacity saturates (percent). */
  dualFull: number;
  /** Overlay order, bottom to top (the anatomy is always the background). */
  order: OverlayId[];
  layout: SliceLayout;
  /** Crosshair as voxel indices of the beta grid (file order), or null = centre. */
  voxel: [number, number, number] | null;
  /** Single-trial betas: the session whose betas are used, the trial shown, and whether the map shows it. */
  betasSession: string | null;
  trial: number;
  showTrial: boolean;
  /** What the betas map shows: the trial, or a mean over its image's repeats / all shared / all unique trials. */
  trialView: TrialView;
  /** Voxel plot: one column per image, its repeats stacked. */
  groupRepeats: boolean;
  /** |beta| below this is transparent (percent signal change). */
  betaThreshold: number;
}

export const DEFAULT_VIEWER: ViewerSettings = {
  anatomy: 'T1w',
  maskSource: 'anatomical',
  maskMode: 'outline',
  roiQuery: 'all',
  roiMode: 'outline',
  map: 'nc12',
  colormap: 'hot',
  rangeMax: null,
  threshold: 30,
  dual: false,
  dualBy: 'nc12',
  dualFull: 60,
  order: ['map', 'mask', 'rois'],
  layout: 'multiplanar',
  voxel: null,
  betasSession: null,
  trial: 0,
  showTrial: false,
  trialView: 'trial',
  groupRepeats: false,
  betaThreshold: 0.5,
};

interface ViewerStore extends ViewerSettings {
  set(patch: Partial<ViewerSettings>): void;
  moveOverlay(id: OverlayId, delta: -1 | 1): void;
  reset(): void;
}

export const useViewer = create<ViewerStore>((set, get) => ({
  ...DEFAULT_VIEWER,
  set: (patch) => set(patch),
  moveOverlay(id, delta) {
    const order = [...get().order];
    const i = order.indexOf(id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    set({ order });
  },
  reset: () => set({ ...DEFAULT_VIEWER }),
}));

// ------------------------------------------------------------------ URL mapping

const MAP_RE = /^(nc:ses-[A-Za-z0-9]+|nc4|nc12|ncall|r2mean)$/;
const MODES: DrawMode[] = ['outline', 'fill', 'off'];
const LAYOUTS: SliceLayout[] = ['multiplanar', 'multiplanar3d', 'axial', 'coronal', 'sagittal', 'render'];
const ANATOMY: AnatomyChoice[] = ['T1w', 'T2w', 'T1w-full', 'none'];

/** Writes the settings that differ from the defaults into `q`. */
export function viewerToQuery(s: ViewerSettings, q: URLSearchParams): void {
  const d = DEFAULT_VIEWER;
  if (s.anatomy !== d.anatomy) q.set('anat', s.anatomy);
  if (s.maskSource !== d.maskSource || s.maskMode !== d.maskMode) q.set('mask', `${s.maskSource}:${s.maskMode}`);
  if (s.roiQuery !== d.roiQuery) q.set('rois', s.roiQuery);
  if (s.roiMode !== d.roiMode) q.set('roimode', s.roiMode);
  if (s.map !== d.map) q.set('map', s.map ?? 'none');
  if (s.colormap !== d.colormap) q.set('cmap', s.colormap);
  if (s.rangeMax !== d.rangeMax && s.rangeMax !== null) q.set('max', String(s.rangeMax));
  if (s.threshold !== d.threshold) q.set('thr', String(s.threshold));
  if (s.dual) q.set('dual', `${s.dualBy}:${s.dualFull}`);
  if (s.order.join() !== d.order.join()) q.set('order', s.order.join(','));
  if (s.layout !== d.layout) q.set('layout', s.layout);
  if (s.voxel) q.set('vox', s.voxel.join(','));
  if (s.betasSession) q.set('bses', s.betasSession);
  if (s.trial !== d.trial) q.set('trial', String(s.trial));
  if (s.showTrial) q.set('showtrial', '1');
  if (s.trialView !== d.trialView) q.set('tview', s.trialView);
  if (s.betaThreshold !== d.betaThreshold) q.set('bthr', String(s.betaThreshold));
}

/** The selected betas trial only (the trials tab links to it). */
export function trialToQuery(s: ViewerSettings, q: URLSearchParams): void {
  if (s.betasSession) q.set('bses', s.betasSession);
  if (s.trial !== DEFAULT_VIEWER.trial) q.set('trial', String(s.trial));
}

/** Reads viewer settings from a query; returns what it could not apply. */
export function viewerFromQuery(q: URLSearchParams): { patch: Partial<ViewerSettings>; ignored: string[] } {
  const patch: Partial<ViewerSettings> = {};
  const ignored: string[] = [];
  const bad = (k: string, why: string) => ignored.push(`${k}=${q.get(k)} (${why})`);
  const anat = q.get('anat');
  if (anat !== null) {
    if ((ANATOMY as string[]).includes(anat)) patch.anatomy = anat as AnatomyChoice;
    else bad('anat', 'unknown anatomy');
  }
  const mask = q.get('mask');
  if (mask !== null) {
    const [src, mode] = mask.split(':');
    if ((src === 'anatomical' || src === 'rsquare') && MODES.includes(mode as DrawMode)) Object.assign(patch, { maskSource: src, maskMode: mode });
    else bad('mask', 'expected anatomical|rsquare:outline|fill|off');
  }
  const rois = q.get('rois');
  if (rois !== null) patch.roiQuery = rois.slice(0, 500);
  const roimode = q.get('roimode');
  if (roimode !== null) {
    if ((MODES as string[]).includes(roimode)) patch.roiMode = roimode as DrawMode;
    else bad('roimode', 'expected outline|fill|off');
  }
  const map = q.get('map');
  if (map !== null) {
    if (map === 'none') patch.map = null;
    else if (MAP_RE.test(map)) patch.map = map as MapId;
    else bad('map', 'unknown map');
  }
  const cmap = q.get('cmap');
  if (cmap !== null) {
    if ((COLORMAPS as readonly string[]).includes(cmap)) patch.colormap = cmap as Colormap;
    else bad('cmap', 'unknown colormap');
  }
  const num = (k: string, lo: number, hi: number): number | undefined => {
    const v = q.get(k);
    if (v === null) return undefined;
    const n = Number(v);
    if (Number.isFinite(n) && n >= lo && n <= hi) return n;
    bad(k, `expected a number in ${lo}..${hi}`);
    return undefined;
  };
  const max = num('max', -1e6, 1e6);
  if (max !== undefined) patch.rangeMax = max;
  const thr = num('thr', -1e6, 1e6);
  if (thr !== undefined) patch.threshold = thr;
  const dual = q.get('dual');
  if (dual !== null) {
    const [by, full] = dual.split(':');
    if (MAP_RE.test(by) && Number(full) > 0) Object.assign(patch, { dual: true, dualBy: by as MapId, dualFull: Number(full) });
    else bad('dual', 'expected <nc map>:<percent>');
  }
  const order = q.get('order');
  if (order !== null) {
    const ids = order.split(',');
    if (ids.length === 3 && ['map', 'mask', 'rois'].every((i) => ids.includes(i))) patch.order = ids as OverlayId[];
    else bad('order', 'expected a permutation of map,mask,rois');
  }
  const layout = q.get('layout');
  if (layout !== null) {
    if ((LAYOUTS as string[]).includes(layout)) patch.layout = layout as SliceLayout;
    else bad('layout', 'unknown layout');
  }
  const vox = q.get('vox');
  if (vox !== null) {
    const v = vox.split(',').map(Number);
    if (v.length === 3 && v.every((x) => Number.isInteger(x) && x >= 0 && x < 10_000)) patch.voxel = v as [number, number, number];
    else bad('vox', 'expected i,j,k');
  }
  const bses = q.get('bses');
  if (bses !== null) {
    if (/^ses-[A-Za-z0-9]+$/.test(bses)) patch.betasSession = bses;
    else bad('bses', 'not a session id');
  }
  const trial = num('trial', 0, 1e6);
  if (trial !== undefined) patch.trial = Math.floor(trial);
  if (q.get('showtrial') === '1') patch.showTrial = true;
  const tview = q.get('tview');
  if (tview !== null) {
    if ((TRIAL_VIEWS as string[]).includes(tview)) patch.trialView = tview as TrialView;
    else bad('tview', 'expected trial|image|shared|unique');
  }
  const bthr = num('bthr', 0, 1e6);
  if (bthr !== undefined) patch.betaThreshold = bthr;
  return { patch, ignored };
}
