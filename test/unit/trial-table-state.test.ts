import { describe, expect, it } from 'vitest';
import { DEFAULT_TABLE_SPLIT, tableSetsOf, tableSplitFromQuery, tableSplitToQuery, useTableSets } from '../../src/state/trial-table.ts';

describe('the trial table split in links', () => {
  it('round-trips pool, name, OOD types and the side', () => {
    const q = new URLSearchParams();
    tableSplitToQuery({ pool: 'shared', name: 'ood', oodTypes: ['gabor', 'shape'], part: 'test' }, q);
    expect(q.toString()).toBe('tsplit=shared%3Aood&tood=gabor%2Cshape&tpart=test');
    expect(tableSplitFromQuery(q)).toEqual({ patch: { pool: 'shared', name: 'ood', oodTypes: ['gabor', 'shape'], part: 'test' }, ignored: [] });
    const none = new URLSearchParams();
    tableSplitToQuery(DEFAULT_TABLE_SPLIT, none);
    expect(none.toString()).toBe('');
  });
  it('names what it cannot apply', () => {
    expect(tableSplitFromQuery(new URLSearchParams('tsplit=sub-01:random_9')).ignored).toEqual(['tsplit=sub-01:random_9 (expected subject|shared:<split name>)']);
    const r = tableSplitFromQuery(new URLSearchParams('tsplit=subject:random_1&tood=shape&tpart=val'));
    expect(r.patch).toEqual({ pool: 'subject', name: 'random_1' });
    expect(r.ignored).toEqual(['tood=shape (expected OOD types of the ood split)', 'tpart=val (expected train|test)']);
  });
});

describe('trial sets made in the table', () => {
  it('are kept per subject, an identical set is reused, a request names its set', () => {
    const s = useTableSets.getState();
    const a = s.add('sub-01', { kind: 'trials', indices: [1, 2], label: 'table: x' }, false);
    const b = s.add('sub-01', { kind: 'trials', indices: [3], label: 'table: y' }, true);
    expect([a, b]).toEqual([0, 1]);
    expect(useTableSets.getState().request).toMatchObject({ subject: 'sub-01', index: 1 });
    expect(s.add('sub-01', { kind: 'trials', indices: [1, 2], label: 'table: x' }, true)).toBe(0);
    expect(tableSetsOf(useTableSets.getState(), 'sub-01')).toHaveLength(2);
    expect(tableSetsOf(useTableSets.getState(), 'sub-03')).toEqual([]);
    useTableSets.getState().clearRequest();
    expect(useTableSets.getState().request).toBeNull();
  });
});
