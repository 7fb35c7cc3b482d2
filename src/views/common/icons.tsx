/** Inline SVG icons: no icon font or emoji, so they render the same everywhere (and in screenshots). */
export function LockIcon({ title }: { title?: string }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="12" height="12" role={title ? 'img' : undefined} aria-label={title} aria-hidden={title ? undefined : true}>
      <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.8" />
    </svg>
  );
}
