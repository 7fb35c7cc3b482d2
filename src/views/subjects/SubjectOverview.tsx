import { useMemo } from 'react';
import { ShareButtons } from '../common/ShareButtons.tsx';
import { formatBytes } from '../../data/errors.ts';
import { glmKeys } from '../../data/layout.ts';
import type { InventoryEntry, RoiCategory, SessionInfo } from '../../data/discovery.ts';
import { useInventory, useRois, useSessions, useTrialCount } from '../../state/queries.ts';
import { useNiftiHeader } from '../../state/volumes.ts';
import { useSelection, type SubjectTab } from '../../state/selection.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { FileInventory } from './FileInventory.tsx';
import { LockIcon } from '../common/icons.tsx';
import { BrainViewerPanel } from '../viewer/BrainViewerPanel.tsx';
import { RoiInspector } from '../rois/RoiInspector.tsx';
import { TrialsTab } from '../trials/TrialsTab.tsx';

const TABS: Array<{ id: SubjectTab; label: string }> = [
  { id: 'overview', label: 'Sessions & ROIs' },
  { id: 'viewer', label: 'Brain viewer' },
  { id: 'rois', label: 'ROI inspector' },
  { id: 'trials', label: 'Trials & stimuli' },
  { id: 'files', label: 'Files' },
];

export function SubjectOverview({ subject }: { subject: string }) {
  const tab = useSelection((s) => s.tab);
  const setTab = useSelection((s) => s.setTab);
  const inventory = useInventory(subject);
  return (
    <section className="subject-page" aria-labelledby="subject-title">
      <header className="subject-header">
        <h1 id="subject-title">{subject}</h1>
        {inventory.data && (
          <span className="subject-stats">
            {inventory.data.length.toLocaleString('en')} files · {formatBytes(inventory.data.reduce((a, e) => a + e.size, 0))}
          </span>
        )}
        <ShareButtons />
        <div className="tabs" role="tablist">
          {TABS.map((t) => (
            <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)}>
              {t.label}
            </button>
          ))}
        </div>
      </header>
      {tab === 'overview' ? (
        <div className="cards">
          <SessionsCard subject={subject} inventory={inventory.data} />
          <RoisCard subject={subject} />
        </div>
      ) : tab === 'viewer' ? (
        <BrainViewerPanel subject={subject} />
      ) : tab === 'rois' ? (
        <RoiInspector subject={subject} />
      ) : tab === 'trials' ? (
        <TrialsTab subject={subject} />
      ) : inventory.isPending ? (
        <Spinner label="Listing files…" />
      ) : inventory.isError ? (
        <ErrorNotice error={inventory.error} title="Could not list the files" onRetry={() => inventory.refetch()} />
      ) : (
        <FileInventory entries={inventory.data ?? []} subject={subject} />
      )}
    </section>
  );
}

function SessionsCard({ subject, inventory }: { subject: string; inventory?: InventoryEntry[] }) {
  const sessions = useSessions(subject);
  const selected = useSelection((s) => s.session);
  const setSession = useSelection((s) => s.setSession);
  const sizeByKey = useMemo(() => new Map(inventory?.map((e) => [e.key, e.size])), [inventory]);
  return (
    <article className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">
        Sessions {sessions.isSuccess && <span className="count">{sessions.data.length}</span>}
      </h2>
      {sessions.isPending && <Spinner label="Listing sessions…" />}
      {sessions.isError && <ErrorNotice error={sessions.error} compact onRetry={() => sessions.refetch()} />}
      {sessions.isSuccess && sessions.data.length === 0 && <p className="empty">No GLMsingle sessions listed for {subject}.</p>}
      {sessions.isSuccess && sessions.data.length > 0 && (
        <>
          <ul className="session-grid">
            {sessions.data.map((s) => (
              <SessionChip
                key={s.id}
                session={s}
                betasSize={sizeByKey.get(glmKeys.betas(subject, s.id))}
                selected={s.id === selected}
                onSelect={() => setSession(s.id === selected ? null : s.id)}
              />
            ))}
          </ul>
          {sessions.data.some((s) => s.heldOut) && (
            <p className="legend">
              <LockIcon /> Held out: listed by the bucket, but not public (reads are denied).
            </p>
          )}
          {selected && sessions.data.some((s) => s.id === selected) && <SessionDetail subject={subject} session={selected} inventory={inventory} />}
          {selected && !sessions.data.some((s) => s.id === selected) && (
            <p className="notice notice-warn notice-compact" role="status">
              {subject} has no session {selected} in this bucket.
            </p>
          )}
        </>
      )}
    </article>
  );
}

