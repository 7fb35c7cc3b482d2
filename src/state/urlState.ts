/**
 * Two-way binding between the selection store and the URL query string.
 * Only the built-in sources can be chosen by a link; a custom endpoint in a
 * link is reported (not applied) so a link cannot redirect reads silently.
 */
import { useEffect } from 'react';
import { SUBJECT_TABS, useSelection, type SubjectTab } from './selection.ts';
import type { SourceKind } from '../app/config.ts';
import { trialToQuery, useViewer, viewerFromQuery, viewerToQuery } from './viewer.ts';
import { inspectorFromQuery, inspectorToQuery, useRoiInspector } from './roi-inspector.ts';
import { exportFromQuery, exportToQuery, useExportSettings } from './export.ts';
import { tableSplitFromQuery, tableSplitToQuery, useTableSplit } from './trial-table.ts';
import { presentationFromQuery, presentationToQuery, usePresentation } from './presentation.ts';

/**
 * Version of the link format (`v=`). 1: links without `v` (before the export and presentation
 * parameters); their parameters mean the same in 2. A newer version than this app knows is
 * applied parameter by parameter, and whatever cannot be read is reported.
 */
export const URL_VERSION = 2;

const KINDS: SourceKind[] = ['demo', 'aws', 'custom', 'local'];

export interface UrlRestoreReport {
  /** Parameters that could not be applied, with the reason. */
  ignored: string[];
}

export function applyUrl(search: string): UrlRestoreReport {
  const q = new URLSearchParams(search);
  const ignored: string[] = [];
  const v = q.get('v');
  if (v !== null) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) ignored.push(`v=${v} (not a link version; read as version ${URL_VERSION})`);
    else if (n > URL_VERSION) ignored.push(`v=${v} (a newer link format than this app's version ${URL_VERSION}; what it knows was restored)`);
  }
  const s = useSelection.getState();
  const kind = q.get('source');
  if (kind) {
    if (!KINDS.includes(kind as SourceKind)) ignored.push(`source=${kind} (unknown source)`);
    else if (kind === 'custom' && !s.customEndpoint) ignored.push('source=custom (no custom endpoint has been set in this browser)');
    // The browser grants a folder only when the user picks it: a link (or a reload) cannot reopen one.
    else if (kind === 'local') ignored.push('source=local (a local folder has to be chosen again in this tab)');
    else s.setSource(kind as SourceKind);
  }
  const subject = q.get('subject');
  if (subject) {
    if (/^sub-[A-Za-z0-9]+$/.test(subject)) useSelection.getState().setSubject(subject);
    else ignored.push(`subject=${subject} (not a subject id)`);
  }
  const session = q.get('session');
  if (session) {
    if (/^ses-[A-Za-z0-9]+$/.test(session)) useSelection.getState().setSession(session);
    else ignored.push(`session=${session} (not a session id)`);
  }
  const tab = q.get('tab');
  if (tab && (SUBJECT_TABS as string[]).includes(tab)) useSelection.getState().setTab(tab as SubjectTab);
  else if (tab) ignored.push(`tab=${tab} (unknown panel)`);
  const viewer = viewerFromQuery(q);
  useViewer.getState().set(viewer.patch);
  ignored.push(...viewer.ignored);
  const inspector = inspectorFromQuery(q);
  useRoiInspector.getState().set(inspector.patch);
  ignored.push(...inspector.ignored);
  const exp = exportFromQuery(q);
  useExportSettings.getState().set(exp.patch);
  ignored.push(...exp.ignored);
  const tsplit = tableSplitFromQuery(q);
  useTableSplit.getState().set(tsplit.patch);
  ignored.push(...tsplit.ignored);
  const pres = presentationFromQuery(q);
  usePresentation.getState().set(pres.patch);
  ignored.push(...pres.ignored);
  return { ignored };
}

export function selectionToSearch(): string {
  const s = useSelection.getState();
  const q = new URLSearchParams();
  q.set('v', String(URL_VERSION));
  q.set('source', s.source.kind);
  if (s.subject) q.set('subject', s.subject);
  if (s.session) q.set('session', s.session);
  if (s.tab !== 'overview') q.set('tab', s.tab);
  if (s.tab === 'viewer') viewerToQuery(useViewer.getState(), q);
  if (s.tab === 'trials') trialToQuery(useViewer.getState(), q);
  if (s.tab === 'trials') tableSplitToQuery(useTableSplit.getState(), q);
  if (s.tab === 'viewer') exportToQuery(useExportSettings.getState(), q);
  presentationToQuery(usePresentation.getState(), q);
  if (s.tab === 'rois') inspectorToQuery(useRoiInspector.getState(), q);
  // "," and ":" are legal in a query: keep links readable (vox=25,30,20, mask=anatomical:outline).
  return `?${q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":")}`;
}

/** Keeps the URL in step with the store (replaceState: no history spam). */
export function useUrlBinding(): void {
  useEffect(() => {
    const write = () => {
      const search = selectionToSearch();
      if (search !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
    };
    write();
    const unsubscribe = [useSelection.subscribe(write), useViewer.subscribe(write), useRoiInspector.subscribe(write), useExportSettings.subscribe(write), usePresentation.subscribe(write), useTableSplit.subscribe(write)];
    return () => unsubscribe.forEach((u) => u());
  }, []);
}
