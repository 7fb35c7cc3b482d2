/**
 * Two-way binding between the selection store and the URL query string.
 * Only the built-in sources can be chosen by a link; a custom endpoint in a
 * link is reported (not applied) so a link cannot redirect reads silently.
 */
import { useEffect } from 'react';
import { useSelection } from './selection.ts';
import type { SourceKind } from '../app/config.ts';

const KINDS: SourceKind[] = ['demo', 'aws', 'custom'];

export interface UrlRestoreReport {
  /** Parameters that could not be applied, with the reason. */
  ignored: string[];
}

export function applyUrl(search: string): UrlRestoreReport {
  const q = new URLSearchParams(search);
  const ignored: string[] = [];
  const s = useSelection.getState();
  const kind = q.get('source');
  if (kind) {
    if (!KINDS.includes(kind as SourceKind)) ignored.push(`source=${kind} (unknown source)`);
    else if (kind === 'custom' && !s.customEndpoint) ignored.push('source=custom (no custom endpoint has been set in this browser)');
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
  if (tab === 'files' || tab === 'overview') useSelection.getState().setTab(tab);
  return { ignored };
}

export function selectionToSearch(): string {
  const s = useSelection.getState();
  const q = new URLSearchParams();
  q.set('source', s.source.kind);
  if (s.subject) q.set('subject', s.subject);
  if (s.session) q.set('session', s.session);
  if (s.tab !== 'overview') q.set('tab', s.tab);
  return `?${q.toString()}`;
}

/** Keeps the URL in step with the store (replaceState: no history spam). */
export function useUrlBinding(): void {
  useEffect(() => {
    const write = () => {
      const search = selectionToSearch();
      if (search !== window.location.search) window.history.replaceState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
    };
    write();
    return useSelection.subscribe(write);
  }, []);
}
