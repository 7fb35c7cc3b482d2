/**
 * The stimulus side of laion_fmri (bucket-layout.md §4, §6): the images
 * metadata CSV, the subject's trial table joined to it (`Subject.metadata`),
 * captions and segmentation rows. Every join is BY IMAGE NAME, never by row
 * position: row order differs between files (embeddings, segmentations).
 *
 * Pure module: no DOM, no fetch.
 */
import Papa from 'papaparse';
import type { TrialRow } from './trials.ts';

/** A CSV the app cannot trust; names the file and, when known, the 1-based line. */
export class CsvError extends Error {
  readonly fileName: string;
  constructor(fileName: string, fault: string, line: number | null = null) {
    super(`${fileName}${line !== null ? `, line ${line}` : ''}: ${fault}`);
    this.name = 'CsvError';
    this.fileName = fileName;
  }
}

/**
 * Parses a comma-separated file with a header row (RFC 4180 quoting, as
 * pandas writes it). Checks that every required column is present; extra
 * columns are kept. Blank lines are skipped as pandas skips them.
 */
export function parseCsv(text: string, fileName: string, required: readonly string[]): Record<string, string>[] {
  const res = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true, transformHeader: (h) => h.trim() });
  const fields = res.meta.fields ?? [];
  const missing = required.filter((c) => !fields.includes(c));
  if (missing.length > 0) {
    throw new CsvError(fileName, `the header has columns [${fields.join(', ')}]; missing ${missing.join(', ')}.`, 1);
  }
  const bad = res.errors.find((e) => e.type === 'Quotes' || e.type === 'FieldMismatch');
  if (bad) {
    // Papa's row is 0-based among data rows; +2 for the header and 1-based lines (exact when no field spans lines).
    throw new CsvError(fileName, `${bad.message}.`, bad.row !== undefined ? bad.row + 2 : null);
  }
  return res.data;
}

// ------------------------------------------------------------------ images metadata

export const METADATA_COLUMNS = ['image_name', 'dataset', 'participant', 'unique_or_shared', 'n_reps'] as const;

export interface ImageMeta {
  image_name: string;
  dataset: string;
  participant: string;
  unique_or_shared: string;
  n_reps: string;
}

/** `task-images_metadata.csv`: row i = `images[i]` of the stimuli archive. */
export interface StimulusMetadata {
  rows: ImageMeta[];
  /** image_name → row (stim_idx). */
  byName: Map<string, number>;
}

export function parseStimulusMetadata(text: string, fileName: string): StimulusMetadata {
  const raw = parseCsv(text, fileName, METADATA_COLUMNS);
  const byName = new Map<string, number>();
  const rows = raw.map((r, i) => {
    const name = (r.image_name ?? '').trim();
    if (name === '') throw new CsvError(fileName, `row ${i} has an empty image_name.`, i + 2);
    if (byName.has(name)) throw new CsvError(fileName, `image_name '${name}' appears twice (rows ${byName.get(name)} and ${i}); a join by name would be ambiguous.`, i + 2);
    byName.set(name, i);
    return { image_name: name, dataset: r.dataset ?? '', participant: r.participant ?? '', unique_or_shared: r.unique_or_shared ?? '', n_reps: r.n_reps ?? '' };
  });
  return { rows, byName };
}

// ------------------------------------------------------------------ Subject.metadata

/**
 * One trial of `Subject.metadata`: the per-session TSVs concatenated in
 * sorted session order, joined to the metadata CSV by name. The position in
 * `SubjectTrials.rows` is the global trial index.
 */
export interface SubjectTrial {
  session: string;
  /** Row within the session = its volume in the session's betas file. */
  session_trial: number;
  run: number;
  beta_index: number;
  image_name: string;
  /** Row in task-images_metadata.csv (= images[stim_idx]); -1 when the name is not in the CSV. */
  stim_idx: number;
  unique_or_shared: string;
  dataset: string;
}

export interface SubjectTrials {
  rows: SubjectTrial[];
  sessions: string[];
  /** Global index of each session's first trial. */
  sessionStart: Map<string, number>;
  /** Trials whose image is missing from the metadata CSV (their stim_idx is -1). */
  unmatched: number;
}

