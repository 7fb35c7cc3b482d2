/**
 * Which volumes the ROI inspector needs for one subject (brain mask, NC maps,
 * ROI masks), their loading states, and the threshold-free statistics built
 * from them. Used for the inspected subject and, lazily, for the others of
 * the bucket in the comparison view.
 */
import { useMemo, useState } from 'react';
import { anatKeys, glmKeys, SUBJECT_NC_DESCS } from '../../data/layout.ts';
import { naturalCompare, type RoiCategory, type RoiInfo, type SessionInfo } from '../../data/discovery.ts';
import type { S3Object } from '../../data/s3/xml.ts';
import type { MaskSource } from '../../science/masks.ts';
import type { GridMismatchError } from '../../science/grid.ts';
import { useVolumeList, type VolumeRef } from '../../state/volumes.ts';
import type { Priority } from '../../jobs/queue.ts';
import { inspectorStats, type GridVolume, type InspectorStats, type NamedVolume } from './roi-stats.ts';

/** One NC map: a session's (`ses-01`) or a subject-level one (`Noiseceiling12rep`). */
export interface NcMapDef {
  id: string;
  /** Short column label: `ses-01`, `4rep`, `12rep`, `Allrep`. */
  label: string;
  group: 'session' | 'subject';
  key: string;
  /** Listed by the bucket but not public (ses-31..34): never requested. */
  heldOut: boolean;
  object?: S3Object;
}

/** Above this many public sessions, per-session maps are opt-in (each decoded 143³ map takes 12 MB). */
export const MAX_DEFAULT_SESSIONS = 10;

export function maskKeyFor(subject: string, source: MaskSource): string {
  return source === 'anatomical' ? anatKeys.brainMaskRes1pt8(subject) : glmKeys.r2mean(subject);
}

/** The NC maps a subject's listing offers: every session (held-out ones included, locked), then the subject-level maps. */
export function ncMapDefs(subject: string, sessions: readonly SessionInfo[], index: ReadonlyMap<string, S3Object>): NcMapDef[] {
  const defs: NcMapDef[] = [];
  for (const s of [...sessions].sort((a, b) => naturalCompare(a.id, b.id))) {
    const key = glmKeys.sessionNc(subject, s.id);
    const object = index.get(key);
    if (object || s.heldOut) defs.push({ id: s.id, label: s.id, group: 'session', key, heldOut: s.heldOut, object });
  }
  for (const desc of SUBJECT_NC_DESCS) {
    const key = glmKeys.subjectNc(subject, desc);
    const object = index.get(key);
    if (object) defs.push({ id: desc, label: desc.replace('Noiseceiling', ''), group: 'subject', key, heldOut: false, object });
  }
  return defs;
}

export const isLoadable = (d: NcMapDef): boolean => !d.heldOut && d.object !== undefined;

export function defaultMapIds(defs: readonly NcMapDef[]): string[] {
  const sessions = defs.filter((d) => d.group === 'session' && isLoadable(d));
  return defs.filter((d) => isLoadable(d) && (d.group === 'subject' || sessions.length <= MAX_DEFAULT_SESSIONS)).map((d) => d.id);
}

/** The map to plot and sort by: the user's, else 12rep (the most repetitions per image), Allrep, 4rep, the first session. */
export function focusMapId(wanted: string | null, shown: readonly NcMapDef[]): string | null {
  if (wanted && shown.some((d) => d.id === wanted)) return wanted;
  for (const id of ['Noiseceiling12rep', 'NoiseceilingAllrep', 'Noiseceiling4rep']) if (shown.some((d) => d.id === id)) return id;
  return shown[0]?.id ?? null;
}

/** First ROI of each name across categories (the package's 'all' lists a name once). */
export function roisByName(cats: readonly RoiCategory[] | undefined): Map<string, RoiInfo> {
  const out = new Map<string, RoiInfo>();
  for (const c of cats ?? []) for (const r of c.rois) if (!out.has(r.name)) out.set(r.name, r);
  return out;
}

export type VolumeState =
  | { status: 'unlisted'; key: string }
  | { status: 'pending'; key: string }
  | { status: 'error'; key: string; error: unknown; retry: () => void }
  | { status: 'grid'; key: string; error: GridMismatchError }
  | { status: 'ready'; key: string };

