/**
 * The cache manager: what this browser keeps (decoded volumes, derived betas
 * matrices, partial downloads, listings), grouped by subject and session,
 * with sizes, the storage quota, persistence, and eviction. Opening it runs
 * the consistency check; entries found broken are removed and counted.
 */
import { useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { evictAll, evictItem, requestPersistence, scanCache, storageFacts, type CacheItem, type CacheScan, type CacheStore, type StorageFacts } from '../../cache/inventory.ts';
import { formatBytes } from '../../data/errors.ts';
import { listingsFootprint, LISTINGS_KEY } from '../../state/persist.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';

const STORE_LABEL: Record<CacheStore, string> = { volume: 'decoded volume', betas: 'masked betas (trials × voxels)', partial: 'partial download', copy: 'compressed file, kept offline' };

function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

interface Group {
  label: string;
  items: CacheItem[];
  bytes: number;
}

function groupItems(items: CacheItem[]): Group[] {
  const groups = new Map<string, CacheItem[]>();
  for (const it of items) {
    const label = it.subject ? `${it.subject}${it.session ? ` · ${it.session}` : ' · subject-level'}` : 'Dataset-wide';
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label)!.push(it);
  }
  return [...groups].map(([label, its]) => ({ label, items: its, bytes: its.reduce((s, i) => s + i.bytes, 0) }));
}

/** The top-bar button: opens the panel (shortcut: Shift+C). */
export function CacheButton() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      if (e.key === 'C' && e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) setOpen((o) => !o);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <button className="ghost cache-button" onClick={() => setOpen(true)} title="What this browser keeps (Shift+C)" aria-haspopup="dialog">
        Cache
      </button>
      {open && <CachePanel onClose={() => setOpen(false)} />}
    </>
  );
}

export function CachePanel({ onClose }: { onClose(): void }) {
  const queryClient = useQueryClient();
  const [scan, setScan] = useState<CacheScan | null>(null);
  const [facts, setFacts] = useState<StorageFacts | null>(null);
  const [listings, setListings] = useState(() => listingsFootprint());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [persistAnswer, setPersistAnswer] = useState<boolean | null>(null);
  /** Broken entries found since the panel opened (the first scan is the check on open). */
  const [brokenTotal, setBrokenTotal] = useState<CacheScan['broken']>([]);

  /** Bumped after every action: the effect below rescans. */
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const s = await scanCache();
        const f = await storageFacts();
        if (!live) return;
        setScan(s);
        if (s.broken.length) setBrokenTotal((b) => [...b, ...s.broken]);
        setFacts(f);
        setListings(listingsFootprint());
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [version]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setVersion((v) => v + 1);
    }
  };

  const groups = useMemo(() => groupItems(scan?.items ?? []), [scan]);
  const cachedBytes = (scan?.items ?? []).reduce((s, i) => s + i.bytes, 0);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <section className="cache-panel card" role="dialog" aria-modal="true" aria-labelledby="cache-title" data-testid="cache-panel">
        <header className="cache-head">
          <h2 id="cache-title">Browser cache</h2>
          <button className="ghost" onClick={onClose} aria-label="Close the cache panel">
            ✕
          </button>
        </header>

        <div className="cache-facts" data-testid="cache-facts">
          {facts ? (
            <>
              <span>
                Storage used <strong data-testid="cache-usage">{facts.usage === null ? 'unknown' : formatBytes(facts.usage)}</strong> of{' '}
                <strong data-testid="cache-quota">{facts.quota === null ? 'unknown' : formatBytes(facts.quota)}</strong>
              </span>
              {facts.usage !== null && facts.quota ? (
                <meter min={0} max={facts.quota} value={facts.usage} aria-label="Storage used" />
              ) : null}
              <span data-testid="cache-persisted">
                {facts.persisted ? 'Persistent: the browser will not evict it under pressure.' : 'Best effort: the browser may evict it when space runs low.'}
              </span>
              {!facts.persisted && (
                <button disabled={busy} onClick={() => run(async () => setPersistAnswer(await requestPersistence()))}>
                  Request persistent storage
                </button>
              )}
              {persistAnswer === false && <span className="muted">The browser declined (it decides from how the site is used; bookmarking or installing helps).</span>}
            </>
          ) : (
            <Spinner label="Measuring storage…" />
          )}
        </div>

        {error !== null && <ErrorNotice error={error} compact />}

        <div className="cache-check" role="status" data-testid="cache-check">
          {scan === null
            ? 'Checking the cache…'
            : brokenTotal.length === 0
              ? `Consistency check: ${scan.items.length} complete ${scan.items.length === 1 ? 'entry' : 'entries'}, none broken.`
              : `Consistency check: removed ${brokenTotal.length} broken ${brokenTotal.length === 1 ? 'entry' : 'entries'} (${brokenTotal.map((b) => b.reason).join('; ')}).`}
          {scan && scan.busy.length > 0 && ` ${scan.busy.length} being written now.`}
        </div>

        {scan && (
          <div className="cache-body">
            <div className="cache-summary">
              <span data-testid="cache-total">
                {scan.items.length} {scan.items.length === 1 ? 'entry' : 'entries'}, {formatBytes(cachedBytes)}
              </span>
              <button disabled={busy || (scan.items.length === 0 && listings.bytes === 0)} onClick={() => run(async () => {
                await evictAll();
                localStorage.removeItem(LISTINGS_KEY);
                queryClient.clear();
              })}>
                Evict all
              </button>
            </div>
            {scan.items.length === 0 && <p className="muted">Nothing is cached yet: volumes and betas are kept here after they are first read.</p>}
            {groups.map((g) => (
              <div className="cache-group" key={g.label} data-testid="cache-group">
                <h3>
                  {g.label} <span className="count">{formatBytes(g.bytes)}</span>
                </h3>
                <ul>
                  {g.items.map((it) => (
                    <li key={`${it.store}:${it.id}`} data-testid="cache-item" data-store={it.store}>
                      <span className="cache-name" title={`${it.endpoint}/${it.key}`}>
                        {fileName(it.key)}
                      </span>
                      <span className="cache-kind">
                        {STORE_LABEL[it.store]}
                        {it.progress && ` (${formatBytes(it.progress.have)} of ${formatBytes(it.progress.size)})`}
                      </span>
                      <span className="cache-size">{formatBytes(it.bytes)}</span>
                      <button className="ghost" disabled={busy} onClick={() => run(() => evictItem(it.store, it.id))} aria-label={`Evict ${fileName(it.key)}`}>
                        Evict
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
            <div className="cache-group">
              <h3>
                Listings <span className="count">{formatBytes(listings.bytes)}</span>
              </h3>
              <p className="muted" data-testid="cache-listings">
                {listings.queries} folder listings kept for offline start-up (revalidated in the background).
              </p>
            </div>
          </div>
        )}
      </section>
    </div>
  );
}
