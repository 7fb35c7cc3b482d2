import { useEffect, useMemo, useRef, useState } from 'react';
import type { BetasManifest } from '../../cache/betas-store.ts';
import { DataError } from '../../data/errors.ts';
import { rankImagesByBeta, type ImageScore } from '../../science/stimuli.ts';
import type { TrialRow } from '../../science/trials.ts';
import { useVoxelsMeanSeries } from '../../state/betas.ts';
import { useCaptions, useStimulusImage, useStimulusMetadata } from '../../state/stimuli.ts';
import { StimulusFilePicker } from './StimulusPanel.tsx';

const K = 6;

function Thumb({ score, onPick }: { score: ImageScore; onPick(trial: number): void }) {
  const meta = useStimulusMetadata();
  const captions = useCaptions();
  const stimIdx = meta.data ? (meta.data.byName.get(score.image_name) ?? -1) : null;
  const image = useStimulusImage(stimIdx, score.image_name);
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const g = c.getContext('2d')!;
    g.fillStyle = 'rgb(128,128,128)';
    g.fillRect(0, 0, c.width, c.height);
    if (image.data) g.drawImage(image.data.bitmap, 0, 0, c.width, c.height);
  }, [image.data]);
  const cap = captions.data?.get(score.image_name);
  const text = cap?.human[0]?.caption ?? cap?.ai?.caption ?? score.image_name;
  const failed = image.isError && !(image.error instanceof DataError && image.error.kind === 'gated');
  return (
    <figure data-image={score.image_name} title={`${score.image_name}\nmean β ${score.mean.toFixed(2)} over ${score.repeats} repeat(s)`}>
      <canvas ref={ref} width={96} height={96} role="button" aria-label={`Show ${score.image_name}`} onClick={() => onPick(score.trials[0])} data-loaded={image.data ? 'yes' : failed ? 'error' : 'no'} />
      <figcaption>
        <strong>{score.mean.toFixed(2)}</strong> {text}
      </figcaption>
    </figure>
  );
}

/**
 * Voxel → stimuli: the images with the highest and lowest betas (mean over
 * their repeats in this session) at the crosshair voxel, or averaged over the
 * ROI query's voxels. Clicking a thumbnail selects that image's first trial.
 */
export function VoxelStimuli({
  entry,
  rows,
  voxelSeries,
  roi,
  onPick,
}: {
  entry: BetasManifest;
  rows: readonly TrialRow[];
  voxelSeries: Float32Array | undefined;
  /** Brain positions of the voxels of the drawn ROIs, when any. */
  roi: { label: string; positions: number[] } | null;
  onPick(trial: number): void;
}) {
  const [source, setSource] = useState<'voxel' | 'roi'>('voxel');
  const useRoi = source === 'roi' && roi !== null && roi.positions.length > 0;
  const roiSeries = useVoxelsMeanSeries(entry, useRoi ? roi.positions : null, roi?.label ?? '');
  const series = useRoi ? roiSeries.data?.data : voxelSeries;
  const ranked = useMemo(() => (series ? rankImagesByBeta(rows.map((r) => r.label), series, K) : null), [rows, series]);
  return (
    <div className="voxel-stimuli-panel" data-testid="voxel-stimuli">
      <h4>
        Images that drive{' '}
        <select aria-label="Rank images by" value={source} onChange={(e) => setSource(e.target.value as 'voxel' | 'roi')}>
          <option value="voxel">this voxel</option>
          <option value="roi" disabled={!roi || roi.positions.length === 0}>
            the mean of {roi && roi.positions.length > 0 ? `${roi.label} (${roi.positions.length.toLocaleString('en')} voxels)` : 'the drawn ROIs (none drawn)'}
          </option>
        </select>
      </h4>
      {useRoi && roiSeries.isPending && <p className="layer-note">Averaging {roi.positions.length.toLocaleString('en')} voxels…</p>}
      {ranked && ranked.images > 0 ? (
        <>
          <p className="layer-note">Highest mean β over repeats ({ranked.images} images in this session):</p>
          <div className="voxel-stimuli" data-testid="top-images">
            {ranked.top.map((s) => (
              <Thumb key={s.image_name} score={s} onPick={onPick} />
            ))}
          </div>
          <p className="layer-note">Lowest:</p>
          <div className="voxel-stimuli" data-testid="bottom-images">
            {ranked.bottom.map((s) => (
              <Thumb key={s.image_name} score={s} onPick={onPick} />
            ))}
          </div>
          <GateHint />
        </>
      ) : ranked ? (
        <p className="layer-note">No finite betas here.</p>
      ) : null}
    </div>
  );
}

/** When the archive is gated, one hint (not one per thumbnail). */
function GateHint() {
  const probe = useStimulusImage(0, null);
  if (!(probe.error instanceof DataError && probe.error.kind === 'gated')) return null;
  return (
    <div className="layer-note" data-testid="thumbs-gated">
      The images are gated by the Data Use Agreement (403); captions are shown instead. <StimulusFilePicker compact />
    </div>
  );
}
