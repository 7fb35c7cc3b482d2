/**
 * Which volumes the viewer needs for the current settings, and their loading
 * states. Keys come from the bucket layout; ETags and sizes from the listing,
 * so nothing is requested that the listing does not show.
 */
import { useMemo } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { anatKeys, glmKeys } from '../../data/layout.ts';
import type { S3Object } from '../../data/s3/xml.ts';
import type { LoadedVolume } from '../../jobs/volume-api.ts';
import { useRois, useSessions } from '../../state/queries.ts';
import { useObjectIndex, useVolume, useVolumeList } from '../../state/volumes.ts';
import type { AnatomyChoice, MapId, ViewerSettings } from '../../state/viewer.ts';
import { catalogFromCategories, parseRoiQuery, resolveRoiQuery, RoiQueryError } from '../../science/roi-query.ts';

export function mapKey(subject: string, map: MapId): string {
  if (map === 'nc4') return glmKeys.subjectNc(subject, 'Noiseceiling4rep');
  if (map === 'nc12') return glmKeys.subjectNc(subject, 'Noiseceiling12rep');
  if (map === 'ncall') return glmKeys.subjectNc(subject, 'NoiseceilingAllrep');
  if (map === 'r2mean') return glmKeys.r2mean(subject);
  return glmKeys.sessionNc(subject, map.slice(3));
}

export function mapLabel(map: MapId): string {
  if (map === 'nc4') return 'Noise ceiling, 4-rep images';
  if (map === 'nc12') return 'Noise ceiling, 12-rep images';
  if (map === 'ncall') return 'Noise ceiling, all repeats';
  if (map === 'r2mean') return 'R² mean across sessions';
  return `Noise ceiling, ${map.slice(3)}`;
}

function anatomyKey(subject: string, a: AnatomyChoice): string | null {
  if (a === 'T1w' || a === 'T2w') return anatKeys.imageRes1pt8(subject, a);
  if (a === 'T1w-full') return anatKeys.image(subject, 'T1w');
  return null;
}

export interface VolumeSlot {
  key: string;
  /** Not in the listing: the file does not exist for this subject. */
  missing: boolean;
  query: UseQueryResult<LoadedVolume> | null;
}

/**
 * `afterFirstDraw`: what the first picture does not need (the ROI volumes, many
 * small files, and the maps only the readout shows) is fetched once it is drawn,
 * so decoding them does not compete with the first draw for the CPU.
 */
export function useViewerData(subject: string, s: ViewerSettings, afterFirstDraw: boolean) {
  const { index, error: indexError } = useObjectIndex(subject);
  const rois = useRois(subject);
  const sessions = useSessions(subject);
  const ref = (key: string | null): S3Object | null => (key && index?.get(key)) || null;

  const referenceKey = anatKeys.brainMaskRes1pt8(subject);
  const anatKey = anatomyKey(subject, s.anatomy);
  const r2Key = glmKeys.r2mean(subject);
  const mapK = s.map ? mapKey(subject, s.map) : null;
  const dualK = s.dual ? mapKey(subject, s.dualBy) : null;
  const readoutKeys = ['nc4', 'nc12', 'ncall'].map((m) => mapKey(subject, m as MapId));

  const reference = useVolume(ref(referenceKey));
  const anatomy = useVolume(ref(anatKey));
  const r2mean = useVolume(afterFirstDraw || s.maskSource === 'rsquare' || s.map === 'r2mean' ? ref(r2Key) : null);
  const map = useVolume(ref(mapK));
  const dual = useVolume(ref(dualK));
  const readoutMaps = useVolumeList(afterFirstDraw ? readoutKeys.map(ref).filter((r): r is S3Object => r !== null) : []);

  const allRois = useMemo(() => rois.data?.flatMap((c) => c.rois.map((r) => ({ ...r }))) ?? [], [rois.data]);
  const roiVolumes = useVolumeList(afterFirstDraw ? allRois.map((r) => r.volume) : []);

  const resolved = useMemo((): { names: string[]; error: string | null } => {
    if (!rois.data) return { names: [], error: null };
    try {
      return { names: resolveRoiQuery(parseRoiQuery(s.roiQuery), catalogFromCategories(rois.data)), error: null };
    } catch (e) {
      if (e instanceof RoiQueryError) return { names: [], error: e.message };
      throw e;
    }
  }, [rois.data, s.roiQuery]);

  const slot = (key: string | null, query: UseQueryResult<LoadedVolume>): VolumeSlot | null =>
    key === null ? null : { key, missing: index !== undefined && !index.has(key), query: index?.has(key) ? query : null };

  return {
    index,
    indexReady: index !== undefined,
    indexError,
    rois,
    sessions,
    allRois,
    roiVolumes,
    resolved,
    reference: slot(referenceKey, reference)!,
    anatomy: slot(anatKey, anatomy),
    r2mean: slot(r2Key, r2mean)!,
    map: slot(mapK, map),
    dual: slot(dualK, dual),
    readoutMaps: readoutKeys.map((k, i) => ({ key: k, label: ['NC 4-rep', 'NC 12-rep', 'NC all'][i], volume: readoutMaps.find((q) => q.data?.key === k)?.data })),
  };
}
