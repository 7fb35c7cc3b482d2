/**
 * The `derivatives/glmsingle-tedana/{sub}/` tree of one subject: per session
 * the betas, trial table, noise ceiling, R², HRF index, fractional-ridge map
 * and summary; per subject R2mean, the three subject-level noise ceilings
 * and a summary. Every map is 0 outside the fit support (where R2mean is 0).
 *
 * Diagnostics follow the model rather than being drawn at random:
 * - R²_s(v) = 100·P_v / (P_v + 2σ_v²) · (1 + 0.08·f_s(v)) + 0.6·ε, with P_v the
 *   mean squared model response: high in visual cortex, near 0 (sometimes a
 *   little negative, like GLMsingle's cross-validated R²) in white matter;
 * - R2mean = mean over the public sessions (NaN where any session failed:
 *   those voxels drop out of the rsquare mask);
 * - HRFindex: smooth subject map 0..19 plus a small smooth session change;
 * - Fracridge: more shrinkage (smaller fraction) where the session SNR is low,
 *   in GLMsingle's 0.05 steps.
 */
import { glmKeys, type SubjectNcDesc } from '../../../src/data/layout.ts';
import type { DemoContext } from '../context.ts';
import { generateSessionBetas, pickFailedVoxels, writeBetas } from './betas.ts';
import type { SubjectBrain } from './anatomy.ts';
import { mixFields, randomField } from './field.ts';
import { FUNC_GRID, voxelCount } from './grid.ts';
import { buildVoxelModel, imageFeatures, signalMatrix, type VoxelModel } from './model.ts';
import { noiseCeiling, type TrialRef, zscoreSession } from './noise-ceiling.ts';
import type { RoiVolume } from './rois.ts';
import { buildSchedules, type SessionSchedule, writeTrialTable } from './schedule.ts';
import { putJson, putNifti, volumeOptions } from './volume-io.ts';
import type { DemoSubject } from '../catalog.ts';

/** Voxels whose fit fails, per session (NaN betas in that session only). */
const FAILED_PER_SESSION = 3;
const FRACS = Array.from({ length: 20 }, (_, i) => Math.round((1 - i * 0.05) * 100) / 100);

function toGrid(m: VoxelModel, values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(voxelCount(FUNC_GRID));
  m.vox.forEach((p, v) => (out[p] = values[v]));
  return out;
}

function median(values: ArrayLike<number>): number {
  const s = Array.from(values).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.floor(s.length / 2)] * 1000) / 1000 : 0;
}

function groupsByImage(sessions: SessionSchedule[], indices: number[], include: (name: string, count: number) => boolean): TrialRef[][] {
  const byImage = new Map<string, TrialRef[]>();
  indices.forEach((sIdx, z) =>
    sessions[sIdx].trials.forEach((t, trial) => {
      const list = byImage.get(t.image.name) ?? [];
      list.push({ session: z, trial });
      byImage.set(t.image.name, list);
    }),
  );
  return [...byImage.entries()].filter(([name, refs]) => include(name, refs.length)).map(([, refs]) => refs);
}

