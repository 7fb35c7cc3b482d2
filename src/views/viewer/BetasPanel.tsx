import { useEffect, useMemo } from 'react';
import { formatBytes } from '../../data/errors.ts';
import { glmKeys } from '../../data/layout.ts';
import type { SessionInfo } from '../../data/discovery.ts';
import type { S3Object } from '../../data/s3/xml.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import type { BetasManifest } from '../../cache/betas-store.ts';
import type { BetasProgress } from '../../jobs/betas-api.ts';
import { useBetasCopy, useBetasEntry, useBuildBetas, useKeepCopyPreference, useVoxelSeries, type BetasSource } from '../../state/betas.ts';
import { betasWorker } from '../../jobs/betas.ts';
import { useTrialTable } from '../../state/queries.ts';
import { useEndpoint } from '../../state/queries.ts';
import { useViewer, type TrialView } from '../../state/viewer.ts';
import { trialsForView } from '../../science/trials.ts';
import { ErrorNotice } from '../common/ErrorNotice.tsx';
import { Plot } from '../common/Plot.tsx';
import { VoxelStimuli } from '../trials/VoxelStimuli.tsx';

function eta(done: number, total: number, startedAt: number): string {
  const elapsed = (performance.now() - startedAt) / 1000;
  if (done <= 0 || elapsed <= 0) return '';
  const left = ((total - done) * elapsed) / done;
  return left > 1 ? ` · ${Math.ceil(left)} s left` : '';
}

/** Whether to keep the compressed file, and what this browser already has of it. */
function CopyNote({ status, size, keep, setKeep }: { status?: { complete: boolean; stored: number }; size: number; keep: boolean; setKeep(v: boolean): void }) {
  if (status?.complete) {
    return (
      <p className="layer-note" data-testid="betas-copy">
        The compressed file is in this browser: the pass needs no network.
      </p>
    );
  }
  return (
    <>
      <label className="layer-note">
        <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} /> keep the compressed file ({formatBytes(size)}) in this browser: offline use, and an
        interrupted download resumes instead of restarting
      </label>
      {keep && status && status.stored > 0 && (
        <p className="layer-note" data-testid="betas-copy">
          A previous download stopped at {formatBytes(status.stored)} of {formatBytes(size)}: it resumes from there.
        </p>
      )}
    </>
  );
}

const rate = (bps: number) => `${formatBytes(bps)}/s`;

/** Download and decode measured apart, so the user sees which one holds the pass back. */
function LinkRatesLine({ p }: { p: BetasProgress }) {
  return (
    <p className="layer-note link-rates" data-testid="betas-link-rates">
      <span title="Bytes received per second while requests were in flight">
        download {rate(p.downloadRate ?? 0)} over {p.connections} connection{p.connections === 1 ? '' : 's'} ({formatBytes(p.partSize ?? 0)} parts)
      </span>
      {' · '}
      <span title="Compressed bytes inflated and masked per second while the decoder had input">decode {rate(p.decodeRate ?? 0)}</span>
      {' · '}
      <span title="Downloaded, not yet decoded">buffered {formatBytes(p.bufferedBytes ?? 0)}</span>
      {p.retries ? ` · ${p.retries} part${p.retries === 1 ? '' : 's'} asked for again` : ''}
      {p.bottleneck && <strong className="bottleneck"> · {p.bottleneck === 'download' ? 'the network is the bottleneck' : 'decoding is the bottleneck'}</strong>}
    </p>
  );
}

/**
 * Single-trial betas of one session: stream them once (brain voxels kept in
 * OPFS), then scrub through trials on the brain and plot the crosshair
 * voxel's betas over trials.
 */
