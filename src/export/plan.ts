/**
 * What a masked-betas export contains (the files, their exact sizes, and the
 * small ones' bytes), from selections already resolved per session with
 * `resolveBetasSelection` (= laion_fmri `get_betas`). Pure: the streaming of
 * the big `betas*.npy` entries is done elsewhere (jobs/export-handlers.ts)
 * from the plan's gather lists, so the plan itself is small.
 *
 * Layout (one session: plain names; several: `_<session>` suffixes, since a
 * noise-ceiling threshold selects different voxels in each session):
 *   betas.npy        float32 (n_trials, n_voxels), C order
 *   trials.tsv       one line per betas row, same order
 *   voxels.npy       int32 (n_voxels, 3): i, j, k on the betas grid
 *   voxels_mm.npy    float64 (n_voxels, 3): scanner mm (the grid's affine)
 *   voxel_index.npy  int64 (n_voxels,): laion_fmri's flat index (C order over (X, Y, Z))
 *   mask_brain.npy   bool (n_brain,): only when a custom mask= was given
 *   provenance.json  sources (keys, ETags, sizes), parameters, app version, date
 *   reproduce.py     the laion_fmri calls, and a check against these files
 *   README.txt
 */
import type { Affine } from '../formats/nifti.ts';
import { encodeNpy, npyByteLength, npyHeader } from '../formats/npy.ts';
import type { BetasSelection } from '../science/betas-select.ts';
import type { MaskSource } from '../science/masks.ts';
import type { StimulusSet, TrialRow } from '../science/trials.ts';
import { ijkOfNifti, niftiToC, type Dims3 } from '../science/voxel-order.ts';
import { reproducePy } from './reproduce-py.ts';

export interface SourceObject {
  key: string;
  etag: string;
  size: number;
}

/** The export's parameters: those of get_betas, plus a plain list of global trial indices. */
export interface ExportParams {
  subject: string;
  sessions: string[];
  maskSource: MaskSource;
  /** ROI query text as typed (name, category, 'all', or comma list); null = no roi=. */
  roi: string | null;
  /** Bool over the brain voxel axis (C order), exclusive with roi. */
  mask: Uint8Array | null;
  ncThreshold: number | null;
  stimuli: StimulusSet | null;
  /**
   * Global trial indices (rows of laion_fmri's `Subject.metadata`: public
   * sessions concatenated in sorted order); null = every trial. Any later
   * filter (stimulus table, splits) hands its choice over as this list.
   */
  trials: number[] | null;
  /** Free text naming where `trials` came from (e.g. "split shared/random_0 test"). */
  trialsLabel?: string;
}

export interface SessionPart {
  session: string;
  selection: BetasSelection;
  trialRows: readonly TrialRow[];
  /** Global index of this session's row 0 (sum of the earlier public sessions' trial counts). */
  globalOffset: number;
  betas: SourceObject;
  /** Where the rows come from: the browser's cache of the session (id), or the betas file itself. */
  cacheId: string | null;
  /** Number of brain voxels of the cache's axis (when cacheId is set). */
  cacheBrainVoxels?: number;
  /** Positions of the selected voxels on the cache's voxel axis (when cacheId is set). */
  cachePositions?: Uint32Array;
}

export interface ExportInput {
  params: ExportParams;
  endpoint: string;
  appVersion: string;
  created: Date;
  dims: Dims3;
  affine: Affine;
  parts: SessionPart[];
  /** Every object the selection read (brain masks, ROI volumes, NC, trial tables); the betas come from parts. */
  sources: SourceObject[];
  /** Keys by role, for reproduce.py's offline check. */
  keys: { brain: string; rois: string[]; nc: Record<string, string>; trials: Record<string, string> };
}

export type PlanEntry =
  | { kind: 'bytes'; name: string; bytes: Uint8Array }
  | {
      kind: 'betas';
      name: string;
      size: number;
      header: Uint8Array;
      session: string;
      /** Trial rows of the session's betas file, ascending. */
      rows: Uint32Array;
      nVoxels: number;
      /** NIfTI-order indices to gather from each volume (streaming from the file). */
      gather: Uint32Array;
      betasKey: string;
      betasEtag: string;
      betasSize: number;
      nTrialsInFile: number;
      cacheId: string | null;
      cacheBrainVoxels?: number;
      cachePositions?: Uint32Array;
    };

