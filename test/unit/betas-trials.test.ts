/** The trial table (bucket-layout.md §4) and the package's stimuli= trial filter. */
import { describe, expect, it } from 'vitest';
import { parseTrialTable, trialsForStimuli, trialsForView, TrialTableError, type StimulusSet } from '../../src/science/trials.ts';

const F = 'sub-01_ses-01_task-images_desc-SingletrialBetas_trials.tsv';
const tsv = (...lines: string[]) => lines.join('\n') + '\n';
const HEADER = 'session\trun\tbeta_index\tlabel';

function parseError(text: string): TrialTableError {
  try {
    parseTrialTable(text, F);
  } catch (e) {
    expect(e).toBeInstanceOf(TrialTableError);
    return e as TrialTableError;
  }
  throw new Error('expected a TrialTableError');
}

describe('parseTrialTable', () => {
  it('reads the four columns, in row order, with run and beta_index as integers', () => {
    const rows = parseTrialTable(
      tsv(HEADER, 'ses-01\t1\t0\tshared_12rep_LAION_cluster_1003_i0.jpg', 'ses-01\t1\t1\tunique_LAION_initial_cluster_7_i2.jpg', 'ses-01\t12\t2\tshared_4rep_OOD_shape_3.png'),
      F,
    );
    expect(rows).toEqual([
      { session: 'ses-01', run: 1, betaIndex: 0, label: 'shared_12rep_LAION_cluster_1003_i0.jpg' },
      { session: 'ses-01', run: 1, betaIndex: 1, label: 'unique_LAION_initial_cluster_7_i2.jpg' },
      { session: 'ses-01', run: 12, betaIndex: 2, label: 'shared_4rep_OOD_shape_3.png' },
    ]);
  });

  it('finds columns by header name, tolerates CRLF, a BOM, blank lines and no final newline', () => {
    const text = '\uFEFFlabel\tbeta_index\trun\tsession\r\nshared_a.jpg\t0\t3\tses-02\r\n\r\nunique_b.jpg\t1\t4\tses-02';
    expect(parseTrialTable(text, F)).toEqual([
      { session: 'ses-02', run: 3, betaIndex: 0, label: 'shared_a.jpg' },
      { session: 'ses-02', run: 4, betaIndex: 1, label: 'unique_b.jpg' },
    ]);
  });

  it('a header-only table has zero trials', () => {
    expect(parseTrialTable(tsv(HEADER), F)).toEqual([]);
  });

  it('rejects an empty file, naming it', () => {
    const e = parseError('');
    expect(e.message).toBe(`${F}: the trial table is empty (expected a header row: session, run, beta_index, label).`);
    expect(e.fileName).toBe(F);
  });

  it('rejects a header without exactly the four columns', () => {
    expect(parseError(tsv('session\trun\tbeta_index\tlabel\tonset', 'ses-01\t1\t0\tx\t0.5')).message).toBe(
      `${F}, line 1: the header has columns [session, run, beta_index, label, onset]; a trial table has exactly the 4 tab-separated columns session, run, beta_index, label.`,
    );
    expect(parseError(tsv('session,run,beta_index,label', 'ses-01,1,0,x')).line).toBe(1);
    expect(parseError(tsv('session\trun\tbeta\tlabel')).message).toContain('[session, run, beta, label]');
  });

  it('rejects a row with the wrong number of cells, naming the row and line', () => {
    const e = parseError(tsv(HEADER, 'ses-01\t1\t0\ta.jpg', 'ses-01\t1\t1'));
    expect(e.message).toBe(`${F}, line 3: row 1 has 3 tab-separated cells, expected 4.`);
    expect(e.line).toBe(3);
  });

  it('rejects a beta_index that is not the row number (a gap, a repeat, or 1-based)', () => {
    expect(parseError(tsv(HEADER, 'ses-01\t1\t1\ta.jpg')).message).toBe(
      `${F}, line 2: row 0 has beta_index 1; beta_index must equal the row number (volume t of the betas is row t).`,
    );
    expect(parseError(tsv(HEADER, 'ses-01\t1\t0\ta.jpg', 'ses-01\t1\t0\tb.jpg')).line).toBe(3);
    expect(parseError(tsv(HEADER, 'ses-01\t1\t0\ta.jpg', 'ses-01\t1\t2\tb.jpg')).message).toContain('row 1 has beta_index 2');
  });

  it('rejects a non-integer run or beta_index, and an empty label', () => {
    expect(parseError(tsv(HEADER, 'ses-01\t1.5\t0\ta.jpg')).message).toBe(`${F}, line 2: row 0: run '1.5' is not an integer.`);
    expect(parseError(tsv(HEADER, 'ses-01\trun-01\t0\ta.jpg')).message).toContain("run 'run-01' is not an integer");
    expect(parseError(tsv(HEADER, 'ses-01\t1\tx\ta.jpg')).message).toBe(`${F}, line 2: row 0: beta_index 'x' is not an integer.`);
    expect(parseError(tsv(HEADER, 'ses-01\t1\t0\t ')).message).toBe(`${F}, line 2: row 0 has an empty label (no image name).`);
  });
});