export async function writeGlmSingle(ctx: DemoContext, sub: DemoSubject, brain: SubjectBrain, rois: RoiVolume[]): Promise<void> {
  const schedules = buildSchedules(ctx, sub);
  const model = buildVoxelModel(brain, rois, ctx.rng(`model/${sub}`));
  const V = model.vox.length;
  const seen = new Set(schedules.flatMap((s) => s.trials.map((t) => t.image.name)));
  const images = ctx.catalog.images.filter((im) => seen.has(im.name));
  const imageRow = new Map(images.map((im, i) => [im.name, i]));
  // Image features depend on the image only (same rng label for every subject): shared images drive both brains alike.
  const features = images.map((im) => imageFeatures(im, ctx.rng(`image-features/${im.name}`)));
  const signal = signalMatrix(model, features, (i) => ctx.rng(`voxel-image/${sub}/${images[i].name}`));
  const power = new Float32Array(V);
  for (let i = 0; i < images.length; i++) for (let v = 0; v < V; v++) power[v] += signal[i * V + v] ** 2 / images.length;

  // Smooth fields for per-session offsets/jitters are random mixtures of a small per-subject basis.
  const basisRng = ctx.rng(`session-fields/${sub}`);
  const basis = [0, 1, 2, 3, 4].map((j) => randomField(basisRng.fork(String(j)), FUNC_GRID.dims, 2.5));
  const hrfBase = randomField(ctx.rng(`hrf/${sub}`), FUNC_GRID.dims, 3);
  const publicIdx: number[] = [];
  const publicZ: Float32Array[] = [];
  const r2Sessions: Float32Array[] = [];
  const sessionSummaries: Array<Record<string, unknown>> = [];
  // Betas files being gzipped in the background; at most two in flight bounds memory (~70 MB each).
  const pending: Array<Promise<void>> = [];

  for (const [sIdx, schedule] of schedules.entries()) {
    const ses = schedule.session;
    const rng = ctx.rng(`glm/${sub}/${ses}`);
    const failed = pickFailedVoxels(model, brain, rng.fork('failed'), FAILED_PER_SESSION);
    const b = generateSessionBetas(model, signal, imageRow, schedule, rng.fork('betas'), failed, mixFields(basis, rng.fork('offset')));
    const T = schedule.trials.length;
    writeTrialTable(ctx, sub, schedule);
    if (pending.length >= 2) await pending.shift();
    pending.push(writeBetas(ctx, sub, model, b));

    const z = zscoreSession(b.betas, T, V);
    const { nc, ncsnr } = noiseCeiling([z], V, groupsByImage([schedule], [0], (_n, c) => c >= 2));
    for (const v of failed) nc[v] = 0;
    const jitter = mixFields(basis, rng.fork('r2-jitter'));
    const eps = rng.fork('r2-noise');
    const r2 = Float32Array.from(model.vox, (p, v) => {
      let r = (100 * power[v]) / (power[v] + 2 * model.noiseSd[v] ** 2);
      r = r * (1 + 0.08 * jitter[p]) + 0.6 * eps.normal();
      // R² is never exactly 0 inside the fit support: 0 means "not fitted".
      return Math.abs(r) < 0.01 ? 0.01 : r;
    });
    for (const v of failed) r2[v] = NaN;
    // The chosen HRF is a stable property of the vasculature: a smooth subject map plus a small smooth session change.
    const hrfJitter = mixFields(basis, rng.fork('hrf'));
    const hrf = new Int32Array(voxelCount(FUNC_GRID));
    model.vox.forEach((p) => (hrf[p] = Math.max(0, Math.min(19, Math.round(9.5 + 3.2 * hrfBase[p] + 0.9 * hrfJitter[p])))));
    const fracJ = rng.fork('frac');
    const frac = Float32Array.from(ncsnr, (s) => {
      const f = 0.1 + (0.9 * s) / (s + 0.15) + 0.06 * fracJ.normal();
      return Math.max(0.05, Math.min(1, Math.round(f * 20) / 20));
    });
    for (const v of failed) frac[v] = NaN;

    const src = { Sources: [glmKeys.betas(sub, ses).split('/').pop()] };
    putNifti(ctx, glmKeys.sessionNc(sub, ses), volumeOptions(FUNC_GRID, 'float32', toGrid(model, nc), { description: 'noise ceiling (%)' }), {
      Description: 'Noise ceiling of this session (NSD ncsnr formula on per-session z-scored betas, repeated images only); 0 outside the fit support and where the fit failed.',
      Units: 'percent',
      ...src,
    });
    putNifti(ctx, glmKeys.sessionR2(sub, ses), volumeOptions(FUNC_GRID, 'float32', toGrid(model, r2), { description: 'GLMsingle R2 (%)' }), {
      Description: 'Variance explained by the GLMsingle model in this session; NaN where the fit failed.',
      Units: 'percent',
      ...src,
    });
    putNifti(ctx, glmKeys.hrfIndex(sub, ses), volumeOptions(FUNC_GRID, 'int32', hrf, { description: 'HRF index 0-19' }), {
      Description: 'Index (0-19) of the library HRF chosen per voxel by GLMsingle; 0 outside the fit support.',
      ...src,
    });
    putNifti(ctx, glmKeys.fracridge(sub, ses), volumeOptions(FUNC_GRID, 'float32', toGrid(model, frac), { description: 'fractional ridge' }), {
      Description: 'Fractional ridge regularisation level chosen per voxel (0.05-1, 1 = no shrinkage); NaN where the fit failed.',
      ...src,
    });
    const summary = {
      subject: sub,
      session: ses,
      model: 'FITHRF_GLMDENOISE_RR',
      n_runs: 12,
      n_trials: T,
      n_conditions: new Set(schedule.trials.map((t) => t.image.name)).size,
      hrf_library_size: 20,
      fracs: FRACS,
      pcnum: 3 + ((sIdx * 5 + sub.charCodeAt(5)) % 5),
      n_voxels_fit: V,
      n_voxels_failed: failed.length,
      median_R2: median(r2),
      median_noise_ceiling: median(nc),
      synthetic: true,
    };
    putJson(ctx, glmKeys.sessionSummary(sub, ses), summary);
    sessionSummaries.push(summary);
    if (!schedule.heldOut) {
      publicIdx.push(sIdx);
      publicZ.push(z);
      r2Sessions.push(r2);
    }
  }

  // Subject level, over the public sessions only (the held-out ones are not released).
  const counts = new Map<string, number>();
  for (const i of publicIdx) for (const t of schedules[i].trials) counts.set(t.image.name, (counts.get(t.image.name) ?? 0) + 1);
  const subjectNc: Record<SubjectNcDesc, (name: string, c: number) => boolean> = {
    Noiseceiling4rep: (_n, c) => c === 4,
    Noiseceiling12rep: (_n, c) => c === 12,
    NoiseceilingAllrep: (_n, c) => c >= 2,
  };
  const ncMedians: Record<string, number> = {};
  for (const [desc, include] of Object.entries(subjectNc) as Array<[SubjectNcDesc, (n: string, c: number) => boolean]>) {
    const { nc } = noiseCeiling(publicZ, V, groupsByImage(schedules, publicIdx, (name) => include(name, counts.get(name)!)));
    ncMedians[desc] = median(nc);
    putNifti(ctx, glmKeys.subjectNc(sub, desc), volumeOptions(FUNC_GRID, 'float32', toGrid(model, nc), { description: `${desc} (%)` }), {
      Description: `Noise ceiling over all public sessions (NSD ncsnr formula, betas z-scored per session), images with ${desc === 'NoiseceilingAllrep' ? 'any number of' : desc === 'Noiseceiling4rep' ? 'exactly 4' : 'exactly 12'} repetitions.`,
      Units: 'percent',
      Sources: publicIdx.map((i) => glmKeys.betas(sub, schedules[i].session).split('/').pop()),
    });
  }
  const r2mean = new Float32Array(V);
  for (let v = 0; v < V; v++) r2mean[v] = r2Sessions.reduce((s, r) => s + r[v], 0) / r2Sessions.length;
  putNifti(ctx, glmKeys.r2mean(sub), volumeOptions(FUNC_GRID, 'float32', toGrid(model, r2mean), { description: 'mean GLMsingle R2 (%)' }), {
    Description: 'Mean GLMsingle R² over the public sessions. Non-zero exactly on the fit support; NaN where a session failed (excluded from the rsquare mask).',
    Units: 'percent',
  });
  putJson(ctx, glmKeys.subjectSummary(sub), {
    subject: sub,
    model: 'FITHRF_GLMDENOISE_RR',
    sessions: sessionSummaries.map((s) => ({ session: s.session, n_trials: s.n_trials, held_out: schedules.find((x) => x.session === s.session)!.heldOut })),
    n_trials_public: publicIdx.reduce((s, i) => s + schedules[i].trials.length, 0),
    n_voxels_fit: V,
    median_R2mean: median(r2mean),
    median_noise_ceiling: ncMedians,
    noise_ceiling_method: 'NSD ncsnr (Allen et al. 2022) on per-session z-scored betas; NC = 100 ncsnr^2 / (ncsnr^2 + mean(1/n))',
    synthetic: true,
  });
  await Promise.all(pending);
}
