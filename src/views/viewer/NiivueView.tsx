import { useEffect, useRef, useState } from 'react';
import { cmapper, type NiiVueLocation } from '@niivue/niivue';
import { NiivueScene, VIEW_COLOURS, type LayerSpec } from './niivue-scene.ts';
import { drawPreview, niivueFontPx } from './preview.ts';
import { mmToVoxel } from '../../formats/nifti.ts';
import type { SliceLayout } from '../../state/viewer.ts';

const afterNextPaint = (f: () => void): (() => void) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let raf = requestAnimationFrame(() => {
    raf = requestAnimationFrame(() => {
      raf = 0;
      timer = setTimeout(f, 0);
    });
  });
  return () => {
    if (raf) cancelAnimationFrame(raf);
    clearTimeout(timer);
  };
};

/**
 * One NiiVue instance per mounted view. The scene owns its canvas; an
 * unmount (including StrictMode's rehearsal) disposes it, GL context and all.
 *
 * NiiVue starts only once the first layers are here: its start-up blocks the
 * page (shader compilation), so it would otherwise hold up the very requests
 * that bring the volumes. Those layers are first drawn by a 2-D preview
 * (preview.ts), which NiiVue replaces with its first frame.
 */
export function NiivueView({
  layers,
  layout,
  crosshairMm,
  onLocation,
  onDrawn,
}: {
  layers: LayerSpec[];
  layout: SliceLayout;
  crosshairMm: [number, number, number] | null;
  onLocation: (mm: [number, number, number]) => void;
  /** Called after each finished draw. */
  onDrawn?: () => void;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const previewRef = useRef<HTMLCanvasElement>(null);
  const [scene, setScene] = useState<NiivueScene | null>(null);
  const [renderCount, setRenderCount] = useState(0);
  const [previewShown, setPreviewShown] = useState(false);
  const onLocationRef = useRef(onLocation);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onLocationRef.current = onLocation;
    onDrawnRef.current = onDrawn;
  }, [onLocation, onDrawn]);

  // NiiVue starts with the first layers and then stays for the view's life: a layer that reloads
  // later (another map or anatomy) empties the list for a moment, which must not restart it.
  const [started, setStarted] = useState(false);
  if (layers.length > 0 && !started) setStarted(true);
  // The first layers (or a later mount with layers already there): preview, paint, then NiiVue.
  const firstRef = useRef({ layers, layout, crosshairMm });
  // Effects run in order: this one keeps the ref current for the one below.
  useEffect(() => {
    firstRef.current = { layers, layout, crosshairMm };
  });
  useEffect(() => {
    if (!started) return;
    const first = firstRef.current;
    const canvas = previewRef.current!;
    const dpr = window.devicePixelRatio || 1;
    const host = hostRef.current!;
    canvas.width = Math.max(1, Math.round(host.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(host.clientHeight * dpr));
    const base = first.layers[0];
    const voxel = first.crosshairMm ? mmToVoxel(base.affine, first.crosshairMm) : (base.dims.map((d) => (d - 1) / 2) as [number, number, number]);
    const drawn = drawPreview(canvas, {
      layers: first.layers,
      layout: first.layout,
      voxel,
      tables: (name) => cmapper.colormap(name),
      backColor: VIEW_COLOURS.back,
      crosshairColor: VIEW_COLOURS.crosshair,
      fontPx: niivueFontPx(host.clientWidth, host.clientHeight, dpr),
    });
    setPreviewShown(drawn);
    let s: NiivueScene | null = null;
    const cancel = afterNextPaint(() => {
      if (drawn) performance.mark(`viewer:preview-drawn:${first.layers.map((x) => x.id).join(',')}`);
      s = new NiivueScene(hostRef.current!, (loc: NiiVueLocation) => {
        // Only clicks and drags (axCorSag set) move the shared crosshair; programmatic moves do not echo back.
        if (Number.isNaN(loc.axCorSag)) return;
        onLocationRef.current([loc.mm[0], loc.mm[1], loc.mm[2]]);
      });
      setScene(s);
    });
    return () => {
      cancel();
      s?.dispose();
      setScene(null);
    };
  }, [started]);

  useEffect(() => {
    if (!scene) return;
    let live = true;
    scene
      .setLayers(layers, layout)
      .then(() => crosshairMm && scene.setCrosshairMm(crosshairMm))
      .then(() => {
        if (!live || scene.renderCount === 0) return;
        setRenderCount(scene.renderCount);
        setPreviewShown(false);
        onDrawnRef.current?.();
      });
    return () => {
      live = false;
    };
  }, [scene, layers, layout, crosshairMm]);

  return (
    <div
      ref={hostRef}
      className="niivue-host"
      data-testid="niivue"
      data-render-count={renderCount}
      data-layers={layers.map((l) => l.id).join(',')}
      aria-label="Brain viewer: click to move the crosshair, scroll to change slice"
    >
      <canvas ref={previewRef} className="niivue-preview" data-testid="niivue-preview" hidden={!previewShown} aria-hidden="true" />
    </div>
  );
}
