/**
 * The imperative side of the viewer: one Niivue instance on one canvas,
 * driven by a declarative list of layers. `setLayers` diffs the list against
 * what is loaded: a layer whose data changed is rebuilt, one whose display
 * settings changed is retuned, and the GL volume is refreshed once.
 *
 * Lifecycle (React StrictMode mounts, unmounts and mounts again): every
 * scene gets its own canvas, and `dispose` releases listeners, volumes and
 * the WebGL context, so switching subjects does not leak GPU memory.
 */
import { Niivue, NVImage, SHOW_RENDER, SLICE_TYPE, DRAG_MODE, type NiiVueLocation } from '@niivue/niivue';
import type { Affine } from '../../formats/nifti.ts';
import type { SliceLayout } from '../../state/viewer.ts';
import { rememberFramebufferStatus } from './gl-sync.ts';

export interface LabelLut {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

interface LayerBase {
  id: string;
  /** Changes whenever the voxel data changes (a cache key), so unchanged data is never re-uploaded. */
  dataVersion: string;
  dims: [number, number, number];
  voxelSize: [number, number, number];
  affine: Affine;
  opacity: number;
}
export interface ScalarLayer extends LayerBase {
  kind: 'scalar';
  data: Float32Array;
  colormap: string;
  /** Colormap for negative values (symmetric range), or none. */
  colormapNegative?: string;
  calMin: number;
  calMax: number;
  colorbar: boolean;
  /** Dual coding: opacity from this layer's values (same grid), 0..1 after its own cal range. */
  modulateBy?: string;
}
export interface LabelLayer extends LayerBase {
  kind: 'label';
  data: Uint8Array | Uint16Array;
  lut: LabelLut;
  outline: boolean;
}
export type LayerSpec = ScalarLayer | LabelLayer;

const SLICE: Record<SliceLayout, SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  multiplanar3d: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  render: SLICE_TYPE.RENDER,
};

async function toNvImage(spec: LayerSpec): Promise<NVImage> {
  const datatype = spec.kind === 'scalar' ? 16 : spec.data instanceof Uint16Array ? 512 : 2;
  const flat = ([] as number[]).concat(...spec.affine);
  const bytes = NVImage.createNiftiArray([...spec.dims], [...spec.voxelSize], flat, datatype, spec.data as unknown as Uint8Array);
  const colormap = spec.kind === 'scalar' ? spec.colormap : 'gray';
  const calMin = spec.kind === 'scalar' ? spec.calMin : 0;
  const calMax = spec.kind === 'scalar' ? spec.calMax : 1;
  // In-memory bytes go through NiiVue's normal parse path (the constructor alone does not parse in 0.69).
  const colormapNegative = spec.kind === 'scalar' ? (spec.colormapNegative ?? '') : '';
  const vol = await NVImage.loadFromUrl({ url: bytes, name: `${spec.id}.nii`, colormap, colormapNegative, opacity: spec.opacity, cal_min: calMin, cal_max: calMax, trustCalMinMax: true });
  // NIfTI-1 stores the affine as float32; restore the exact one so mm readouts match the files.
  vol.setAffine(spec.affine.map((r) => [...r]));
  if (spec.kind === 'label') {
    vol.hdr!.intent_code = 1002; // NIFTI_INTENT_LABEL: the atlas path, which can draw outlines
    vol.setColormapLabel(spec.lut);
  }
  return vol;
}

/** The viewer's background and crosshair colours (NiiVue's and the preview's). */
export const VIEW_COLOURS = { back: [0.05, 0.067, 0.098] as [number, number, number], crosshair: [0.37, 0.88, 0.78, 0.55] as [number, number, number, number] };

export class NiivueScene {
  readonly canvas: HTMLCanvasElement;
  private nv: Niivue;
  private ready: Promise<void>;
  private disposed = false;
  private loaded = new Map<string, { vol: NVImage; spec: LayerSpec }>();
  private abort = new AbortController();
  /** Increments after each finished draw; tests wait on it (data-render-count). */
  renderCount = 0;

