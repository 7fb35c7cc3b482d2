/**
 * Presentation mode (teaching): larger type, no subject list or source
 * picker, and only the side panels the link names (`present=1&panels=…`).
 */
import { create } from 'zustand';

export const SIDE_PANELS = ['readout', 'betas', 'sets', 'nearest', 'export', 'layers'] as const;
export type SidePanel = (typeof SIDE_PANELS)[number];

interface PresentationState {
  present: boolean;
  /** Side panels shown in the viewer; null = all. */
  panels: SidePanel[] | null;
  set(patch: Partial<Omit<PresentationState, 'set'>>): void;
}

export const usePresentation = create<PresentationState>((set) => ({ present: false, panels: null, set: (patch) => set(patch) }));

export function showsPanel(panels: SidePanel[] | null, p: SidePanel): boolean {
  return panels === null || panels.includes(p);
}

export function presentationToQuery(s: Pick<PresentationState, 'present' | 'panels'>, q: URLSearchParams): void {
  if (s.present) q.set('present', '1');
  if (s.panels) q.set('panels', s.panels.join(','));
}

export function presentationFromQuery(q: URLSearchParams): { patch: Partial<Pick<PresentationState, 'present' | 'panels'>>; ignored: string[] } {
  const patch: Partial<Pick<PresentationState, 'present' | 'panels'>> = {};
  const ignored: string[] = [];
  const present = q.get('present');
  if (present === '1') patch.present = true;
  else if (present !== null && present !== '0') ignored.push(`present=${present} (expected 1)`);
  const panels = q.get('panels');
  if (panels !== null) {
    const list = panels.split(',').filter((p) => p !== '');
    const known = list.filter((p): p is SidePanel => (SIDE_PANELS as readonly string[]).includes(p));
    if (known.length < list.length) ignored.push(`panels=${list.filter((p) => !known.includes(p as SidePanel)).join(',')} (unknown panel; known: ${SIDE_PANELS.join(', ')})`);
    patch.panels = known;
  }
  return { patch, ignored };
}
