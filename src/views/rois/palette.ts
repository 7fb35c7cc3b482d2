/**
 * Category colours of the ROI inspector: the same hues as the ROI chips of the
 * overview (styles.css `.roi-category[data-category=…]`), so a category looks
 * the same everywhere. Unknown categories get a stable colour from their name.
 */
const CATEGORY_COLOURS: Record<string, string> = {
  face: '#e0568f',
  place: '#4fb86c',
  body: '#e39a3b',
  character: '#9b74e6',
  object: '#45b3dd',
  motion: '#d8d24a',
  retinotopy: '#6b8cff',
  laion: '#aab6cc',
};
const SPARE = ['#f07860', '#5fd0b4', '#c58af0', '#e6c26b', '#7aa7d9'];

export function categoryColour(category: string): string {
  const known = CATEGORY_COLOURS[category];
  if (known) return known;
  let h = 0;
  for (const ch of category) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE[h % SPARE.length];
}

/** A lighter or darker shade of a hex colour (k in -1..1), for several ROIs of one category on one plot. */
export function shade(hex: string, k: number): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(k >= 0 ? c + (255 - c) * k : c * (1 + k));
  const r = mix((n >> 16) & 255);
  const g = mix((n >> 8) & 255);
  const b = mix(n & 255);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** Colour of the i-th of `count` ROIs of a category: the category hue, spread from darker to lighter. */
export function roiColour(category: string, i: number, count: number): string {
  const base = categoryColour(category);
  if (count <= 1) return base;
  return shade(base, -0.3 + (0.75 * i) / (count - 1));
}

/**
 * Heat colour of a fraction 0..1 for a table cell: the accent teal, more
 * opaque the larger the fraction, so the light cell text stays readable.
 */
export function heatColour(fraction: number): string {
  if (!(fraction > 0)) return 'transparent';
  const f = Math.min(1, fraction);
  return `rgba(46, 196, 170, ${(0.05 + 0.5 * f * f).toFixed(3)})`;
}