  constructor(host: HTMLElement, onLocation: (loc: NiiVueLocation) => void) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'niivue-canvas';
    host.appendChild(this.canvas);
    this.nv = new Niivue({
      backColor: [...VIEW_COLOURS.back, 1],
      crosshairColor: VIEW_COLOURS.crosshair,
      crosshairWidth: 0.5,
      show3Dcrosshair: true,
      isOrientationTextVisible: true,
      isColorbar: true,
      isRuler: false,
      loadingText: '',
      dragAndDropEnabled: false,
      multiplanarShowRender: SHOW_RENDER.NEVER,
      logLevel: 'warn',
    });
    this.nv.addEventListener('locationChange', (e) => onLocation((e as CustomEvent<NiiVueLocation>).detail), { signal: this.abort.signal });
    // Anti-aliasing fixed (not machine-dependent) so screenshots are identical everywhere.
    performance.mark('viewer:create');
    this.ready = this.nv.attachToCanvas(this.canvas, false).then(() => {
      performance.mark('viewer:attached');
      if (this.disposed) return;
      rememberFramebufferStatus((this.nv as unknown as { gl: WebGL2RenderingContext }).gl);
      this.nv.setMouseEventConfig({ leftButton: { primary: DRAG_MODE.crosshair }, rightButton: DRAG_MODE.pan, centerButton: DRAG_MODE.none });
      this.nv.setInterpolation(true);
      this.nv.setRenderAzimuthElevation(120, 15);
    });
  }

  private running: Promise<void> | null = null;
  private pending: { specs: LayerSpec[]; layout: SliceLayout } | null = null;
  private applied = '';

  /**
   * Shows these layers. Calls made while one is being drawn are coalesced:
   * only the latest set is drawn next (a GL refresh can take a few hundred
   * ms under software rendering, and volumes arrive one by one).
   */
  setLayers(specs: LayerSpec[], layout: SliceLayout): Promise<void> {
    this.pending = { specs, layout };
    this.running ??= (async () => {
      try {
        while (this.pending && !this.disposed) {
          const next = this.pending;
          this.pending = null;
          await this.apply(next.specs, next.layout);
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async apply(specs: LayerSpec[], layout: SliceLayout): Promise<void> {
    await this.ready;
    if (this.disposed) return;
    const signature = JSON.stringify([layout, specs.map((x) => ({ ...x, data: x.data.length, lut: x.kind === 'label' ? `${x.lut.labels.join()}:${x.lut.R.join()}` : '' }))]);
    if (signature === this.applied) return;
    this.applied = signature;
    performance.mark(`viewer:apply-start:${specs.map((x) => x.id).join(',')}`);
    const nv = this.nv;
    const wanted = new Set(specs.map((s) => s.id));
    for (const id of [...this.loaded.keys()]) if (!wanted.has(id)) this.loaded.delete(id);
    const fresh: LayerSpec[] = [];
    for (const spec of specs) {
      const entry = this.loaded.get(spec.id);
      if (entry && entry.spec.dataVersion === spec.dataVersion && entry.spec.kind === spec.kind) {
        const vol = entry.vol;
        if (spec.kind === 'scalar' && entry.spec.kind === 'scalar' && entry.spec.colormap !== spec.colormap) vol.colormap = spec.colormap;
        if (spec.kind === 'label' && entry.spec.kind === 'label' && entry.spec.lut !== spec.lut) vol.setColormapLabel(spec.lut);
        entry.spec = spec;
      } else fresh.push(spec);
    }
    const built = await Promise.all(fresh.map(toNvImage));
    performance.mark('viewer:parsed');
    if (this.disposed) return;
    fresh.forEach((spec, i) => this.loaded.set(spec.id, { vol: built[i], spec }));
    // The volume list is set in one go (background first) and drawn once below,
    // instead of one GL refresh per added, removed or moved layer.
    const ordered = specs.map((spec) => this.loaded.get(spec.id)!.vol);
    nv.volumes = ordered;
    nv.back = ordered[0] ?? null;
    nv.overlays = ordered.slice(1);
    specs.forEach((spec) => {
      const { vol } = this.loaded.get(spec.id)!;
      // A label layer in outline mode keeps a near-zero interior opacity: NiiVue then draws only its edges.
      vol.opacity = spec.kind === 'label' && spec.outline ? Math.min(spec.opacity, 0.001) : spec.opacity;
      if (spec.kind === 'scalar') {
        vol.cal_min = spec.calMin;
        vol.cal_max = spec.calMax;
        vol.colormapNegative = spec.colormapNegative ?? '';
        vol.colorbarVisible = spec.colorbar;
      } else vol.colorbarVisible = false;
    });
    if (ordered.length === 0) return;
    // Modulation (dual coding) is set on the fields directly: setModulationImage would
    // refresh the GL volume once per call. It stores the modulator's index, set after ordering.
    specs.forEach((spec) => {
      if (spec.kind !== 'scalar') return;
      const target = this.loaded.get(spec.id)!.vol;
      const modIndex = spec.modulateBy ? specs.findIndex((x) => x.id === spec.modulateBy) : -1;
      target.modulationImage = modIndex >= 0 ? modIndex : null;
      target.modulateAlpha = modIndex >= 0 ? 1 : 0;
    });
    nv.opts.atlasOutline = specs.some((s) => s.kind === 'label' && s.outline) ? 1 : 0;
    // The 3-D tile is ray-cast on every draw: costly without a GPU, so it is opt-in.
    nv.opts.multiplanarShowRender = layout === 'multiplanar3d' ? SHOW_RENDER.ALWAYS : SHOW_RENDER.NEVER;
    nv.setSliceType(SLICE[layout]);
    nv.updateGLVolume();
    performance.mark('viewer:gl-updated');
    await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    if (!this.disposed) this.renderCount++;
    performance.mark(`viewer:drawn:${specs.map((x) => x.id).join(',')}`);
  }

  /** Moves the crosshair to scanner mm without emitting a location event back. */
  async setCrosshairMm(mm: [number, number, number]): Promise<void> {
    await this.ready;
    if (this.disposed || this.nv.volumes.length === 0) return;
    this.nv.scene.crosshairPos = this.nv.mm2frac(mm);
    this.nv.drawScene();
  }

  dispose(): void {
    this.disposed = true;
    this.abort.abort();
    try {
      this.nv.cleanup();
    } catch {
      /* never attached */
    }
    this.nv.volumes = [];
    this.loaded.clear();
    const gl = (this.nv as unknown as { _gl?: WebGL2RenderingContext | null })._gl;
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    this.canvas.width = 0;
    this.canvas.height = 0;
    this.canvas.remove();
  }
}
