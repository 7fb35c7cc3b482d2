import { DataError } from '../../data/errors.ts';

const TRANSIENT = new Set(['network', 'server', 'malformed', 'not-s3', 'changed', 'aborted']);

/** A readable error: what went wrong (naming the file or endpoint), and what to do. */
export function ErrorNotice({ error, title, compact = false, onRetry }: { error: unknown; title?: string; compact?: boolean; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof DataError ? error.hint : undefined;
  const kind = error instanceof DataError ? error.kind : 'error';
  // Retrying cannot fix a denied, missing or corrupt file; offer it only for faults that may pass.
  const canRetry = onRetry && (!(error instanceof DataError) || TRANSIENT.has(error.kind));
  return (
    <div className={`notice notice-error${compact ? ' notice-compact' : ''}`} role="alert" data-error-kind={kind}>
      {title && <strong className="notice-title">{title}</strong>}
      <p className="notice-message">{message}</p>
      {hint && <p className="notice-hint">{hint}</p>}
      {canRetry && (
        <button className="retry" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </div>
  );
}
