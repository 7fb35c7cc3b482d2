import { useCallback, useEffect, useMemo, useState } from 'react';
import { mmToVoxel, voxelToMm } from '../../formats/nifti.ts';
import { useViewer } from '../../state/viewer.ts';
import { prewarmVolumeWorkers } from '../../jobs/volumes.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';
import { CrosshairReadout } from './CrosshairReadout.tsx';
import { buildLayers, type RoiVolume } from './layers.ts';
import { NiivueView } from './NiivueView.tsx';
import { useViewerData } from './useViewerData.ts';
import { ViewerControls } from './ViewerControls.tsx';
import { BetasPanel } from './BetasPanel.tsx';
import { StimulusTools } from './StimulusTools.tsx';
import { SetMapPanel } from './SetMapPanel.tsx';
import { tableSetsOf, useTableSets } from '../../state/trial-table.ts';
import { useTrialMap } from '../../state/betas.ts';
import { useTrialTable } from '../../state/queries.ts';
import { trialsForView } from '../../science/trials.ts';
import type { BetasManifest } from '../../cache/betas-store.ts';
import { nonzeroMask } from '../../science/masks.ts';
import { cOrderPositions, voxelsInCOrder, type Dims3 } from '../../science/voxel-order.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import { ExportPanel } from '../export/ExportPanel.tsx';
import type { ShownMap } from '../export/MapExport.tsx';
import { mapLabel } from './useViewerData.ts';
import { showsPanel, usePresentation } from '../../state/presentation.ts';

const NO_LAYERS: never[] = [];

/**
 * The brain viewer: anatomy, brain mask, ROIs and a map (noise ceiling or
 * R²) on NiiVue, a crosshair readout, and the layer controls. Layers appear
 * as their files arrive; a layer whose file fails shows its error and the
 * others keep working.
 */
