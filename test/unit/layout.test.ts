import { describe, expect, it } from 'vitest';
import {
  anatKeys,
  dehyphenateRoiLabel,
  glmKeys,
  isHeldOutKey,
  isHeldOutSession,
  parseBidsName,
  parseRoiKey,
  parseRoiVolumeKey,
  roiKeys,
  sidecarKey,
  stimuliKeys,
} from '../../src/data/layout.ts';
import { encodeKey } from '../../src/data/s3/client.ts';
import { roisFromListing, sessionsFromPrefixes, subjectsFromPrefixes } from '../../src/data/discovery.ts';

describe('key builders follow the newest bucket naming (bucket-layout.md §2)', () => {
  it('betas, trials, session NC', () => {
    expect(glmKeys.betas('sub-01', 'ses-02')).toBe(
      'derivatives/glmsingle-tedana/sub-01/ses-02/func/sub-01_ses-02_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz',
    );
    expect(glmKeys.trials('sub-01', 'ses-02')).toBe('derivatives/glmsingle-tedana/sub-01/ses-02/func/sub-01_ses-02_task-images_desc-SingletrialBetas_trials.tsv');
    expect(glmKeys.sessionNc('sub-03', 'ses-01')).toBe(
      'derivatives/glmsingle-tedana/sub-03/ses-01/func/sub-03_ses-01_task-images_space-T1w_desc-Noiseceiling_statmap.nii.gz',
    );
  });
  it('subject-level maps and the default brain mask', () => {
    expect(glmKeys.subjectNc('sub-01', 'Noiseceiling12rep')).toBe('derivatives/glmsingle-tedana/sub-01/sub-01_task-images_space-T1w_desc-Noiseceiling12rep_statmap.nii.gz');
    expect(glmKeys.r2mean('sub-01')).toBe('derivatives/glmsingle-tedana/sub-01/sub-01_task-images_space-T1w_stat-rsquare_desc-R2mean_statmap.nii.gz');
    expect(anatKeys.brainMaskRes1pt8('sub-01')).toBe(
      'derivatives/anatomical/sub-01/ses-PrismaAnat/anat/sub-01_ses-PrismaAnat_space-T1w_res-1pt8_desc-brain_mask.nii.gz',
    );
  });
  it('ROI files keep the hyphenated bucket label', () => {
    expect(roiKeys.volume('sub-01', 'face', 'FFA-1')).toBe('derivatives/rois/sub-01/face/sub-01_space-T1w_res-1pt8_label-FFA-1_mask.nii.gz');
    expect(roiKeys.funcGii('sub-01', 'face', 'FFA-1', 'L')).toBe('derivatives/rois/sub-01/face/sub-01_hemi-L_space-fsnative_label-FFA-1_mask.func.gii');
    expect(roiKeys.label('sub-01', 'face', 'pSTS-faces', 'R')).toBe('derivatives/rois/sub-01/face/sub-01_hemi-R_space-fsnative_label-pSTS-faces_mask.label');
  });
  it('stimuli and sidecars', () => {
    expect(stimuliKeys.embeddings('SigLIP2')).toBe('stimuli/task-images_desc-SigLIP2_embeddings.h5');
    expect(stimuliKeys.captions).toBe('stimuli/task-images_desc-captions.csv');
    expect(sidecarKey(glmKeys.betas('sub-01', 'ses-01'))).toMatch(/_statmap\.json$/);
    expect(sidecarKey(glmKeys.trials('sub-01', 'ses-01'))).toMatch(/_trials\.json$/);
  });
});

describe('held-out sessions (bucket-layout.md §1)', () => {
  it('denies ses-31..34 keys, not ses-30 or ses-35', () => {
    expect(isHeldOutKey(glmKeys.betas('sub-01', 'ses-31'))).toBe(true);
    expect(isHeldOutKey(glmKeys.betas('sub-01', 'ses-34'))).toBe(true);
    expect(isHeldOutKey(glmKeys.betas('sub-01', 'ses-30'))).toBe(false);
    expect(isHeldOutKey(glmKeys.betas('sub-01', 'ses-35'))).toBe(false);
    expect(isHeldOutSession('ses-32')).toBe(true);
    expect(isHeldOutSession('ses-03')).toBe(false);
  });
  it('exempts oloc localizers from ses-31, but not other localizer tasks', () => {
    expect(isHeldOutKey('derivatives/localizers/sub-01/ses-31/func/sub-01_ses-31_task-oloc_space-T1w_res-1pt5_contrast-objects_stat-z_statmap.nii.gz')).toBe(false);
    expect(isHeldOutKey('derivatives/localizers/sub-01/ses-31/func/sub-01_ses-31_task-floc_space-T1w_res-1pt5_contrast-faces_stat-z_statmap.nii.gz')).toBe(true);
  });
});

