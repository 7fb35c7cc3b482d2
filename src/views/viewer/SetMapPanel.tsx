import { useEffect, useMemo, useRef, useState } from 'react';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { glmKeys } from '../../data/layout.ts';
import { formatBytes, isAbortError } from '../../data/errors.ts';
import type { S3Object } from '../../data/s3/xml.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import type { BetasManifest } from '../../cache/betas-store.ts';
import { betasWorker } from '../../jobs/betas.ts';
import { betasEntryParts, type BetasProgress } from '../../jobs/betas-api.ts';
import { nonzeroMask } from '../../science/masks.ts';
import { OOD_TYPES, SUBJECT_SPLIT_NAMES } from '../../science/splits.ts';
import { combineSessionMeans, contrastMaps, describeTrialSet, resolveTrialSet, trialsBySession, type TrialSetDef } from '../../science/trial-sets.ts';
import { useEndpoint } from '../../state/queries.ts';
import { useSplit, useSplitsBase, useSplitsSource } from '../../state/splits.ts';
import { useStimulusDatasets } from '../../state/stimulus-datasets.ts';
import { useSubjectTrials } from '../../state/subject-trials.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { CollapsedPanel } from './CollapsedPanel.tsx';

const NO_SETS: readonly TrialSetDef[] = [];

/** A set choice as a select value: 'all', 'stimuli:shared', 'dataset:NSD', 'ood:', 'ood:shape', 'split:test', 'split:train', or '' (none). */
type Choice = string;

function toDef(choice: Choice, split: { pool: string; name: string; oodType: string }, extra: readonly TrialSetDef[]): TrialSetDef | null {
  const [kind, arg = ''] = choice.split(/:(.*)/s);
  if (kind === 'extra') return extra[Number(arg)] ?? null;
  if (kind === 'all') return { kind: 'all' };
  if (kind === 'stimuli') return { kind: 'stimuli', which: arg === 'unique' ? 'unique' : 'shared' };
  if (kind === 'dataset') return { kind: 'dataset', dataset: arg };
  if (kind === 'ood') return { kind: 'ood', type: arg || null };
  if (kind === 'split') {
    const oodTypes = split.name === 'ood' && split.oodType ? [split.oodType] : null;
    return { kind: 'split', pool: split.pool, name: split.name, part: arg === 'train' ? 'train' : 'test', oodTypes };
  }
  return null;
}

function SetOptions({ datasets, extra }: { datasets: string[]; extra: readonly TrialSetDef[] }) {
  return (
    <>
      {extra.length > 0 && (
        <optgroup label="from elsewhere">
          {extra.map((d, i) => (
            <option key={i} value={`extra:${i}`}>
              {describeTrialSet(d)}
            </option>
          ))}
        </optgroup>
      )}
      <option value="all">all trials</option>
      <option value="stimuli:shared">shared images</option>
      <option value="stimuli:unique">unique images</option>
      <optgroup label="dataset">
        {datasets.map((d) => (
          <option key={d} value={`dataset:${d}`}>
            dataset {d}
          </option>
        ))}
      </optgroup>
      <optgroup label="OOD type">
        <option value="ood:">OOD (all types)</option>
        {OOD_TYPES.map((t) => (
          <option key={t} value={`ood:${t}`}>
            OOD: {t}
          </option>
        ))}
      </optgroup>
      <optgroup label="split (below)">
        <option value="split:test">split: test set</option>
        <option value="split:train">split: train set</option>
      </optgroup>
    </>
  );
}

interface SetMapArgs {
  sessions: ReadonlyArray<{ id: string; start: number; count: number }>;
  entryBySession: ReadonlyMap<string, BetasManifest>;
  a: { def: TrialSetDef; trials: Uint32Array };
  b: { def: TrialSetDef; trials: Uint32Array } | null;
  gather: ArrayLike<number>;
  gridSize: number;
}

