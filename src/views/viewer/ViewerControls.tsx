import { COLORMAPS, useViewer, type AnatomyChoice, type DrawMode, type MapId, type OverlayId, type SliceLayout } from '../../state/viewer.ts';
import type { SessionInfo } from '../../data/discovery.ts';
import { mapLabel, type VolumeSlot } from './useViewerData.ts';
import { ErrorNotice } from '../common/ErrorNotice.tsx';

const LAYOUTS: Array<[SliceLayout, string]> = [
  ['multiplanar', '3 planes'],
  ['multiplanar3d', '3 planes + 3-D'],
  ['axial', 'Axial'],
  ['coronal', 'Coronal'],
  ['sagittal', 'Sagittal'],
  ['render', '3-D'],
];
const MODES: DrawMode[] = ['outline', 'fill', 'off'];

function Segmented<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: Array<[T, string]>; onChange(v: T): void }) {
  return (
    <div className="segmented small" role="radiogroup" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={v} role="radio" aria-checked={value === v} className={value === v ? 'active' : ''} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}

/** Shows what went wrong with a layer's file, or that it is not in the bucket. */
function SlotStatus({ slot }: { slot: VolumeSlot | null }) {
  if (!slot) return null;
  if (slot.missing) return <p className="layer-note">Not in this bucket: {slot.key.slice(slot.key.lastIndexOf('/') + 1)}</p>;
  if (slot.query?.isError) return <ErrorNotice error={slot.query.error} compact />;
  if (slot.query?.isPending) return <p className="layer-note">loading…</p>;
  return null;
}

export function ViewerControls({
  sessions,
  slots,
  problems,
  roiError,
  nRois,
}: {
  sessions: SessionInfo[];
  slots: { anatomy: VolumeSlot | null; brain: VolumeSlot | null; map: VolumeSlot | null; dual: VolumeSlot | null };
  problems: Record<string, string>;
  roiError: string | null;
  nRois: number;
}) {
  const v = useViewer();
  const maps: MapId[] = ['nc12', 'nc4', 'ncall', 'r2mean', ...sessions.filter((s) => !s.heldOut).map((s) => `nc:${s.id}` as MapId)];
  const overlayTitle: Record<OverlayId, string> = { map: 'Map', mask: 'Brain mask', rois: 'ROIs' };

  const section: Record<OverlayId, React.ReactNode> = {
    map: (
      <>
        <select aria-label="Map" value={v.map ?? ''} onChange={(e) => v.set({ map: (e.target.value || null) as MapId | null })}>
          <option value="">none</option>
          {maps.map((m) => (
            <option key={m} value={m}>
              {mapLabel(m)}
            </option>
          ))}
        </select>
        {v.map && (
          <div className="control-grid">
            <label htmlFor="thr">Threshold</label>
            <input id="thr" type="range" min={0} max={100} step={1} value={v.threshold} onChange={(e) => v.set({ threshold: Number(e.target.value) })} />
            <output htmlFor="thr" data-testid="threshold-value">
              {v.threshold}%
            </output>
            <label htmlFor="rmax">Range max</label>
            <input
              id="rmax"
              type="number"
              placeholder="auto"
              value={v.rangeMax ?? ''}
              onChange={(e) => v.set({ rangeMax: e.target.value === '' ? null : Number(e.target.value) })}
            />
            <span />
            <label htmlFor="cmap">Colormap</label>
            <select id="cmap" value={v.colormap} onChange={(e) => v.set({ colormap: e.target.value as (typeof COLORMAPS)[number] })}>
              {COLORMAPS.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
            <span />
            <label htmlFor="dual">Dual-coded</label>
            <input id="dual" type="checkbox" checked={v.dual} onChange={(e) => v.set({ dual: e.target.checked })} />
            <span className="muted small">hue = value, opacity = NC</span>
            {v.dual && (
              <>
                <label htmlFor="dualby">Opacity from</label>
                <select id="dualby" value={v.dualBy} onChange={(e) => v.set({ dualBy: e.target.value as MapId })}>
                  {maps.filter((m) => m !== 'r2mean').map((m) => (
                    <option key={m} value={m}>
                      {mapLabel(m)}
                    </option>
                  ))}
                </select>
                <span />
                <label htmlFor="dualfull">Opaque at NC</label>
                <input id="dualfull" type="range" min={5} max={100} value={v.dualFull} onChange={(e) => v.set({ dualFull: Number(e.target.value) })} />
                <output htmlFor="dualfull">{v.dualFull}%</output>
              </>
            )}
          </div>
        )}
        <SlotStatus slot={slots.map} />
        {v.dual && <SlotStatus slot={slots.dual} />}
        {problems.map && <ErrorNotice error={problems.map} compact />}
      </>
    ),
    mask: (
      <>
        <Segmented label="Brain mask source" value={v.maskSource} options={[['anatomical', 'anatomical'], ['rsquare', 'rsquare (R² > 0)']]} onChange={(m) => v.set({ maskSource: m })} />
        <Segmented label="Brain mask display" value={v.maskMode} options={MODES.map((m) => [m, m])} onChange={(m) => v.set({ maskMode: m })} />
        <SlotStatus slot={slots.brain} />
        {problems.mask && <ErrorNotice error={problems.mask} compact />}
      </>
    ),
    rois: (
      <>
        <label className="roi-query">
          <span className="sr-only">ROI query</span>
          <input
            type="text"
            value={v.roiQuery}
            onChange={(e) => v.set({ roiQuery: e.target.value })}
            placeholder="all · face · FFA1, PPA · retinotopy V3A"
            aria-label="ROI query"
            aria-invalid={roiError !== null}
            spellCheck={false}
          />
        </label>
        <p className="layer-note">{roiError ? <span className="error-text">{roiError}</span> : `${nRois} ROI${nRois === 1 ? '' : 's'}: a name, a category, “all”, or a list (union), as in laion_fmri`}</p>
        <Segmented label="ROI display" value={v.roiMode} options={MODES.map((m) => [m, m])} onChange={(m) => v.set({ roiMode: m })} />
        {problems.rois && <ErrorNotice error={problems.rois} compact />}
      </>
    ),
  };

  return (
    <div className="viewer-controls">
      <section className="layer">
        <h3>View</h3>
        <Segmented label="Layout" value={v.layout} options={LAYOUTS} onChange={(l) => v.set({ layout: l })} />
      </section>
      {[...v.order].reverse().map((id) => (
        <section key={id} className="layer" data-layer={id}>
          <h3>
            {overlayTitle[id]}
            <span className="layer-order">
              <button className="ghost small" aria-label={`Move ${overlayTitle[id]} up`} onClick={() => v.moveOverlay(id, 1)} disabled={v.order.indexOf(id) === v.order.length - 1}>
                ↑
              </button>
              <button className="ghost small" aria-label={`Move ${overlayTitle[id]} down`} onClick={() => v.moveOverlay(id, -1)} disabled={v.order.indexOf(id) === 0}>
                ↓
              </button>
            </span>
          </h3>
          {section[id]}
        </section>
      ))}
      <section className="layer">
        <h3>Anatomy</h3>
        <select aria-label="Anatomy" value={v.anatomy} onChange={(e) => v.set({ anatomy: e.target.value as AnatomyChoice })}>
          <option value="T1w">T1w (1.8 mm, beta grid)</option>
          <option value="T2w">T2w (1.8 mm, beta grid)</option>
          <option value="T1w-full">T1w (0.8 mm, full resolution)</option>
          <option value="none">none</option>
        </select>
        <SlotStatus slot={slots.anatomy} />
      </section>
      <button className="ghost small" onClick={() => v.reset()}>
        Reset view
      </button>
    </div>
  );
}
