import { useRef, useState, type FormEvent } from 'react';
import { AWS_ENDPOINT, DEMO_ENDPOINT, SOURCE_LABELS, type SourceKind } from '../../app/config.ts';
import { useSelection } from '../../state/selection.ts';
import { useProbe } from '../../state/queries.ts';
import { endpointAllowed } from '../../app/csp.ts';
import { localFolderName } from '../../data/local/registry.ts';
import { hasDirectoryPicker, pickWithDirectoryPicker, openFileList } from './local-folder.ts';

const KINDS: SourceKind[] = ['demo', 'aws', 'custom', 'local'];
const DESCRIPTIONS: Record<SourceKind, string> = {
  demo: `Synthetic data with the real layout, served by the dev server at ${DEMO_ENDPOINT}`,
  aws: `The public bucket s3://laion-fmri (us-west-2) at ${AWS_ENDPOINT}`,
  custom: 'A mirror, a proxy, or the dev server serving your own laion_fmri folder',
  local: 'A folder on this computer written by laion_fmri’s download: read in place, nothing is uploaded or copied',
};

/** Chooses where data comes from, and shows whether that endpoint can be read. */
export function SourcePicker() {
  const source = useSelection((s) => s.source);
  const customEndpoint = useSelection((s) => s.customEndpoint);
  const setSource = useSelection((s) => s.setSource);
  const [draft, setDraft] = useState(customEndpoint || 'http://127.0.0.1:9000/laion-fmri');
  const [editing, setEditing] = useState(false);
  const probe = useProbe();
  const folderInput = useRef<HTMLInputElement>(null);
  const [localError, setLocalError] = useState<string | null>(null);

  const pickLocal = () => {
    setEditing(false);
    setLocalError(null);
    if (!hasDirectoryPicker()) return folderInput.current?.click();
    pickWithDirectoryPicker().catch((e: unknown) => setLocalError(`Could not open the folder: ${e instanceof Error ? e.message : String(e)}`));
  };

  const connectCustom = (e: FormEvent) => {
    e.preventDefault();
    setSource('custom', draft.trim());
    setEditing(false);
    // A new origin is outside this page's security policy: the confirmed endpoint is stored, and a
    // reload adopts it (the URL already says source=custom).
    if (!endpointAllowed(draft.trim())) window.location.reload();
  };

  return (
    <div className="source-picker">
      <div className="segmented" role="radiogroup" aria-label="Data source">
        {KINDS.map((k) => (
          <button
            key={k}
            role="radio"
            aria-checked={source.kind === k}
            className={source.kind === k ? 'active' : ''}
            title={DESCRIPTIONS[k]}
            onClick={() => (k === 'custom' ? setEditing(true) : k === 'local' ? pickLocal() : (setSource(k), setEditing(false)))}
          >
            {SOURCE_LABELS[k]}
          </button>
        ))}
      </div>
      {(editing || (source.kind === 'custom' && !customEndpoint)) && (
        <form className="custom-endpoint" onSubmit={connectCustom}>
          <label htmlFor="endpoint-input" className="sr-only">
            Bucket URL
          </label>
          <input
            id="endpoint-input"
            type="url"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="https://my-mirror.example.org/laion-fmri"
            spellCheck={false}
          />
          <button type="submit">Connect</button>
          <button type="button" className="ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      <input
        ref={folderInput}
        type="file"
        className="sr-only"
        tabIndex={-1}
        aria-label="Local laion_fmri folder"
        data-testid="local-folder-input"
        {...{ webkitdirectory: '', directory: '' }}
        multiple
        onChange={(e) => {
          if (e.target.files && !openFileList(e.target.files)) setLocalError('The chosen folder is empty.');
          e.target.value = '';
        }}
      />
      {localError && (
        <span className="notice notice-error notice-compact" role="alert">
          {localError}
        </span>
      )}
      <div className="source-status" data-testid="source-status">
        <span className={`status-dot ${probe.isPending ? 'pending' : probe.isError ? 'error' : 'ok'}`} aria-hidden="true" />
        {source.kind === 'local' ? (
          <code title={source.endpoint} data-testid="local-folder-name">
            {localFolderName(source.endpoint) ?? 'local folder'} (on this computer)
          </code>
        ) : (
          <code title={source.endpoint}>{source.endpoint}</code>
        )}
        {probe.isPending && <span> connecting…</span>}
        {probe.isSuccess && <span> listed in {Math.round(probe.data.latencyMs)} ms</span>}
        {probe.isError && <span> unreachable</span>}
      </div>
    </div>
  );
}
