/**
 * What a bucket holds, found by listing it the way the laion_fmri package
 * does (bucket-layout.md §1): subjects = union of the `sub-*` prefixes under
 * the derivative folders; sessions = `ses-*` prefixes of a subject's GLMsingle
 * folder; ROIs = the `res-1pt8` masks at `{category}/{file}`.
 *
 * The listing functions talk to an S3Client; the `*From*` functions are pure
 * and derive everything from listed objects.
 */
import {
  ANAT_PREFIX,
  FREESURFER_PREFIX,
  GLM_PREFIX,
  isHeldOutKey,
  isHeldOutSession,
  isSessionId,
  isSubjectId,
  LOCALIZER_PREFIX,
  parseRoiKey,
  ROI_PREFIX,
  SUBJECT_DISCOVERY_PREFIXES,
  type RoiFileKind,
} from './layout.ts';
import type { S3Client } from './s3/client.ts';
import type { S3Object } from './s3/xml.ts';

export interface SubjectSummary {
  id: string;
  /** The derivative folders in which the subject appears. */
  foundIn: string[];
}

export interface SessionInfo {
  id: string;
  /** Listed but not public (ses-31..34): GETs are denied. */
  heldOut: boolean;
}

export interface RoiInfo {
  /** The package's name (hyphens removed), e.g. `FFA1`. */
  name: string;
  /** The label as it appears in the bucket key, e.g. `FFA-1`. */
  bucketLabel: string;
  category: string;
  /** The res-1pt8 volume (on the beta grid). */
  volume: S3Object;
  /** Other files of the same ROI (surface .func.gii / .label, res-1pt5). */
  others: Array<{ kind: RoiFileKind; hemi?: 'L' | 'R'; object: S3Object }>;
}

export interface RoiCategory {
  category: string;
  rois: RoiInfo[];
}

export type InventoryArea = 'glmsingle' | 'rois' | 'anatomical' | 'freesurfer' | 'localizers' | 'raw';

export interface InventoryEntry extends S3Object {
  area: InventoryArea;
  session?: string;
  heldOut: boolean;
}

export const INVENTORY_AREAS: Array<{ area: InventoryArea; prefix: (sub: string) => string; label: string }> = [
  { area: 'glmsingle', prefix: (s) => `${GLM_PREFIX}${s}/`, label: 'GLMsingle (betas, noise ceilings)' },
  { area: 'rois', prefix: (s) => `${ROI_PREFIX}${s}/`, label: 'ROIs' },
  { area: 'anatomical', prefix: (s) => `${ANAT_PREFIX}${s}/`, label: 'Anatomy' },
  { area: 'freesurfer', prefix: (s) => `${FREESURFER_PREFIX}${s}/`, label: 'FreeSurfer' },
  { area: 'localizers', prefix: (s) => `${LOCALIZER_PREFIX}${s}/`, label: 'Localizers' },
  { area: 'raw', prefix: (s) => `${s}/`, label: 'Raw BIDS' },
];

/** Natural order: ses-2 < ses-10, sub-01 < sub-03. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function lastSegment(prefix: string): string {
  const parts = prefix.replace(/\/$/, '').split('/');
  return parts[parts.length - 1];
}

// ------------------------------------------------------------------ pure derivations

export function subjectsFromPrefixes(byFolder: Record<string, string[]>): SubjectSummary[] {
  const found = new Map<string, string[]>();
  for (const [folder, prefixes] of Object.entries(byFolder)) {
    for (const p of prefixes) {
      const id = lastSegment(p);
      if (!isSubjectId(id)) continue;
      const list = found.get(id) ?? [];
      list.push(folder);
      found.set(id, list);
    }
  }
  return [...found.entries()].map(([id, foundIn]) => ({ id, foundIn })).sort((a, b) => naturalCompare(a.id, b.id));
}

export function sessionsFromPrefixes(prefixes: string[]): SessionInfo[] {
  return prefixes
    .map(lastSegment)
    .filter(isSessionId)
    .sort(naturalCompare)
    .map((id) => ({ id, heldOut: isHeldOutSession(id) }));
}

/** ROIs of one subject from the full listing of `derivatives/rois/{sub}/`. */
export function roisFromListing(subject: string, objects: S3Object[]): RoiCategory[] {
  const byId = new Map<string, RoiInfo>();
  const pending: Array<{ id: string; entry: RoiInfo['others'][number] }> = [];
  for (const object of objects) {
    const ref = parseRoiKey(object.key);
    if (!ref || ref.subject !== subject) continue;
    const id = `${ref.category}/${ref.bucketLabel}`;
    if (ref.kind === 'volume') {
      byId.set(id, { name: ref.name, bucketLabel: ref.bucketLabel, category: ref.category, volume: object, others: [] });
    } else {
      const entry: RoiInfo['others'][number] = { kind: ref.kind, object };
      if (ref.hemi) entry.hemi = ref.hemi;
      pending.push({ id, entry });
    }
  }
  // Surface-only ROIs are not discoverable (the package keys on the res-1pt8 volume).
  for (const { id, entry } of pending) byId.get(id)?.others.push(entry);
  const cats = new Map<string, RoiInfo[]>();
  for (const roi of byId.values()) {
    const list = cats.get(roi.category) ?? [];
    list.push(roi);
    cats.set(roi.category, list);
  }
  return [...cats.entries()]
    .sort(([a], [b]) => naturalCompare(a, b))
    .map(([category, rois]) => ({ category, rois: rois.sort((a, b) => naturalCompare(a.name, b.name)) }));
}

export function inventoryEntry(area: InventoryArea, object: S3Object): InventoryEntry {
  const ses = /\/(ses-[^/]+)\//.exec(object.key)?.[1];
  const e: InventoryEntry = { ...object, area, heldOut: isHeldOutKey(object.key) };
  if (ses) e.session = ses;
  return e;
}

// ------------------------------------------------------------------ listings

export async function discoverSubjects(client: S3Client, signal?: AbortSignal): Promise<SubjectSummary[]> {
  const results = await Promise.all(
    SUBJECT_DISCOVERY_PREFIXES.map(async (prefix) => [prefix, (await client.listAll({ prefix, delimiter: '/', signal })).prefixes] as const),
  );
  return subjectsFromPrefixes(Object.fromEntries(results));
}

export async function discoverSessions(client: S3Client, subject: string, signal?: AbortSignal): Promise<SessionInfo[]> {
  const { prefixes } = await client.listAll({ prefix: `${GLM_PREFIX}${subject}/`, delimiter: '/', signal });
  return sessionsFromPrefixes(prefixes);
}

export async function discoverRois(client: S3Client, subject: string, signal?: AbortSignal): Promise<RoiCategory[]> {
  const { objects } = await client.listAll({ prefix: `${ROI_PREFIX}${subject}/`, signal });
  return roisFromListing(subject, objects);
}

export async function listInventory(client: S3Client, subject: string, area: InventoryArea, signal?: AbortSignal): Promise<InventoryEntry[]> {
  const spec = INVENTORY_AREAS.find((a) => a.area === area)!;
  const { objects } = await client.listAll({ prefix: spec.prefix(subject), signal });
  return objects.map((o) => inventoryEntry(area, o));
}
