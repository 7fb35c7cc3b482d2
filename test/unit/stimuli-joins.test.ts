/**
 * The stimulus-side joins (src/science/stimuli.ts): Subject.metadata (trial
 * tables joined to the metadata CSV by name), caption rank rules,
 * segmentation rows (and their masks in the h5, joined by mask_row), the
 * table filter/sort, and the voxel -> images ranking. Synthetic cases plus
 * the demo bucket.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stimuliKeys, glmKeys } from '../../src/data/layout.ts';
import { Hdf5File } from '../../src/formats/hdf5-range.ts';
import {
  buildSubjectTrials, describeTrialFilter, filterTrials, globalTrialIndex, parseCaptions, parseCsv, parseSegmentations, parseStimulusMetadata, rankImagesByBeta,
} from '../../src/science/stimuli.ts';
import { parseTrialTable, type TrialRow } from '../../src/science/trials.ts';
import { parseSplitJson, splitMasks } from '../../src/science/splits.ts';

const META = ['image_name,dataset,participant,unique_or_shared,n_reps', 'b.jpg,NSD,sub-01;sub-03,shared,4rep', 'a.jpg,LAION,sub-01,unique,1rep', 'c.png,OOD,sub-01;sub-03,shared,4rep'].join('\n');
const tr = (session: string, labels: string[]): TrialRow[] => labels.map((label, i) => ({ session, run: 1 + Math.floor(i / 2), betaIndex: i, label }));

describe('Subject.metadata', () => {
  const meta = parseStimulusMetadata(META, 'meta.csv');

  it('concatenates sessions in sorted order and joins by image name, not by row', () => {
    const t = buildSubjectTrials([{ session: 'ses-02', rows: tr('ses-02', ['c.png', 'a.jpg']) }, { session: 'ses-01', rows: tr('ses-01', ['a.jpg', 'b.jpg', 'a.jpg']) }], meta);
    expect(t.sessions).toEqual(['ses-01', 'ses-02']);
    expect(t.rows.map((r) => [r.session, r.session_trial, r.image_name, r.stim_idx, r.unique_or_shared, r.dataset])).toEqual([
      ['ses-01', 0, 'a.jpg', 1, 'unique', 'LAION'],
      ['ses-01', 1, 'b.jpg', 0, 'shared', 'NSD'],
      ['ses-01', 2, 'a.jpg', 1, 'unique', 'LAION'],
      ['ses-02', 0, 'c.png', 2, 'shared', 'OOD'],
      ['ses-02', 1, 'a.jpg', 1, 'unique', 'LAION'],
    ]);
    expect(t.rows.map((r) => r.beta_index)).toEqual([0, 1, 2, 0, 1]);
    expect(globalTrialIndex(t, 'ses-02', 1)).toBe(4);
    expect(globalTrialIndex(t, 'ses-02', 2)).toBe(-1);
    expect(globalTrialIndex(t, 'ses-31', 0)).toBe(-1);
    expect(t.unmatched).toBe(0);
  });

  it('counts trials whose image is not in the CSV (stim_idx -1)', () => {
    const t = buildSubjectTrials([{ session: 'ses-01', rows: tr('ses-01', ['a.jpg', 'zzz.jpg']) }], meta);
    expect(t.unmatched).toBe(1);
    expect(t.rows[1]).toMatchObject({ stim_idx: -1, unique_or_shared: '', dataset: '' });
  });

  it('refuses a metadata CSV with a repeated name or a missing column', () => {
    expect(() => parseStimulusMetadata(`${META}\nb.jpg,NSD,x,shared,4rep`, 'meta.csv')).toThrow(/meta\.csv, line 5: image_name 'b\.jpg' appears twice/);
    expect(() => parseStimulusMetadata('image_name,dataset\na,b', 'meta.csv')).toThrow(/meta\.csv, line 1: .*missing participant, unique_or_shared, n_reps/);
  });

  const demo = 'demo-data/laion-fmri';
  it.runIf(existsSync(demo))('on the demo bucket: every trial finds its image by name', () => {
    const m = parseStimulusMetadata(readFileSync(`${demo}/${stimuliKeys.metadata}`, 'utf8'), stimuliKeys.metadata);
    const sessions = ['ses-04', 'ses-01', 'ses-03', 'ses-02'];
    const t = buildSubjectTrials(
      sessions.map((s) => ({ session: s, rows: parseTrialTable(readFileSync(`${demo}/${glmKeys.trials('sub-01', s)}`, 'utf8'), s) })),
      m,
    );
    expect(t.rows.length).toBe(472);
    expect(t.unmatched).toBe(0);
    for (const r of t.rows) {
      expect(m.rows[r.stim_idx].image_name).toBe(r.image_name);
      expect(r.unique_or_shared).toBe(r.image_name.startsWith('shared_') ? 'shared' : 'unique');
    }
  });
});

describe('captions', () => {
  const head = 'image_name,caption_idx,source,caption,origin_collection,participant_id,ai_model';
  it('human captions by rank, the AI one apart, text kept verbatim (markup, commas, quotes, newlines)', () => {
    const csv = [
      head,
      'x.jpg,3,human,"third, with a comma",C,P3,',
      'x.jpg,0,ai,an AI caption,LAION-fMRI,,Model-1',
      'x.jpg,1,human,"a <b>bold</b> ""quoted"" one",C,P1,',
      'x.jpg,2,human,"two\nlines",C,P2,',
      'y.jpg,1,human,only one,C,P9,',
    ].join('\n');
    const c = parseCaptions(csv, 'cap.csv');
    const x = c.get('x.jpg')!;
    expect(x.human.map((h) => h.caption_idx)).toEqual([1, 2, 3]);
    expect(x.human.map((h) => h.caption)).toEqual(['a <b>bold</b> "quoted" one', 'two\nlines', 'third, with a comma']);
    expect(x.ai).toMatchObject({ caption: 'an AI caption', ai_model: 'Model-1', caption_idx: 0 });
    expect(c.get('y.jpg')!.ai).toBeNull();
  });

  it('refuses an index that contradicts the source, or a repeated rank', () => {
    expect(() => parseCaptions(`${head}\nx.jpg,2,ai,oops,,,M`, 'cap.csv')).toThrow(/cap\.csv, line 2: a ai caption has caption_idx 2/);
    expect(() => parseCaptions(`${head}\nx.jpg,0,human,oops,,P,`, 'cap.csv')).toThrow(/line 2: a human caption has caption_idx 0/);
    expect(() => parseCaptions(`${head}\nx.jpg,1,human,a,,P,\nx.jpg,1,human,b,,P,`, 'cap.csv')).toThrow(/line 3: 'x\.jpg' has caption_idx 1 twice/);
    expect(() => parseCaptions(`${head}\nx.jpg,one,human,a,,P,`, 'cap.csv')).toThrow(/caption_idx 'one' is not a non-negative integer/);
  });

  it.runIf(existsSync('demo-data/laion-fmri'))('on the demo bucket: 5 human + 1 AI (shared non-OOD), 5 human (OOD), 3 human (unique)', () => {
    const c = parseCaptions(readFileSync(`demo-data/laion-fmri/${stimuliKeys.captions}`, 'utf8'), stimuliKeys.captions);
    const m = parseStimulusMetadata(readFileSync(`demo-data/laion-fmri/${stimuliKeys.metadata}`, 'utf8'), stimuliKeys.metadata);
    for (const img of m.rows) {
      const e = c.get(img.image_name)!;
      const ood = img.image_name.includes('_OOD_');
      const shared = img.unique_or_shared === 'shared';
      expect(e.human.map((h) => h.caption_idx)).toEqual(shared ? [1, 2, 3, 4, 5] : [1, 2, 3]);
      expect(e.ai !== null).toBe(shared && !ood);
    }
    expect([...c.values()].some((e) => e.human.some((h) => h.caption.includes('<script>')))).toBe(true);
  });
});

describe('segmentation rows', () => {
  const head = 'mask_row,image_name,noun,instance_id,score,box_x0,box_y0,box_x1,box_y1,localized,mask_file';
  it('groups by image then noun (first-seen order), instances by id; localized 0 and box-less rows kept', () => {
    const csv = [head, '2,a.jpg,dog,1,0.5,1,2,3,4,1,f', '0,a.jpg,cat,0,0.9,0,0,9,9,1,f', '1,a.jpg,dog,0,0.8,5,5,6,6,1,f', '3,b.jpg,face,0,0.9,,,,,0,f'].join('\n');
    const s = parseSegmentations(csv, 'seg.csv');
    expect(s.get('a.jpg')!.nouns.map((n) => [n.noun, n.instances.map((i) => [i.instance_id, i.mask_row])])).toEqual([
      ['dog', [[0, 1], [1, 2]]],
      ['cat', [[0, 0]]],
    ]);
    expect(s.get('b.jpg')!.nouns[0].instances[0]).toMatchObject({ localized: false, box: null });
    expect(() => parseSegmentations(`${head}\n0,a,x,0,1,,,,,1,f\n0,b,y,0,1,,,,,1,f`, 'seg.csv')).toThrow(/seg\.csv, line 3: mask_row 0 appears twice/);
    expect(() => parseSegmentations(`${head}\n0,a,x,0,1,,,,,maybe,f`, 'seg.csv')).toThrow(/localized 'maybe' is not 0 or 1/);
  });

  it.runIf(existsSync('demo-data/laion-fmri'))('on the demo bucket: mask_row indexes masks[]; each mask lies in its box', async () => {
    const s = parseSegmentations(readFileSync(`demo-data/laion-fmri/${stimuliKeys.segmentationsMetadata}`, 'utf8'), 'seg.csv');
    const file = readFileSync(`demo-data/laion-fmri/${stimuliKeys.segmentations}`);
    const h5 = new Hdf5File({ name: 'seg.h5', read: async (o, n) => new Uint8Array(file.subarray(o, o + n)) });
    const info = await h5.dataset('masks');
    const all = [...s.values()].flatMap((x) => x.nouns.flatMap((n) => n.instances));
    expect(info.shape[0]).toBe(all.length);
    const withLocalized0 = all.filter((i) => !i.localized);
    expect(withLocalized0.length).toBeGreaterThan(0);
    for (const inst of all.filter((_, k) => k % 7 === 0)) {
      const mask = await h5.readSlab('masks', inst.mask_row);
      const [H, W] = info.shape.slice(1);
      let x0 = W, y0 = H, x1 = -1, y1 = -1;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (mask[y * W + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
      expect([x0, y0, x1, y1]).toEqual(inst.box);
    }
  });
});

describe('table filter and sort', () => {
  const meta = parseStimulusMetadata(META, 'meta.csv');
  const t = buildSubjectTrials([{ session: 'ses-01', rows: tr('ses-01', ['a.jpg', 'b.jpg', 'c.png', 'a.jpg']) }, { session: 'ses-02', rows: tr('ses-02', ['b.jpg', 'c.png']) }], meta);
  it('filters by session, run, set, dataset and caption text; sorts with ties in trial order', () => {
    expect([...filterTrials(t.rows, {})]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...filterTrials(t.rows, { sessions: ['ses-02'] })]).toEqual([4, 5]);
    expect([...filterTrials(t.rows, { run: 2 })]).toEqual([2, 3]);
    expect([...filterTrials(t.rows, { uniqueOrShared: 'unique' })]).toEqual([0, 3]);
    expect([...filterTrials(t.rows, { dataset: 'OOD' })]).toEqual([2, 5]);
    expect([...filterTrials(t.rows, { text: 'DOG' }, undefined, (n) => (n === 'b.jpg' ? 'a dog on grass' : ''))]).toEqual([1, 4]);
    expect([...filterTrials(t.rows, {}, { key: 'image_name', desc: false })]).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...filterTrials(t.rows, {}, { key: 'image_name', desc: true })]).toEqual([2, 5, 1, 4, 0, 3]);
    expect([...filterTrials(t.rows, {}, { key: 'index', desc: true })]).toEqual([5, 4, 3, 2, 1, 0]);
  });
  it('filters by one side of a split (get_split_masks over the table order), with the other filters', () => {
    const labels = t.rows.map((r) => r.image_name);
    const file = (train: string[], test: string[]) =>
      parseSplitJson(JSON.stringify({ name: 'random_0', pool: 'sub-01', n_train: train.length, n_test: test.length, variants: [{ variant_id: 0, train_ids: train, test_ids: test }] }), 'sub-01', 'random_0.json');
    // c.png is in neither list: it passes neither side.
    const m = splitMasks(labels, file(['a.jpg'], ['b.jpg']));
    expect([...filterTrials(t.rows, { split: { part: 'train', ...m } })]).toEqual([0, 3]);
    expect([...filterTrials(t.rows, { split: { part: 'test', ...m } })]).toEqual([1, 4]);
    expect([...filterTrials(t.rows, { split: { part: 'test', ...m }, sessions: ['ses-02'] })]).toEqual([4]);
    expect([...filterTrials(t.rows, { split: null })]).toEqual([0, 1, 2, 3, 4, 5]);
    // A file listing c.png on both sides: its trials pass either side.
    const both = splitMasks(labels, file(['a.jpg', 'c.png'], ['b.jpg', 'c.png']));
    expect([...filterTrials(t.rows, { split: { part: 'train', ...both } })]).toEqual([0, 2, 3, 5]);
    expect([...filterTrials(t.rows, { split: { part: 'test', ...both } }, { key: 'index', desc: true })]).toEqual([5, 4, 2, 1]);
    // Masks for another table are refused, not silently misapplied.
    expect(() => filterTrials(t.rows, { split: { part: 'test', train: new Uint8Array(3), test: new Uint8Array(3) } })).toThrow(/covers 3 trials but the table has 6/);
  });
  it('describes a filter for a trial set label', () => {
    expect(describeTrialFilter({})).toBe('table: all trials');
    const m = { train: new Uint8Array(6), test: new Uint8Array(6) };
    expect(describeTrialFilter({ sessions: ['ses-02'], uniqueOrShared: 'shared', text: ' dog ', split: { part: 'test', ...m } }, 'sub-01/random_0')).toBe('table: ses-02 · shared · sub-01/random_0 test · “dog”');
  });
});

describe('voxel -> images', () => {
  it('averages repeats (NaN left out) and returns the top and bottom images', () => {
    const labels = ['a', 'b', 'a', 'c', 'd', 'b', 'e'];
    const series = [1, 5, 3, NaN, -4, 7, 0];
    const r = rankImagesByBeta(labels, series, 2);
    expect(r.images).toBe(4); // c has no finite beta
    expect(r.top.map((x) => [x.image_name, x.mean, x.repeats])).toEqual([['b', 6, 2], ['a', 2, 2]]);
    expect(r.bottom.map((x) => [x.image_name, x.mean])).toEqual([['d', -4], ['e', 0]]);
    expect(r.top[0].trials).toEqual([1, 5]);
  });
});

describe('CSV', () => {
  it('names the file and line of an unclosed quote', () => {
    expect(() => parseCsv('a,b\n1,"2\n', 'x.csv', ['a', 'b'])).toThrow(/^x\.csv/);
  });
});
