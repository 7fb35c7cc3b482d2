import { useMemo, useRef, useState } from 'react';
import { useQueries } from '@tanstack/react-query';
import { formatBytes, isAbortError } from '../../data/errors.ts';
import { glmKeys } from '../../data/layout.ts';
import type { RoiCategory, SessionInfo } from '../../data/discovery.ts';
import type { S3Object } from '../../data/s3/xml.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import { betasWorker } from '../../jobs/betas.ts';
import { betasEntryParts } from '../../jobs/betas-api.ts';
import { exportWorker } from '../../jobs/export.ts';
import { EXPORT_STAGING_DIR, type ExportProgress, type ExportTarget } from '../../jobs/export-api.ts';
import { clientFor, useEndpoint } from '../../state/queries.ts';
import { useVolume, useVolumeList } from '../../state/volumes.ts';
import { useViewer } from '../../state/viewer.ts';
import { useExportSettings, formatIndexList, parseIndexList, type ExportTargetKind } from '../../state/export.ts';
import { parseTrialTable, type StimulusSet, type TrialRow } from '../../science/trials.ts';
import { catalogFromCategories } from '../../science/roi-query.ts';
import { exportName, prepareExport } from '../../export/prepare.ts';
import { downloadBytes } from '../../export/map-nifti.ts';
import { stagingSpaceProblem } from '../../export/space.ts';
import type { BetasManifest } from '../../cache/betas-store.ts';
import { entrySize, type ExportParams } from '../../export/plan.ts';
import { ZipStreamWriter } from '../../formats/zip-writer.ts';
import { APP_VERSION } from '../../app/config.ts';
import { ErrorNotice } from '../common/ErrorNotice.tsx';
import { MapExport, type ShownMap } from './MapExport.tsx';

type Picker = {
  showSaveFilePicker?(o: { suggestedName: string; types: { description: string; accept: Record<string, string[]> }[] }): Promise<FileSystemFileHandle>;
  showDirectoryPicker?(o: { mode: 'readwrite' }): Promise<FileSystemDirectoryHandle>;
};

const nowMs = () => performance.now();

function eta(p: ExportProgress, startedAt: number): string {
  const s = (performance.now() - startedAt) / 1000;
  if (p.bytesWritten <= 0 || s <= 0.2) return '';
  const left = ((p.bytesTotal - p.bytesWritten) * s) / p.bytesWritten;
  return left >= 1 ? ` · ${Math.ceil(left)} s left` : '';
}

/**
 * Export the current selection as masked single-trial betas for Python (a
 * .zip or a folder: betas.npy, trials.tsv, voxels, provenance.json,
 * reproduce.py), and the map on screen as .nii.gz.
 */