/**
 * Builds `Subject.metadata`. Sessions are concatenated in sorted order (as the
 * package sorts its session list), whatever order they are given in.
 */
export function buildSubjectTrials(tables: ReadonlyArray<{ session: string; rows: readonly TrialRow[] }>, meta: StimulusMetadata): SubjectTrials {
  const sorted = [...tables].sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
  const rows: SubjectTrial[] = [];
  const sessionStart = new Map<string, number>();
  let unmatched = 0;
  for (const t of sorted) {
    sessionStart.set(t.session, rows.length);
    t.rows.forEach((r, i) => {
      const stim = meta.byName.get(r.label);
      if (stim === undefined) unmatched++;
      const m = stim === undefined ? null : meta.rows[stim];
      rows.push({
        session: t.session,
        session_trial: i,
        run: r.run,
        beta_index: r.betaIndex,
        image_name: r.label,
        stim_idx: stim ?? -1,
        unique_or_shared: m?.unique_or_shared ?? '',
        dataset: m?.dataset ?? '',
      });
    });
  }
  return { rows, sessions: sorted.map((t) => t.session), sessionStart, unmatched };
}

/** Global trial index of (session, trial within session), or -1. */
export function globalTrialIndex(t: SubjectTrials, session: string | null, sessionTrial: number): number {
  if (session === null) return -1;
  const start = t.sessionStart.get(session);
  if (start === undefined) return -1;
  const g = start + sessionTrial;
  return g < t.rows.length && t.rows[g].session === session ? g : -1;
}

// ------------------------------------------------------------------ filtering and sorting

/**
 * The table's filter. Each field is optional; `null`/'' means "any". Add new
 * fields (a split's train/test membership, an OOD type) as further optional
 * fields with a clause in `trialMatches`.
 */
export interface TrialFilter {
  sessions?: string[] | null;
  run?: number | null;
  uniqueOrShared?: string | null;
  dataset?: string | null;
  /** Case-insensitive substring of the image name or of any caption. */
  text?: string;
  /**
   * One side of a split (`get_split_masks` over the table's global order):
   * keep the trials whose `train`/`test` mask is 1. A trial listed on both
   * sides passes either; one in neither passes neither.
   */
  split?: { part: 'train' | 'test'; train: ArrayLike<number>; test: ArrayLike<number> } | null;
}

export type TrialSortKey = 'index' | 'session' | 'run' | 'image_name' | 'dataset' | 'unique_or_shared';

/**
 * Global indices of the rows that pass `filter`, sorted by `sort`
 * (ties keep the global order). `captionText(name)` gives the lower-cased
 * text searched besides the image name.
 */
export function filterTrials(
  rows: readonly SubjectTrial[],
  filter: TrialFilter,
  sort: { key: TrialSortKey; desc: boolean } = { key: 'index', desc: false },
  captionText?: (imageName: string) => string,
): Uint32Array {
  const text = (filter.text ?? '').trim().toLowerCase();
  const sessions = filter.sessions && filter.sessions.length > 0 ? new Set(filter.sessions) : null;
  const textHit = new Map<string, boolean>();
  const split = filter.split ? (filter.split.part === 'train' ? filter.split.train : filter.split.test) : null;
  if (split && split.length !== rows.length) throw new Error(`The split mask covers ${split.length} trials but the table has ${rows.length}.`);
  const keep: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (sessions && !sessions.has(r.session)) continue;
    if (filter.run != null && r.run !== filter.run) continue;
    if (filter.uniqueOrShared && r.unique_or_shared !== filter.uniqueOrShared) continue;
    if (filter.dataset && r.dataset !== filter.dataset) continue;
    if (split && !split[i]) continue;
    if (text) {
      let hit = textHit.get(r.image_name);
      if (hit === undefined) {
        hit = r.image_name.toLowerCase().includes(text) || (captionText?.(r.image_name).includes(text) ?? false);
        textHit.set(r.image_name, hit);
      }
      if (!hit) continue;
    }
    keep.push(i);
  }
  if (sort.key !== 'index') {
    const k = sort.key;
    const sign = sort.desc ? -1 : 1;
    keep.sort((a, b) => {
      const x = rows[a][k];
      const y = rows[b][k];
      const c = x < y ? -1 : x > y ? 1 : 0;
      return c !== 0 ? sign * c : a - b;
    });
  } else if (sort.desc) keep.reverse();
  return Uint32Array.from(keep);
}