describe('ROI labels and discovery (bucket-layout.md §5)', () => {
  it('strips hyphens like the package', () => {
    expect(dehyphenateRoiLabel('FFA-1')).toBe('FFA1');
    expect(dehyphenateRoiLabel('pSTS-faces')).toBe('pSTSfaces');
    expect(dehyphenateRoiLabel('laion-dorsal')).toBe('laiondorsal');
    expect(dehyphenateRoiLabel('V1d')).toBe('V1d');
  });
  it('discovers only res-1pt8 volumes at {category}/{file}', () => {
    expect(parseRoiVolumeKey(roiKeys.volume('sub-01', 'face', 'FFA-1'))).toEqual({ subject: 'sub-01', category: 'face', bucketLabel: 'FFA-1', name: 'FFA1', kind: 'volume' });
    expect(parseRoiVolumeKey(roiKeys.volumeRes1pt5('sub-01', 'face', 'FFA-1'))).toBeNull();
    expect(parseRoiVolumeKey(roiKeys.funcGii('sub-01', 'face', 'FFA-1', 'L'))).toBeNull();
    expect(parseRoiVolumeKey('derivatives/rois/sub-01/face/extra/sub-01_space-T1w_res-1pt8_label-FFA-1_mask.nii.gz')).toBeNull();
    expect(parseRoiVolumeKey('derivatives/rois/sub-01/sub-01_space-T1w_res-1pt8_label-FFA-1_mask.nii.gz')).toBeNull();
    expect(parseRoiVolumeKey('derivatives/rois/sub-01/face/sub-03_space-T1w_res-1pt8_label-FFA-1_mask.nii.gz')).toBeNull();
  });
  it('parses surface files with their hemisphere', () => {
    expect(parseRoiKey(roiKeys.label('sub-01', 'face', 'pSTS-faces', 'R'))).toEqual({
      subject: 'sub-01',
      category: 'face',
      bucketLabel: 'pSTS-faces',
      name: 'pSTSfaces',
      kind: 'label',
      hemi: 'R',
    });
  });
  it('groups a listing by category, surfaces attached, names de-hyphenated', () => {
    const obj = (key: string) => ({ key, size: 10, etag: '"x"', lastModified: '' });
    const cats = roisFromListing('sub-01', [
      obj(roiKeys.volume('sub-01', 'face', 'FFA-1')),
      obj(roiKeys.funcGii('sub-01', 'face', 'FFA-1', 'L')),
      obj(roiKeys.funcGii('sub-01', 'face', 'FFA-1', 'R')),
      obj(roiKeys.volume('sub-01', 'face', 'OFA')),
      obj(roiKeys.volume('sub-01', 'body', 'EBA')),
      obj(roiKeys.funcGii('sub-01', 'place', 'PPA', 'L')), // surface only: not discoverable
      obj('derivatives/rois/sub-01/README.txt'),
    ]);
    expect(cats.map((c) => c.category)).toEqual(['body', 'face']);
    expect(cats[1].rois.map((r) => r.name)).toEqual(['FFA1', 'OFA']);
    expect(cats[1].rois[0].others.map((o) => o.hemi)).toEqual(['L', 'R']);
  });
});

describe('subjects and sessions from listings', () => {
  it('unions sub-* prefixes of the derivative folders, naturally sorted', () => {
    const s = subjectsFromPrefixes({
      'derivatives/glmsingle-tedana/': ['derivatives/glmsingle-tedana/sub-03/', 'derivatives/glmsingle-tedana/sub-01/'],
      'derivatives/rois/': ['derivatives/rois/sub-01/', 'derivatives/rois/group/'],
      'derivatives/anatomical/': [],
      'derivatives/freesurfer/': ['derivatives/freesurfer/sub-10/', 'derivatives/freesurfer/fsaverage/'],
    });
    expect(s.map((x) => x.id)).toEqual(['sub-01', 'sub-03', 'sub-10']);
    expect(s[0].foundIn).toEqual(['derivatives/glmsingle-tedana/', 'derivatives/rois/']);
  });
  it('marks held-out sessions and sorts ses-2 before ses-10', () => {
    const p = (s: string) => `derivatives/glmsingle-tedana/sub-01/${s}/`;
    expect(sessionsFromPrefixes([p('ses-31'), p('ses-10'), p('ses-02'), p('figures')])).toEqual([
      { id: 'ses-02', heldOut: false },
      { id: 'ses-10', heldOut: false },
      { id: 'ses-31', heldOut: true },
    ]);
  });
});

describe('BIDS entity parsing', () => {
  it('splits entities, suffix and extension', () => {
    expect(parseBidsName(glmKeys.betas('sub-01', 'ses-01'))).toEqual({
      entities: { sub: '01', ses: '01', task: 'images', space: 'T1w', stat: 'effect', desc: 'SingletrialBetas' },
      suffix: 'statmap',
      extension: 'nii.gz',
    });
  });
  it('keeps hyphens inside values (label-FFA-1) and multi-dot extensions', () => {
    expect(parseBidsName(roiKeys.funcGii('sub-01', 'face', 'FFA-1', 'L'))).toEqual({
      entities: { sub: '01', hemi: 'L', space: 'fsnative', label: 'FFA-1' },
      suffix: 'mask',
      extension: 'func.gii',
    });
  });
  it('rejects non-BIDS names', () => {
    expect(parseBidsName('README')).toBeNull();
    expect(parseBidsName('stimuli/task-images_metadata.csv')).toBeNull(); // no sub entity
    expect(parseBidsName('sub-01_sub-02_bold.nii.gz')).toBeNull(); // repeated entity
  });
});

describe('encodeKey', () => {
  it('percent-encodes each segment and keeps slashes', () => {
    expect(encodeKey('stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg')).toBe('stimuli/shared_12rep_THINGS%2B_kmeans_1_dog.jpg');
    expect(encodeKey('a b/é?#')).toBe('a%20b/%C3%A9%3F%23');
  });
});
