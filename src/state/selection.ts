/**
 * What the user has chosen: data source and subject. Bound to the URL query
 * (`?source=demo&subject=sub-01`) so a view can be shared and reloaded. A
 * custom endpoint is never taken from a link silently (see urlState).
 */
import { create } from 'zustand';
import { endpointFor, type SourceConfig, type SourceKind } from '../app/config.ts';

export type SubjectTab = 'overview' | 'viewer' | 'rois' | 'trials' | 'files';
export const SUBJECT_TABS: SubjectTab[] = ['overview', 'viewer', 'rois', 'trials', 'files'];

export interface SelectionState {
  source: SourceConfig;
  /** Last custom endpoint typed by the user (kept when switching back to demo). */
  customEndpoint: string;
  subject: string | null;
  session: string | null;
  tab: SubjectTab;
  setSource(kind: SourceKind, customEndpoint?: string): void;
  /** A local folder, once picked and registered (data/local/registry). */
  setLocalSource(endpoint: string): void;
  setSubject(subject: string | null): void;
  setSession(session: string | null): void;
  setTab(tab: SubjectTab): void;
}

const CUSTOM_KEY = 'laion-fmri-explorer.customEndpoint';

function storedCustom(): string {
  try {
    return localStorage.getItem(CUSTOM_KEY) ?? '';
  } catch {
    return '';
  }
}

export const useSelection = create<SelectionState>((set, get) => ({
  source: { kind: 'demo', endpoint: endpointFor('demo', '') },
  customEndpoint: storedCustom(),
  subject: null,
  session: null,
  tab: 'overview',
  setSource(kind, customEndpoint) {
    const custom = customEndpoint ?? get().customEndpoint;
    if (kind === 'custom') {
      try {
        localStorage.setItem(CUSTOM_KEY, custom);
      } catch {
        /* private mode: keep it in memory only */
      }
    }
    const source = { kind, endpoint: endpointFor(kind, custom) };
    const same = source.endpoint === get().source.endpoint;
    set({ source, customEndpoint: custom, subject: same ? get().subject : null, session: same ? get().session : null });
  },
  setLocalSource(endpoint) {
    if (endpoint === get().source.endpoint) return;
    set({ source: { kind: 'local', endpoint }, subject: null, session: null });
  },
  setSubject(subject) {
    if (subject !== get().subject) set({ subject, session: null });
  },
  setSession(session) {
    set({ session });
  },
  setTab(tab) {
    set({ tab });
  },
}));