/** A short human label for what a filter keeps (for a trial set made from the table). */
export function describeTrialFilter(filter: TrialFilter, splitName: string | null = null): string {
  const parts: string[] = [];
  if (filter.sessions?.length) parts.push(filter.sessions.join('+'));
  if (filter.run != null) parts.push(`run ${filter.run}`);
  if (filter.uniqueOrShared) parts.push(filter.uniqueOrShared);
  if (filter.dataset) parts.push(filter.dataset);
  if (filter.split) parts.push(`${splitName ?? 'split'} ${filter.split.part}`);
  const text = (filter.text ?? '').trim();
  if (text) parts.push(`“${text}”`);
  return parts.length ? `table: ${parts.join(' · ')}` : 'table: all trials';
}

// ------------------------------------------------------------------ captions

export const CAPTION_COLUMNS = ['image_name', 'caption_idx', 'source', 'caption'] as const;

export interface Caption {
  caption_idx: number;
  source: 'human' | 'ai';
  caption: string;
  origin_collection: string;
  participant_id: string;
  ai_model: string;
}

export interface ImageCaptions {
  /** Human captions by rank (caption_idx 1, 2, …). */
  human: Caption[];
  /** The AI caption (caption_idx 0), if the image has one. */
  ai: Caption | null;
}

/**
 * `task-images_desc-captions.csv` (long form). caption_idx 0 is the AI
 * caption, 1..5 the human ranks. A row whose source contradicts its index
 * (an `ai` row with idx ≠ 0, a `human` row with idx 0) or a repeated
 * (image, idx) is refused: it would put a caption at the wrong rank.
 */
export function parseCaptions(text: string, fileName: string): Map<string, ImageCaptions> {
  const raw = parseCsv(text, fileName, CAPTION_COLUMNS);
  const out = new Map<string, ImageCaptions>();
  const seen = new Set<string>();
  raw.forEach((r, i) => {
    const line = i + 2;
    const name = (r.image_name ?? '').trim();
    const idxText = (r.caption_idx ?? '').trim();
    if (!/^\d+$/.test(idxText)) throw new CsvError(fileName, `caption_idx '${r.caption_idx}' is not a non-negative integer.`, line);
    const idx = Number(idxText);
    const source = (r.source ?? '').trim();
    if (source !== 'human' && source !== 'ai') throw new CsvError(fileName, `source '${r.source}' is neither 'human' nor 'ai'.`, line);
    if ((source === 'ai') !== (idx === 0)) throw new CsvError(fileName, `a ${source} caption has caption_idx ${idx}; index 0 is reserved for the AI caption, 1.. for human ranks.`, line);
    const key = `${name}\u0000${idx}`;
    if (seen.has(key)) throw new CsvError(fileName, `'${name}' has caption_idx ${idx} twice.`, line);
    seen.add(key);
    const c: Caption = {
      caption_idx: idx,
      source,
      caption: r.caption ?? '',
      origin_collection: r.origin_collection ?? '',
      participant_id: r.participant_id ?? '',
      ai_model: r.ai_model ?? '',
    };
    let e = out.get(name);
    if (!e) out.set(name, (e = { human: [], ai: null }));
    if (source === 'ai') e.ai = c;
    else e.human.push(c);
  });
  for (const e of out.values()) e.human.sort((a, b) => a.caption_idx - b.caption_idx);
  return out;
}

/** Lower-cased text of all captions of an image (for search). */
export function captionSearchText(c: ImageCaptions | undefined): string {
  if (!c) return '';
  return [...c.human.map((h) => h.caption), c.ai?.caption ?? ''].join('\n').toLowerCase();
}

// ------------------------------------------------------------------ segmentations

export const SEGMENTATION_COLUMNS = ['mask_row', 'image_name', 'noun', 'instance_id', 'score', 'localized'] as const;

export interface SegmentationInstance {
  /** Index into `masks[mask_row]` of the segmentation archive. */
  mask_row: number;
  noun: string;
  instance_id: number;
  score: number;
  /** x0, y0, x1, y1 in pixels, or null when the row has no box. */
  box: [number, number, number, number] | null;
  /** 0: listed, but not drawn (no box, or the mask covers ~the whole image). */
  localized: boolean;
}

