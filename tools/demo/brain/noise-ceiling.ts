/**
 * Noise ceilings computed from the generated betas, the NSD way
 * (Allen et al. 2022, "noise ceiling SNR"):
 *
 * 1. z-score every voxel's betas within each session (across all of that
 *    session's trials); this removes the session offsets and scale changes.
 * 2. noise variance σ²_n = pooled variance across repetitions of the same
 *    image (unbiased, n−1 per image, pooled over the included images).
 * 3. signal variance σ²_s = max(0, σ²_total − σ²_n); NSD uses σ²_total = 1
 *    because of step 1; here σ²_total is the variance of the included z-scored
 *    trials, which is the same when all trials are included and stays right
 *    when only a subset of images is (the 12rep-only ceilings).
 * 4. ncsnr = σ_s / σ_n, and NC = 100 · ncsnr² / (ncsnr² + mean_i(1/n_i)),
 *    the NSD formula for images with unequal repetition counts n_i (= 1/n when
 *    every image has n repeats): the % of variance of the trial-averaged
 *    response that the stimulus can explain.
 *
 * Failed voxels (NaN betas in a session) simply contribute no trials from
 * that session. A voxel with no repeated image left gets NC 0.
 */

export interface TrialRef {
  /** Index into the sessions array. */
  session: number;
  /** Trial (row) index within that session. */
  trial: number;
}

/** Per-session z-scoring of trial-major betas (T×V), population SD like scipy.stats.zscore. NaN stays NaN. */
export function zscoreSession(betas: Float32Array, T: number, V: number): Float32Array {
  const out = new Float32Array(betas.length);
  const sum = new Float64Array(V);
  const sq = new Float64Array(V);
  for (let t = 0; t < T; t++)
    for (let v = 0; v < V; v++) {
      const b = betas[t * V + v];
      sum[v] += b;
      sq[v] += b * b;
    }
  const mean = new Float64Array(V);
  const inv = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    mean[v] = sum[v] / T;
    const variance = sq[v] / T - mean[v] * mean[v];
    inv[v] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  }
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) out[t * V + v] = (betas[t * V + v] - mean[v]) * inv[v];
  return out;
}

/**
 * NC (0–100) per voxel from z-scored sessions and groups of trials that show
 * the same image. Groups with fewer than 2 trials are ignored.
 */
export function noiseCeiling(zscored: Float32Array[], V: number, groups: TrialRef[][]): { nc: Float32Array; ncsnr: Float32Array } {
  const noiseSS = new Float64Array(V);
  const dof = new Float64Array(V);
  const invN = new Float64Array(V);
  const nGroups = new Float64Array(V);
  const totSum = new Float64Array(V);
  const totSq = new Float64Array(V);
  const totN = new Float64Array(V);
  const gSum = new Float64Array(V);
  const gSq = new Float64Array(V);
  const gN = new Float64Array(V);
  for (const group of groups) {
    if (group.length < 2) continue;
    gSum.fill(0);
    gSq.fill(0);
    gN.fill(0);
    for (const { session, trial } of group) {
      const z = zscored[session];
      const base = trial * V;
      for (let v = 0; v < V; v++) {
        const x = z[base + v];
        if (x !== x) continue; // NaN: failed fit in that session
        gSum[v] += x;
        gSq[v] += x * x;
        gN[v] += 1;
      }
    }
    for (let v = 0; v < V; v++) {
      const n = gN[v];
      if (n < 2) continue;
      noiseSS[v] += gSq[v] - (gSum[v] * gSum[v]) / n;
      dof[v] += n - 1;
      invN[v] += 1 / n;
      nGroups[v] += 1;
      totSum[v] += gSum[v];
      totSq[v] += gSq[v];
      totN[v] += n;
    }
  }
  const nc = new Float32Array(V);
  const ncsnr = new Float32Array(V);
  for (let v = 0; v < V; v++) {
    if (dof[v] < 1 || totN[v] < 2) continue;
    const noiseVar = Math.max(noiseSS[v] / dof[v], 1e-12);
    const totalVar = (totSq[v] - (totSum[v] * totSum[v]) / totN[v]) / (totN[v] - 1);
    const signalVar = Math.max(0, totalVar - noiseVar);
    const snr2 = signalVar / noiseVar;
    ncsnr[v] = Math.sqrt(snr2);
    nc[v] = (100 * snr2) / (snr2 + invN[v] / nGroups[v]);
  }
  return { nc, ncsnr };
}
