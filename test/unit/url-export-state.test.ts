/**
 * The link format (v=2): export filters and presentation in the query, the
 * version check, and a round trip through the stores (applyUrl →
 * selectionToSearch gives the same query back).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPORT, exportFromQuery, exportToQuery, formatIndexList, parseIndexList } from '../../src/state/export.ts';
import { presentationFromQuery } from '../../src/state/presentation.ts';
import { applyUrl, selectionToSearch, URL_VERSION } from '../../src/state/urlState.ts';

describe('trial index lists', () => {
  it('compact ranges round-trip', () => {
    expect(formatIndexList([9, 0, 1, 2, 3, 4, 4, 20, 21])).toBe('0-4,9,20-21');
    expect(parseIndexList('0-4,9,20-21')).toEqual([0, 1, 2, 3, 4, 9, 20, 21]);
    for (const bad of ['', '3-x', '5-2', '-1', '1,,2', '0-99999999']) expect(parseIndexList(bad)).toBeNull();
  });
});

describe('export and presentation parameters', () => {
  it('export settings round-trip through a query', () => {
    const s = { ...DEFAULT_EXPORT, open: true, sessions: ['ses-01', 'ses-02'], useRoi: false, ncThreshold: 12.5, stimuli: 'unique' as const, trials: [1, 2, 3, 7] };
    const q = new URLSearchParams();
    exportToQuery(s, q);
    expect(q.toString()).toBe('xp=1&xses=ses-01%2Cses-02&xroi=0&xnc=12.5&xstim=unique&xtrials=1-3%2C7');
    expect(exportFromQuery(q)).toEqual({ patch: { open: true, sessions: ['ses-01', 'ses-02'], useRoi: false, ncThreshold: 12.5, stimuli: 'unique', trials: [1, 2, 3, 7] }, ignored: [] });
    const closed = new URLSearchParams();
    exportToQuery({ ...s, open: false }, closed);
    expect(closed.toString()).toBe('');
  });

  it('bad values are named, the rest applies', () => {
    const r = exportFromQuery(new URLSearchParams('xp=1&xnc=500&xstim=both&xses=ses-01,foo&xtrials=1-2'));
    expect(r.patch).toEqual({ open: true, trials: [1, 2] });
    expect(r.ignored).toEqual(['xses=ses-01,foo (expected session ids)', 'xnc=500 (expected a noise ceiling in 0..100 %)', 'xstim=both (expected shared|unique)']);
    const p = presentationFromQuery(new URLSearchParams('present=yes&panels=readout,nope'));
    expect(p.patch).toEqual({ panels: ['readout'] });
    expect(p.ignored).toEqual(['present=yes (expected 1)', 'panels=nope (unknown panel; known: readout, betas, sets, nearest, export, layers)']);
  });
});

describe('link versions', () => {
  it('the current version round-trips through the stores', () => {
    const search = `?v=${URL_VERSION}&source=demo&subject=sub-01&tab=viewer&cmap=viridis&vox=3,4,5&trial=7&xp=1&xnc=20&xstim=shared&present=1&panels=readout,layers`;
    expect(applyUrl(search).ignored).toEqual([]);
    expect(selectionToSearch()).toBe(search);
  });

  it('an old link (no v) applies; a newer or malformed version is reported', () => {
    expect(applyUrl('?source=demo&subject=sub-01&tab=viewer&map=nc4').ignored).toEqual([]);
    expect(selectionToSearch()).toMatch(/^\?v=2&source=demo&subject=sub-01&tab=viewer&map=nc4/);
    expect(applyUrl('?v=7&subject=sub-01').ignored).toEqual(["v=7 (a newer link format than this app's version 2; what it knows was restored)"]);
    expect(applyUrl('?v=abc&subject=sub-01').ignored).toEqual(['v=abc (not a link version; read as version 2)']);
  });
});
