import { useState } from 'react';
import { usePresentation } from '../../state/presentation.ts';

/** "Copy link" (the URL is the whole view) and the presentation-mode toggle. */
export function ShareButtons() {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const present = usePresentation((s) => s.present);
  const setPresentation = usePresentation((s) => s.set);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 4000);
  };
  return (
    <div className="share">
      <button className="ghost small" onClick={() => void copy()} title="Copy a link to exactly this view" data-testid="copy-link">
        {state === 'copied' ? 'Link copied' : 'Copy link'}
      </button>
      {state === 'failed' && (
        <input className="share-fallback" readOnly value={window.location.href} aria-label="Link to this view" onFocus={(e) => e.target.select()} autoFocus />
      )}
      <button className="ghost small" aria-pressed={present} onClick={() => setPresentation({ present: !present })} title="Presentation mode: larger type, fewer panels">
        {present ? 'Exit presentation' : 'Present'}
      </button>
    </div>
  );
}
