/**
 * The ROI query grammar (bucket-layout.md §5) against the package's rules
 * (laion_fmri/subject.py `_resolve_rois_query`), on the sub-01 ROI set of the
 * real bucket, built from bucket keys through discovery so that hyphenated
 * bucket labels go the same way the app takes them.
 */
import { describe, expect, it } from 'vitest';
import { roisFromListing } from '../../src/data/discovery.ts';
import { roiKeys } from '../../src/data/layout.ts';
import {
  allRoiNames,
  catalogFromCategories,
  categoryNames,
  categoryRoiNames,
  formatRoiQuery,
  parseRoiQuery,
  resolveRoiQuery,
  RoiQueryError,
  type RoiCatalog,
} from '../../src/science/roi-query.ts';

/** sub-01 (bucket-layout.md §5), with the labels as the bucket spells them. */
const SUB01: Record<string, string[]> = {
  body: ['EBA', 'FBA'],
  character: ['VWFA-1', 'VWFA-2', 'mfs-words', 'pSTS-words'],
  face: ['FFA-1', 'FFA-2', 'OFA', 'pSTS-faces'],
  laion: ['laion-EVC', 'laion-dorsal', 'laion-general', 'laion-lateral', 'laion-ventral'],
  motion: ['MST', 'MT'],
  object: ['l-objects', 'v-objects'],
  place: ['MPA', 'OPA', 'PPA'],
  retinotopy: ['IPCS', 'IPS0', 'LO1', 'LO2', 'SPCS', 'TO1', 'TO2', 'V1d', 'V1v', 'V2d', 'V2v', 'V3A', 'V3B', 'V3d', 'V3v', 'VO1', 'VO2', 'hV4'],
};

function catalogFromBucket(spec: Record<string, string[]>): RoiCatalog {
  const objects = Object.entries(spec).flatMap(([cat, labels]) =>
    labels.flatMap((label) => [
      { key: roiKeys.volume('sub-01', cat, label), size: 100, etag: '"x"', lastModified: '' },
      { key: roiKeys.funcGii('sub-01', cat, label, 'L'), size: 100, etag: '"x"', lastModified: '' },
    ]),
  );
  return catalogFromCategories(roisFromListing('sub-01', objects));
}

const catalog = catalogFromBucket(SUB01);

function errorOf(fn: () => unknown): RoiQueryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RoiQueryError) return e;
    throw e;
  }
  throw new Error('expected a RoiQueryError');
}

describe('catalog from discovery', () => {
  it('holds the 8 categories and 40 ROIs, with de-hyphenated names', () => {
    expect(categoryNames(catalog)).toEqual(['body', 'character', 'face', 'laion', 'motion', 'object', 'place', 'retinotopy']);
    expect(allRoiNames(catalog)).toHaveLength(40);
    expect(catalog.get('face')).toEqual(expect.arrayContaining(['FFA1', 'FFA2', 'OFA', 'pSTSfaces']));
    expect(allRoiNames(catalog).some((n) => n.includes('-'))).toBe(false);
  });
  it('leaves out categories without ROIs and strips hyphens from hand-built input', () => {
    const c = catalogFromCategories([
      { category: 'face', rois: [{ name: 'FFA-1' }, { name: 'FFA1' }] },
      { category: 'empty', rois: [] },
    ]);
    expect([...c.keys()]).toEqual(['face']);
    expect(c.get('face')).toEqual(['FFA1']);
  });
});

describe('resolveRoiQuery: grammar', () => {
  it('an ROI name resolves to itself', () => {
    expect(resolveRoiQuery('FFA1', catalog)).toEqual(['FFA1']);
    expect(resolveRoiQuery('hV4', catalog)).toEqual(['hV4']);
  });
  it('hyphenated bucket spellings are accepted and return the clean name', () => {
    expect(resolveRoiQuery('FFA-1', catalog)).toEqual(['FFA1']);
    expect(resolveRoiQuery('pSTS-faces', catalog)).toEqual(['pSTSfaces']);
    expect(resolveRoiQuery('laion-dorsal', catalog)).toEqual(['laiondorsal']);
    expect(resolveRoiQuery(['FFA-1', 'FFA1', 'l-objects'], catalog)).toEqual(['FFA1', 'lobjects']);
  });
  it('a category expands to its ROIs in file-name order', () => {
    expect(resolveRoiQuery('face', catalog)).toEqual(['FFA1', 'FFA2', 'OFA', 'pSTSfaces']);
    expect(resolveRoiQuery('place', catalog)).toEqual(['MPA', 'OPA', 'PPA']);
    expect(resolveRoiQuery('laion', catalog)).toEqual(['laionEVC', 'laiondorsal', 'laiongeneral', 'laionlateral', 'laionventral']);
  });
  it("'all' lists every ROI sorted by code point (uppercase before lowercase), like Python sorted()", () => {
    expect(resolveRoiQuery('all', catalog)).toEqual([
      'EBA', 'FBA', 'FFA1', 'FFA2', 'IPCS', 'IPS0', 'LO1', 'LO2', 'MPA', 'MST', 'MT', 'OFA', 'OPA', 'PPA', 'SPCS', 'TO1', 'TO2',
      'V1d', 'V1v', 'V2d', 'V2v', 'V3A', 'V3B', 'V3d', 'V3v', 'VO1', 'VO2', 'VWFA1', 'VWFA2', 'hV4',
      'laionEVC', 'laiondorsal', 'laiongeneral', 'laionlateral', 'laionventral', 'lobjects', 'mfswords', 'pSTSfaces', 'pSTSwords', 'vobjects',
    ]);
  });
  it('a list is the union in entry order, duplicates removed at first occurrence', () => {
    expect(resolveRoiQuery(['place', 'FFA1', 'face', 'PPA'], catalog)).toEqual(['MPA', 'OPA', 'PPA', 'FFA1', 'FFA2', 'OFA', 'pSTSfaces']);
    expect(resolveRoiQuery(['all', 'face'], catalog)).toHaveLength(40);
  });
  it('an empty list selects nothing (the package unions zero ROIs)', () => {
    expect(resolveRoiQuery([], catalog)).toEqual([]);
  });
  it('category order follows file names, so V3A comes before V3 and IPS0 before IPS', () => {
    const c: RoiCatalog = new Map([['retinotopy', ['V3', 'IPS', 'V3A', 'IPS0', 'V3d']]]);
    // '{name}_mask.nii.gz': 'A' (0x41) and '0' (0x30) sort before '_' (0x5F), 'd' (0x64) after.
    expect(categoryRoiNames(c, 'retinotopy')).toEqual(['IPS0', 'IPS', 'V3A', 'V3', 'V3d']);
    expect(resolveRoiQuery('all', c)).toEqual(['IPS', 'IPS0', 'V3', 'V3A', 'V3d']);
  });
  it("'all' comes before a category, a category before an ROI of the same name", () => {
    const c: RoiCatalog = new Map([
      ['all', ['X']],
      ['MT', ['MT', 'MST']],
    ]);
    expect(resolveRoiQuery('all', c)).toEqual(['MST', 'MT', 'X']);
    expect(resolveRoiQuery('MT', c)).toEqual(['MST', 'MT']);
  });
});

