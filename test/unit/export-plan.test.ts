/**
 * The export plan: file layout, row filters (stimuli AND global trial list),
 * voxel coordinates, provenance, the free-space pre-check, and a
 * reproduce.py that Python compiles and whose constants match the plan.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExportPlan, rowsForPart, type ExportInput, type ExportParams } from '../../src/export/plan.ts';
import { exportName } from '../../src/export/prepare.ts';
import { stagingSpaceProblem } from '../../src/export/space.ts';
import { resolveBetasSelection } from '../../src/science/betas-select.ts';
import type { TrialRow } from '../../src/science/trials.ts';
import type { Affine } from '../../src/formats/nifti.ts';

const dims = [4, 3, 2] as const;
const affine: Affine = [
  [-2, 0, 0, 10],
  [0, 2, 0, -5],
  [0, 0, 2, 1],
  [0, 0, 0, 1],
];
const brain = new Float32Array(24).map((_, i) => (i % 3 === 0 ? 0 : 1));
const nc = new Float32Array(24).map((_, i) => i * 4);
const rows = (ses: string, n: number): TrialRow[] => Array.from({ length: n }, (_, i) => ({ session: ses, run: 1 + (i >> 2), betaIndex: i, label: `${i % 2 ? 'unique' : 'shared'}_img${i}.jpg` }));

function input(params: ExportParams): ExportInput {
  const parts = params.sessions.map((ses, k) => {
    const trialRows = rows(ses, 6);
    const selection = resolveBetasSelection(
      { maskSource: 'anatomical', ncThreshold: params.ncThreshold, stimuli: params.stimuli },
      { dims, brain: { anatomical: { file: 'brain', dims: [...dims], data: brain } }, nc: { file: 'nc', dims: [...dims], data: nc }, trials: trialRows },
    );
    return { session: ses, selection, trialRows, globalOffset: k * 6, betas: { key: `betas-${ses}`, etag: `"e${k}"`, size: 1000 + k }, cacheId: null };
  });
  return {
    params,
    endpoint: 'http://x/laion-fmri',
    appVersion: '9.9.9',
    created: new Date('2026-11-21T06:00:00Z'),
    dims,
    affine,
    parts,
    sources: [{ key: 'brain', etag: '"b"', size: 10 }],
    keys: { brain: 'brain', rois: [], nc: {}, trials: {} },
  };
}

const base: ExportParams = { subject: 'sub-01', sessions: ['ses-01'], maskSource: 'anatomical', roi: null, mask: null, ncThreshold: null, stimuli: null, trials: null };

describe('export plan', () => {
  it('one session: plain names, shapes, provenance with every source and parameter', () => {
    const plan = buildExportPlan(input({ ...base, ncThreshold: 40 }));
    expect(plan.entries.map((e) => e.name)).toEqual(['betas.npy', 'voxels.npy', 'voxels_mm.npy', 'voxel_index.npy', 'trials.tsv', 'provenance.json', 'reproduce.py', 'README.txt']);
    const nSel = Array.from(brain).filter((b, i) => b && nc[i] >= 40).length;
    expect(plan.shapes).toEqual([{ session: 'ses-01', trials: 6, voxels: nSel }]);
    const prov = plan.provenance as { sources: { key: string; etag: string }[]; parameters: Record<string, unknown>; app: { version: string } };
    expect(prov.sources.map((s) => s.key)).toEqual(['brain', 'betas-ses-01']);
    expect(prov.parameters).toMatchObject({ nc_threshold: 40, mask_source: 'anatomical', session: ['ses-01'], roi: null, stimuli: null, trials: null });
    expect(prov.app.version).toBe('9.9.9');
    const betas = plan.entries[0];
    expect(betas.kind === 'betas' && betas.size).toBe(betas.kind === 'betas' ? betas.header.length + 6 * nSel * 4 : -1);
  });

  it('several sessions: suffixed files; stimuli AND global trials pick the rows; trials.tsv lines up', () => {
    const plan = buildExportPlan(input({ ...base, sessions: ['ses-01', 'ses-02'], stimuli: 'shared', trials: [0, 1, 2, 4, 6, 7, 8, 11] }));
    expect(plan.entries.filter((e) => e.kind === 'betas').map((e) => e.name)).toEqual(['betas_ses-01.npy', 'betas_ses-02.npy']);
    expect(plan.shapes.map((s) => s.trials)).toEqual([3, 2]); // shared rows 0,2,4 of ses-01; global 6,8 = ses-02 rows 0,2
    const tsv = new TextDecoder().decode((plan.entries.find((e) => e.name === 'trials.tsv') as { bytes: Uint8Array }).bytes).trim().split('\n');
    expect(tsv[0]).toBe('row\tfile\tglobal_trial\tsession\tsession_trial\trun\timage_name');
    expect(tsv.slice(1)).toEqual([
      '0\tbetas_ses-01.npy\t0\tses-01\t0\t1\tshared_img0.jpg',
      '1\tbetas_ses-01.npy\t2\tses-01\t2\t1\tshared_img2.jpg',
      '2\tbetas_ses-01.npy\t4\tses-01\t4\t2\tshared_img4.jpg',
      '0\tbetas_ses-02.npy\t6\tses-02\t0\t1\tshared_img0.jpg',
      '1\tbetas_ses-02.npy\t8\tses-02\t2\t1\tshared_img2.jpg',
    ]);
  });

  it('rowsForPart without a trial list keeps the selection rows', () => {
    const trialRows = rows('ses-01', 4);
    expect(Array.from(rowsForPart({ selection: { trials: Uint32Array.from([1, 3]) } as never, trialRows, globalOffset: 0 }, null))).toEqual([1, 3]);
    expect(Array.from(rowsForPart({ selection: { trials: null } as never, trialRows, globalOffset: 10 }, [11, 13, 99]))).toEqual([1, 3]);
  });

  it('reproduce.py compiles, and its constants are the plan', () => {
    const plan = buildExportPlan(input({ ...base, sessions: ['ses-01', 'ses-02'], roi: 'FFA1, PPA', ncThreshold: 12.5, trials: [1, 7] }));
    const py = new TextDecoder().decode((plan.entries.find((e) => e.name === 'reproduce.py') as { bytes: Uint8Array }).bytes);
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    try {
      writeFileSync(join(dir, 'reproduce.py'), py);
      const out = execFileSync(
        '/usr/bin/python3',
        ['-c', 'import sys,json,importlib.util as u;s=u.spec_from_file_location("r",sys.argv[1]);m=u.module_from_spec(s);s.loader.exec_module(m);print(json.dumps([m.ROI,m.NC_THRESHOLD,m.TRIALS,m.ROWS,m.SUFFIX,m.STIMULI,m.CUSTOM_MASK]))', join(dir, 'reproduce.py')],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(out)).toEqual([['FFA1', 'PPA'], 12.5, [1, 7], { 'ses-01': [1], 'ses-02': [1] }, { 'ses-01': '_ses-01', 'ses-02': '_ses-02' }, null, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names and the free-space pre-check', () => {
    expect(exportName({ ...base, roi: 'FFA1, PPA', ncThreshold: 20, stimuli: 'shared' })).toBe('laion-fmri_sub-01_ses-01_FFA1-PPA_nc20_shared');
    expect(stagingSpaceProblem('x', 5e9, { quota: 10e9, usage: 6e9 })?.message).toBe("This export needs 5.00 GB, but the browser's storage has only 4.00 GB free. Nothing was written.");
    expect(stagingSpaceProblem('x', 5e9, { quota: 10e9, usage: 1e9 })).toBeNull();
    expect(stagingSpaceProblem('x', 5e9, {})).toBeNull();
  });
});
