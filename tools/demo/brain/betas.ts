/**
 * Single-trial betas of one session, from the response model (model.ts):
 *
 *   β(v,t) = s(v, i_t) + o_s(v) + σ_v · n_t(v)
 *
 * o_s is a smooth per-session offset field (`offsetField`, unit SD, scaled to
 * 0.6 %, plus a global shift; GLMsingle betas drift between sessions,
 * which is why NSD z-scores them per session), n_t is unit-variance noise
 * made slightly smooth by mixing each voxel with its support neighbours.
 * Values are rounded to 1/1024 % (far below the noise) so gzip can shrink the
 * file; the noise ceilings are computed from these stored values.
 *
 * Failed fits: the `failed` voxels are NaN for every trial of the session (GLMsingle
 * writes NaN where a fit fails). They are picked per session, mostly in
 * orbitofrontal / temporal-pole cortex where susceptibility dropout happens,
 * never inside an ROI. Everything outside the fit support is exactly 0.
 */
import { glmKeys } from '../../../src/data/layout.ts';
import type { DemoContext } from '../context.ts';
import type { Rng } from '../rng.ts';
import type { SubjectBrain } from './anatomy.ts';
import { FUNC_GRID, RES_1PT8_MM, voxelCount } from './grid.ts';
import type { VoxelModel } from './model.ts';
import type { SessionSchedule } from './schedule.ts';
import { putNiftiBytesAsync } from './volume-io.ts';
import { fillNormals } from './normals.ts';
import { allocateNifti1 } from '../../../src/formats/nifti-write.ts';

/** Noise mixing weight of each neighbour: adjacent voxels end up correlated at about 0.4 (2w / (1 + 6w²)). */
const NOISE_NEIGHBOUR_WEIGHT = 0.3;
const QUANTUM = 1024;

export interface SessionBetas {
  schedule: SessionSchedule;
  /** Trial-major: betas[t * V + v]. */
  betas: Float32Array;
  /** Model-local indices of the voxels whose fit failed in this session. */
  failed: number[];
}

/** Fit-support voxels outside every ROI, dropout-prone ones (anterior, inferior) first. */
export function pickFailedVoxels(model: VoxelModel, brain: SubjectBrain, rng: Rng, count: number): number[] {
  const prone: number[] = [];
  const other: number[] = [];
  model.vox.forEach((p, v) => {
    if (model.inRoi[v] || !model.gm[v]) return;
    (brain.ty[p] > 0 && brain.tz[p] < -2 ? prone : other).push(v);
  });
  const pool = prone.length >= count ? prone : [...prone, ...other];
  return rng.shuffle(pool).slice(0, count).sort((a, b) => a - b);
}

export function generateSessionBetas(
  model: VoxelModel,
  signal: Float32Array,
  imageRow: Map<string, number>,
  schedule: SessionSchedule,
  rng: Rng,
  failed: number[],
  offsetField: Float32Array,
): SessionBetas {
  const V = model.vox.length;
  const T = schedule.trials.length;
  const sessionShift = 0.3 * rng.normal();
  const offset = Float32Array.from(model.vox, (p) => 0.6 * offsetField[p] + sessionShift);
  const norm = new Float32Array(V);
  for (let v = 0; v < V; v++) {
    const deg = model.nbrStart[v + 1] - model.nbrStart[v];
    norm[v] = model.noiseSd[v] / Math.sqrt(1 + NOISE_NEIGHBOUR_WEIGHT ** 2 * deg);
  }
  const betas = new Float32Array(T * V);
  const white = new Float32Array(V);
  // One noise stream per session, drawn in trial order.
  const noise = rng.fork('trial-noise');
  const { nbrStart, nbr } = model;
  for (let t = 0; t < T; t++) {
    const name = schedule.trials[t].image.name;
    const row = imageRow.get(name);
    if (row === undefined) throw new Error(`no model row for ${name}`);
    fillNormals(noise, white);
    const sOff = row * V;
    const oOff = t * V;
    for (let v = 0; v < V; v++) {
      let nb = 0;
      for (let e = nbrStart[v]; e < nbrStart[v + 1]; e++) nb += white[nbr[e]];
      const b = signal[sOff + v] + offset[v] + norm[v] * (white[v] + NOISE_NEIGHBOUR_WEIGHT * nb);
      betas[oOff + v] = Math.round(b * QUANTUM) / QUANTUM;
    }
  }
  for (const v of failed) for (let t = 0; t < T; t++) betas[t * V + v] = NaN;
  return { schedule, betas, failed };
}

/** Writes the 4-D betas statmap (float32, X×Y×Z×T, volume t = TSV row t); resolves once the object is written. */
export function writeBetas(ctx: DemoContext, sub: string, model: VoxelModel, b: SessionBetas): Promise<void> {
  const V = model.vox.length;
  const T = b.schedule.trials.length;
  const n = voxelCount(FUNC_GRID);
  const s = RES_1PT8_MM;
  const ses = b.schedule.session;
  // Filled in place: a session is ~70 MB uncompressed, a second copy would double the time spent moving bytes.
  const { bytes, data } = allocateNifti1({
    dims: [...FUNC_GRID.dims, T],
    pixdim: [s, s, s, 1],
    datatype: 'float32',
    affine: FUNC_GRID.affine,
    description: 'GLMsingle TYPED single-trial betas (synthetic)',
  });
  const vox = model.vox;
  for (let t = 0; t < T; t++) {
    const src = t * V;
    const base = t * n;
    for (let v = 0; v < V; v++) data[base + vox[v]] = b.betas[src + v];
  }
  return putNiftiBytesAsync(
    ctx,
    glmKeys.betas(sub, ses),
    bytes,
    {
      Description: 'Single-trial betas (GLMsingle FITHRF_GLMDENOISE_RR), one volume per row of the trial table. Synthetic demo data from a response model.',
      Units: 'percent signal change',
      Model: 'FITHRF_GLMDENOISE_RR',
      TrialTable: glmKeys.trials(sub, ses).split('/').pop(),
      NumberOfTrials: T,
      NumberOfVoxelsFit: V,
      FailedFitVoxels: `${b.failed.length} voxels are NaN in every trial (failed fit); outside the fit support betas are 0`,
    },
  );
}