function SessionChip({ session, betasSize, selected, onSelect }: { session: SessionInfo; betasSize?: number; selected: boolean; onSelect(): void }) {
  return (
    <li>
      <button
        className={`session-chip${session.heldOut ? ' held-out' : ''}${selected ? ' selected' : ''}`}
        data-session={session.id}
        data-held-out={session.heldOut}
        aria-pressed={selected}
        onClick={onSelect}
        title={session.heldOut ? `${session.id} is held out of the public release` : `${session.id}: single-trial betas ${betasSize ? formatBytes(betasSize) : ''}`}
      >
        <span className="session-id">
          {session.heldOut && <LockIcon title="held out" />}
          {session.id}
        </span>
        <span className="session-meta">{session.heldOut ? 'held out' : betasSize !== undefined ? `betas ${formatBytes(betasSize)}` : 'no betas file'}</span>
      </button>
    </li>
  );
}

function SessionDetail({ subject, session, inventory }: { subject: string; session: string; inventory?: InventoryEntry[] }) {
  const trials = useTrialCount(subject, session);
  const files = inventory?.filter((e) => e.session === session && e.area === 'glmsingle') ?? [];
  const betasKey = glmKeys.betas(subject, session);
  const betas = files.find((f) => f.key === betasKey);
  const header = useNiftiHeader(betas && !betas.heldOut ? betasKey : null, betas?.etag);
  return (
    <div className="session-detail" data-testid="session-detail">
      <h3>
        {subject} · {session}
      </h3>
      {trials.isPending && <Spinner label="Reading the trial table…" />}
      {trials.isError && <ErrorNotice error={trials.error} compact onRetry={() => trials.refetch()} />}
      {trials.isSuccess && (
        <p>
          <strong data-testid="trial-count">{trials.data.trials}</strong> trials · columns <code>{trials.data.columns.join(', ')}</code>
        </p>
      )}
      {header.isSuccess && (
        <p data-testid="betas-shape">
          Betas <strong>{header.data.header.dims.join(' × ')}</strong> {header.data.header.dtype}, {header.data.header.voxelSize.map((v) => v.toFixed(2)).join(' × ')} mm
          <span className="muted">
            {' '}
            · {formatBytes(betas!.size)} compressed, ~{formatBytes(header.data.header.dims.reduce((a, b) => a * b, 1) * header.data.header.bytesPerVoxel)} raw · shape read from the
            first {formatBytes(header.data.bytesTransferred)}
          </span>
        </p>
      )}
      {header.isError && <ErrorNotice error={header.error} compact />}
      {files.length > 0 && (
        <p className="muted">
          {files.length} files in GLMsingle, {formatBytes(files.reduce((a, e) => a + e.size, 0))}
        </p>
      )}
    </div>
  );
}

function RoisCard({ subject }: { subject: string }) {
  const rois = useRois(subject);
  const total = rois.data?.reduce((a, c) => a + c.rois.length, 0) ?? 0;
  return (
    <article className="card" aria-labelledby="rois-title">
      <h2 id="rois-title">
        ROIs {rois.isSuccess && <span className="count">{total} in {rois.data.length} categories</span>}
      </h2>
      {rois.isPending && <Spinner label="Listing ROIs…" />}
      {rois.isError && <ErrorNotice error={rois.error} compact onRetry={() => rois.refetch()} />}
      {rois.isSuccess && rois.data.length === 0 && <p className="empty">No ROI masks (res-1pt8) listed for {subject}.</p>}
      {rois.isSuccess && rois.data.map((c) => <RoiCategoryRow key={c.category} category={c} />)}
    </article>
  );
}

function RoiCategoryRow({ category }: { category: RoiCategory }) {
  return (
    <div className="roi-category" data-category={category.category}>
      <h3>{category.category}</h3>
      <ul className="roi-chips">
        {category.rois.map((r) => {
          const hemis = [...new Set(r.others.filter((o) => o.hemi).map((o) => o.hemi))].sort().join('+');
          return (
            <li
              key={r.bucketLabel}
              className="roi-chip"
              data-roi={r.name}
              title={`${r.name}${r.bucketLabel !== r.name ? ` (bucket label "${r.bucketLabel}")` : ''} · volume ${formatBytes(r.volume.size)}${hemis ? ` · surface ${hemis}` : ''}`}
            >
              {r.name}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
