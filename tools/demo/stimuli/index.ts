/**
 * The stimulus side of the demo bucket (bucket-layout.md §6, §7, §9): images
 * (gated h5), metadata CSV, captions, segmentations, embeddings (current and
 * archived) and the package's split JSONs. Everything derives from the
 * catalogue and the context's labelled random streams, so the same seed
 * gives the same bytes.
 */
import { EMBEDDING_MODELS, stimuliKeys } from '../../../src/data/layout.ts';
import { writeHdf5, type H5DatasetSpec } from '../../lib/hdf5-writer.ts';
import type { DemoContext } from '../context.ts';
import { decideAppearance } from './appearance.ts';
import { buildCaptions, CAPTION_HEADER } from './captions.ts';
import { toCsv } from './csv.ts';
import { buildEmbeddings, decodeRows, EMBEDDING_DIMS, type EmbeddingSet } from './embeddings.ts';
import { SIZE } from './raster.ts';
import { renderImage } from './render.ts';
import { SEGMENTATION_HEADER, segmentImage, type SegmentationRow } from './segmentations.ts';
import { buildSplits } from './splits.ts';

export const METADATA_HEADER = ['image_name', 'dataset', 'participant', 'unique_or_shared', 'n_reps'] as const;

function embeddingFile(set: EmbeddingSet, model: (typeof EMBEDDING_MODELS)[number]): Uint8Array {
  const datasets: H5DatasetSpec[] = [
    { name: 'embedding', type: 'f2', shape: [set.ids.length, EMBEDDING_DIMS[model]], data: set.halves[model] },
    { name: 'image_ids', type: 'vlen-str', values: set.ids },
    { name: 'valid', type: 'bool', shape: [set.ids.length], data: set.valid[model] },
  ];
  return writeHdf5(datasets);
}

export async function writeStimulusSide(ctx: DemoContext): Promise<void> {
  const { catalog } = ctx;
  const apps = catalog.images.map((img) => decideAppearance(img, ctx.rng(`appearance:${img.name}`)));
  const rendered = apps.map((a) => renderImage(a, ctx.rng(`render:${a.image.name}`)));

  // Row i of the metadata CSV is row i of the images archive: both in catalogue order.
  ctx.put(
    stimuliKeys.metadata,
    toCsv(
      METADATA_HEADER,
      catalog.images.map((i) => [i.name, i.dataset, i.participant, i.uniqueOrShared, `${i.nReps}rep`]),
    ),
  );
  ctx.put(stimuliKeys.images, writeHdf5([{ name: 'images', type: 'vlen-u1', values: rendered.map((r) => r.bytes) }]));

  const captions = buildCaptions(apps, ctx.rng('captions'));
  ctx.put(
    stimuliKeys.captions,
    toCsv(
      CAPTION_HEADER,
      captions.map((c) => [c.image_name, c.caption_idx, c.source, c.caption, c.origin_collection, c.participant_id, c.ai_model]),
    ),
  );

  // Segmentations: shared images only (bucket-layout.md §6).
  const segRows: SegmentationRow[] = [];
  const masks: Uint8Array[] = [];
  catalog.images.forEach((img, k) => {
    if (img.uniqueOrShared !== 'shared') return;
    for (const { row, mask } of segmentImage(img.name, rendered[k].instances, ctx.rng(`segmentation:${img.name}`))) {
      segRows.push({ mask_row: segRows.length, ...row });
      masks.push(mask);
    }
  });
  const packed = new Uint8Array(masks.length * SIZE * SIZE);
  masks.forEach((m, r) => packed.set(m, r * SIZE * SIZE));
  ctx.put(
    stimuliKeys.segmentations,
    writeHdf5([{ name: 'masks', type: 'u1', shape: [masks.length, SIZE, SIZE], data: packed, chunks: [1, SIZE, SIZE], gzip: 4, shuffle: true }]),
  );
  ctx.put(
    stimuliKeys.segmentationsMetadata,
    toCsv(
      SEGMENTATION_HEADER,
      segRows.map((r) => [r.mask_row, r.image_name, r.noun, r.instance_id, r.score, ...(r.box ?? ['', '', '', '']), r.localized, r.mask_file]),
    ),
  );

  const { current, archived } = buildEmbeddings(catalog, (label) => ctx.rng(label));
  for (const model of EMBEDDING_MODELS) {
    ctx.put(stimuliKeys.embeddings(model), embeddingFile(current, model));
    ctx.put(stimuliKeys.archivedEmbeddings(model), embeddingFile(archived, model));
  }

  // Splits cluster what a user downloading the CLIP file would see: the float16-rounded vectors.
  const clipRows = decodeRows(current.halves.CLIP, current.ids.length, EMBEDDING_DIMS.CLIP);
  const clip = new Map(current.ids.map((id, r) => [id, clipRows[r]]));
  for (const [path, split] of buildSplits(catalog, clip, (label) => ctx.rng(label))) ctx.putSplit(`${path}.json`, split);
}
