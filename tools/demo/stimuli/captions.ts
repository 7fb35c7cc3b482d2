/**
 * task-images_desc-captions.csv (bucket-layout.md §6): long form, one row per
 * caption. Shared non-OOD images get 5 human captions (caption_idx 1..5 =
 * rank) and one AI caption (caption_idx 0); shared OOD images 5 human only;
 * unique images 3 human. Every caption is built from the image's Appearance,
 * so it truthfully names what is drawn; human rows vary their phrasing, carry
 * a few typos, and some need CSV quoting (commas, double quotes).
 *
 * Exactly one human caption carries HTML markup, to test that the app shows
 * captions as text: caption_idx 3 of the first catalogue image whose noun is
 * `cup` (see `markupImageName`).
 *
 * `origin_collection` is unknown in the real file; guess: the collection the
 * caption came from, `COCO` for the human captions of NSD images (NSD images
 * are COCO images with 5 human captions each) and `LAION-fMRI` otherwise.
 */
import type { StimulusImage } from '../catalog.ts';
import type { Rng } from '../rng.ts';
import type { Appearance } from './appearance.ts';

export const CAPTION_HEADER = ['image_name', 'caption_idx', 'source', 'caption', 'origin_collection', 'participant_id', 'ai_model'] as const;
export const AI_MODEL = 'Qwen2.5-VL-72B-Instruct';
export const MARKUP_CAPTION_IDX = 3;

export interface CaptionRow {
  image_name: string;
  caption_idx: number;
  source: 'human' | 'ai';
  caption: string;
  origin_collection: string;
  participant_id: string;
  ai_model: string;
}

/** The facts a caption may state about one image. */
interface Facts {
  /** Main subject with article, e.g. `a red cup`, `the word "SUN" in blue letters`. */
  np: string;
  /** Words a typo must not touch (noun, colour, text), lower case. */
  keep: string[];
  /** ` on green grass` etc., or ''. */
  scene: string;
  /** Background as a person sees it (PNG transparency shows as grey). */
  bgSeen: string;
  /** Background as a model reading the file would say it. */
  bgFile: string;
  /** `a ball and a tree`, or ''. */
  extras: string;
}

const art = (w: string) => (/^[aeiou]/i.test(w) ? `an ${w}` : `a ${w}`);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function subject(a: Appearance): string {
  const c = a.colour.name;
  const pose = a.pose;
  switch (a.oodType) {
    case 'gabor': {
      const deg = pose.kind === 'gabor' ? pose.angleDeg : 0;
      return `a Gabor patch with ${deg === 0 ? 'vertical' : deg === 90 ? 'horizontal' : 'diagonal'} stripes`;
    }
    case 'shape':
      return `${art(c)} triangle`;
    case 'illusion-classic':
      return `four ${c} circles with a slice missing that form an illusory square`;
    case 'cropped':
      return `a close-up of an eye with ${art(c)} iris`;
    case 'gaudy':
      return `${art(c)} cup with yellow polka dots`;
    case 'relations':
      return pose.kind === 'relations' && pose.relation === 'on'
        ? `${art(c)} ball on top of a box and a smaller ${c} ball on the floor`
        : `${art(c)} ball next to a box and a smaller ${c} ball on top of the box`;
    case 'selfmade':
      return `a child's drawing of ${art(c)} house`;
    case 'unusual':
      return `${art(c)} fish in a tree`;
    case 'illusion-natural':
      return `${art(c)} wall socket that looks like a face`;
    default:
      break;
  }
  switch (a.noun) {
    case 'face': {
      const mood = pose.kind === 'face' ? (pose.mouth === 'smile' ? 'smiling face' : pose.mouth === 'open' ? 'face with an open mouth' : 'face') : 'face';
      const glasses = pose.kind === 'face' && pose.glasses ? ' and glasses' : '';
      return `${art(mood)}${mood === 'face with an open mouth' ? ',' : ''} with ${c} hair${glasses}`;
    }
    case 'person':
      return `a person in ${art(c)} shirt${pose.kind === 'person' && pose.arms === 'up' ? ' with both arms raised' : ''}`;
    case 'hammer':
      return `a hammer with ${art(c)} handle`;
    case 'word':
      return `the word "${a.image.depiction.text}" in ${c} letters`;
    case 'pizza':
      return `a pizza with ${c} toppings`;
    default:
      return `${art(c)} ${a.noun}`;
  }
}

function facts(a: Appearance): Facts {
  const scene = a.oodType ? '' : ['house', 'tower'].includes(a.noun) ? ' on green grass' : a.noun === 'bridge' ? ' over blue water' : '';
  const bgSeen = a.background.kind === 'transparent' ? 'grey' : a.background.name;
  const bgFile = a.background.kind === 'transparent' ? 'transparent' : a.background.name;
  const extras = a.extras.map(art).join(' and ');
  const keep = [a.noun, ...a.colour.name.split(' '), ...(a.image.depiction.text ? [a.image.depiction.text.toLowerCase()] : []), ...a.extras];
  return { np: subject(a), keep, scene, bgSeen, bgFile, extras };
}