export interface ExportPlan {
  entries: PlanEntry[];
  totalBytes: number;
  /** Summary per session: rows and voxels. */
  shapes: { session: string; trials: number; voxels: number }[];
  provenance: Record<string, unknown>;
}

export function entrySize(e: PlanEntry): number {
  return e.kind === 'bytes' ? e.bytes.length : e.size;
}

/** The session rows kept: stimuli= (package rule) AND the global trial list. */
export function rowsForPart(part: Pick<SessionPart, 'selection' | 'trialRows' | 'globalOffset'>, globalTrials: readonly number[] | null): Uint32Array {
  const base = part.selection.trials ?? Uint32Array.from(part.trialRows.keys());
  if (!globalTrials) return base;
  const wanted = new Set(globalTrials);
  return base.filter((r) => wanted.has(part.globalOffset + r));
}

const enc = new TextEncoder();

function tsvCell(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}

export function buildExportPlan(input: ExportInput): ExportPlan {
  const { params, parts, dims, affine } = input;
  if (parts.length === 0) throw new RangeError('an export needs at least one session');
  const multi = parts.length > 1;
  const suffix = (s: string) => (multi ? `_${s}` : '');
  const entries: PlanEntry[] = [];
  const shapes: ExportPlan['shapes'] = [];
  const tsv: string[] = [['row', ...(multi ? ['file'] : []), 'global_trial', 'session', 'session_trial', 'run', 'image_name'].join('\t')];
  const sessionsInfo: Record<string, unknown>[] = [];
  const rowsBySession: Record<string, number[]> = {};

  for (const part of parts) {
    const rows = rowsForPart(part, params.trials);
    const nv = part.selection.nifti.length;
    const name = `betas${suffix(part.session)}.npy`;
    const shape = [rows.length, nv];
    entries.push({
      kind: 'betas',
      name,
      size: npyByteLength('<f4', shape),
      header: npyHeader('<f4', shape),
      session: part.session,
      rows,
      nVoxels: nv,
      gather: part.selection.nifti,
      betasKey: part.betas.key,
      betasEtag: part.betas.etag,
      betasSize: part.betas.size,
      nTrialsInFile: part.trialRows.length,
      cacheId: part.cacheId,
      cacheBrainVoxels: part.cacheBrainVoxels,
      cachePositions: part.cachePositions,
    });
    rows.forEach((r, i) => {
      const t = part.trialRows[r];
      tsv.push([String(i), ...(multi ? [name] : []), String(part.globalOffset + r), t.session, String(r), String(t.run), tsvCell(t.label)].join('\t'));
    });
    const ijk = new Int32Array(nv * 3);
    const mm = new Float64Array(nv * 3);
    const flat = new BigInt64Array(nv);
    part.selection.nifti.forEach((n, j) => {
      const [i, jj, k] = ijkOfNifti(n, dims);
      ijk.set([i, jj, k], j * 3);
      for (let r = 0; r < 3; r++) mm[j * 3 + r] = affine[r][0] * i + affine[r][1] * jj + affine[r][2] * k + affine[r][3];
      flat[j] = BigInt(niftiToC(n, dims));
    });
    entries.push({ kind: 'bytes', name: `voxels${suffix(part.session)}.npy`, bytes: encodeNpy('<i4', [nv, 3], ijk) });
    entries.push({ kind: 'bytes', name: `voxels_mm${suffix(part.session)}.npy`, bytes: encodeNpy('<f8', [nv, 3], mm) });
    entries.push({ kind: 'bytes', name: `voxel_index${suffix(part.session)}.npy`, bytes: encodeNpy('<i8', [nv], flat) });
    shapes.push({ session: part.session, trials: rows.length, voxels: nv });
    rowsBySession[part.session] = Array.from(rows);
    sessionsInfo.push({
      session: part.session,
      files: { betas: name, voxels: `voxels${suffix(part.session)}.npy`, voxels_mm: `voxels_mm${suffix(part.session)}.npy`, voxel_index: `voxel_index${suffix(part.session)}.npy` },
      shape: shape,
      n_trials_in_session: part.trialRows.length,
      global_trial_offset: part.globalOffset,
      n_brain_voxels: part.selection.brainVoxels.length,
      roi_voxels_outside_brain_dropped: part.selection.roiOutsideBrain,
      rows_read_from: part.cacheId ? 'the browser cache of this session (built from the betas file below, same ETag)' : 'the betas file, streamed',
    });
  }
  entries.push({ kind: 'bytes', name: 'trials.tsv', bytes: enc.encode(tsv.join('\n') + '\n') });
  if (params.mask) entries.push({ kind: 'bytes', name: 'mask_brain.npy', bytes: encodeNpy('|b1', [params.mask.length], Uint8Array.from(params.mask, (v) => (v ? 1 : 0))) });

  const sources = [...input.sources, ...parts.map((p) => p.betas)];
  const seen = new Set<string>();
  const provenance = {
    format: 'laion-fmri-explorer masked betas export',
    format_version: 1,
    app: { name: 'LAION-fMRI Explorer', version: input.appVersion },
    created: input.created.toISOString(),
    endpoint: input.endpoint,
    subject: params.subject,
    parameters: {
      session: params.sessions,
      roi: params.roi,
      roi_resolved: parts[0].selection.roiNames,
      mask: params.mask ? 'mask_brain.npy' : null,
      nc_threshold: params.ncThreshold,
      stimuli: params.stimuli,
      mask_source: params.maskSource,
      trials: params.trials,
      trials_label: params.trialsLabel ?? null,
    },
    grid: { dims: [...dims], affine: affine.map((r) => [...r]) },
    conventions: {
      betas: 'float32, C order, shape (n_trials, n_voxels); NaN = failed fit (kept, as laion_fmri does)',
      voxel_axis: "the brain voxels (mask_source) in laion_fmri's C order, narrowed by roi/mask and nc_threshold",
      voxel_index: 'flat index into the (X, Y, Z) grid in C order: (i * Y + j) * Z + k',
      voxels: 'i, j, k voxel indices of the betas grid (NIfTI file order)',
      voxels_mm: 'affine @ [i, j, k, 1] (scanner mm, the betas file sform)',
      global_trial: "row of laion_fmri's Subject.metadata (public sessions concatenated in sorted order)",
    },
    sessions: sessionsInfo,
    sources: sources.filter((s) => !seen.has(s.key) && seen.add(s.key)).map((s) => ({ key: s.key, etag: s.etag, size: s.size })),
  };
  entries.push({ kind: 'bytes', name: 'provenance.json', bytes: enc.encode(JSON.stringify(provenance, null, 2) + '\n') });
  entries.push({
    kind: 'bytes',
    name: 'reproduce.py',
    bytes: enc.encode(reproducePy({ params, rowsBySession, suffixes: Object.fromEntries(parts.map((p) => [p.session, suffix(p.session)])), keys: { ...input.keys, betas: Object.fromEntries(parts.map((p) => [p.session, p.betas.key])) } })),
  });
  entries.push({ kind: 'bytes', name: 'README.txt', bytes: enc.encode(readme(shapes, multi)) });
  return { entries, totalBytes: entries.reduce((a, e) => a + entrySize(e), 0), shapes, provenance };
}

function readme(shapes: ExportPlan['shapes'], multi: boolean): string {
  const lines = [
    'LAION-fMRI Explorer: masked single-trial betas',
    '',
    ...shapes.map((s) => `${s.session}: ${s.trials} trials x ${s.voxels} voxels`),
    '',
    'Load in Python:',
    '  import numpy as np, csv',
    `  betas = np.load("betas${multi ? `_${shapes[0].session}` : ''}.npy")        # float32 (n_trials, n_voxels)`,
    '  trials = list(csv.DictReader(open("trials.tsv"), delimiter="\\t"))',
    `  ijk = np.load("voxels${multi ? `_${shapes[0].session}` : ''}.npy")           # (n_voxels, 3)`,
    '',
    'provenance.json lists every source object (with its ETag) and parameter;',
    'reproduce.py repeats the selection with laion_fmri and checks it against these',
    'files (`python reproduce.py --local <folder holding a copy of the bucket>` works offline).',
    '',
  ];
  return lines.join('\n');
}
