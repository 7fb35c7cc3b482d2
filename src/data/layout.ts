/**
 * The LAION-fMRI bucket layout: every key name the app or the demo generator
 * builds or parses lives here, and nowhere else (cf. laion_fmri `_paths.py`).
 * Spec: ../shared/bucket-layout.md §2 (newest naming), §5 (ROIs).
 *
 * Pure module: no DOM, no fetch. Used by the app, the workers, the demo
 * generator and the tests.
 */

export const GLM_PREFIX = 'derivatives/glmsingle-tedana/';
export const ROI_PREFIX = 'derivatives/rois/';
export const ANAT_PREFIX = 'derivatives/anatomical/';
export const FREESURFER_PREFIX = 'derivatives/freesurfer/';
export const LOCALIZER_PREFIX = 'derivatives/localizers/';
export const STIMULI_PREFIX = 'stimuli/';

/** The prefixes whose `sub-*` children the package unions to find subjects. */
export const SUBJECT_DISCOVERY_PREFIXES = [GLM_PREFIX, ROI_PREFIX, 'derivatives/freesurfer/', ANAT_PREFIX] as const;

export const ROOT_FILES = ['dataset_description.json', 'participants.tsv', 'participants.json', 'README'] as const;

export const EMBEDDING_MODELS = ['CLIP', 'DINOv2', 'PEcore', 'SigLIP2'] as const;
export type EmbeddingModel = (typeof EMBEDDING_MODELS)[number];

export const SUBJECT_NC_DESCS = ['Noiseceiling4rep', 'Noiseceiling12rep', 'NoiseceilingAllrep'] as const;
export type SubjectNcDesc = (typeof SUBJECT_NC_DESCS)[number];

const SUBJECT_RE = /^sub-[A-Za-z0-9]+$/;
const SESSION_RE = /^ses-[A-Za-z0-9]+$/;

export function isSubjectId(s: string): boolean {
  return SUBJECT_RE.test(s);
}
export function isSessionId(s: string): boolean {
  return SESSION_RE.test(s);
}

/**
 * Held-out sessions (ses-31..34) are listed by the bucket but their GETs are
 * denied by the bucket policy. The package skips every key containing
 * `/ses-3[1-4]/`, except localizer keys of task `oloc` (public although they
 * come from ses-31). bucket-layout.md §1.
 */
