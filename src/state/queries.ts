/**
 * Data hooks: the only way views reach bucket data. Each query key names the
 * endpoint and the parameters, so switching sources never mixes results.
 */
import { useMemo } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { S3Client } from '../data/s3/client.ts';
import { createClient } from '../data/sources.ts';
import { discoverRois, discoverSessions, discoverSubjects, INVENTORY_AREAS, listInventory, type InventoryArea } from '../data/discovery.ts';
import { probeBucket } from '../data/probe.ts';
import { useSelection } from './selection.ts';
import { glmKeys } from '../data/layout.ts';
import { parseTrialTable } from '../science/trials.ts';

/** One client per endpoint (construction throws a DataError for a non-URL). */
export function clientFor(endpoint: string): S3Client {
  return createClient(endpoint);
}

export function useEndpoint(): string {
  return useSelection((s) => s.source.endpoint);
}

function useClient(): { endpoint: string; client: () => S3Client } {
  const endpoint = useEndpoint();
  return useMemo(() => ({ endpoint, client: () => clientFor(endpoint) }), [endpoint]);
}

export function useProbe() {
  const { endpoint, client } = useClient();
  return useQuery({ queryKey: ['probe', endpoint], queryFn: ({ signal }) => probeBucket(client(), signal), retry: false, staleTime: 60_000 });
}

export function useSubjects(enabled: boolean) {
  const { endpoint, client } = useClient();
  return useQuery({ queryKey: ['subjects', endpoint], queryFn: ({ signal }) => discoverSubjects(client(), signal), enabled, retry: false });
}

export function useSessions(subject: string | null) {
  const { endpoint, client } = useClient();
  return useQuery({
    queryKey: ['sessions', endpoint, subject],
    queryFn: ({ signal }) => discoverSessions(client(), subject!, signal),
    enabled: subject !== null,
    retry: false,
  });
}

export function useRois(subject: string | null) {
  const { endpoint, client } = useClient();
  return useQuery({ queryKey: ['rois', endpoint, subject], queryFn: ({ signal }) => discoverRois(client(), subject!, signal), enabled: subject !== null, retry: false });
}

function areaQuery(endpoint: string, client: () => S3Client, subject: string | null, area: InventoryArea) {
  return {
    queryKey: ['listing', endpoint, subject, area],
    queryFn: ({ signal }: { signal: AbortSignal }) => listInventory(client(), subject!, area, signal),
    enabled: subject !== null,
    retry: false,
  };
}

/** Listings of some folders of a subject (each folder is its own query, shared by every view). */
export function useAreaListings(subject: string | null, areas: readonly InventoryArea[]) {
  const { endpoint, client } = useClient();
  return useQueries({
    queries: areas.map((a) => areaQuery(endpoint, client, subject, a)),
    combine: (results) => ({
      data: results.every((r) => r.isSuccess) ? results.flatMap((r) => r.data!) : undefined,
      error: results.find((r) => r.isError)?.error ?? null,
      isPending: results.some((r) => r.isPending),
      isError: results.some((r) => r.isError),
      isSuccess: results.every((r) => r.isSuccess),
      refetch: () => Promise.all(results.map((r) => r.refetch())),
    }),
  });
}

const ALL_AREAS = INVENTORY_AREAS.map((a) => a.area);

/** Every file of a subject, all folders. */
export function useInventory(subject: string | null) {
  return useAreaListings(subject, ALL_AREAS);
}

/** Row count of a session's trial table (one small GET). */
export function useTrialCount(subject: string | null, session: string | null) {
  const { endpoint, client } = useClient();
  return useQuery({
    queryKey: ['trial-count', endpoint, subject, session],
    queryFn: async ({ signal }) => {
      const key = glmKeys.trials(subject!, session!);
      const text = await (await client().getObject(key, signal)).text();
      const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
      return { key, trials: Math.max(0, lines.length - 1), columns: lines[0]?.split('\t') ?? [] };
    },
    enabled: subject !== null && session !== null,
    retry: false,
  });
}

/**
 * A session's trial table (laion_fmri's TSV: session, run, beta_index, label), parsed and validated:
 * the query every view shares, so each table is fetched once.
 */
export function trialTableQuery(endpoint: string, subject: string | null, session: string | null) {
  return {
    queryKey: ['trial-table', endpoint, subject, session],
    queryFn: async ({ signal }: { signal: AbortSignal }) => {
      const key = glmKeys.trials(subject!, session!);
      return parseTrialTable(await (await clientFor(endpoint).getObject(key, signal)).text(), key);
    },
    enabled: subject !== null && session !== null,
    staleTime: Infinity,
    retry: false,
  };
}

export function useTrialTable(subject: string | null, session: string | null) {
  return useQuery(trialTableQuery(useEndpoint(), subject, session));
}
