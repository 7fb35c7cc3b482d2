/**
 * The per-session trial table `{sub}_{ses}_task-images_desc-SingletrialBetas_trials.tsv`
 * (bucket-layout.md §4) and the package's `stimuli=` trial filter.
 *
 * Row t of the table describes volume t of the betas file, so the parser is
 * strict where a silent slip would pair a beta with the wrong image:
 * `beta_index` must equal the row number, and the table must have exactly the
 * four documented columns. Errors name the file and the 1-based line.
 */

export interface TrialRow {
  /** `ses-01`… as written in the table (the package builds keys from it). */
  session: string;
  /** Run within the session (1..12 in the real data). */
  run: number;
  /** 0-based volume index in the betas file; equals the row index. */
  betaIndex: number;
  /** Image file name = `image_name` join key (`shared_12rep_…jpg`). */
  label: string;
}

export type StimulusSet = 'shared' | 'unique';
export const STIMULUS_SETS: readonly StimulusSet[] = ['shared', 'unique'];

export const TRIAL_COLUMNS = ['session', 'run', 'beta_index', 'label'] as const;

/** A trial table that cannot be trusted to pair volumes with images. Names the file (and line when known). */
export class TrialTableError extends Error {
  readonly fileName: string;
  /** 1-based line in the file (the header is line 1), when the fault is on one line. */
  readonly line: number | null;
  constructor(fileName: string, fault: string, line: number | null = null) {
    super(`${fileName}${line !== null ? `, line ${line}` : ''}: ${fault}`);
    this.name = 'TrialTableError';
    this.fileName = fileName;
    this.line = line;
  }
}

// A bare decimal integer; pandas would read "1.5" or "x" as another dtype and
// the package's run-based code would misbehave, so we refuse them here.
const INT_RE = /^[+-]?\d+$/;

/**
 * Parses the TSV text into rows, in file order. Columns are found by header
 * name (the package reads them by name with pandas), so their order may vary;
 * there must be exactly the four of TRIAL_COLUMNS. Blank lines are skipped
 * as pandas skips them; a trailing CR (Windows line ends) and a UTF-8 BOM are
 * tolerated.
 */
export function parseTrialTable(text: string, fileName: string): TrialRow[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new TrialTableError(fileName, 'the trial table is empty (expected a header row: session, run, beta_index, label).');
  const header = lines[headerAt].split('\t').map((h) => h.trim());
  if (header.length !== TRIAL_COLUMNS.length || TRIAL_COLUMNS.some((c) => !header.includes(c))) {
    throw new TrialTableError(
      fileName,
      `the header has columns [${header.join(', ')}]; a trial table has exactly the 4 tab-separated columns ${TRIAL_COLUMNS.join(', ')}.`,
      headerAt + 1,
    );
  }
  const col = (name: (typeof TRIAL_COLUMNS)[number]) => header.indexOf(name);
  const [iSes, iRun, iBeta, iLabel] = [col('session'), col('run'), col('beta_index'), col('label')];

  const rows: TrialRow[] = [];
  for (let k = headerAt + 1; k < lines.length; k++) {
    const line = lines[k];
    if (line.trim() === '') continue;
    const lineNo = k + 1;
    const cells = line.split('\t');
    if (cells.length !== TRIAL_COLUMNS.length) {
      throw new TrialTableError(fileName, `row ${rows.length} has ${cells.length} tab-separated cells, expected ${TRIAL_COLUMNS.length}.`, lineNo);
    }
    const runText = cells[iRun].trim();
    if (!INT_RE.test(runText)) throw new TrialTableError(fileName, `row ${rows.length}: run '${cells[iRun]}' is not an integer.`, lineNo);
    const betaText = cells[iBeta].trim();
    if (!INT_RE.test(betaText)) throw new TrialTableError(fileName, `row ${rows.length}: beta_index '${cells[iBeta]}' is not an integer.`, lineNo);
    const betaIndex = Number(betaText);
    if (betaIndex !== rows.length) {
      // Volume t of the betas file is row t: a gap or a reordering would pair
      // every later beta with the wrong image.
      throw new TrialTableError(fileName, `row ${rows.length} has beta_index ${betaIndex}; beta_index must equal the row number (volume t of the betas is row t).`, lineNo);
    }
    const label = cells[iLabel].trim();
    if (label === '') throw new TrialTableError(fileName, `row ${rows.length} has an empty label (no image name).`, lineNo);
    rows.push({ session: cells[iSes].trim(), run: Number(runText), betaIndex, label });
  }
  return rows;
}

/** True for a trial of a shared image (OOD images are named `shared_4rep_OOD_…`, so they count as shared). */
export function isSharedLabel(label: string): boolean {
  return label.startsWith('shared_');
}

/**
 * Row indices kept by the package's `stimuli=` filter, ascending (TSV order =
 * betas volume order). `null` keeps every trial. As in
 * `Subject._stimulus_trial_filter`, "unique" is the complement of "shared"
 * (`~label.str.startswith("shared_")`), not a test of the `unique_` prefix:
 * in the real tables every label has one of the two prefixes, and where one
 * does not we follow the package.
 */
export function trialsForStimuli(rows: readonly TrialRow[], stimuli: StimulusSet | null): Uint32Array {
  if (stimuli !== null && !STIMULUS_SETS.includes(stimuli)) {
    // Reachable from untyped callers (URL state); the package's message.
    throw new RangeError(`stimuli must be 'shared' or 'unique', got '${String(stimuli)}'`);
  }
  const keep: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (stimuli === null || isSharedLabel(rows[i].label) === (stimuli === 'shared')) keep.push(i);
  }
  return Uint32Array.from(keep);
}

/**
 * The trials a betas map averages: the trial itself, every repeat of its
 * image (same label), or every shared / unique trial of the session.
 */
export function trialsForView(rows: readonly TrialRow[], t: number, view: 'trial' | 'image' | 'shared' | 'unique'): number[] {
  if (t < 0 || t >= rows.length) return [];
  if (view === 'trial') return [t];
  if (view === 'image') return rows.flatMap((r, i) => (r.label === rows[t].label ? [i] : []));
  return Array.from(trialsForStimuli(rows, view));
}
