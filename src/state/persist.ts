/**
 * Listings survive a reload (offline-first): the last known listings are
 * restored from localStorage and revalidated in the background. Only small
 * list queries are kept; decoded volumes live in OPFS. A full or unavailable
 * storage just means no persistence, never an error.
 */
import type { Query } from '@tanstack/react-query';
import type { PersistedClient, Persister } from '@tanstack/react-query-persist-client';

export const LISTINGS_KEY = 'laion-fmri-explorer.listings.v1';
const KEY = LISTINGS_KEY;
export const PERSISTED_QUERIES = new Set(['probe', 'subjects', 'sessions', 'rois', 'listing', 'trial-count']);

export function localStoragePersister(): Persister {
  let pending: ReturnType<typeof setTimeout> | null = null;
  return {
    persistClient(client: PersistedClient) {
      // Throttled: listings change rarely; writing on every query update would be waste.
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        try {
          localStorage.setItem(KEY, JSON.stringify(client));
        } catch {
          localStorage.removeItem(KEY); // quota: drop rather than keep a stale half
        }
      }, 1000);
    },
    restoreClient() {
      try {
        const raw = localStorage.getItem(KEY);
        return raw ? (JSON.parse(raw) as PersistedClient) : undefined;
      } catch {
        return undefined;
      }
    },
    removeClient() {
      localStorage.removeItem(KEY);
    },
  };
}

export const shouldPersist = (q: Query) => q.state.status === 'success' && PERSISTED_QUERIES.has(String(q.queryKey[0]));

/** How much the persisted listings take (for the cache panel). */
export function listingsFootprint(): { bytes: number; queries: number } {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { bytes: 0, queries: 0 };
    const client = JSON.parse(raw) as PersistedClient;
    return { bytes: raw.length * 2, queries: client.clientState?.queries?.length ?? 0 };
  } catch {
    return { bytes: 0, queries: 0 };
  }
}
