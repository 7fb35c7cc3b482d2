/**
 * The ROI query grammar of laion_fmri (bucket-layout.md §5), as
 * `Subject._resolve_rois_query` in laion_fmri/subject.py implements it and
 * `get_roi_mask` / `get_betas(roi=)` / `get_roi_data` use it:
 *
 * - a query is one string or a list; each entry is tried, in this order, as
 *   `"all"` → every ROI, then a category (directory name) → its ROIs, then an
 *   ROI name. Matching is exact and case-sensitive (`"ffa1"`, `"ALL"`,
 *   `"Face"` are unknown). The union of the entries is returned with
 *   duplicates removed, first occurrence kept.
 * - order: `"all"` yields every ROI name sorted by code point (Python
 *   `sorted`, so `MPA < OPA < hV4 < laionEVC`); a category yields its ROIs in
 *   the order of their file names in the category folder
 *   (`sorted(cat_dir.iterdir())`, i.e. by `{name}_mask.nii.gz`, which puts
 *   `V3A` before `V3`); an ROI name yields itself.
 * - an unknown entry raises ValueError("Unknown ROI/category: ... Available
 *   ROIs: [...]. Available categories: [...]."). The package stops at the first
 *   unknown entry; RoiQueryError names them all, and suggests the right
 *   spelling for case slips.
 * - the package matches BIDS-clean (de-hyphenated) names only; we also accept
 *   the bucket spelling (`FFA-1` ≡ `FFA1`, `pSTS-faces` ≡ `pSTSfaces`), since
 *   that is what a researcher sees in the bucket keys. Results are always the
 *   clean names.
 * - `roi=[]` in the package is an empty union: zero voxels, not "no filter".
 *   `resolveRoiQuery([])` returns [] likewise; "no ROI filter" is the caller's
 *   null, not an empty query.
 */
import { dehyphenateRoiLabel } from '../data/layout.ts';

export type RoiQuery = string | readonly string[];
/** category → ROI names (de-hyphenated, as the package reports them), in discovery order. */
export type RoiCatalog = ReadonlyMap<string, readonly string[]>;

/** The query word that means every ROI of the subject. */
export const ALL_ROIS = 'all';

/** Python's default str ordering (code point), not the locale's. */
export function codePointCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every ROI name of the catalog, sorted as the package's `"all"` lists them. */
export function allRoiNames(catalog: RoiCatalog): string[] {
  const names = new Set<string>();
  for (const rois of catalog.values()) for (const r of rois) names.add(dehyphenateRoiLabel(r));
  return [...names].sort(codePointCompare);
}

/** Category names sorted as the package lists them (`get_available_categories`). */
export function categoryNames(catalog: RoiCatalog): string[] {
  return [...catalog.keys()].sort(codePointCompare);
}

/** A category's ROIs in the package's order: by their file names within the category folder. */
export function categoryRoiNames(catalog: RoiCatalog, category: string): string[] {
  const rois = catalog.get(category) ?? [];
  const key = (name: string) => `${name}_mask.nii.gz`;
  return rois.map(dehyphenateRoiLabel).sort((a, b) => codePointCompare(key(a), key(b)));
}

const pyList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** Unknown ROI or category names in a query. Lists every unknown entry and what exists. */
export class RoiQueryError extends Error {
  readonly unknown: readonly string[];
  readonly availableRois: readonly string[];
  readonly availableCategories: readonly string[];
  constructor(unknown: readonly string[], availableRois: readonly string[], availableCategories: readonly string[], hints: readonly string[] = []) {
    super(
      `Unknown ROI/category: ${unknown.map((u) => `'${u}'`).join(', ')}. ` +
        `Available ROIs: ${pyList(availableRois)}. Available categories: ${pyList(availableCategories)}.` +
        (hints.length ? ` ${hints.join(' ')}` : ''),
    );
    this.name = 'RoiQueryError';
    this.unknown = unknown;
    this.availableRois = availableRois;
    this.availableCategories = availableCategories;
  }
}

/** "Did you mean" for an entry that differs from a name only by case or hyphens. */
function hintFor(entry: string, rois: readonly string[], categories: readonly string[]): string | null {
  const fold = (s: string) => dehyphenateRoiLabel(s).toLowerCase();
  const target = fold(entry);
  const match = [ALL_ROIS, ...categories, ...rois].find((n) => fold(n) === target);
  return match ? `Did you mean '${match}' for '${entry}'? Names are case-sensitive.` : null;
}

/**
 * An ROI name, a category, 'all', or a list of these → the union of ROI names,
 * in the package's order (see the module comment). Throws RoiQueryError for
 * unknown entries.
 */
export function resolveRoiQuery(query: RoiQuery, catalog: RoiCatalog): string[] {
  const entries: readonly string[] = typeof query === 'string' ? [query] : query;
  const rois = allRoiNames(catalog);
  const roiSet = new Set(rois);
  const resolved: string[] = [];
  const unknown: string[] = [];
  for (const entry of entries) {
    if (entry === ALL_ROIS) resolved.push(...rois);
    else if (catalog.has(entry)) resolved.push(...categoryRoiNames(catalog, entry));
    else if (roiSet.has(entry)) resolved.push(entry);
    else if (roiSet.has(dehyphenateRoiLabel(entry))) resolved.push(dehyphenateRoiLabel(entry));
    else if (!unknown.includes(entry)) unknown.push(entry);
  }
  if (unknown.length) {
    const categories = categoryNames(catalog);
    const hints = unknown.map((u) => hintFor(u, rois, categories)).filter((h): h is string => h !== null);
    throw new RoiQueryError(unknown, rois, categories, hints);
  }
  return [...new Set(resolved)];
}

/**
 * User text → query. Entries are separated by commas, semicolons or white
 * space; a pasted Python list (`["FFA1", 'face']`) works too. One entry gives
 * a string, several a list, none an empty list (which selects nothing).
 */
export function parseRoiQuery(text: string): RoiQuery {
  const tokens = text
    .replace(/[[\]'"]/g, ' ')
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0);
  return tokens.length === 1 ? tokens[0] : tokens;
}

/** Query → the text parseRoiQuery reads back to the same entries. */
export function formatRoiQuery(q: RoiQuery): string {
  return typeof q === 'string' ? q : q.join(', ');
}

/**
 * Catalog from discovery's RoiCategory[] (or any category → names list).
 * Names are de-hyphenated; categories without ROIs are left out, as the
 * package's `_rois_by_category` leaves out folders without a res-1pt8 mask.
 */
export function catalogFromCategories(cats: ReadonlyArray<{ category: string; rois: ReadonlyArray<{ name: string }> }>): RoiCatalog {
  const out = new Map<string, string[]>();
  for (const { category, rois } of cats) {
    if (rois.length === 0) continue;
    const list = out.get(category) ?? [];
    for (const r of rois) {
      const name = dehyphenateRoiLabel(r.name);
      if (!list.includes(name)) list.push(name);
    }
    out.set(category, list);
  }
  return out;
}