describe('resolveRoiQuery: unknown names and case', () => {
  it('names every unknown entry and lists the valid ROIs and categories, like the package', () => {
    const e = errorOf(() => resolveRoiQuery(['FFA1', 'XYZ', 'face', 'nope', 'XYZ'], catalog));
    expect(e.unknown).toEqual(['XYZ', 'nope']);
    expect(e.message).toMatch(/^Unknown ROI\/category: 'XYZ', 'nope'\. Available ROIs: \['EBA', 'FBA', /);
    expect(e.message).toContain("'vobjects']. Available categories: ['body', 'character', 'face', 'laion', 'motion', 'object', 'place', 'retinotopy'].");
    expect(e.availableRois).toHaveLength(40);
  });
  it('is case-sensitive like the package, and says what was meant', () => {
    for (const q of ['ffa1', 'ALL', 'Face', 'HV4']) {
      const e = errorOf(() => resolveRoiQuery(q, catalog));
      expect(e.unknown).toEqual([q]);
    }
    expect(errorOf(() => resolveRoiQuery('ffa1', catalog)).message).toContain("Did you mean 'FFA1' for 'ffa1'?");
    expect(errorOf(() => resolveRoiQuery('ffa-1', catalog)).message).toContain("Did you mean 'FFA1' for 'ffa-1'?");
    expect(errorOf(() => resolveRoiQuery('ALL', catalog)).message).toContain("Did you mean 'all'");
    expect(errorOf(() => resolveRoiQuery('Face', catalog)).message).toContain("Did you mean 'face'");
  });
  it('an empty or blank string is an unknown entry, not an empty query', () => {
    expect(errorOf(() => resolveRoiQuery('', catalog)).unknown).toEqual(['']);
    expect(errorOf(() => resolveRoiQuery(' FFA1', catalog)).unknown).toEqual([' FFA1']);
  });
  it('an ROI missing for this subject is unknown (sub-03 has no MST in the demo)', () => {
    const { motion: _motion, ...rest } = SUB01;
    const sub03 = catalogFromBucket({ ...rest, motion: ['MT'] });
    expect(errorOf(() => resolveRoiQuery(['MST', 'MT'], sub03)).unknown).toEqual(['MST']);
    expect(resolveRoiQuery('motion', sub03)).toEqual(['MT']);
  });
});

describe('parseRoiQuery / formatRoiQuery', () => {
  it('reads the forms a researcher types', () => {
    expect(parseRoiQuery('FFA1, place')).toEqual(['FFA1', 'place']);
    expect(parseRoiQuery('all')).toBe('all');
    expect(parseRoiQuery('  V1v V1d ')).toEqual(['V1v', 'V1d']);
    expect(parseRoiQuery('V1v;V1d,,V2v\tV2d')).toEqual(['V1v', 'V1d', 'V2v', 'V2d']);
    expect(parseRoiQuery(`["FFA-1", 'face']`)).toEqual(['FFA-1', 'face']);
    expect(parseRoiQuery('')).toEqual([]);
    expect(parseRoiQuery(' , ')).toEqual([]);
  });
  it('format and parse round-trip', () => {
    for (const q of ['FFA1', ['FFA1', 'place'], ['all', 'V1v', 'pSTS-faces'], [] as string[]]) {
      expect(parseRoiQuery(formatRoiQuery(q))).toEqual(q);
    }
    expect(formatRoiQuery(['FFA1', 'place'])).toBe('FFA1, place');
  });
  it('parsed text resolves through the grammar', () => {
    expect(resolveRoiQuery(parseRoiQuery('FFA-1, place'), catalog)).toEqual(['FFA1', 'MPA', 'OPA', 'PPA']);
  });
});