/** Per-session means read from the betas cache (in the worker), combined by trial counts; A − B when B is given. */
async function computeSetMap(x: SetMapArgs, signal: AbortSignal) {
  const t0 = performance.now();
  const meanOf = async (set: Uint32Array) => {
    const parts: Array<{ mean: Float32Array; n: number }> = [];
    let left = 0;
    for (const { session, local } of trialsBySession(set, x.sessions)) {
      const e = x.entryBySession.get(session);
      if (!e) {
        left += local.length;
        continue;
      }
      const r = await betasWorker().call('meanOfTrials', { id: e.id, trials: local, nBrain: e.nBrain }, { signal });
      parts.push({ mean: r.data, n: local.length });
    }
    const used = parts.reduce((s, p) => s + p.n, 0);
    return { mean: parts.length ? combineSessionMeans(parts) : null, used, left };
  };
  const A = await meanOf(x.a.trials);
  const B = x.b ? await meanOf(x.b.trials) : null;
  if (!A.mean) throw new Error(`None of the ${A.left} trials of "${describeTrialSet(x.a.def)}" lies in a session streamed into this browser.`);
  if (B && !B.mean) throw new Error(`None of the ${B.left} trials of "${describeTrialSet(x.b!.def)}" lies in a session streamed into this browser.`);
  const row = B ? contrastMaps(A.mean, B.mean!) : A.mean;
  const full = new Float32Array(x.gridSize);
  for (let i = 0; i < x.gather.length; i++) full[x.gather[i]] = row[i];
  return { row, full, A, B, ms: performance.now() - t0 };
}

/**
 * Stimuli → brain: the mean single-trial beta map of a set of trials, or the
 * contrast of two sets (A − B), drawn on the viewer. Trials come from every
 * public session; a session's betas must be streamed into this browser once
 * (the panel offers to stream the missing ones).
 */
export function SetMapPanel(props: Parameters<typeof SetMapBody>[0]) {
  // Closed until asked for: opening reads every session's trial table and the stimulus metadata.
  const [open, setOpen] = useState(false);
  // A request to map one of the extra sets (the trial table's "Mean map of these trials") opens it.
  if (props.request && !open) setOpen(true);
  if (!open && !props.request) return <CollapsedPanel title="Stimuli → brain" onOpen={() => setOpen(true)} testId="set-map-closed" />;
  return <SetMapBody {...props} />;
}

