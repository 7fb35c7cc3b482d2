/** The free-space check before an export is staged in the browser's storage. */
import { DataError, formatBytes } from '../data/errors.ts';

/** A DataError when `total` bytes do not fit in the storage estimate, else null. */
export function stagingSpaceProblem(name: string, total: number, est: { quota?: number; usage?: number }): DataError | null {
  if (est.quota === undefined) return null; // unknown: the write itself will say so
  const free = est.quota - (est.usage ?? 0);
  if (total <= free) return null;
  return new DataError('quota', name, `This export needs ${formatBytes(total)}, but the browser's storage has only ${formatBytes(Math.max(0, free))} free. Nothing was written.`, {
    hint: 'Free browser storage, save to a chosen file or folder instead, or narrow the selection (an ROI, a noise-ceiling threshold, fewer sessions).',
  });
}
