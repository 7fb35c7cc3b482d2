import { useEffect, useMemo, useRef, useState } from 'react';
import { DataError, formatBytes } from '../../data/errors.ts';
import { stimuliKeys } from '../../data/layout.ts';
import type { SegmentationInstance } from '../../science/stimuli.ts';
import {
  useCaptions,
  useLocalArchiveCount,
  useSegmentationMasks,
  useSegmentationRows,
  useStimulusFile,
  useStimulusImage,
  useStimulusMetadata,
  type LoadedMask,
} from '../../state/stimuli.ts';
import { ErrorNotice, Spinner } from '../common/ErrorNotice.tsx';

/** Instance colours (RGB), cycled. */
const PALETTE: Array<[number, number, number]> = [
  [255, 64, 64], [64, 200, 255], [255, 200, 0], [120, 255, 120], [255, 96, 255], [255, 150, 60], [160, 120, 255], [0, 255, 200],
];

/** Opens the user's own copy of the gated images archive (read lazily, never copied). */
export function StimulusFilePicker({ compact = false }: { compact?: boolean }) {
  const file = useStimulusFile((s) => s.file);
  const setFile = useStimulusFile((s) => s.setFile);
  const count = useLocalArchiveCount();
  const meta = useStimulusMetadata();
  return (
    <div className={`stim-file${compact ? ' compact' : ''}`} data-testid="stimulus-file">
      <label>
        {file ? 'Open another copy: ' : 'Open your downloaded task-images_stimuli.h5: '}
        <input type="file" accept=".h5,.hdf5,application/x-hdf5" aria-label="Open task-images_stimuli.h5" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      {file && (
        <span className="layer-note">
          {file.name} ({formatBytes(file.size)}), read piece by piece from disk.{' '}
          <button className="link" onClick={() => setFile(null)}>
            Use the bucket again
          </button>
        </span>
      )}
      {count.isError && <ErrorNotice error={count.error} compact title="This file cannot be used" />}
      {count.data !== undefined && meta.data && count.data !== meta.data.rows.length && (
        <p className="notice notice-warn notice-compact" role="status">
          {file?.name} holds {count.data.toLocaleString('en')} images but {stimuliKeys.metadata} lists {meta.data.rows.length.toLocaleString('en')}: images may not match their names.
        </p>
      )}
    </div>
  );
}

function GatedNotice() {
  return (
    <div className="notice notice-warn" role="alert" data-testid="stimulus-gated">
      <strong className="notice-title">The images are behind the Data Use Agreement</strong>
      <p className="notice-message">
        {stimuliKeys.images} is gated by the LAION-fMRI Data Use Agreement: the bucket refuses anonymous reads (403). Captions, segmentations and all brain data stay
        available.
      </p>
      <p className="notice-hint">
        Accept the terms at laion-fmri.hebartlab.com and download the file (the laion_fmri package does this for you), then open your copy here. It is read piece by
        piece from your disk; nothing is uploaded or copied.
      </p>
      <StimulusFilePicker />
    </div>
  );
}

/** Draws the image over grey 128 and the chosen masks with `opacity`. */
function StimulusCanvas({ bitmap, masks, opacity, label }: { bitmap: ImageBitmap; masks: Array<{ mask: LoadedMask; color: [number, number, number] }>; opacity: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = bitmap.width;
    c.height = bitmap.height;
    const g = c.getContext('2d')!;
    g.globalAlpha = 1;
    g.fillStyle = 'rgb(128,128,128)';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(bitmap, 0, 0);
    for (const { mask, color } of masks) {
      const off = new OffscreenCanvas(mask.width, mask.height);
      const og = off.getContext('2d')!;
      const img = og.createImageData(mask.width, mask.height);
      for (let i = 0; i < mask.data.length; i++) {
        if (!mask.data[i]) continue;
        img.data[4 * i] = color[0];
        img.data[4 * i + 1] = color[1];
        img.data[4 * i + 2] = color[2];
        img.data[4 * i + 3] = 255;
      }
      og.putImageData(img, 0, 0);
      g.globalAlpha = opacity;
      g.imageSmoothingEnabled = false;
      g.drawImage(off, 0, 0, c.width, c.height);
    }
    g.globalAlpha = 1;
  }, [bitmap, masks, opacity]);
  return <canvas ref={ref} className="stim-canvas" role="img" aria-label={label} data-testid="stimulus-canvas" data-overlays={masks.length} />;
}

/**
 * What the subject saw: the image (out of the packed archive, by range reads),
 * its captions as plain text, and its segmentation masks as toggleable
 * overlays. Takes the image name; every lookup joins by that name.
 */
