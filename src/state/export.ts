/**
 * The export's choices (sessions, noise-ceiling threshold, stimuli, a global
 * trial list, the target). The voxel side (mask source, ROI query) is the
 * viewer's: what you see is what you export. Mirrored in the URL (`x*`
 * parameters) while the export panel is open.
 */
import { create } from 'zustand';
import type { StimulusSet } from '../science/trials.ts';

export type ExportTargetKind = 'file' | 'download' | 'folder';

export interface ExportSettings {
  open: boolean;
  /** Sessions to export; empty = the viewer's betas session. */
  sessions: string[];
  /** Restrict voxels to the viewer's ROI query (else: the whole brain mask). */
  useRoi: boolean;
  ncThreshold: number | null;
  stimuli: StimulusSet | null;
  /** Global trial indices (rows of laion_fmri's Subject.metadata), or null = all. */
  trials: number[] | null;
  trialsLabel: string | null;
  /** A custom voxel mask over the brain axis (C order), exclusive with the ROI; not in the URL. */
  mask: Uint8Array | null;
  target: ExportTargetKind;
}

export const DEFAULT_EXPORT: ExportSettings = {
  open: false,
  sessions: [],
  useRoi: true,
  ncThreshold: null,
  stimuli: null,
  trials: null,
  trialsLabel: null,
  mask: null,
  target: typeof window !== 'undefined' && 'showSaveFilePicker' in window ? 'file' : 'download',
};

interface ExportStore extends ExportSettings {
  set(patch: Partial<ExportSettings>): void;
}

export const useExportSettings = create<ExportStore>((set) => ({ ...DEFAULT_EXPORT, set: (patch) => set(patch) }));

/** Compact ranges for trial lists in links: 0-9,15,20-22. */
export function formatIndexList(xs: readonly number[]): string {
  const s = [...new Set(xs)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    out.push(j > i ? `${s[i]}-${s[j]}` : String(s[i]));
    i = j + 1;
  }
  return out.join(',');
}

export function parseIndexList(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 1_000_000) return null;
    for (let x = a; x <= b; x++) out.push(x);
  }
  return out;
}

export function exportToQuery(s: ExportSettings, q: URLSearchParams): void {
  if (!s.open) return;
  q.set('xp', '1');
  if (s.sessions.length) q.set('xses', s.sessions.join(','));
  if (!s.useRoi) q.set('xroi', '0');
  if (s.ncThreshold !== null) q.set('xnc', String(s.ncThreshold));
  if (s.stimuli) q.set('xstim', s.stimuli);
  if (s.trials) q.set('xtrials', formatIndexList(s.trials));
}

export function exportFromQuery(q: URLSearchParams): { patch: Partial<ExportSettings>; ignored: string[] } {
  const patch: Partial<ExportSettings> = {};
  const ignored: string[] = [];
  if (q.get('xp') === '1') patch.open = true;
  const ses = q.get('xses');
  if (ses !== null) {
    const list = ses.split(',');
    if (list.every((x) => /^ses-[A-Za-z0-9]+$/.test(x))) patch.sessions = list;
    else ignored.push(`xses=${ses} (expected session ids)`);
  }
  if (q.get('xroi') === '0') patch.useRoi = false;
  const nc = q.get('xnc');
  if (nc !== null) {
    const n = Number(nc);
    if (nc !== '' && Number.isFinite(n) && n >= 0 && n <= 100) patch.ncThreshold = n;
    else ignored.push(`xnc=${nc} (expected a noise ceiling in 0..100 %)`);
  }
  const stim = q.get('xstim');
  if (stim !== null) {
    if (stim === 'shared' || stim === 'unique') patch.stimuli = stim;
    else ignored.push(`xstim=${stim} (expected shared|unique)`);
  }
  const trials = q.get('xtrials');
  if (trials !== null) {
    const list = parseIndexList(trials);
    if (list) patch.trials = list;
    else ignored.push(`xtrials=${trials.slice(0, 40)} (expected trial indices like 0-9,15)`);
  }
  return { patch, ignored };
}
