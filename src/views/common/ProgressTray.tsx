import { useEffect, useState } from 'react';
import { formatBytes } from '../../data/errors.ts';
import { etaSeconds, useProgress } from '../../state/progress.ts';

/** Long downloads, with bytes, rate, ETA and a cancel button. Hidden when idle. */
export function ProgressTray() {
  const jobs = useProgress((s) => s.jobs);
  const list = Object.values(jobs);
  // The clock is state, ticking while there is work, so rates and ETAs refresh without new progress events.
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!list.length) return;
    const update = () => setNow(performance.now());
    update();
    const t = setInterval(update, 500);
    return () => clearInterval(t);
  }, [list.length]);
  if (!list.length) return null;
  const fetched = list.reduce((a, j) => a + j.bytesFetched, 0);
  const total = list.every((j) => j.bytesTotal) ? list.reduce((a, j) => a + (j.bytesTotal ?? 0), 0) : undefined;
  return (
    <div className="progress-tray" role="status" aria-live="polite" data-testid="progress-tray">
      <div className="progress-head">
        Loading {list.length} file{list.length > 1 ? 's' : ''} · {formatBytes(fetched)}
        {total ? ` of ${formatBytes(total)}` : ''}
      </div>
      <ul>
        {list.slice(0, 4).map((j) => {
          const frac = j.bytesTotal ? Math.min(1, j.bytesFetched / j.bytesTotal) : undefined;
          const eta = etaSeconds(j, now);
          const rate = j.bytesFetched / Math.max(0.001, (Math.max(now, j.startedAt) - j.startedAt) / 1000);
          return (
            <li key={j.id}>
              <span className="progress-name" title={j.label}>
                {j.label}
              </span>
              <progress value={frac ?? undefined} max={1} />
              <span className="progress-meta">
                {formatBytes(j.bytesFetched)}
                {j.bytesTotal ? ` / ${formatBytes(j.bytesTotal)}` : ''} · {formatBytes(rate)}/s{eta !== undefined && eta > 1 ? ` · ${Math.ceil(eta)} s left` : ''}
              </span>
              {j.cancel && (
                <button className="ghost small" onClick={j.cancel} aria-label={`Cancel ${j.label}`}>
                  Cancel
                </button>
              )}
            </li>
          );
        })}
        {list.length > 4 && <li className="muted">and {list.length - 4} more…</li>}
      </ul>
    </div>
  );
}
