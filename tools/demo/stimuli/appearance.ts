/**
 * What exactly is drawn on each image, decided once from the catalogue's
 * depiction plus a per-image random stream. The drawing code paints it, the
 * captions describe it and the segmentations label it, so all three agree
 * by construction.
 */
import type { OodType, StimulusImage } from '../catalog.ts';
import type { Rng } from '../rng.ts';
import type { Rgb } from './raster.ts';

/** Which part of the main object carries the depiction colour (captions name it). */
export type ColourRole = 'body' | 'hair' | 'shirt' | 'handle' | 'letters' | 'walls' | 'toppings' | 'iris' | 'shapes' | 'none';

export interface Appearance {
  image: StimulusImage;
  noun: string;
  colour: { name: string; rgb: Rgb };
  colourRole: ColourRole;
  /**
   * 'transparent' for PNG (shown over grey 128), 'stripes' for the gaudy
   * pattern, otherwise the depiction's flat background colour.
   */
  background: { kind: 'flat' | 'transparent' | 'stripes'; name: string; rgb: Rgb };
  /** Extras actually drawn (a full-frame crop or a Gabor patch leaves no room for them). */
  extras: string[];
  /** Free-form variation the drawer and the captions both read. */
  pose: Pose;
  oodType?: OodType;
}

export type Pose =
  | { kind: 'face'; mouth: 'smile' | 'open' | 'neutral'; glasses: boolean }
  | { kind: 'person'; arms: 'up' | 'down' }
  | { kind: 'animal'; facing: 'left' | 'right' }
  | { kind: 'gabor'; angleDeg: number; cyclesPerImage: number }
  | { kind: 'relations'; relation: 'on' | 'beside' }
  | { kind: 'plain' };

const GREY: Rgb = [128, 128, 128];

export function decideAppearance(image: StimulusImage, rng: Rng): Appearance {
  const d = image.depiction;
  const noun = d.noun;
  const ood = image.oodType;
  let background: Appearance['background'] = { kind: 'flat', name: d.background.name, rgb: d.background.rgb };
  if (image.format === 'png') background = { kind: 'transparent', name: 'transparent', rgb: GREY };
  else if (ood === 'gabor') background = { kind: 'flat', name: 'grey', rgb: GREY };
  else if (ood === 'gaudy') background = { kind: 'stripes', name: 'magenta and lime striped', rgb: [230, 30, 200] };

  const noExtras = ood === 'cropped' || ood === 'gabor' || ood === 'illusion-classic' || image.category === 'word';
  const extras = noExtras ? [] : [...d.extras];

  let pose: Pose = { kind: 'plain' };
  if (ood === 'gabor') pose = { kind: 'gabor', angleDeg: rng.pick([0, 45, 90, 135]), cyclesPerImage: rng.pick([6, 8, 10]) };
  else if (ood === 'relations') pose = { kind: 'relations', relation: rng.pick(['on', 'beside'] as const) };
  else if (noun === 'face' && !ood) pose = { kind: 'face', mouth: rng.pick(['smile', 'open', 'neutral'] as const), glasses: rng.next() < 0.3 };
  else if (noun === 'person') pose = { kind: 'person', arms: rng.pick(['up', 'down'] as const) };
  else if (['dog', 'cat', 'bird', 'fish'].includes(noun)) pose = { kind: 'animal', facing: rng.pick(['left', 'right'] as const) };

  return { image, noun, colour: d.color, colourRole: colourRole(image), background, extras, pose, oodType: ood };
}

function colourRole(image: StimulusImage): ColourRole {
  switch (image.oodType) {
    case 'gabor':
      return 'none';
    case 'cropped':
      return 'iris';
    case 'illusion-classic':
      return 'shapes';
    case 'selfmade':
      return 'walls';
    default:
      break;
  }
  switch (image.depiction.noun) {
    case 'face':
      return image.oodType === 'illusion-natural' ? 'body' : 'hair';
    case 'person':
      return 'shirt';
    case 'hammer':
      return 'handle';
    case 'word':
      return 'letters';
    case 'house':
      return 'walls';
    case 'pizza':
      return 'toppings';
    default:
      return 'body';
  }
}