export function BrainViewerPanel({ subject }: { subject: string }) {
  useEffect(prewarmVolumeWorkers, []);
  const settings = useViewer();
  const panels = usePresentation((p) => p.panels);
  const tableSets = useTableSets((s) => tableSetsOf(s, subject));
  const tableSetRequest = useTableSets((s) => (s.request?.subject === subject ? s.request : null));
  const clearTableSetRequest = useTableSets((s) => s.clearRequest);
  const setViewer = useViewer((s) => s.set);
  const [drawnOnce, setDrawnOnce] = useState(false);
  const data = useViewerData(subject, settings, drawnOnce);
  const ref = data.reference.query?.data;

  // Single-trial betas: the brain's voxel axis (laion_fmri's C order) maps cached rows to the grid.
  const [betasEntry, setBetasEntry] = useState<BetasManifest | null>(null);
  // Only the betas and sets panels need it: built after the first picture, not on its path.
  const brainAxis = useMemo(() => {
    if (!ref || !drawnOnce) return null;
    const dims = ref.header.dims.slice(0, 3) as unknown as Dims3;
    const mask = nonzeroMask(ref.data);
    return { gather: voxelsInCOrder(mask, dims), position: cOrderPositions(mask, dims) };
  }, [ref, drawnOnce]);
  const trialTable = useTrialTable(subject, betasEntry ? (settings.betasSession ?? data.sessions.data?.find((x) => !x.heldOut)?.id ?? null) : null);
  const mapTrials = useMemo(
    () => (trialTable.data && settings.showTrial ? trialsForView(trialTable.data, settings.trial, settings.trialView) : null),
    [trialTable.data, settings.showTrial, settings.trial, settings.trialView],
  );
  const trialRow = useTrialMap(betasEntry, mapTrials);
  const trialVolume = useMemo((): LoadedVolume | undefined => {
    const row = trialRow.data?.data;
    if (!ref || !brainAxis || !row || !betasEntry || row.length !== brainAxis.gather.length) return undefined;
    const full = new Float32Array(ref.data.length);
    brainAxis.gather.forEach((n, i) => (full[n] = row[i]));
    return { key: `betas:${betasEntry.id}:${settings.trialView}:${settings.trial}`, header: ref.header, data: full, source: 'cache', bytesFetched: 0, ms: 0 };
  }, [ref, brainAxis, trialRow.data, betasEntry, settings.trial, settings.trialView]);
  const showingTrial = settings.showTrial && trialVolume !== undefined;
  // Stimuli -> brain: a set's mean (or a contrast of two sets) wins over the trial map while shown.
  const [setMap, setSetMap] = useState<LoadedVolume | null>(null);
  const betasMap = setMap ?? (showingTrial ? trialVolume : undefined);

  // ROIs are drawn once every resolved ROI has settled (one GL refresh instead of one per file).
  const roiState = useMemo(() => {
    const byName = new Map(data.allRois.map((r, i) => [r.name, { info: r, q: data.roiVolumes[i] }]));
    const wanted = data.resolved.names.map((name) => byName.get(name)).filter((e) => e !== undefined);
    const settled = drawnOnce && wanted.every((e) => !e.q || e.q.isSuccess || e.q.isError);
    const loaded = wanted.flatMap((e) => (e.q?.data ? [{ name: e.info.name, category: e.info.category, volume: e.q.data }] : []));
    return { settled, loaded, key: `${settled}|${loaded.map((r) => `${r.name}:${r.volume.key}`).join('|')}` };
  }, [data.allRois, data.roiVolumes, data.resolved.names, drawnOnce]);
  const roiKey = roiState.key;
  const rois: RoiVolume[] = useMemo(() => (roiState.settled ? roiState.loaded : []), [roiKey]); // eslint-disable-line react-hooks/exhaustive-deps
  // Voxel -> stimuli can rank images by the mean over the drawn ROIs' brain voxels.
  const roiPositions = useMemo(() => {
    if (!brainAxis || rois.length === 0) return null;
    const seen = new Uint8Array(brainAxis.gather.length);
    for (const r of rois) {
      const d = r.volume.data;
      for (let n = 0; n < d.length; n++) {
        if (d[n] === 0 || Number.isNaN(d[n])) continue;
        const p = brainAxis.position[n];
        if (p >= 0) seen[p] = 1;
      }
    }
    const positions: number[] = [];
    seen.forEach((s, p) => s && positions.push(p));
    return { label: settings.roiQuery, positions };
  }, [brainAxis, rois, settings.roiQuery]);
  // The first picture waits for the reference grid (every overlay is checked against it), the
  // anatomy and the map together, with the map's opacity map when it is dual-coded: one draw, not
  // several, and no picture without its overlays or with an unmodulated map first.
  const settledSlot = (slot: typeof data.anatomy) => !slot || slot.missing || !slot.query || !slot.query.isPending;
  const anatomySettled = settledSlot(data.reference) && settledSlot(data.anatomy) && settledSlot(data.map) && settledSlot(data.dual);

  const built = useMemo(
    () =>
      buildLayers({
        settings,
        reference: ref,
        anatomy: data.anatomy?.query?.data,
        brainSource: settings.maskSource === 'anatomical' ? ref : data.r2mean.query?.data,
        map: betasMap ?? data.map?.query?.data,
        mapKind: betasMap ? 'betas' : 'nc',
        dualBy: data.dual?.query?.data,
        rois,
      }),
    // Settings that only the crosshair touches must not rebuild the layers.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      settings.anatomy, settings.maskSource, settings.maskMode, settings.roiMode, settings.map, settings.colormap, settings.rangeMax,
      settings.threshold, settings.dual, settings.dualBy, settings.dualFull, settings.order, settings.betaThreshold, betasMap,
      ref, data.anatomy?.query?.data, data.r2mean.query?.data, data.map?.query?.data, data.dual?.query?.data, rois,
    ],
  );

  // The maps on screen, for "Save as .nii.gz": the colour map (NC, R², or betas) and the ROI union.
  const shownMaps = useMemo((): ShownMap[] => {
    const out: ShownMap[] = [];
    const mapVol = showingTrial ? trialVolume : data.map?.query?.data;
    if (mapVol && settings.map !== null || (showingTrial && mapVol)) {
      const label = showingTrial
        ? settings.trialView === 'trial' ? `betas, trial ${settings.trial}` : `betas, mean of ${settings.trialView === 'image' ? `trial ${settings.trial}'s image` : `${settings.trialView} trials`}`
        : mapLabel(settings.map!);
      const slug = showingTrial ? `${settings.betasSession ?? 'betas'}_${settings.trialView === 'trial' ? `trial-${settings.trial}` : `mean-${settings.trialView}${settings.trialView === 'image' ? `-${settings.trial}` : ''}`}` : settings.map!.replace(':', '-');
      out.push({ label, slug, volume: mapVol! });
    }
    if (ref && rois.length > 0 && settings.roiMode !== 'off') {
      const union = new Uint8Array(ref.data.length);
      for (const r of rois) for (let i = 0; i < union.length; i++) if (r.volume.data[i] !== 0 && r.volume.data[i] === r.volume.data[i]) union[i] = 1;
      out.push({ label: `ROI union (${rois.length})`, slug: `rois-${settings.roiQuery.replace(/[^A-Za-z0-9]+/g, '-')}`, volume: { header: ref.header, data: union } });
    }
    return out;
  }, [showingTrial, trialVolume, data.map?.query?.data, settings.map, settings.trialView, settings.trial, settings.betasSession, settings.roiMode, settings.roiQuery, ref, rois]);

  // The crosshair lives in the store (and the URL) as a voxel of the beta grid.
  const dims = ref?.header.dims;
  const voxel = useMemo((): [number, number, number] | null => settings.voxel ?? (dims ? [dims[0] >> 1, dims[1] >> 1, dims[2] >> 1] : null), [settings.voxel, dims]);
  const crosshairMm = useMemo(() => (ref && voxel ? voxelToMm(ref.header.affine, voxel) : null), [ref, voxel]);
  const onLocation = useCallback(
    (mm: [number, number, number]) => {
      if (!ref) return;
      const [X, Y, Z] = ref.header.dims;
      const v = mmToVoxel(ref.header.affine, mm).map((x) => Math.round(x)) as [number, number, number];
      if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[0] >= X || v[1] >= Y || v[2] >= Z) return;
      setViewer({ voxel: v });
    },
    [ref, setViewer],
  );

  // Keyboard: arrows/PageUp/PageDown step the crosshair; l cycles layouts. Ignored while typing.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!ref || !voxel || e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.metaKey || e.ctrlKey || e.altKey) return;
      const step: Record<string, [number, number, number]> = {
        ArrowLeft: [1, 0, 0], ArrowRight: [-1, 0, 0], ArrowUp: [0, 0, 1], ArrowDown: [0, 0, -1], PageUp: [0, 1, 0], PageDown: [0, -1, 0],
      };
      const d = step[e.key];
      if (d) {
        e.preventDefault();
        const [X, Y, Z] = ref.header.dims;
        setViewer({ voxel: [Math.min(X - 1, Math.max(0, voxel[0] + d[0])), Math.min(Y - 1, Math.max(0, voxel[1] + d[1])), Math.min(Z - 1, Math.max(0, voxel[2] + d[2]))] });
      } else if (e.key === 'l') {
        const order = ['multiplanar', 'multiplanar3d', 'axial', 'coronal', 'sagittal', 'render'] as const;
        setViewer({ layout: order[(order.indexOf(settings.layout) + 1) % order.length] });
      }
    };
    // Capture phase: the viewer owns the arrow keys while it is shown (the subject list yields).
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [ref, voxel, settings.layout, setViewer]);

  if (data.indexError) return <ErrorNotice error={data.indexError} title="Could not list the subject's files" />;
  if (data.indexReady && data.reference.missing) {
    return <ErrorNotice error={`${subject} has no anatomical brain mask on the beta grid (${data.reference.key}); the viewer needs it as its reference grid.`} />;
  }
  const refError = data.reference.query?.isError ? data.reference.query.error : null;
  return (
    <div className="viewer">
      <div className="viewer-main">
        {refError ? <ErrorNotice error={refError} title="The reference grid could not be read" /> : !ref ? <Spinner label="Loading the brain…" /> : null}
        <NiivueView layers={anatomySettled ? built.layers : NO_LAYERS} layout={settings.layout} crosshairMm={crosshairMm} onLocation={onLocation} onDrawn={() => setDrawnOnce(true)} />
        <p className="kbd-hint">
          Click to move the crosshair · <kbd>←</kbd>
          <kbd>→</kbd> x · <kbd>PgUp</kbd>
          <kbd>PgDn</kbd> y · <kbd>↑</kbd>
          <kbd>↓</kbd> z · <kbd>l</kbd> layout · scroll: slice · right-drag: pan
        </p>
      </div>
      <aside className="viewer-side">
        {ref && voxel && showsPanel(panels, 'readout') && (
          <CrosshairReadout
            voxel={voxel}
            reference={ref}
            r2mean={data.r2mean.query?.data}
            rois={data.allRois.map((r, i) => ({ name: r.name, category: r.category, volume: data.roiVolumes[i]?.data }))}
            maps={data.readoutMaps.map((m) => ({ label: m.label, volume: m.volume }))}
          />
        )}
        {ref && brainAxis && voxel && showsPanel(panels, 'betas') && (
          <BetasPanel
            subject={subject}
            sessions={data.sessions.data ?? []}
            index={data.index}
            reference={ref}
            voxelPosition={brainAxis.position[voxel[0] + ref.header.dims[0] * (voxel[1] + ref.header.dims[1] * voxel[2])]}
            onEntry={setBetasEntry}
            roi={roiPositions}
            mapReadMs={trialRow.data?.ms}
            voxelNc={(() => {
              const nc = data.readoutMaps.find((m) => m.label === 'NC 12-rep')?.volume;
              return nc ? nc.data[voxel[0] + ref.header.dims[0] * (voxel[1] + ref.header.dims[1] * voxel[2])] : undefined;
            })()}
          />
        )}
        {ref && showsPanel(panels, 'export') && (
          <ExportPanel
            subject={subject}
            index={data.index}
            sessions={data.sessions.data ?? []}
            reference={ref}
            roiCategories={data.rois.data}
            roiNames={data.resolved.names}
            shownMaps={shownMaps}
          />
        )}
        {ref && brainAxis && showsPanel(panels, 'sets') && (
          <SetMapPanel
            subject={subject} index={data.index} reference={ref} gather={brainAxis.gather}
            voxelPosition={voxel ? brainAxis.position[voxel[0] + ref.header.dims[0] * (voxel[1] + ref.header.dims[1] * voxel[2])] : -1}
            onMap={setSetMap}
            extraSets={tableSets}
            request={tableSetRequest}
            onRequestTaken={clearTableSetRequest}
          />
        )}
        {showsPanel(panels, 'nearest') && <StimulusTools subject={subject} />}
        {showsPanel(panels, 'layers') && <ViewerControls
          sessions={data.sessions.data ?? []}
          slots={{ anatomy: data.anatomy, brain: settings.maskSource === 'anatomical' ? data.reference : data.r2mean, map: data.map, dual: data.dual }}
          problems={built.problems}
          roiError={data.resolved.error}
          nRois={data.resolved.names.length}
        />}
      </aside>
    </div>
  );
}