export function ExportPanel({
  subject,
  index,
  sessions,
  reference,
  roiCategories,
  roiNames,
  shownMaps,
}: {
  subject: string;
  index: Map<string, S3Object> | undefined;
  sessions: SessionInfo[];
  reference: LoadedVolume;
  roiCategories: RoiCategory[] | undefined;
  /** The ROI names the viewer's query resolves to. */
  roiNames: string[];
  shownMaps: ShownMap[];
}) {
  const x = useExportSettings();
  const v = useViewer();
  const endpoint = useEndpoint();
  const publicSessions = useMemo(() => sessions.filter((s) => !s.heldOut).map((s) => s.id), [sessions]);
  const chosen = x.sessions.length ? x.sessions.filter((s) => publicSessions.includes(s)) : [v.betasSession ?? publicSessions[0]].filter((s): s is string => !!s);
  const ref = (key: string) => (index?.get(key) as S3Object | undefined) ?? null;

  // Inputs, loaded only while the panel is open (shared with the viewer's queries where they overlap).
  const open = x.open;
  const r2 = useVolume(open && v.maskSource === 'rsquare' ? ref(glmKeys.r2mean(subject)) : null);
  const ncVols = useVolumeList(open && x.ncThreshold !== null ? chosen.map((s) => ref(glmKeys.sessionNc(subject, s))).filter((r): r is S3Object => r !== null) : []);
  const roiInfos = useMemo(() => (roiCategories ?? []).flatMap((c) => c.rois).filter((r) => roiNames.includes(r.name)), [roiCategories, roiNames]);
  const roiVols = useVolumeList(open && x.useRoi && !x.mask ? roiInfos.map((r) => r.volume) : []);
  const tables = useQueries({
    queries: (open ? publicSessions : []).map((ses) => ({
      queryKey: ['trial-table', endpoint, subject, ses],
      queryFn: async ({ signal }: { signal: AbortSignal }) => parseTrialTable(await (await clientFor(endpoint).getObject(glmKeys.trials(subject, ses), signal)).text(), glmKeys.trials(subject, ses)),
      staleTime: Infinity,
      retry: false,
    })),
  });

  const [progress, setProgress] = useState<(ExportProgress & { eta: string }) | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const startedAt = useRef(0);
  const abort = useRef<AbortController | null>(null);

  const tableError = tables.find((t) => t.isError)?.error;
  const loading =
    tables.some((t) => t.isPending) || (v.maskSource === 'rsquare' && !r2.data) || ncVols.some((q) => q.isPending) || roiVols.some((q) => q.isPending);
  const inputError = tableError ?? r2.error ?? ncVols.find((q) => q.isError)?.error ?? roiVols.find((q) => q.isError)?.error ?? null;

  const params: ExportParams = {
    subject,
    sessions: chosen,
    maskSource: v.maskSource,
    roi: x.useRoi && !x.mask ? v.roiQuery : null,
    mask: x.mask,
    ncThreshold: x.ncThreshold,
    stimuli: x.stimuli,
    trials: x.trials,
    trialsLabel: x.trialsLabel ?? undefined,
  };

  const run = async () => {
    if (!index || !roiCategories) return;
    setError(null);
    setDone(null);
    const ac = new AbortController();
    abort.current = ac;
    const name = exportName(params);
    try {
      // The picker first, while the click still counts as a user gesture.
      let target: ExportTarget;
      const w = window as unknown as Picker;
      if (x.target === 'file') {
        if (!w.showSaveFilePicker) throw new Error('This browser cannot save to a chosen file; choose “download” or “folder”.');
        target = { kind: 'file', handle: await w.showSaveFilePicker({ suggestedName: `${name}.zip`, types: [{ description: 'ZIP archive', accept: { 'application/zip': ['.zip'] } }] }) };
      } else if (x.target === 'folder') {
        if (!w.showDirectoryPicker) throw new Error('This browser cannot write to a folder; choose “download”.');
        target = { kind: 'dir', handle: await w.showDirectoryPicker({ mode: 'readwrite' }), folder: name };
      } else target = { kind: 'opfs', name: `${name}.zip` };

      const cached = new Map<string, BetasManifest | null>();
      for (const ses of chosen) {
        const b = index.get(glmKeys.betas(subject, ses));
        const m = index.get(reference.key);
        cached.set(ses, b && m ? await betasWorker().call('lookup', { parts: betasEntryParts({ endpoint, betasKey: b.key, betasEtag: b.etag, maskKey: m.key, maskEtag: m.etag }) }) : null);
      }
      const trialTables = new Map<string, readonly TrialRow[]>(publicSessions.map((s, i) => [s, tables[i].data!]));
      const rois = new Map(roiInfos.flatMap((r, i) => (roiVols[i]?.data ? [[r.name, { volume: roiVols[i].data!, key: r.volume.key }] as const] : [])));
      const nc = new Map(chosen.flatMap((s) => { const q = ncVols.find((q) => q.data?.key === glmKeys.sessionNc(subject, s)); return q?.data ? [[s, q.data] as const] : []; }));
      const plan = prepareExport({ params, endpoint, appVersion: APP_VERSION, index, reference, r2mean: r2.data, catalog: catalogFromCategories(roiCategories), rois, nc, trialTables, cached });

      // Space first: the staging area is the browser's storage (the download is a copy of it).
      const total = target.kind === 'dir' ? plan.totalBytes : ZipStreamWriter.archiveSize(plan.entries.map((e) => ({ name: e.name, size: entrySize(e) })));
      if (target.kind === 'opfs') {
        await exportWorker().call('clearStaged', {});
        const problem = stagingSpaceProblem(name, total, await navigator.storage.estimate());
        if (problem) throw problem;
      }
      startedAt.current = nowMs();
      setProgress({ bytesWritten: 0, bytesTotal: total, entry: '', bytesFetched: 0, eta: '' });
      const r = await exportWorker().call('write', { target, entries: plan.entries, endpoint }, { signal: ac.signal, onProgress: (p) => setProgress({ ...p, eta: eta(p, startedAt.current) }) });
      if (target.kind === 'opfs') {
        let d = await navigator.storage.getDirectory();
        for (const n of EXPORT_STAGING_DIR) d = await d.getDirectoryHandle(n);
        downloadBytes(await (await d.getFileHandle(target.name)).getFile(), target.name, 'application/zip');
      }
      const shape = plan.shapes.map((s) => `${s.session}: ${s.trials} × ${s.voxels.toLocaleString('en')}`).join(', ');
      setDone(`${target.kind === 'dir' ? `Folder ${name}` : `${name}.zip`} · ${formatBytes(r.bytes)} in ${(r.ms / 1000).toFixed(1)} s · ${shape}`);
    } catch (e) {
      if (!ac.signal.aborted && !isAbortError(e)) setError(e);
    } finally {
      if (abort.current === ac) abort.current = null;
      setProgress(null);
    }
  };

  const ready = !!index && !!roiCategories && !loading && !inputError && chosen.length > 0;
  const toggleSession = (s: string) => {
    const cur = chosen;
    x.set({ sessions: cur.includes(s) ? cur.filter((c) => c !== s) : [...cur, s].sort() });
  };

  return (
    <details className="layer export-panel" data-testid="export-panel" open={x.open} onToggle={(e) => x.set({ open: (e.target as HTMLDetailsElement).open })}>
      <summary>
        <h3>Export</h3>
      </summary>
      <MapExport maps={shownMaps} subject={subject} />
      <h4>Masked betas for Python</h4>
      <fieldset className="export-sessions">
        <legend>Sessions</legend>
        {publicSessions.map((s) => (
          <label key={s}>
            <input type="checkbox" checked={chosen.includes(s)} onChange={() => toggleSession(s)} /> {s}
          </label>
        ))}
      </fieldset>
      <div className="control-grid">
        <label htmlFor="xroi">Voxels</label>
        <label className="layer-note">
          <input id="xroi" type="checkbox" checked={x.useRoi && !x.mask} disabled={!!x.mask} onChange={(e) => x.set({ useRoi: e.target.checked })} />{' '}
          {x.mask ? 'custom mask' : x.useRoi ? <>ROIs <code>{v.roiQuery}</code> ({roiNames.length})</> : `whole ${v.maskSource} brain mask`}
        </label>
        <span />
        <label htmlFor="xnc">NC ≥ (%)</label>
        <input id="xnc" type="number" min={0} max={100} step={1} placeholder="none" value={x.ncThreshold ?? ''} onChange={(e) => x.set({ ncThreshold: e.target.value === '' ? null : Number(e.target.value) })} />
        <span />
        <label htmlFor="xstim">Stimuli</label>
        <select id="xstim" value={x.stimuli ?? ''} onChange={(e) => x.set({ stimuli: (e.target.value || null) as StimulusSet | null })}>
          <option value="">all trials</option>
          <option value="shared">shared</option>
          <option value="unique">unique</option>
        </select>
        <span />
        <label htmlFor="xtrials">Trials</label>
        <input
          id="xtrials"
          placeholder="all (or global indices: 0-9,15)"
          defaultValue={x.trials ? formatIndexList(x.trials) : ''}
          key={x.trials ? formatIndexList(x.trials) : ''}
          onBlur={(e) => x.set({ trials: e.target.value.trim() === '' ? null : (parseIndexList(e.target.value) ?? x.trials), trialsLabel: null })}
        />
        <span />
        <label htmlFor="xtarget">Save as</label>
        <select id="xtarget" value={x.target} onChange={(e) => x.set({ target: e.target.value as ExportTargetKind })}>
          {'showSaveFilePicker' in window && <option value="file">.zip, choose file…</option>}
          <option value="download">.zip, download</option>
          {'showDirectoryPicker' in window && <option value="folder">folder, choose…</option>}
        </select>
        <span />
      </div>
      <p className="layer-note">
        Mask source {v.maskSource}
        {x.trialsLabel ? ` · trials from ${x.trialsLabel}` : ''}. The size and free space are checked before anything is written.
      </p>
      {inputError ? <ErrorNotice error={inputError} compact /> : null}
      {progress ? (
        <div className="betas-progress" role="status" data-testid="export-progress">
          <progress value={progress.bytesWritten / Math.max(1, progress.bytesTotal)} max={1} />
          <p className="layer-note">
            {formatBytes(progress.bytesWritten)} of {formatBytes(progress.bytesTotal)} written{progress.entry ? ` · ${progress.entry}` : ''}
            {progress.bytesFetched ? ` · ${formatBytes(progress.bytesFetched)} read from the bucket` : ''}
            {progress.eta}
          </p>
          <button className="ghost small" onClick={() => abort.current?.abort()}>
            Cancel export
          </button>
        </div>
      ) : (
        <button onClick={() => void run()} disabled={!ready}>
          {loading && open ? 'Loading the selection…' : `Export ${chosen.join(', ') || '…'}`}
        </button>
      )}
      {error !== null && <ErrorNotice error={error} compact />}
      {done && (
        <p className="layer-note" data-testid="export-done">
          Saved {done}
        </p>
      )}
    </details>
  );
}
