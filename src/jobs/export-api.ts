/** The export worker's API: write a planned export (zip or folder) with progress and cancel. */
import type { PlanEntry } from '../export/plan.ts';

/**
 * Where the bytes go:
 * - opfs: a zip staged in the browser's storage (then offered as a download);
 * - file: a zip into a file the user chose (File System Access API); the browser
 *   only replaces the file when the writable closes, so a cancel leaves nothing;
 * - dir: the files into a new folder `folder` of a directory the user chose
 *   (removed again on cancel or failure).
 */
export type ExportTarget =
  | { kind: 'opfs'; name: string }
  | { kind: 'file'; handle: FileSystemFileHandle }
  | { kind: 'dir'; handle: FileSystemDirectoryHandle; folder: string };

export interface ExportProgress {
  bytesWritten: number;
  bytesTotal: number;
  /** The entry being written. */
  entry: string;
  /** Compressed bytes read from the bucket so far (sessions not cached in the browser). */
  bytesFetched: number;
}

export interface ExportResult {
  bytes: number;
  ms: number;
}

export type ExportApi = {
  write: { args: { target: ExportTarget; entries: PlanEntry[]; endpoint: string }; result: ExportResult; progress: ExportProgress };
  /** Removes staged zips (a download already handed over, or leftovers of an interrupted export). */
  clearStaged: { args: { keep?: string }; result: number; progress: never };
};

/** The OPFS folder where zips are staged before the download. */
export const EXPORT_STAGING_DIR = ['laion-fmri-explorer', 'v1', 'exports'];
