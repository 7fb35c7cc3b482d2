/**
 * The brain side of the demo bucket (bucket-layout.md §2–§5, §8, §9): for
 * every demo subject an anatomical phantom (T1w/T2w at 0.8 mm and on the
 * res-1pt8 beta grid, brain masks), FreeSurfer-like white/pial surfaces, ROIs
 * as volumes + GIfTI + FreeSurfer labels, and the GLMsingle derivatives
 * (single-trial betas from a response model, trial tables, noise ceilings
 * computed from those betas, R², HRF index, fractional ridge, summaries),
 * and an object-localizer z map from ses-31 (public, unlike the rest of ses-31).
 *
 * Deterministic: all randomness comes from `ctx.rng(label)`.
 */
import { anatKeys } from '../../../src/data/layout.ts';
import { DEMO_SUBJECTS } from '../catalog.ts';
import type { DemoContext } from '../context.ts';
import { buildSubjectBrain, writeAnatomy } from './anatomy.ts';
import { writeGlmSingle } from './glm.ts';
import { writeLocalizer } from './localizer.ts';
import { makeAnatomy } from './phantom.ts';
import { writeRois, writeSurfaces } from './roi-files.ts';
import { buildRois } from './rois.ts';
import { hemisphereSurfaces } from './surface.ts';
import { putJson } from './volume-io.ts';

/**
 * Geodesic-sphere frequency per subject and hemisphere: vertex counts 10n²+2
 * (30,252 … 33,642) differ between hemispheres and subjects, like fsnative.
 */
const MESH_FREQUENCY: Record<string, { L: number; R: number }> = { 'sub-01': { L: 56, R: 57 }, 'sub-03': { L: 58, R: 55 } };

export async function writeBrainSide(ctx: DemoContext): Promise<void> {
  putJson(ctx, anatKeys.datasetDescription, {
    Name: 'LAION-fMRI anatomical derivatives (synthetic demo)',
    BIDSVersion: '1.9.0',
    DatasetType: 'derivative',
    GeneratedBy: [{ Name: 'laion-fmri-explorer demo generator', Description: 'analytic brain phantom' }],
  });
  for (const sub of DEMO_SUBJECTS) {
    const anatomy = makeAnatomy(ctx.rng(`anatomy/${sub}`));
    const brain = buildSubjectBrain(anatomy);
    writeAnatomy(ctx, sub, brain);
    const freq = MESH_FREQUENCY[sub] ?? { L: 56, R: 57 };
    const surfaces = { L: hemisphereSurfaces(anatomy, 0, freq.L), R: hemisphereSurfaces(anatomy, 1, freq.R) };
    writeSurfaces(ctx, sub, surfaces);
    const rois = buildRois(brain, sub, ctx.rng(`rois/${sub}`));
    writeRois(ctx, sub, brain, rois, surfaces);
    writeLocalizer(ctx, sub, brain, rois, surfaces);
    await writeGlmSingle(ctx, sub, brain, rois);
  }
}