export function StimulusPanel({ imageName }: { imageName: string | null }) {
  const meta = useStimulusMetadata();
  const stimIdx = imageName && meta.data ? (meta.data.byName.get(imageName) ?? -1) : null;
  const image = useStimulusImage(stimIdx, imageName);
  const captions = useCaptions();
  const segs = useSegmentationRows();
  const seg = imageName ? segs.data?.get(imageName) : undefined;
  // Per image: which instances are drawn. An image not yet touched shows its first drawable instance.
  const [picked, setPicked] = useState<{ image: string | null; rows: Set<number> }>({ image: null, rows: new Set() });
  const [opacity, setOpacity] = useState(0.5);
  const shown = useMemo(() => {
    if (picked.image === imageName) return picked.rows;
    const first = seg?.nouns.flatMap((n) => n.instances).find((i) => i.localized);
    return new Set(first ? [first.mask_row] : []);
  }, [picked, imageName, seg]);
  const shownRows = useMemo(() => [...shown].sort((a, b) => a - b), [shown]);
  const masks = useSegmentationMasks(shownRows);
  const colorOf = useMemo(() => {
    const m = new Map<number, [number, number, number]>();
    seg?.nouns.flatMap((n) => n.instances).forEach((inst, k) => m.set(inst.mask_row, PALETTE[k % PALETTE.length]));
    return m;
  }, [seg]);
  const maskData = masks.data;
  const loadedMasks = useMemo(
    () => shownRows.flatMap((row, i) => (maskData[i] ? [{ mask: maskData[i], color: colorOf.get(row) ?? PALETTE[0] }] : [])),
    [shownRows, colorOf, maskData],
  );
  const maskError = masks.error;
  const cap = imageName ? captions.data?.get(imageName) : undefined;
  const localFile = useStimulusFile((s) => s.file);

  if (!imageName) return <p className="empty">Select a trial to see its image.</p>;
  const gated = image.error instanceof DataError && image.error.kind === 'gated';
  const toggle = (inst: SegmentationInstance) => {
    const n = new Set(shown);
    if (n.has(inst.mask_row)) n.delete(inst.mask_row);
    else n.add(inst.mask_row);
    setPicked({ image: imageName, rows: n });
  };

  return (
    <section className="stimulus-panel" data-testid="stimulus-panel" aria-label="Stimulus">
      <h3 className="stim-name" data-testid="stimulus-name">
        {imageName}
      </h3>
      {meta.isError && <ErrorNotice error={meta.error} compact title="No images metadata" />}
      {stimIdx === -1 && (
        <p className="notice notice-warn notice-compact" role="status">
          {imageName} is not listed in {stimuliKeys.metadata}, so its image cannot be found.
        </p>
      )}
      <div className="stim-image">
        {image.isPending && image.fetchStatus !== 'idle' && <Spinner label="Reading the image…" />}
        {gated ? <GatedNotice /> : image.isError ? <ErrorNotice error={image.error} compact title="No image" /> : null}
        {image.data && (
          <>
            <StimulusCanvas bitmap={image.data.bitmap} masks={loadedMasks} opacity={opacity} label={`Stimulus ${imageName}`} />
            <p className="layer-note" data-testid="stimulus-bytes">
              {image.data.bitmap.width}×{image.data.bitmap.height} · {formatBytes(image.data.bytes)} from {image.data.from === 'file' ? 'your file' : 'the bucket'}
            </p>
          </>
        )}
      </div>
      {localFile && !gated && <StimulusFilePicker compact />}

      <div className="stim-captions" data-testid="captions">
        <h4>Captions</h4>
        {captions.isError && <ErrorNotice error={captions.error} compact />}
        {captions.isSuccess && !cap && <p className="empty">No captions for this image.</p>}
        {cap && (
          <>
            <ol className="caption-list">
              {cap.human.map((c) => (
                <li key={c.caption_idx} data-rank={c.caption_idx} title={[c.origin_collection, c.participant_id].filter(Boolean).join(' · ')}>
                  {c.caption}
                </li>
              ))}
            </ol>
            {cap.ai && (
              <p className="caption-ai" data-testid="caption-ai">
                <span className="badge">AI{cap.ai.ai_model ? ` · ${cap.ai.ai_model}` : ''}</span> {cap.ai.caption}
              </p>
            )}
          </>
        )}
      </div>

      <div className="stim-segments" data-testid="segments">
        <h4>Objects</h4>
        {segs.isError && <ErrorNotice error={segs.error} compact />}
        {maskError ? <ErrorNotice error={maskError} compact title="A mask could not be read" /> : null}
        {segs.isSuccess && !seg && <p className="empty">No segmentation for this image (only shared images are segmented).</p>}
        {seg && (
          <>
            <label className="opacity">
              Opacity <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} aria-label="Overlay opacity" />
            </label>
            <ul className="noun-list">
              {seg.nouns.map((n) => (
                <li key={n.noun}>
                  <strong>{n.noun}</strong>
                  {n.instances.map((inst) => {
                    const c = colorOf.get(inst.mask_row) ?? PALETTE[0];
                    return (
                      <label key={inst.mask_row} className={inst.localized ? '' : 'dim'} title={inst.localized ? `score ${inst.score}` : 'not localized: listed, not drawn'}>
                        <input type="checkbox" disabled={!inst.localized} checked={shown.has(inst.mask_row)} onChange={() => toggle(inst)} aria-label={`${n.noun} ${inst.instance_id}`} />
                        <span className="swatch" style={{ background: inst.localized ? `rgb(${c.join(',')})` : 'transparent' }} />#{inst.instance_id}
                        {!inst.localized && ' (not localized)'}
                      </label>
                    );
                  })}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
