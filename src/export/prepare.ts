/**
 * From the loaded inputs (volumes, trial tables, listing) to an export plan:
 * one `resolveBetasSelection` per session (the NC threshold is per session),
 * the cache lookup that lets rows come from the browser instead of the
 * bucket, and the sources the provenance lists. Main thread, no DOM.
 */
import { anatKeys, glmKeys } from '../data/layout.ts';
import type { S3Object } from '../data/s3/xml.ts';
import type { LoadedVolume } from '../jobs/volume-api.ts';
import type { BetasManifest } from '../cache/betas-store.ts';
import { resolveBetasSelection } from '../science/betas-select.ts';
import { nonzeroMask } from '../science/masks.ts';
import { parseRoiQuery, type RoiCatalog } from '../science/roi-query.ts';
import type { TrialRow } from '../science/trials.ts';
import { cOrderPositions, type Dims3 } from '../science/voxel-order.ts';
import { buildExportPlan, type ExportParams, type ExportPlan, type SessionPart, type SourceObject } from './plan.ts';

export interface PrepareInputs {
  params: ExportParams;
  endpoint: string;
  appVersion: string;
  index: ReadonlyMap<string, S3Object>;
  /** The anatomical res-1pt8 brain mask: the betas grid and the cache's voxel axis. */
  reference: LoadedVolume;
  r2mean?: LoadedVolume;
  catalog: RoiCatalog;
  /** ROI volumes by clean name (at least those the query resolves to). */
  rois: ReadonlyMap<string, { volume: LoadedVolume; key: string }>;
  /** Per-session NC volumes (needed with an NC threshold). */
  nc: ReadonlyMap<string, LoadedVolume>;
  /** Trial tables of every public session of the subject (global trial indices need all of them). */
  trialTables: ReadonlyMap<string, readonly TrialRow[]>;
  /** Cache manifests by session (null = not cached). */
  cached: ReadonlyMap<string, BetasManifest | null>;
}

function obj(index: ReadonlyMap<string, S3Object>, key: string, what: string): SourceObject {
  const o = index.get(key);
  if (!o) throw new Error(`${what} is not in the bucket listing (${key}).`);
  return { key: o.key, etag: o.etag, size: o.size };
}

export function prepareExport(inp: PrepareInputs): ExportPlan {
  const { params, reference } = inp;
  const sub = params.subject;
  const dims = reference.header.dims.slice(0, 3) as unknown as Dims3;
  const brainVol = params.maskSource === 'anatomical' ? reference : inp.r2mean;
  if (!brainVol) throw new Error('The R² mean map (mask_source rsquare) is not loaded yet.');
  const brainKey = params.maskSource === 'anatomical' ? anatKeys.brainMaskRes1pt8(sub) : glmKeys.r2mean(sub);
  const refPositions = cOrderPositions(nonzeroMask(reference.data), dims);

  // Global trial offsets: the public sessions in sorted order (laion_fmri's Subject.metadata).
  const allSessions = [...inp.trialTables.keys()].sort();
  const offsets = new Map<string, number>();
  let acc = 0;
  for (const s of allSessions) {
    offsets.set(s, acc);
    acc += inp.trialTables.get(s)!.length;
  }

  const roiQuery = params.roi === null ? null : parseRoiQuery(params.roi);
  const sources: SourceObject[] = [obj(inp.index, brainKey, 'The brain mask')];
  const keys = { brain: brainKey, rois: [] as string[], nc: {} as Record<string, string>, trials: {} as Record<string, string> };
  const parts: SessionPart[] = [];
  for (const ses of [...params.sessions].sort()) {
    const rows = inp.trialTables.get(ses);
    if (!rows) throw new Error(`The trial table of ${ses} is not loaded.`);
    const nc = params.ncThreshold !== null ? inp.nc.get(ses) : undefined;
    if (params.ncThreshold !== null && !nc) throw new Error(`The noise ceiling of ${ses} is not loaded yet.`);
    const selection = resolveBetasSelection(
      { maskSource: params.maskSource, roi: roiQuery, mask: params.mask, ncThreshold: params.ncThreshold, stimuli: params.stimuli },
      {
        dims,
        brain: { [params.maskSource]: { file: brainKey, dims: brainVol.header.dims, affine: brainVol.header.affine, data: brainVol.data } },
        rois: new Map([...inp.rois].map(([name, r]) => [name, { file: r.key, dims: r.volume.header.dims, affine: r.volume.header.affine, data: r.volume.data }])),
        catalog: inp.catalog,
        nc: nc ? { file: glmKeys.sessionNc(sub, ses), dims: nc.header.dims, affine: nc.header.affine, data: nc.data } : undefined,
        trials: rows,
      },
    );
    if (keys.rois.length === 0 && selection.roiNames) {
      keys.rois = selection.roiNames.map((n) => inp.rois.get(n)!.key);
      for (const k of keys.rois) sources.push(obj(inp.index, k, 'An ROI volume'));
    }
    if (nc) {
      keys.nc[ses] = glmKeys.sessionNc(sub, ses);
      sources.push(obj(inp.index, keys.nc[ses], `The noise ceiling of ${ses}`));
    }
    keys.trials[ses] = glmKeys.trials(sub, ses);
    const betas = obj(inp.index, glmKeys.betas(sub, ses), `The betas of ${ses}`);
    const manifest = inp.cached.get(ses) ?? null;
    let cachePositions: Uint32Array | undefined;
    if (manifest && manifest.betasEtag === betas.etag && manifest.trials === rows.length) {
      const pos = Uint32Array.from(selection.nifti, (n) => refPositions[n]);
      // An rsquare voxel outside the anatomical mask is not in the cache: read the file instead.
      if (selection.nifti.every((n) => refPositions[n] >= 0)) cachePositions = pos;
    }
    parts.push({
      session: ses,
      selection,
      trialRows: rows,
      globalOffset: offsets.get(ses) ?? 0,
      betas,
      cacheId: cachePositions ? manifest!.id : null,
      cacheBrainVoxels: cachePositions ? manifest!.nBrain : undefined,
      cachePositions,
    });
  }
  // Trial tables are sources too (the rows of trials.tsv come from them); their ETags are in the listing when listed.
  for (const ses of params.sessions) {
    const o = inp.index.get(glmKeys.trials(sub, ses));
    if (o) sources.push({ key: o.key, etag: o.etag, size: o.size });
  }
  return buildExportPlan({
    params: { ...params, sessions: [...params.sessions].sort() },
    endpoint: inp.endpoint,
    appVersion: inp.appVersion,
    created: new Date(),
    dims,
    affine: reference.header.affine,
    parts,
    sources,
    keys,
  });
}

/** A file name for the export: subject, sessions, voxel selection. */
export function exportName(p: ExportParams): string {
  const roi = p.mask ? 'mask' : p.roi ? p.roi.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'roi' : 'brain';
  const parts = ['laion-fmri', p.subject, p.sessions.length > 3 ? `${p.sessions.length}sessions` : p.sessions.join('+'), roi];
  if (p.ncThreshold !== null) parts.push(`nc${p.ncThreshold}`);
  if (p.stimuli) parts.push(p.stimuli);
  if (p.trials) parts.push(`${p.trials.length}trials`);
  return parts.join('_');
}