describe('trialsForStimuli', () => {
  const labels = [
    'shared_12rep_LAION_cluster_1_i0.jpg',
    'unique_LAION_initial_cluster_3_i1.jpg',
    'shared_4rep_OOD_illusion-classic_2.png',
    'shared_12rep_THINGS+_kmeans_1_dog.jpg',
    'unique_THINGSplus_bird_0008.jpg',
    'unique_LAION_fillup_cluster_9_i0_p01.jpg',
  ];
  const rows = labels.map((label, i) => ({ session: 'ses-01', run: 1, betaIndex: i, label }));

  it('null keeps every trial, in TSV order', () => {
    expect(Array.from(trialsForStimuli(rows, null))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("'shared' keeps the shared_ labels, OOD included; 'unique' the rest; both in TSV order", () => {
    expect(Array.from(trialsForStimuli(rows, 'shared'))).toEqual([0, 2, 3]);
    expect(Array.from(trialsForStimuli(rows, 'unique'))).toEqual([1, 4, 5]);
  });

  it("'unique' is the package's ~shared: a label with neither prefix counts as unique", () => {
    const odd = [...rows, { session: 'ses-01', run: 2, betaIndex: 6, label: 'Shared_case.jpg' }];
    expect(Array.from(trialsForStimuli(odd, 'unique'))).toEqual([1, 4, 5, 6]);
    expect(Array.from(trialsForStimuli(odd, 'shared'))).toEqual([0, 2, 3]);
  });

  it('an empty table gives an empty selection; an unknown set is refused with the package wording', () => {
    expect(trialsForStimuli([], 'shared')).toHaveLength(0);
    expect(() => trialsForStimuli(rows, 'SHARED' as StimulusSet)).toThrow("stimuli must be 'shared' or 'unique', got 'SHARED'");
  });
});

describe('trialsForView', () => {
  const rows = parseTrialTable(
    ['session\trun\tbeta_index\tlabel', 'ses-01\t1\t0\tshared_12rep_a.jpg', 'ses-01\t1\t1\tunique_b.jpg', 'ses-01\t2\t2\tshared_12rep_a.jpg', 'ses-01\t2\t3\tshared_4rep_OOD_shape_c.png'].join('\n'),
    't.tsv',
  );
  it('picks the trial, its image repeats, or a stimulus set', () => {
    expect(trialsForView(rows, 2, 'trial')).toEqual([2]);
    expect(trialsForView(rows, 2, 'image')).toEqual([0, 2]);
    expect(trialsForView(rows, 1, 'shared')).toEqual([0, 2, 3]); // OOD counts as shared
    expect(trialsForView(rows, 0, 'unique')).toEqual([1]);
    expect(trialsForView(rows, 9, 'trial')).toEqual([]);
  });
});