export function BetasPanel({
  subject,
  sessions,
  index,
  reference,
  voxelPosition,
  onEntry,
  mapReadMs,
  voxelNc,
  roi = null,
}: {
  subject: string;
  sessions: SessionInfo[];
  index: Map<string, S3Object> | undefined;
  reference: LoadedVolume;
  /** Position of the crosshair voxel in the brain's C-order voxel list, or -1 outside the brain. */
  voxelPosition: number;
  onEntry(entry: BetasManifest | null): void;
  /** How long the shown map took to read from OPFS (ms). */
  mapReadMs?: number;
  /** The crosshair voxel's subject-level (12-rep) noise ceiling, when loaded. */
  voxelNc?: number;
  /** Brain positions of the drawn ROIs' voxels (for voxel -> stimuli by ROI mean). */
  roi?: { label: string; positions: number[] } | null;
}) {
  const v = useViewer();
  const endpoint = useEndpoint();
  const publicSessions = sessions.filter((s) => !s.heldOut);
  const session = v.betasSession ?? publicSessions[0]?.id ?? null;
  const betasKey = session ? glmKeys.betas(subject, session) : null;
  const betasObj = betasKey ? index?.get(betasKey) : undefined;
  const maskObj = index?.get(reference.key);
  const src: BetasSource | null =
    betasObj && maskObj ? { endpoint, betasKey: betasObj.key, betasEtag: betasObj.etag, expectedSize: betasObj.size, maskKey: maskObj.key, maskEtag: maskObj.etag } : null;
  const entry = useBetasEntry(src);
  const build = useBuildBetas();
  const copy = useBetasCopy(src);
  const [keepCopy, setKeepCopy] = useKeepCopyPreference();
  const trials = useTrialTable(subject, session);
  const series = useVoxelSeries(entry.data, voxelPosition >= 0 ? voxelPosition : null);

  useEffect(() => onEntry(entry.data ?? null), [entry.data, onEntry]);

  const start = () => {
    if (!src || !trials.data) return;
    const [X, Y, Z] = reference.header.dims;
    const brain = new Uint8Array(reference.data.length);
    for (let i = 0; i < brain.length; i++) brain[i] = reference.data[i] !== 0 && !Number.isNaN(reference.data[i]) ? 1 : 0;
    void build.start({ ...src, brain, dims: [X, Y, Z], trials: trials.data.length, keepCopy });
  };

  const rows = trials.data;
  const t = Math.min(v.trial, Math.max(0, (entry.data?.trials ?? 1) - 1));
  const label = rows?.[t]?.label;
  const plot = useMemo(() => {
    const series_ = series.data?.data;
    if (!series_ || !rows) return null;
    const isShared = (i: number) => rows[i].label.startsWith('shared_');
    const hover = 'trial %{customdata}<br>%{text}<br>β = %{y:.2f}<extra></extra>';
    if (v.groupRepeats) {
      // One column per image (ordered by its mean β), one point per repeat: do repeats agree?
      const byImage = new Map<string, number[]>();
      rows.forEach((r, i) => byImage.set(r.label, [...(byImage.get(r.label) ?? []), i]));
      const images = [...byImage.entries()]
        .map(([label, idx]) => ({ label, idx, mean: idx.reduce((a, i) => a + series_[i], 0) / idx.length }))
        .sort((a, b) => a.mean - b.mean);
      const trace = (shared: boolean, name: string, color: string) => {
        const pts = images.flatMap((im, k) => (isShared(im.idx[0]) === shared ? im.idx.map((i) => ({ k, i, label: im.label })) : []));
        return { type: 'scatter' as const, mode: 'markers' as const, name, x: pts.map((p) => p.k), y: pts.map((p) => series_[p.i]), text: pts.map((p) => p.label), customdata: pts.map((p) => p.i), hovertemplate: hover, marker: { size: 5, color } };
      };
      const means = { type: 'scatter' as const, mode: 'lines' as const, name: 'mean of repeats', x: images.map((_, k) => k), y: images.map((im) => im.mean), line: { color: '#8d98ad', width: 1 }, hoverinfo: 'skip' as const };
      return {
        data: [means, trace(true, 'shared', '#5ee0c8'), trace(false, 'unique', '#ffb347')],
        layout: { height: 190, margin: { l: 38, r: 8, t: 6, b: 30 }, xaxis: { title: { text: 'image (by mean β)' }, showticklabels: false }, yaxis: { title: { text: 'β (%)' } }, legend: { orientation: 'h' as const, y: 1.15 } },
      };
    }
    const xs = (want: boolean) => rows.flatMap((_, i) => (isShared(i) === want ? [i] : []));
    const trace = (want: boolean, name: string, color: string) => ({
      type: 'scatter' as const,
      mode: 'markers' as const,
      name,
      x: xs(want),
      y: xs(want).map((i) => series_[i]),
      text: xs(want).map((i) => rows[i].label),
      customdata: xs(want),
      hovertemplate: hover,
      marker: { size: 5, color },
    });
    return {
      data: [trace(true, 'shared', '#5ee0c8'), trace(false, 'unique', '#ffb347')],
      layout: {
        height: 190,
        margin: { l: 38, r: 8, t: 6, b: 30 },
        xaxis: { title: { text: 'trial' } },
        yaxis: { title: { text: 'β (%)' } },
        legend: { orientation: 'h' as const, y: 1.15 },
        shapes: [{ type: 'line' as const, x0: t, x1: t, yref: 'paper' as const, y0: 0, y1: 1, line: { color: '#8d98ad', width: 1, dash: 'dot' as const } }],
      },
    };
  }, [series.data, rows, t, v.groupRepeats]);

  const p = build.progress;
  return (
    <section className="layer" data-testid="betas-panel">
      <h3>Single-trial betas</h3>
      <select aria-label="Betas session" value={session ?? ''} onChange={(e) => v.set({ betasSession: e.target.value, trial: 0 })}>
        {publicSessions.map((s) => (
          <option key={s.id} value={s.id}>
            {s.id}
          </option>
        ))}
      </select>
      {!betasObj && session && <p className="layer-note">No betas file listed for {session}.</p>}
      {trials.isError && <ErrorNotice error={trials.error} compact />}
      {betasObj && !entry.data && !p && (
        <>
          <p className="layer-note">
            One pass streams the {formatBytes(betasObj.size)} file and keeps the brain voxels in this browser; then any trial or voxel is instant.
          </p>
          <button onClick={start} disabled={!trials.data || !entry.isSuccess}>
            Stream {session} betas
          </button>
          <CopyNote status={copy.data} size={betasObj.size} keep={keepCopy} setKeep={setKeepCopy} />
        </>
      )}
      {p && (
        <div className="betas-progress" role="status" data-testid="betas-progress">
          <progress value={p.phase === 'stream' ? p.bytesFetched / Math.max(1, p.bytesTotal) : (p.transposed ?? 0)} max={1} />
          <p className="layer-note">
            {p.phase === 'stream'
              ? `${formatBytes(p.bytesFetched)} of ${formatBytes(p.bytesTotal)} · ${formatBytes(p.bytesInflated)} inflated · volume ${p.volumesDone} of ${p.volumes}${eta(p.bytesFetched, p.bytesTotal, build.startedAt)}`
              : `arranging voxel series… ${Math.round((p.transposed ?? 0) * 100)}%`}
          </p>
          {p.phase === 'stream' && p.downloadRate !== undefined && <LinkRatesLine p={p} />}
          {p.bytesFromCopy ? (
            <p className="layer-note" data-testid="betas-from-copy">
              {p.bytesFromCopy >= p.bytesTotal ? 'read from this browser’s copy: no network' : `resumed: the first ${formatBytes(p.bytesFromCopy)} come from this browser’s copy`}
            </p>
          ) : null}
          <button className="ghost small" onClick={build.cancel}>
            Cancel
          </button>
        </div>
      )}
      {build.error !== null && <ErrorNotice error={build.error} compact />}
      {entry.data && (
        <>
          <p className="layer-note" data-testid="betas-cached">
            {entry.data.trials} trials × {entry.data.nBrain.toLocaleString('en')} brain voxels, in this browser ({formatBytes(entry.data.trials * entry.data.nBrain * 8)})
          </p>
          {build.copyFault && build.copyFault.betasKey === src?.betasKey && !copy.data?.complete && (
            <p className="layer-note" role="status" data-testid="betas-copy-fault">
              The compressed file was not kept offline: {build.copyFault.reason}.
            </p>
          )}
          {copy.data?.complete && (
            <p className="layer-note" data-testid="betas-copy">
              The compressed file ({formatBytes(copy.data.stored)}) is kept offline too.{' '}
              <button className="ghost small" onClick={() => void betasWorker().call('deleteCopy', { id: copy.data!.id }).then(() => copy.refetch())}>
                Remove it
              </button>
            </p>
          )}
          <div className="control-grid">
            <label htmlFor="trial">Trial</label>
            <input id="trial" type="range" min={0} max={entry.data.trials - 1} value={t} onChange={(e) => v.set({ trial: Number(e.target.value), showTrial: true })} />
            <output htmlFor="trial" data-testid="trial-index">
              {t}
            </output>
            <label htmlFor="showtrial">On the brain</label>
            <input id="showtrial" type="checkbox" checked={v.showTrial} onChange={(e) => v.set({ showTrial: e.target.checked })} />
            <span />
            <label htmlFor="bthr">|β| ≥</label>
            <input id="bthr" type="range" min={0} max={5} step={0.1} value={v.betaThreshold} onChange={(e) => v.set({ betaThreshold: Number(e.target.value) })} />
            <output htmlFor="bthr">{v.betaThreshold.toFixed(1)}</output>
          </div>
          {label && (
            <p className="layer-note" data-testid="trial-label">
              run {rows![t].run} · <code>{label}</code>
            </p>
          )}
          <select aria-label="Betas map shows" value={v.trialView} onChange={(e) => v.set({ trialView: e.target.value as TrialView, showTrial: true })}>
            <option value="trial">this trial</option>
            <option value="image">mean of this image's repeats ({rows ? trialsForView(rows, t, 'image').length : '…'} trials)</option>
            <option value="shared">mean of all shared trials ({rows ? trialsForView(rows, t, 'shared').length : '…'})</option>
            <option value="unique">mean of all unique trials ({rows ? trialsForView(rows, t, 'unique').length : '…'})</option>
          </select>
          <label className="layer-note">
            <input type="checkbox" checked={v.groupRepeats} onChange={(e) => v.set({ groupRepeats: e.target.checked })} /> group the repeats of each image
            {voxelNc !== undefined && (
              <span data-testid="voxel-nc"> · this voxel's 12-rep noise ceiling {Number.isNaN(voxelNc) ? 'NaN' : `${voxelNc.toFixed(1)} %`}</span>
            )}
          </label>
          {voxelPosition < 0 ? (
            <p className="layer-note">The crosshair is outside the brain mask: no betas there.</p>
          ) : plot ? (
            <Plot data={plot.data} layout={plot.layout} className="betas-plot" label="Betas of the crosshair voxel over the trials of the session" />
          ) : null}
          {rows && voxelPosition >= 0 && (
            <VoxelStimuli entry={entry.data} rows={rows} voxelSeries={series.data?.data} roi={roi} onPick={(trial) => v.set({ trial, showTrial: true })} />
          )}
          <p className="layer-note" data-testid="betas-read-times">
            read from this browser: map {mapReadMs !== undefined ? `${mapReadMs.toFixed(1)} ms` : '–'} · voxel series {series.data ? `${series.data.ms.toFixed(1)} ms` : '–'}
          </p>
        </>
      )}
    </section>
  );
}
