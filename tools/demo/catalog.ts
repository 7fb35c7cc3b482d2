/**
 * The demo dataset's design: subjects, sessions, and the stimulus catalogue.
 * Everything the brain side (betas, noise ceilings) and the stimulus side
 * (images, captions, segmentations, embeddings, splits) must agree on is
 * decided here, once, from the seed.
 *
 * Image-name grammar follows bucket-layout.md §4; counts are scaled down from
 * §8 (the real dataset: 1,492 shared + 4,712 unique per subject).
 */
import { Rng } from './rng.ts';

export const DEMO_SEED = 20261121;

export const DEMO_SUBJECTS = ['sub-01', 'sub-03'] as const;
export type DemoSubject = (typeof DEMO_SUBJECTS)[number];

/** Public sessions per subject; with ≤3 repeats of a 12rep image per session, 4 sessions give 12 repeats. */
export const PUBLIC_SESSIONS = ['ses-01', 'ses-02', 'ses-03', 'ses-04'] as const;
/** Listed by the bucket, denied on GET (bucket policy). */
export const HELD_OUT_SESSIONS = ['ses-31'] as const;
export const RUNS_PER_SESSION = 12;

/**
 * Semantic category of what an image shows. Category-selective ROIs respond to
 * their category; `ood` images carry an `oodType` as well.
 */
export const CATEGORIES = ['face', 'body', 'place', 'word', 'object', 'animal', 'food', 'ood'] as const;
export type Category = (typeof CATEGORIES)[number];

export const OOD_TYPES = [
  'cropped',
  'gabor',
  'gaudy',
  'illusion-classic',
  'illusion-natural',
  'relations',
  'selfmade',
  'shape',
  'unusual',
] as const;
export type OodType = (typeof OOD_TYPES)[number];

/** What is drawn on an image. Drawing, captions, segmentations and embeddings all read it. */
export interface Depiction {
  /** The main noun (`face`, `house`, `dog`, `word`, ...). */
  noun: string;
  /** Secondary objects drawn beside the main one (become extra segmentation instances). */
  extras: string[];
  /** Background colour name and RGB. */
  background: { name: string; rgb: [number, number, number] };
  /** Main object colour name and RGB. */
  color: { name: string; rgb: [number, number, number] };
  /** For `word` images: the string drawn. */
  text?: string;
}

export interface StimulusImage {
  /** File name = `image_name` = TSV `label` = split id. */
  name: string;
  /** `dataset` column of task-images_metadata.csv. */
  dataset: 'LAION' | 'THINGS+' | 'NSD' | 'OOD' | 'THINGS' | 'THINGSplus';
  /** `participant` column: `;`-joined subjects who saw it. */
  participant: string;
  uniqueOrShared: 'shared' | 'unique';
  /** Planned repetitions per subject. */
  nReps: 12 | 4;
  category: Category;
  oodType?: OodType;
  format: 'jpg' | 'png';
  depiction: Depiction;
}

const NOUNS: Record<Exclude<Category, 'ood'>, string[]> = {
  face: ['face'],
  body: ['person'],
  place: ['house', 'tower', 'bridge'],
  word: ['word'],
  object: ['cup', 'chair', 'lamp', 'hammer'],
  animal: ['dog', 'cat', 'bird', 'fish'],
  food: ['banana', 'apple', 'pizza'],
};
const OOD_NOUN: Record<OodType, string> = {
  cropped: 'face',
  gabor: 'grating',
  gaudy: 'cup',
  'illusion-classic': 'square',
  'illusion-natural': 'face',
  relations: 'ball',
  selfmade: 'house',
  shape: 'triangle',
  unusual: 'fish',
};
const EXTRAS = ['ball', 'tree', 'sun', 'box'];
const WORDS = ['LAB', 'SEE', 'MIND', 'ART', 'ZOO', 'SUN', 'MAP', 'KEY'];
const COLOURS: Array<{ name: string; rgb: [number, number, number] }> = [
  { name: 'red', rgb: [200, 40, 40] },
  { name: 'blue', rgb: [40, 70, 200] },
  { name: 'green', rgb: [40, 150, 60] },
  { name: 'yellow', rgb: [230, 200, 40] },
  { name: 'orange', rgb: [235, 130, 30] },
  { name: 'purple', rgb: [130, 60, 170] },
  { name: 'brown', rgb: [130, 85, 45] },
  { name: 'black', rgb: [25, 25, 25] },
];
const BACKGROUNDS: Array<{ name: string; rgb: [number, number, number] }> = [
  { name: 'white', rgb: [245, 245, 240] },
  { name: 'light blue', rgb: [190, 215, 240] },
  { name: 'grey', rgb: [170, 170, 170] },
  { name: 'pale green', rgb: [200, 230, 195] },
  { name: 'beige', rgb: [235, 220, 190] },
];
const THINGS_CONCEPTS: Array<[string, Exclude<Category, 'ood' | 'word'>]> = [
  ['dog', 'animal'],
  ['chair', 'object'],
  ['banana', 'food'],
  ['hammer', 'object'],
  ['cat', 'animal'],
  ['apple', 'food'],
  ['lamp', 'object'],
  ['bird', 'animal'],
];

