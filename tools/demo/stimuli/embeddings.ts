/**
 * task-images_desc-{model}_embeddings.h5 (bucket-layout.md §6): `embedding`
 * (N, D) float16, `image_ids` (N,) vlen str, `valid` (N,) bool.
 *
 * Semantics: every image has a latent vector = its cluster centroid
 * (category, or OOD type: OOD types form their own clusters) + a noun
 * sub-centroid + a colour direction + image noise. Each model maps the latent
 * through its own random projection and adds a little model noise, then
 * L2-normalises, so the four models differ in every number but agree on the
 * neighbourhood structure, like real vision models do.
 *
 * Row order: sorted by a hash of the image name, identical in all four files
 * and deliberately NOT the metadata CSV order, so a row-join bug shows.
 *
 * One deliberate hole: `INVALID_EMBEDDING` (the last unique image of sub-03
 * in DINOv2) has valid=false and an all-zero row.
 *
 * The archived (pre-2026-09-28) files differ only in the OOD rows, which were
 * recomputed in the real rewrite: their image noise comes from another stream.
 */
import { EMBEDDING_MODELS, type EmbeddingModel } from '../../../src/data/layout.ts';
import type { Catalog, StimulusImage } from '../catalog.ts';
import type { Rng } from '../rng.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../lib/hdf5-writer.ts';

export const EMBEDDING_DIMS: Record<EmbeddingModel, number> = { CLIP: 1024, DINOv2: 1024, PEcore: 1024, SigLIP2: 1152 };
const LATENT = 48;

export function invalidEmbedding(catalog: Catalog): { model: EmbeddingModel; image: string } {
  return { model: 'DINOv2', image: catalog.unique['sub-03'][catalog.unique['sub-03'].length - 1].name };
}

/** FNV-1a 32-bit; the embedding row order is by this hash (ties by name). */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function embeddingOrder(images: readonly StimulusImage[]): string[] {
  return images
    .map((i) => i.name)
    .sort((a, b) => nameHash(a) - nameHash(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The semantic cluster an image belongs to: its category, or its OOD type. */
export function clusterKey(img: StimulusImage): string {
  return img.category === 'ood' ? `ood:${img.oodType}` : img.category;
}

function gaussian(rng: Rng, n: number, scale: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * scale;
  return v;
}

export interface EmbeddingSet {
  ids: string[];
  /** model → (N × D) float16 bit patterns, rows in `ids` order. */
  halves: Record<EmbeddingModel, Uint16Array>;
  valid: Record<EmbeddingModel, Uint8Array>;
}

/**
 * Builds the current and the archived embedding sets. `rngFor(label)` must
 * be the context's deterministic stream factory.
 */
export function buildEmbeddings(catalog: Catalog, rngFor: (label: string) => Rng): { current: EmbeddingSet; archived: EmbeddingSet } {
  const ids = embeddingOrder(catalog.images);
  const byName = new Map(catalog.images.map((i) => [i.name, i]));
  const memo = new Map<string, Float64Array>();
  const centroid = (key: string, scale: number) => {
    let v = memo.get(key);
    if (!v) memo.set(key, (v = gaussian(rngFor(`embedding-centroid:${key}`), LATENT, scale)));
    return v;
  };
  // Only OOD rows changed in the real 2026-09-28 rewrite: every other row draws from the same streams in both versions.
  const stream = (img: StimulusImage, version: 'v2' | 'v1') => (img.category === 'ood' ? version : 'v2');
  const latent = (img: StimulusImage, version: 'v2' | 'v1') => {
    const c = centroid(`cluster:${clusterKey(img)}`, 1);
    const sub = centroid(`noun:${clusterKey(img)}:${img.depiction.noun}`, 0.45);
    const col = centroid(`colour:${img.depiction.color.name}`, 0.15);
    const noise = gaussian(rngFor(`embedding-noise:${stream(img, version)}:${img.name}`), LATENT, 0.3);
    return c.map((x, i) => x + sub[i] + col[i] + noise[i]);
  };
  const projections = new Map<EmbeddingModel, Float64Array>();
  const projection = (model: EmbeddingModel) => {
    let w = projections.get(model);
    if (!w) projections.set(model, (w = gaussian(rngFor(`embedding-projection:${model}`), LATENT * EMBEDDING_DIMS[model], 1 / Math.sqrt(LATENT))));
    return w;
  };
  const invalid = invalidEmbedding(catalog);

  const build = (version: 'v2' | 'v1'): EmbeddingSet => {
    const latents = ids.map((id) => latent(byName.get(id)!, version));
    const halves = {} as Record<EmbeddingModel, Uint16Array>;
    const valid = {} as Record<EmbeddingModel, Uint8Array>;
    for (const model of EMBEDDING_MODELS) {
      const d = EMBEDDING_DIMS[model];
      const proj = projection(model);
      const out = new Uint16Array(ids.length * d);
      const ok = new Uint8Array(ids.length).fill(1);
      ids.forEach((id, r) => {
        if (model === invalid.model && id === invalid.image) {
          ok[r] = 0;
          return; // all-zero row: a failed extraction
        }
        const z = latents[r];
        const modelNoise = gaussian(rngFor(`embedding-model-noise:${model}:${stream(byName.get(id)!, version)}:${id}`), d, 0.08);
        const row = new Float64Array(d);
        for (let j = 0; j < d; j++) {
          let s = modelNoise[j];
          for (let k = 0; k < LATENT; k++) s += z[k] * proj[k * d + j];
          row[j] = s;
        }
        let norm = 0;
        for (let j = 0; j < d; j++) norm += row[j] * row[j];
        norm = Math.sqrt(norm);
        for (let j = 0; j < d; j++) out[r * d + j] = float32ToFloat16Bits(row[j] / norm);
      });
      halves[model] = out;
      valid[model] = ok;
    }
    return { ids, halves, valid };
  };
  return { current: build('v2'), archived: build('v1') };
}

/** Decoded float rows of one model (for the k-means of the splits, which must see what users see). */
export function decodeRows(halves: Uint16Array, n: number, d: number): Float32Array[] {
  return Array.from({ length: n }, (_, r) => Float32Array.from(halves.subarray(r * d, (r + 1) * d), float16BitsToFloat32));
}