export interface SubjectVolumes {
  mask: VolumeState;
  maps: Array<{ def: NcMapDef; state: VolumeState }>;
  rois: Array<{ info: RoiInfo; state: VolumeState }>;
  /** Null until the brain mask has loaded. */
  stats: InspectorStats | null;
  /** Volumes requested and still loading. */
  pending: number;
  requested: number;
}

type Role = { kind: 'mask' } | { kind: 'map'; id: string } | { kind: 'roi'; id: string };

/** The same array as last render when its items are equal: lets useMemo see "nothing new" (useQueries returns fresh results every render). */
function useStableList<T>(items: T[], equal: (a: T, b: T) => boolean = Object.is): T[] {
  const [kept, setKept] = useState(items);
  const same = kept.length === items.length && kept.every((x, i) => equal(x, items[i]));
  if (!same) setKept(items);
  return same ? kept : items;
}

export function useSubjectVolumes(
  subject: string,
  index: ReadonlyMap<string, S3Object> | undefined,
  maskSource: MaskSource,
  maps: readonly NcMapDef[],
  rois: readonly RoiInfo[],
  opts: { brainTotals: boolean; priority?: Priority },
): SubjectVolumes {
  const maskKey = maskKeyFor(subject, maskSource);
  const plan = useMemo(() => {
    const maskObject = index?.get(maskKey);
    const refs: VolumeRef[] = [];
    const roles: Role[] = [];
    if (maskObject) {
      refs.push({ key: maskObject.key, etag: maskObject.etag, size: maskObject.size });
      roles.push({ kind: 'mask' });
    }
    for (const m of maps) {
      if (m.heldOut || !m.object) continue;
      refs.push({ key: m.object.key, etag: m.object.etag, size: m.object.size });
      roles.push({ kind: 'map', id: m.id });
    }
    for (const r of rois) {
      refs.push({ key: r.volume.key, etag: r.volume.etag, size: r.volume.size });
      roles.push({ kind: 'roi', id: r.name });
    }
    return { refs, roles };
  }, [index, maskKey, maps, rois]);

  const results = useVolumeList(plan.refs, opts.priority);
  const volumes = useStableList(results.map((r) => r.data as GridVolume | undefined));
  const brainTotals = opts.brainTotals;
  const stats = useMemo(() => {
    const at = plan.roles.findIndex((r) => r.kind === 'mask');
    const mask = at >= 0 ? volumes[at] : undefined;
    if (!mask) return null;
    const mapVols: NamedVolume[] = [];
    const roiVols: NamedVolume[] = [];
    plan.roles.forEach((role, i) => {
      if (role.kind === 'map') mapVols.push({ id: role.id, vol: volumes[i] });
      else if (role.kind === 'roi') roiVols.push({ id: role.id, vol: volumes[i] });
    });
    return inspectorStats(mask, mapVols, roiVols, { brainTotals });
  }, [plan, volumes, brainTotals]);

  const raw = plan.refs.map((ref, i): VolumeState => {
    const r = results[i];
    if (r.isError) return { status: 'error', key: ref.key, error: r.error, retry: () => void r.refetch() };
    if (!r.data) return { status: 'pending', key: ref.key };
    const grid = stats?.gridErrors.get(ref.key);
    return grid ? { status: 'grid', key: ref.key, error: grid } : { status: 'ready', key: ref.key };
  });
  const states = useStableList(raw, sameState);
  const assigned = useMemo(() => {
    const stateOf = (key: string, kind: Role['kind'], id?: string): VolumeState => {
      const i = plan.roles.findIndex((r) => r.kind === kind && (r.kind === 'mask' || r.id === id));
      return i >= 0 ? states[i] : { status: 'unlisted', key };
    };
    return {
      mask: stateOf(maskKey, 'mask'),
      maps: maps.map((def) => ({ def, state: stateOf(def.key, 'map', def.id) })),
      rois: rois.map((info) => ({ info, state: stateOf(info.volume.key, 'roi', info.name) })),
    };
  }, [plan, states, maskKey, maps, rois]);
  return {
    ...assigned,
    stats,
    pending: results.filter((r) => r.isPending && r.fetchStatus !== 'idle').length,
    requested: results.length,
  };
}

const errorOf = (s: VolumeState): unknown => (s.status === 'error' || s.status === 'grid' ? s.error : undefined);
const sameState = (a: VolumeState, b: VolumeState): boolean => a.status === b.status && a.key === b.key && errorOf(a) === errorOf(b);