function depict(rng: Rng, category: Category, oodType?: OodType, noun?: string): Depiction {
  const main = noun ?? (category === 'ood' ? OOD_NOUN[oodType!] : rng.pick(NOUNS[category as Exclude<Category, 'ood'>]));
  const extras = rng.next() < 0.45 ? [rng.pick(EXTRAS)] : [];
  if (rng.next() < 0.15) extras.push(rng.pick(EXTRAS));
  const d: Depiction = {
    noun: main,
    extras: category === 'word' || oodType === 'gabor' ? [] : extras,
    background: rng.pick(BACKGROUNDS),
    color: rng.pick(COLOURS),
  };
  if (category === 'word') d.text = rng.pick(WORDS);
  return d;
}

/** Categories cycled through for LAION-style (natural) images, face-heavy like real photo sets. */
const NATURAL_CYCLE: Array<Exclude<Category, 'ood'>> = ['face', 'place', 'body', 'word', 'object', 'animal', 'food', 'face', 'place', 'body'];

export interface Catalog {
  images: StimulusImage[];
  /** Shared images, in catalogue order. */
  shared: StimulusImage[];
  /** Unique images of each subject. */
  unique: Record<DemoSubject, StimulusImage[]>;
}

/**
 * Builds the stimulus catalogue. Row order = metadata CSV order = stimuli h5
 * order: shared 12rep, shared 4rep, then each subject's unique images.
 */
export function buildCatalog(seed: number = DEMO_SEED): Catalog {
  const rng = new Rng(seed).fork('catalog');
  const everyone = DEMO_SUBJECTS.join(';');
  const shared: StimulusImage[] = [];

  // 12rep shared: 10 LAION cluster images + 6 THINGS+ (note the '+').
  for (let i = 0; i < 10; i++) {
    const category = NATURAL_CYCLE[i % NATURAL_CYCLE.length];
    const cluster = 1000 + i * 37;
    shared.push({
      name: `shared_12rep_LAION_cluster_${cluster}_i${i % 3}.jpg`,
      dataset: 'LAION',
      participant: everyone,
      uniqueOrShared: 'shared',
      nReps: 12,
      category,
      format: 'jpg',
      depiction: depict(rng, category),
    });
  }
  for (let i = 0; i < 6; i++) {
    const [concept, category] = THINGS_CONCEPTS[i];
    shared.push({
      name: `shared_12rep_THINGS+_kmeans_${i + 1}_${concept}.jpg`,
      dataset: 'THINGS+',
      participant: everyone,
      uniqueOrShared: 'shared',
      nReps: 12,
      category,
      format: 'jpg',
      depiction: depict(rng, category, undefined, concept),
    });
  }
  // 4rep shared: 8 NSD special images + 16 OOD (every type, some twice; some PNG with alpha).
  for (let i = 0; i < 8; i++) {
    const category = NATURAL_CYCLE[(i + 3) % NATURAL_CYCLE.length];
    const special = i < 4 ? 100 : 1000;
    shared.push({
      name: `shared_4rep_NSD_special${special}_${10 + i * 7}.jpg`,
      dataset: 'NSD',
      participant: everyone,
      uniqueOrShared: 'shared',
      nReps: 4,
      category,
      format: 'jpg',
      depiction: depict(rng, category),
    });
  }
  for (let i = 0; i < 16; i++) {
    const oodType = OOD_TYPES[i % OOD_TYPES.length];
    const format = oodType === 'shape' || oodType === 'selfmade' || (oodType === 'cropped' && i >= OOD_TYPES.length) ? 'png' : 'jpg';
    shared.push({
      name: `shared_4rep_OOD_${oodType}_${String(i + 1).padStart(3, '0')}_${OOD_NOUN[oodType]}.${format}`,
      dataset: 'OOD',
      participant: everyone,
      uniqueOrShared: 'shared',
      nReps: 4,
      category: 'ood',
      oodType,
      format,
      depiction: depict(rng, 'ood', oodType),
    });
  }

  // Unique per subject: 48 each = 36 LAION (initial + fillup) + 6 THINGS + 6 THINGSplus.
  const unique = {} as Record<DemoSubject, StimulusImage[]>;
  DEMO_SUBJECTS.forEach((sub, s) => {
    const list: StimulusImage[] = [];
    for (let i = 0; i < 36; i++) {
      const category = NATURAL_CYCLE[(i + s * 5) % NATURAL_CYCLE.length];
      const cluster = 2000 + s * 500 + i * 11;
      const name =
        i < 24
          ? `unique_LAION_initial_cluster_${cluster}_i${i % 4}.jpg`
          : `unique_LAION_fillup_cluster_${cluster}_i${i % 4}_p${String(i).padStart(2, '0')}.jpg`;
      list.push({ name, dataset: 'LAION', participant: sub, uniqueOrShared: 'unique', nReps: 4, category, format: 'jpg', depiction: depict(rng, category) });
    }
    for (let i = 0; i < 12; i++) {
      const [concept, category] = THINGS_CONCEPTS[(i + s * 3) % THINGS_CONCEPTS.length];
      const plus = i >= 6;
      // The real unique THINGS/THINGSplus pattern is unknown (bucket-layout.md §4); this one is a guess.
      const name = `unique_${plus ? 'THINGSplus' : 'THINGS'}_${concept}_${String(s * 100 + i + 1).padStart(4, '0')}.jpg`;
      list.push({
        name,
        dataset: plus ? 'THINGSplus' : 'THINGS',
        participant: sub,
        uniqueOrShared: 'unique',
        nReps: 4,
        category,
        format: 'jpg',
        depiction: depict(rng, category, undefined, concept),
      });
    }
    unique[sub] = list;
  });

  const images = [...shared, ...DEMO_SUBJECTS.flatMap((s) => unique[s])];
  return { images, shared, unique };
}
