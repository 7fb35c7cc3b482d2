/**
 * Long-running work the user can see and cancel: bytes fetched, bytes
 * decoded, rate and ETA per job. Data hooks register jobs here; the progress
 * tray renders them.
 */
import { create } from 'zustand';

export interface Job {
  id: string;
  label: string;
  startedAt: number;
  bytesFetched: number;
  bytesTotal?: number;
  bytesDecoded: number;
  bytesDecodedTotal?: number;
  cancel?: () => void;
}

interface ProgressState {
  jobs: Record<string, Job>;
  start(id: string, label: string, cancel?: () => void): void;
  update(id: string, p: Partial<Omit<Job, 'id' | 'label' | 'startedAt'>>): void;
  finish(id: string): void;
}

export const useProgress = create<ProgressState>((set) => ({
  jobs: {},
  start: (id, label, cancel) => set((s) => ({ jobs: { ...s.jobs, [id]: { id, label, startedAt: performance.now(), bytesFetched: 0, bytesDecoded: 0, cancel } } })),
  update: (id, p) =>
    set((s) => {
      const j = s.jobs[id];
      return j ? { jobs: { ...s.jobs, [id]: { ...j, ...p } } } : s;
    }),
  finish: (id) =>
    set((s) => {
      if (!(id in s.jobs)) return s;
      const jobs = { ...s.jobs };
      delete jobs[id];
      return { jobs };
    }),
}));

/** Seconds left at the current average rate, or undefined when unknown. */
export function etaSeconds(job: Job, now = performance.now()): number | undefined {
  if (!job.bytesTotal || job.bytesFetched <= 0) return undefined;
  const elapsed = (now - job.startedAt) / 1000;
  const rate = job.bytesFetched / elapsed;
  return rate > 0 ? (job.bytesTotal - job.bytesFetched) / rate : undefined;
}