export function isHeldOutKey(key: string): boolean {
  if (!/\/ses-3[1-4]\//.test(key)) return false;
  if (key.startsWith(LOCALIZER_PREFIX) && /_task-oloc[_.]/.test(key)) return false;
  return true;
}
export function isHeldOutSession(session: string): boolean {
  return /^ses-3[1-4]$/.test(session);
}

/** DUA-gated object: anonymous GET answers 403. bucket-layout.md §1, §11. */
export const GATED_STIMULI_KEY = 'stimuli/task-images_stimuli.h5';

// ---------------------------------------------------------------- glmsingle

export const glmKeys = {
  subjectDir: (sub: string) => `${GLM_PREFIX}${sub}/`,
  sessionFuncDir: (sub: string, ses: string) => `${GLM_PREFIX}${sub}/${ses}/func/`,
  r2mean: (sub: string) => `${GLM_PREFIX}${sub}/${sub}_task-images_space-T1w_stat-rsquare_desc-R2mean_statmap.nii.gz`,
  subjectNc: (sub: string, desc: SubjectNcDesc) =>
    `${GLM_PREFIX}${sub}/${sub}_task-images_space-T1w_desc-${desc}_statmap.nii.gz`,
  subjectSummary: (sub: string) => `${GLM_PREFIX}${sub}/${sub}_task-images_desc-GLMsingle_summary.json`,
  betas: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz`,
  trials: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_desc-SingletrialBetas_trials.tsv`,
  sessionNc: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_space-T1w_desc-Noiseceiling_statmap.nii.gz`,
  sessionR2: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_space-T1w_stat-rsquare_desc-R2_statmap.nii.gz`,
  hrfIndex: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_space-T1w_desc-HRFindex_dseg.nii.gz`,
  fracridge: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_space-T1w_desc-Fracridge_statmap.nii.gz`,
  sessionSummary: (sub: string, ses: string) =>
    `${GLM_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-images_desc-GLMsingle_summary.json`,
};

/** The JSON sidecar of a `.nii.gz` / `.tsv` / `.h5` key. */
export function sidecarKey(key: string): string {
  return key.replace(/\.(nii\.gz|tsv|h5)$/, '.json');
}

// ---------------------------------------------------------------- anatomy

export type AnatContrast = 'T1w' | 'T2w';
const ANAT_SES = 'ses-PrismaAnat';
export const anatKeys = {
  dir: (sub: string) => `${ANAT_PREFIX}${sub}/${ANAT_SES}/anat/`,
  /** Full-resolution (0.8 mm) image. */
  image: (sub: string, contrast: AnatContrast) => `${ANAT_PREFIX}${sub}/${ANAT_SES}/anat/${sub}_${ANAT_SES}_space-T1w_${contrast}.nii.gz`,
  brainMask: (sub: string) => `${ANAT_PREFIX}${sub}/${ANAT_SES}/anat/${sub}_${ANAT_SES}_space-T1w_desc-brain_mask.nii.gz`,
  /** On the beta grid (res-1pt8). */
  imageRes1pt8: (sub: string, contrast: AnatContrast) =>
    `${ANAT_PREFIX}${sub}/${ANAT_SES}/anat/${sub}_${ANAT_SES}_space-T1w_res-1pt8_${contrast}.nii.gz`,
  /** The package's DEFAULT brain mask (`mask_source='anatomical'`). */
  brainMaskRes1pt8: (sub: string) =>
    `${ANAT_PREFIX}${sub}/${ANAT_SES}/anat/${sub}_${ANAT_SES}_space-T1w_res-1pt8_desc-brain_mask.nii.gz`,
  datasetDescription: `${ANAT_PREFIX}dataset_description.json`,
};

// ---------------------------------------------------------------- ROIs

/** Bucket `label-` values may carry hyphens; the package strips them (`FFA-1` → `FFA1`). */
export function dehyphenateRoiLabel(label: string): string {
  return label.replace(/-/g, '');
}

export type RoiFileKind = 'volume' | 'volume-res1pt5' | 'func.gii' | 'label';
export interface RoiFileRef {
  subject: string;
  category: string;
  /** The label as written in the bucket key (may contain hyphens). */
  bucketLabel: string;
  /** The package's name for it (hyphens removed). */
  name: string;
  kind: RoiFileKind;
  hemi?: 'L' | 'R';
}

export const roiKeys = {
  subjectDir: (sub: string) => `${ROI_PREFIX}${sub}/`,
  volume: (sub: string, category: string, bucketLabel: string) =>
    `${ROI_PREFIX}${sub}/${category}/${sub}_space-T1w_res-1pt8_label-${bucketLabel}_mask.nii.gz`,
  volumeRes1pt5: (sub: string, category: string, bucketLabel: string) =>
    `${ROI_PREFIX}${sub}/${category}/${sub}_space-T1w_res-1pt5_label-${bucketLabel}_mask.nii.gz`,
  funcGii: (sub: string, category: string, bucketLabel: string, hemi: 'L' | 'R') =>
    `${ROI_PREFIX}${sub}/${category}/${sub}_hemi-${hemi}_space-fsnative_label-${bucketLabel}_mask.func.gii`,
  label: (sub: string, category: string, bucketLabel: string, hemi: 'L' | 'R') =>
    `${ROI_PREFIX}${sub}/${category}/${sub}_hemi-${hemi}_space-fsnative_label-${bucketLabel}_mask.label`,
};

const ROI_VOLUME_RE = /^derivatives\/rois\/(sub-[^/]+)\/([^/]+)\/(sub-[^_/]+)_space-T1w_res-1pt8_label-([^/]+?)_mask\.nii\.gz$/;
const ROI_ANY_RE =
  /^derivatives\/rois\/(sub-[^/]+)\/([^/]+)\/(sub-[^_/]+)_(?:hemi-([LR])_space-fsnative|space-T1w_res-(1pt8|1pt5))_label-([^/]+?)_mask\.(nii\.gz|func\.gii|label)$/;

/**
 * Discovery rule of the package: keys ending `_mask.nii.gz`, containing
 * `_space-T1w_res-1pt8_`, sitting exactly at `{category}/{file}`. The category
 * is the directory name; there is no lookup table.
 */
export function parseRoiVolumeKey(key: string): RoiFileRef | null {
  const m = ROI_VOLUME_RE.exec(key);
  if (!m || m[1] !== m[3]) return null;
  return { subject: m[1], category: m[2], bucketLabel: m[4], name: dehyphenateRoiLabel(m[4]), kind: 'volume' };
}

/** Parses any ROI file (volume, surface .func.gii or FreeSurfer .label). */
export function parseRoiKey(key: string): RoiFileRef | null {
  const m = ROI_ANY_RE.exec(key);
  if (!m || m[1] !== m[3]) return null;
  const ext = m[7];
  const kind: RoiFileKind = ext === 'nii.gz' ? (m[5] === '1pt5' ? 'volume-res1pt5' : 'volume') : ext === 'func.gii' ? 'func.gii' : 'label';
  if ((kind === 'func.gii' || kind === 'label') !== Boolean(m[4])) return null;
  const ref: RoiFileRef = { subject: m[1], category: m[2], bucketLabel: m[6], name: dehyphenateRoiLabel(m[6]), kind };
  if (m[4]) ref.hemi = m[4] as 'L' | 'R';
  return ref;
}

// ---------------------------------------------------------------- FreeSurfer

export type FsHemi = 'lh' | 'rh';
/** recon-all output tree (bucket-layout.md §2): `{sub}/{mri,surf,label,stats}/...`. */
export const freesurferKeys = {
  subjectDir: (sub: string) => `${FREESURFER_PREFIX}${sub}/`,
  /** Binary triangle surface, e.g. `surf/lh.white`, `surf/rh.pial`. */
  surface: (sub: string, hemi: FsHemi, name: 'white' | 'pial' | 'inflated' | 'sphere' | 'sphere.reg') =>
    `${FREESURFER_PREFIX}${sub}/surf/${hemi}.${name}`,
};

// ---------------------------------------------------------------- localizers

/** `derivatives/localizers/{sub}/{ses}/func/…` (bucket-layout.md §2); task `oloc` is public even from ses-31. */
export const localizerKeys = {
  volume: (sub: string, ses: string, task: string, contrast: string, stat: 'z' | 'effect') =>
    `${LOCALIZER_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-${task}_space-T1w_res-1pt5_contrast-${contrast}_stat-${stat}_statmap.nii.gz`,
  surface: (sub: string, ses: string, task: string, hemi: 'L' | 'R', contrast: string, stat: 'z' | 'effect') =>
    `${LOCALIZER_PREFIX}${sub}/${ses}/func/${sub}_${ses}_task-${task}_hemi-${hemi}_space-fsnative_contrast-${contrast}_stat-${stat}_statmap.func.gii`,
};

// ---------------------------------------------------------------- stimuli

export const stimuliKeys = {
  metadata: `${STIMULI_PREFIX}task-images_metadata.csv`,
  images: GATED_STIMULI_KEY,
  embeddings: (model: EmbeddingModel) => `${STIMULI_PREFIX}task-images_desc-${model}_embeddings.h5`,
  archivedEmbeddings: (model: EmbeddingModel) => `archive/embeddings/v1/task-images_desc-${model}_embeddings.h5`,
  segmentations: `${STIMULI_PREFIX}task-images_desc-segmentations.h5`,
  segmentationsMetadata: `${STIMULI_PREFIX}task-images_desc-segmentations_metadata.csv`,
  captions: `${STIMULI_PREFIX}task-images_desc-captions.csv`,
};

// ---------------------------------------------------------------- BIDS entities

export interface BidsEntities {
  /** key=value pairs in file-name order, e.g. {sub:'sub-01', ses:'ses-01', task:'images'}. Values keep their prefix-less form. */
  entities: Record<string, string>;
  /** The last `_`-separated token before the extension (e.g. `statmap`, `trials`, `mask`, `T1w`). */
  suffix: string;
  /** Everything after the first dot of the file name (`nii.gz`, `func.gii`, `tsv`, `json`, ...). */
  extension: string;
}

/**
 * Splits a BIDS file name (or key) into entities, suffix and extension.
 * `sub-01_ses-01_task-images_space-T1w_stat-effect_desc-SingletrialBetas_statmap.nii.gz`
 * → entities {sub:'01', ses:'01', task:'images', space:'T1w', stat:'effect', desc:'SingletrialBetas'},
 *   suffix 'statmap', extension 'nii.gz'. Label values may contain hyphens (`label-FFA-1`):
 *   only the first hyphen separates key from value. Returns null for non-BIDS names.
 */
export function parseBidsName(keyOrName: string): BidsEntities | null {
  const name = keyOrName.slice(keyOrName.lastIndexOf('/') + 1);
  const dot = name.indexOf('.');
  if (dot <= 0) return null;
  const stem = name.slice(0, dot);
  const extension = name.slice(dot + 1);
  const parts = stem.split('_');
  if (parts.length < 2) return null;
  const suffix = parts[parts.length - 1];
  if (suffix.includes('-')) return null;
  const entities: Record<string, string> = {};
  for (const part of parts.slice(0, -1)) {
    const h = part.indexOf('-');
    if (h <= 0 || h === part.length - 1) return null;
    const k = part.slice(0, h);
    if (k in entities) return null;
    entities[k] = part.slice(h + 1);
  }
  if (!('sub' in entities)) return null;
  return { entities, suffix, extension };
}
