/**
 * Data hooks: the only way views reach bucket data. Each query key names the
 * endpoint and the parameters, so switching sources never mixes results.
 */
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { S3Client } from '../data/s3/client.ts';
import { discoverRois, discoverSessions, discoverSubjects, INVENTORY_AREAS, listInventory, type InventoryEntry } from '../data/discovery.ts';
import { probeBucket } from '../data/probe.ts';
import { useSelection } from './selection.ts';
import { glmKeys } from '../data/layout.ts';

const clients = new Map<string, S3Client>();

/** One client per endpoint (construction throws a DataError for a non-URL). */
export function clientFor(endpoint: string): S3Client {
  let c = clients.get(endpoint);
  if (!c) {
    c = new S3Client(endpoint);
    clients.set(endpoint, c);
  }
  return c;
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

export function useInventory(subject: string | null) {
  const { endpoint, client } = useClient();
  return useQuery({
    queryKey: ['inventory', endpoint, subject],
    queryFn: async ({ signal }): Promise<InventoryEntry[]> => {
      const parts = await Promise.all(INVENTORY_AREAS.map((a) => listInventory(client(), subject!, a.area, signal)));
      return parts.flat();
    },
    enabled: subject !== null,
    retry: false,
  });
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
