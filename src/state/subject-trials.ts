/**
 * A subject's trials over all public sessions, concatenated in sorted session
 * order: row i is the subject's global trial index (laion_fmri
 * `Subject.metadata` order; the CSV join is the trial table's business).
 * Each session's table is the same query `useTrialTable` uses, so it is
 * fetched once whoever asks.
 */
import { useMemo } from 'react';
import { useQueries } from '@tanstack/react-query';
import type { TrialRow } from '../science/trials.ts';
import { trialTableQuery, useEndpoint, useSessions } from './queries.ts';

export interface SubjectTrials {
  rows: TrialRow[];
  /** Public sessions in order, with the global index of their first trial. */
  sessions: Array<{ id: string; start: number; count: number }>;
  /** The distinct image names the subject saw. */
  images: string[];
}

export function concatSessions(tables: Array<{ id: string; rows: TrialRow[] }>): SubjectTrials {
  const sorted = [...tables].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows: TrialRow[] = [];
  const sessions: SubjectTrials['sessions'] = [];
  for (const t of sorted) {
    sessions.push({ id: t.id, start: rows.length, count: t.rows.length });
    for (const r of t.rows) rows.push(r);
  }
  return { rows, sessions, images: [...new Set(rows.map((r) => r.label))].sort() };
}

/**
 * The public sessions' trial tables of a subject, in session-list order, once
 * all have loaded (held-out sessions are never requested). Each is the query
 * `useTrialTable` uses.
 */
export function usePublicSessionTables(subject: string | null): { tables?: Array<{ id: string; rows: TrialRow[] }>; error: unknown; loaded: number; total: number } {
  const endpoint = useEndpoint();
  const sessions = useSessions(subject);
  const ids = useMemo(() => (sessions.data ?? []).filter((s) => !s.heldOut).map((s) => s.id), [sessions.data]);
  const results = useQueries({ queries: ids.map((ses) => trialTableQuery(endpoint, subject, ses)) });
  const ready = sessions.isSuccess && results.every((t) => t.isSuccess);
  const version = results.map((t) => t.dataUpdatedAt).join(',');
  const tables = useMemo(
    () => (ready ? ids.map((id, i) => ({ id, rows: results[i].data! })) : undefined),
    // `results` is a new array every render; its data changes exactly when `version` does.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ready, ids, version],
  );
  const error = sessions.error ?? results.find((t) => t.isError)?.error ?? null;
  return { tables, error, loaded: results.filter((t) => t.isSuccess).length, total: ids.length };
}

export function useSubjectTrials(subject: string | null): { data: SubjectTrials | undefined; error: unknown; isPending: boolean } {
  const { tables, error } = usePublicSessionTables(subject);
  const data = useMemo(() => (tables ? concatSessions(tables) : undefined), [tables]);
  return { data, error, isPending: !data && !error };
}
