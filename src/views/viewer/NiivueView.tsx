import { useEffect, useRef, useState } from 'react';
import type { NiiVueLocation } from '@niivue/niivue';
import { NiivueScene, type LayerSpec } from './niivue-scene.ts';
import type { SliceLayout } from '../../state/viewer.ts';

/**
 * One NiiVue instance per mounted view. The scene owns its canvas; an
 * unmount (including StrictMode's rehearsal) disposes it, GL context and all.
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
  const [scene, setScene] = useState<NiivueScene | null>(null);
  const [renderCount, setRenderCount] = useState(0);
  const onLocationRef = useRef(onLocation);
  const onDrawnRef = useRef(onDrawn);
  useEffect(() => {
    onLocationRef.current = onLocation;
    onDrawnRef.current = onDrawn;
  }, [onLocation, onDrawn]);

  useEffect(() => {
    const s = new NiivueScene(hostRef.current!, (loc: NiiVueLocation) => {
      // Only clicks and drags (axCorSag set) move the shared crosshair; programmatic moves do not echo back.
      if (Number.isNaN(loc.axCorSag)) return;
      onLocationRef.current([loc.mm[0], loc.mm[1], loc.mm[2]]);
    });
    setScene(s);
    return () => {
      s.dispose();
      setScene(null);
    };
  }, []);

  useEffect(() => {
    if (!scene) return;
    let live = true;
    scene
      .setLayers(layers, layout)
      .then(() => crosshairMm && scene.setCrosshairMm(crosshairMm))
      .then(() => {
        if (!live || scene.renderCount === 0) return;
        setRenderCount(scene.renderCount);
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
    />
  );
}