function SetMapBody({
  subject,
  index,
  reference,
  gather,
  voxelPosition,
  extraSets = NO_SETS,
  request = null,
  onRequestTaken,
  onMap,
}: {
  subject: string;
  index: Map<string, S3Object> | undefined;
  reference: LoadedVolume;
  /** Brain voxels (laion_fmri C order) → flat grid index. */
  gather: Int32Array | Uint32Array | number[];
  /** The crosshair voxel's position on the brain axis, or −1 outside the brain. */
  voxelPosition: number;
  /** More sets to offer (a hand-picked selection from the trial table, a caption-search hit, …). */
  extraSets?: readonly TrialSetDef[];
  /** Show the mean of `extraSets[index]` (set A, nothing as B, shown on the brain); `nonce` tells requests apart. */
  request?: { index: number; nonce: number } | null;
  /** Called once a request has been applied. */
  onRequestTaken?(): void;
  onMap(map: LoadedVolume | null): void;
}) {
  const endpoint = useEndpoint();
  const qc = useQueryClient();
  const trials = useSubjectTrials(subject);
  const datasets = useStimulusDatasets();
  const [a, setA] = useState<Choice>('stimuli:shared');
  const [b, setB] = useState<Choice>('');
  const [pool, setPool] = useState(subject);
  const [splitName, setSplitName] = useState('random_0');
  const [oodType, setOodType] = useState('');
  const [show, setShow] = useState(false);
  const [taken, setTaken] = useState<number | null>(null);
  if (request && request.nonce !== taken && extraSets[request.index]) {
    setTaken(request.nonce);
    setA(`extra:${request.index}`);
    setB('');
    setShow(true);
  }
  useEffect(() => {
    if (request && request.nonce === taken) onRequestTaken?.();
  }, [request, taken, onRequestTaken]);
  const usesSplit = a.startsWith('split:') || b.startsWith('split:');
  const split = useSplit(usesSplit ? pool : null, usesSplit ? splitName : null);
  const splitsBase = useSplitsBase();
  const setSplitsOverride = useSplitsSource((s) => s.setOverride);

  const labels = useMemo(() => trials.data?.rows.map((r) => r.label), [trials.data]);
  const datasetNames = useMemo(() => [...new Set(datasets.data?.values() ?? [])].filter(Boolean).sort(), [datasets.data]);
  const splitSel = { pool, name: splitName, oodType };
  const defA = toDef(a, splitSel, extraSets);
  const defB = toDef(b, splitSel, extraSets);

  // Trials of each set (global indices), or why they cannot be resolved yet.
  const resolved = useMemo(() => {
    if (!labels) return null;
    const ctx = { labels, datasetOf: datasets.data, split: split.data };
    const one = (d: TrialSetDef | null) => {
      if (!d) return null;
      try {
        return { def: d, trials: resolveTrialSet(d, ctx), error: null as string | null };
      } catch (e) {
        return { def: d, trials: null, error: e instanceof Error ? e.message : String(e) };
      }
    };
    return { a: one(defA), b: one(defB) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels, datasets.data, split.data, a, b, pool, splitName, oodType, extraSets]);

  // Each session's betas cache entry (the same queries the betas panel uses and updates).
  const maskObj = index?.get(reference.key);
  const sessionSources = useMemo(
    () =>
      (trials.data?.sessions ?? []).map((s) => {
        const obj = index?.get(glmKeys.betas(subject, s.id));
        return obj && maskObj ? { session: s.id, count: s.count, src: { endpoint, betasKey: obj.key, betasEtag: obj.etag, expectedSize: obj.size, maskKey: maskObj.key, maskEtag: maskObj.etag } } : { session: s.id, count: s.count, src: null };
      }),
    [trials.data, index, maskObj, endpoint, subject],
  );
  const entries = useQueries({
    queries: sessionSources.map((s) => ({
      queryKey: ['betas-entry', s.src ? betasEntryParts(s.src) : null],
      queryFn: () => betasWorker().call('lookup', { parts: betasEntryParts(s.src!) }),
      enabled: s.src !== null,
      staleTime: Infinity,
      retry: false,
    })),
  });
  const entryBySession = new Map<string, BetasManifest>();
  sessionSources.forEach((s, i) => {
    const e = entries[i]?.data;
    if (e) entryBySession.set(s.session, e);
  });
  const entryKey = [...entryBySession.values()].map((e) => e.id).join(',');
  const missing = sessionSources.filter((s) => s.src && !entryBySession.has(s.session) && entries[sessionSources.indexOf(s)]?.isSuccess);

  // Stream the sessions that are not in this browser yet, one after another.
  const [progress, setProgress] = useState<{ session: string; p: BetasProgress; k: number; n: number } | null>(null);
  const [buildError, setBuildError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const streamMissing = async () => {
    if (!trials.data) return;
    const ac = new AbortController();
    abort.current = ac;
    setBuildError(null);
    const [X, Y, Z] = reference.header.dims;
    const brain = nonzeroMask(reference.data);
    try {
      for (let k = 0; k < missing.length; k++) {
        const m = missing[k];
        const args = { ...m.src!, brain, dims: [X, Y, Z] as [number, number, number], trials: m.count };
        const manifest = await betasWorker().call('build', args, { signal: ac.signal, onProgress: (p) => setProgress({ session: m.session, p, k, n: missing.length }) });
        qc.setQueryData(['betas-entry', betasEntryParts(args)], manifest as BetasManifest);
      }
    } catch (e) {
      if (!isAbortError(e)) setBuildError(e);
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };

  const ready = !!resolved?.a?.trials && (!defB || !!resolved.b?.trials) && !!trials.data;
  const map = useQuery({
    queryKey: ['set-map', endpoint, subject, JSON.stringify([defA, defB]), entryKey, split.dataUpdatedAt],
    enabled: show && ready && entryBySession.size > 0,
    staleTime: Infinity,
    gcTime: 30_000,
    retry: false,
    queryFn: ({ signal }) =>
      computeSetMap({ sessions: trials.data!.sessions, entryBySession, a: { def: defA!, trials: resolved!.a!.trials! }, b: defB ? { def: defB, trials: resolved!.b!.trials! } : null, gather, gridSize: reference.data.length }, signal),
  });

  const volume = useMemo((): LoadedVolume | null => {
    if (!show || !map.data) return null;
    return { key: `set-map:${subject}:${a}|${b}:${map.dataUpdatedAt}`, header: reference.header, data: map.data.full, source: 'cache', bytesFetched: 0, ms: map.data.ms };
  }, [show, map.data, map.dataUpdatedAt, subject, a, b, reference.header]);
  useEffect(() => onMap(volume), [volume, onMap]);
  useEffect(() => () => onMap(null), [onMap]);

  const count = (r: { trials: Uint32Array | null; error: string | null } | null | undefined) =>
    r ? (r.trials ? `${r.trials.length} trials` : r.error) : '';

  return (
    <section className="layer" data-testid="set-map-panel">
      <h3>Stimuli → brain</h3>
      {trials.error !== null && trials.error !== undefined && <ErrorNotice error={trials.error} compact />}
      <div className="control-grid">
        <label htmlFor="set-a">Set A</label>
        <select id="set-a" aria-label="Set A" value={a} onChange={(e) => setA(e.target.value)}>
          <SetOptions datasets={datasetNames} extra={extraSets} />
        </select>
        <span />
        <label htmlFor="set-b">minus B</label>
        <select id="set-b" aria-label="Set B" value={b} onChange={(e) => setB(e.target.value)}>
          <option value="">nothing (mean of A)</option>
          <SetOptions datasets={datasetNames} extra={extraSets} />
        </select>
        <span />
      </div>
      <p className="layer-note">
        A: <span data-testid="set-a-count">{count(resolved?.a)}</span>
        {resolved?.b && (
          <>
            {' '}· B: <span data-testid="set-b-count">{count(resolved.b)}</span>
          </>
        )}
      </p>
      {usesSplit && (
        <div className="control-grid" data-testid="split-controls">
          <label htmlFor="split-pool">Split pool</label>
          <select id="split-pool" aria-label="Split pool" value={pool} onChange={(e) => setPool(e.target.value)}>
            <option value={subject}>{subject}</option>
            <option value="shared">shared</option>
          </select>
          <span />
          <label htmlFor="split-name">Split</label>
          <select id="split-name" aria-label="Split" value={splitName} onChange={(e) => setSplitName(e.target.value)}>
            {SUBJECT_SPLIT_NAMES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <span />
          {splitName === 'ood' && (
            <>
              <label htmlFor="split-ood">OOD type</label>
              <select id="split-ood" aria-label="Split OOD type" value={oodType} onChange={(e) => setOodType(e.target.value)}>
                <option value="">all 9 types</option>
                {OOD_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <span />
            </>
          )}
          <label htmlFor="splits-url">Splits from</label>
          <input
            id="splits-url"
            aria-label="Splits source"
            defaultValue={splitsBase.url}
            key={splitsBase.url}
            onKeyDown={(e) => e.key === 'Enter' && setSplitsOverride((e.target as HTMLInputElement).value)}
            onBlur={(e) => e.target.value !== splitsBase.url && setSplitsOverride(e.target.value)}
            title="A folder of {pool}/{name}.json files, as in laion_fmri/splits/data"
          />
          {splitsBase.isDefault ? <span /> : (
            <button className="ghost small" onClick={() => setSplitsOverride(null)}>
              default
            </button>
          )}
        </div>
      )}
      {usesSplit && split.isError && <ErrorNotice error={split.error} compact />}
      {usesSplit && split.data && (
        <p className="layer-note" data-testid="split-summary">
          {split.data.pool}/{split.data.name}: {split.data.nTrain} train / {split.data.nTest} test images ({split.data.splitter || 'splitter not named'})
        </p>
      )}
      {missing.length > 0 && !progress && (
        <>
          <p className="layer-note" data-testid="set-missing-sessions">
            Betas of {missing.map((m) => m.session).join(', ')} are not in this browser yet: their trials are left out.
          </p>
          <button onClick={() => void streamMissing()}>Stream {missing.length === 1 ? missing[0].session : `${missing.length} sessions`}</button>
        </>
      )}
      {progress && (
        <div className="betas-progress" role="status" data-testid="set-stream-progress">
          <progress value={progress.p.phase === 'stream' ? progress.p.bytesFetched / Math.max(1, progress.p.bytesTotal) : (progress.p.transposed ?? 0)} max={1} />
          <p className="layer-note">
            {progress.session} ({progress.k + 1} of {progress.n}): {formatBytes(progress.p.bytesFetched)} of {formatBytes(progress.p.bytesTotal)}
          </p>
          <button className="ghost small" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        </div>
      )}
      {buildError !== null && <ErrorNotice error={buildError} compact />}
      <label className="layer-note">
        <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} disabled={entryBySession.size === 0} /> show {defB ? 'A − B' : 'the mean of A'} on the brain
      </label>
      {entryBySession.size === 0 && <p className="layer-note">Stream at least one session's betas first.</p>}
      {show && map.isFetching && <Spinner label={`Averaging ${(resolved?.a?.trials?.length ?? 0) + (resolved?.b?.trials?.length ?? 0)} trials in the betas worker…`} />}
      {map.isError && <ErrorNotice error={map.error} compact />}
      {show && map.data && (
        <p className="layer-note" data-testid="set-map-summary">
          mean β of {describeTrialSet(defA!)} ({map.data.A.used} trials{map.data.A.left ? `, ${map.data.A.left} not streamed` : ''})
          {map.data.B && defB ? ` − ${describeTrialSet(defB)} (${map.data.B.used} trials${map.data.B.left ? `, ${map.data.B.left} not streamed` : ''})` : ''} · {map.data.ms.toFixed(0)} ms
        </p>
      )}
      {show && map.data && (
        <p className="layer-note" data-testid="set-map-voxel">
          at the crosshair:{' '}
          {voxelPosition < 0 ? 'outside the brain' : Number.isNaN(map.data.row[voxelPosition]) ? 'NaN (a failed fit in some trial)' : `${map.data.row[voxelPosition].toFixed(4)} β`}
        </p>
      )}
    </section>
  );
}
