/**
 * A subject's trials over all public sessions, concatenated in sorted session
 * order: row i is the subject's global trial index (laion_fmri
 * `Subject.metadata` order; the CSV join is the trial table's business).
 * Each session's table is the same query `useTrialTable` uses, so it is
 * fetched once whoever asks.
 */
import { useMemo } from 'react';
import { useQueries } from '@tanstack/react-query';
import { glmKeys } from '../data/layout.ts';
import { parseTrialTable, type TrialRow } from '../science/trials.ts';
import { clientFor, useEndpoint, useSessions } from './queries.ts';

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

export function useSubjectTrials(subject: string | null): { data: SubjectTrials | undefined; error: unknown; isPending: boolean } {
  const endpoint = useEndpoint();
  const sessions = useSessions(subject);
  const ids = useMemo(() => (sessions.data ?? []).filter((s) => !s.heldOut).map((s) => s.id), [sessions.data]);
  const tables = useQueries({
    queries: ids.map((ses) => ({
      queryKey: ['trial-table', endpoint, subject, ses],
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        const key = glmKeys.trials(subject!, ses);
        return parseTrialTable(await (await clientFor(endpoint).getObject(key, signal)).text(), key);
      },
      enabled: subject !== null,
      staleTime: Infinity,
      retry: false,
    })),
  });
  const ready = sessions.isSuccess && tables.every((t) => t.isSuccess);
  const version = tables.map((t) => t.dataUpdatedAt).join(',');
  const data = useMemo(
    () => (ready ? concatSessions(ids.map((id, i) => ({ id, rows: tables[i].data! }))) : undefined),
    // `tables` is a new array every render; its data changes exactly when `version` does.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ready, ids, version],
  );
  const error = sessions.error ?? tables.find((t) => t.isError)?.error ?? null;
  return { data, error, isPending: !ready && !error };
}