export interface ImageSegmentation {
  /** Nouns in the order of their first row. */
  nouns: Array<{ noun: string; instances: SegmentationInstance[] }>;
}

/** `task-images_desc-segmentations_metadata.csv`, grouped by image then noun, instances by instance_id. */
export function parseSegmentations(text: string, fileName: string): Map<string, ImageSegmentation> {
  const raw = parseCsv(text, fileName, SEGMENTATION_COLUMNS);
  const out = new Map<string, ImageSegmentation>();
  const rowsSeen = new Set<number>();
  raw.forEach((r, i) => {
    const line = i + 2;
    const int = (k: string): number => {
      const v = (r[k] ?? '').trim();
      if (!/^-?\d+$/.test(v)) throw new CsvError(fileName, `${k} '${r[k] ?? ''}' is not an integer.`, line);
      return Number(v);
    };
    const maskRow = int('mask_row');
    if (maskRow < 0) throw new CsvError(fileName, `mask_row ${maskRow} is negative.`, line);
    if (rowsSeen.has(maskRow)) throw new CsvError(fileName, `mask_row ${maskRow} appears twice.`, line);
    rowsSeen.add(maskRow);
    const boxCells = ['box_x0', 'box_y0', 'box_x1', 'box_y1'].map((k) => (r[k] ?? '').trim());
    const box = boxCells.every((c) => c !== '' && Number.isFinite(Number(c))) ? (boxCells.map(Number) as [number, number, number, number]) : null;
    const localizedText = (r.localized ?? '').trim();
    if (!/^(0|1|0\.0|1\.0|True|False)$/.test(localizedText)) throw new CsvError(fileName, `localized '${r.localized}' is not 0 or 1.`, line);
    const inst: SegmentationInstance = {
      mask_row: maskRow,
      noun: (r.noun ?? '').trim(),
      instance_id: int('instance_id'),
      score: Number(r.score),
      box,
      localized: localizedText === '1' || localizedText === '1.0' || localizedText === 'True',
    };
    const name = (r.image_name ?? '').trim();
    let seg = out.get(name);
    if (!seg) out.set(name, (seg = { nouns: [] }));
    let group = seg.nouns.find((n) => n.noun === inst.noun);
    if (!group) seg.nouns.push((group = { noun: inst.noun, instances: [] }));
    group.instances.push(inst);
  });
  for (const seg of out.values()) for (const g of seg.nouns) g.instances.sort((a, b) => a.instance_id - b.instance_id);
  return out;
}

// ------------------------------------------------------------------ voxel -> stimuli

export interface ImageScore {
  image_name: string;
  /** Mean beta over the image's repeats (NaN repeats skipped). */
  mean: number;
  repeats: number;
  /** Trial indices (into the series) of the repeats. */
  trials: number[];
}

/**
 * Averages a voxel's betas over each image's repeats and returns the `k`
 * highest and `k` lowest images. Trials whose beta is NaN (failed fit) are
 * left out of the mean; an image with no finite beta is left out.
 */
export function rankImagesByBeta(labels: readonly string[], series: ArrayLike<number>, k: number): { top: ImageScore[]; bottom: ImageScore[]; images: number } {
  const acc = new Map<string, { sum: number; n: number; trials: number[] }>();
  const n = Math.min(labels.length, series.length);
  for (let i = 0; i < n; i++) {
    let a = acc.get(labels[i]);
    if (!a) acc.set(labels[i], (a = { sum: 0, n: 0, trials: [] }));
    a.trials.push(i);
    const v = series[i];
    if (Number.isFinite(v)) {
      a.sum += v;
      a.n++;
    }
  }
  const scores: ImageScore[] = [];
  for (const [image_name, a] of acc) if (a.n > 0) scores.push({ image_name, mean: a.sum / a.n, repeats: a.n, trials: a.trials });
  scores.sort((x, y) => y.mean - x.mean || (x.image_name < y.image_name ? -1 : 1));
  const kk = Math.min(k, Math.floor(scores.length / 2));
  return { top: scores.slice(0, kk), bottom: scores.slice(scores.length - kk).reverse(), images: scores.length };
}