type Template = (f: Facts) => string;

const HUMAN_TEMPLATES: Template[] = [
  (f) => `${cap(f.np)}${f.scene} on a ${f.bgSeen} background${f.extras ? `, next to ${f.extras}` : ''}.`,
  (f) => `${f.np}${f.scene}${f.extras ? ` and ${f.extras}` : ''}, ${f.bgSeen} background`,
  (f) => `There is ${f.np}${f.scene} in the middle of the picture.${f.extras ? ` Beside it: ${f.extras}.` : ''} The background is ${f.bgSeen}.`,
  (f) => `Simple cartoon of ${f.np}${f.scene}${f.extras ? ` with ${f.extras} on the right` : ''}, plain ${f.bgSeen} backdrop`,
  (f) => `I see ${f.np}${f.scene}${f.extras ? `, plus ${f.extras}` : ''} against ${f.bgSeen}`,
  (f) => `"${f.np}"${f.scene} - drawn on ${f.bgSeen}${f.extras ? `, also ${f.extras}` : ''}`,
  (f) => `flat illustration: ${f.np}${f.scene}${f.extras ? ` and ${f.extras}` : ''}; ${f.bgSeen} background`,
  (f) => `Clip art of ${f.np}${f.scene}. ${f.extras ? `${cap(f.extras)} on the side, ` : ''}${f.bgSeen} background.`,
];

const aiCaption: Template = (f) =>
  `A simple illustration of ${f.np}${f.scene}${f.extras ? `, next to ${f.extras},` : ''} on a plain ${f.bgFile} background.`;

/** Adds one realistic typo to a word the facts do not depend on (swap, drop or double a letter). */
function typo(text: string, keep: string[], rng: Rng): string {
  const words = text.split(' ');
  const candidates = words
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => /^[a-z]{4,}[,.]?$/i.test(w) && !keep.includes(w.replace(/[,.]$/, '').toLowerCase()));
  if (candidates.length === 0) return text;
  const { w, i } = rng.pick(candidates);
  const core = w.replace(/[,.]$/, '');
  const tail = w.slice(core.length);
  const k = rng.int(1, core.length - 2);
  const op = rng.int(0, 2);
  const broken = op === 0 ? core.slice(0, k) + core[k + 1] + core[k] + core.slice(k + 2) : op === 1 ? core.slice(0, k) + core.slice(k + 1) : core.slice(0, k + 1) + core.slice(k);
  words[i] = broken + tail;
  return words.join(' ');
}

/** The image that gets the one markup caption: the first `cup` in catalogue order. */
export function markupImageName(images: readonly StimulusImage[]): string {
  const img = images.find((i) => i.depiction.noun === 'cup');
  if (!img) throw new Error('the catalogue has no cup image for the markup caption');
  return img.name;
}

export function markupCaption(a: Appearance): string {
  return `a <b>${a.colour.name}</b> cup <script>alert(1)</script>`;
}

/** Number of human captions an image gets, and whether it gets an AI caption. */
export function captionPlan(img: StimulusImage): { human: number; ai: boolean } {
  if (img.uniqueOrShared === 'unique') return { human: 3, ai: false };
  return { human: 5, ai: img.category !== 'ood' };
}

export function buildCaptions(apps: readonly Appearance[], rng: Rng): CaptionRow[] {
  const raters = Array.from({ length: 40 }, () => `P${String(rng.int(1, 9999)).padStart(4, '0')}`);
  const markupName = markupImageName(apps.map((a) => a.image));
  const rows: CaptionRow[] = [];
  for (const a of apps) {
    const img = a.image;
    const f = facts(a);
    const plan = captionPlan(img);
    if (plan.ai) {
      rows.push({ image_name: img.name, caption_idx: 0, source: 'ai', caption: aiCaption(f), origin_collection: 'LAION-fMRI', participant_id: '', ai_model: AI_MODEL });
    }
    const templates = rng.shuffle([...HUMAN_TEMPLATES]).slice(0, plan.human);
    const who = rng.shuffle([...raters]).slice(0, plan.human);
    templates.forEach((t, k) => {
      let caption = t(f);
      if (rng.next() < 0.15) caption = typo(caption, f.keep, rng);
      if (rng.next() < 0.3) caption = caption.charAt(0).toLowerCase() + caption.slice(1);
      if (img.name === markupName && k + 1 === MARKUP_CAPTION_IDX) caption = markupCaption(a);
      rows.push({
        image_name: img.name,
        caption_idx: k + 1,
        source: 'human',
        caption,
        origin_collection: img.dataset === 'NSD' ? 'COCO' : 'LAION-fMRI',
        participant_id: who[k],
        ai_model: '',
      });
    });
  }
  return rows;
}
