import { useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatBytes } from '../../data/errors.ts';
import { INVENTORY_AREAS, type InventoryArea, type InventoryEntry } from '../../data/discovery.ts';
import { LockIcon } from '../common/icons.tsx';

const ROW_HEIGHT = 30;

/** Every file of a subject, with sizes; filterable, virtualised (the real bucket lists thousands). */
export function FileInventory({ entries, subject }: { entries: InventoryEntry[]; subject: string }) {
  const [area, setArea] = useState<InventoryArea | 'all'>('all');
  const [text, setText] = useState('');
  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return entries.filter((e) => (area === 'all' || e.area === area) && (!needle || e.key.toLowerCase().includes(needle)));
  }, [entries, area, text]);
  const totals = useMemo(() => {
    const byArea = new Map<InventoryArea, { n: number; bytes: number }>();
    for (const e of entries) {
      const t = byArea.get(e.area) ?? { n: 0, bytes: 0 };
      t.n++;
      t.bytes += e.size;
      byArea.set(e.area, t);
    }
    return byArea;
  }, [entries]);
  const parentRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is a stable imperative object by design
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const shownBytes = rows.reduce((a, e) => a + e.size, 0);

  return (
    <div className="inventory">
      <div className="inventory-filters">
        <div className="segmented small" role="radiogroup" aria-label="Folder">
          <button role="radio" aria-checked={area === 'all'} className={area === 'all' ? 'active' : ''} onClick={() => setArea('all')}>
            All <span className="count">{entries.length}</span>
          </button>
          {INVENTORY_AREAS.filter((a) => totals.has(a.area)).map((a) => (
            <button key={a.area} role="radio" aria-checked={area === a.area} className={area === a.area ? 'active' : ''} onClick={() => setArea(a.area)} title={a.prefix(subject)}>
              {a.label} <span className="count">{totals.get(a.area)!.n}</span>
            </button>
          ))}
        </div>
        <input type="search" placeholder="Filter: Noiseceiling, ses-02, FFA…" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter files" />
        <span className="inventory-summary" data-testid="inventory-summary">
          {rows.length.toLocaleString('en')} files · {formatBytes(shownBytes)}
        </span>
      </div>
      <div className="inventory-table" role="table" aria-label={`Files of ${subject}`} aria-rowcount={rows.length}>
        <div className="inventory-row inventory-head" role="row">
          <span role="columnheader">Key</span>
          <span role="columnheader">Session</span>
          <span role="columnheader" className="num">
            Size
          </span>
          <span role="columnheader">Modified</span>
        </div>
        <div ref={parentRef} className="inventory-scroll">
          {rows.length === 0 ? (
            <p className="empty">No file matches.</p>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const e = rows[v.index];
                return (
                  <div
                    key={e.key}
                    role="row"
                    className={`inventory-row${e.heldOut ? ' held-out' : ''}`}
                    style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, height: ROW_HEIGHT, width: '100%' }}
                    title={e.heldOut ? `${e.key}\nHeld out: listed, but reads are denied.` : e.key}
                  >
                    <span role="cell" className="key">
                      {e.heldOut && <LockIcon title="held out" />}
                      {e.key.slice(e.key.indexOf(subject) + subject.length + 1)}
                    </span>
                    <span role="cell">{e.session ?? ''}</span>
                    <span role="cell" className="num">
                      {formatBytes(e.size)}
                    </span>
                    <span role="cell">{e.lastModified.slice(0, 10)}</span>
                  </div>
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
