/**
 * Stimulus-side data hooks: the images metadata, the subject's trial table
 * joined to it (laion_fmri `Subject.metadata`), captions, segmentation rows,
 * single images out of the packed stimuli archive and single segmentation
 * masks, both read by byte ranges (src/formats/hdf5-range.ts).
 *
 * The images archive is DUA-gated on the real bucket (403). The user may then
 * open their own downloaded copy; it is read lazily through `File.slice` and
 * remembered for this browser session (in memory: a File cannot be stored).
 */
import { useMemo } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { create } from 'zustand';
import { DataError } from '../data/errors.ts';
import { stimuliKeys } from '../data/layout.ts';
import type { S3Client } from '../data/s3/client.ts';
import { Hdf5Error, Hdf5File, fileRangeSource, type RangeSource } from '../formats/hdf5-range.ts';
import { buildSubjectTrials, parseCaptions, parseSegmentations, parseStimulusMetadata, type SubjectTrials } from '../science/stimuli.ts';
import { clientFor, useEndpoint } from './queries.ts';
import { usePublicSessionTables } from './subject-trials.ts';

// ------------------------------------------------------------------ range sources

/** Bytes moved by range reads per file (for the panel's footnote and the benchmark). */
export const rangeStats = { bytes: 0, requests: 0 };

/** A RangeSource over one bucket object (HTTP Range GETs through S3Client). */
export function s3RangeSource(client: S3Client, key: string): RangeSource {
  return {
    name: key,
    async read(offset, length, signal) {
      const buf = new Uint8Array(await client.getBytes(key, offset, offset + length - 1, signal));
      rangeStats.bytes += buf.length;
      rangeStats.requests++;
      return buf;
    },
  };
}

const remoteFiles = new Map<string, Hdf5File>();
const localFiles = new WeakMap<Blob, Hdf5File>();

export function remoteHdf5(endpoint: string, key: string): Hdf5File {
  const id = `${endpoint}\u0000${key}`;
  let f = remoteFiles.get(id);
  if (!f) remoteFiles.set(id, (f = new Hdf5File(s3RangeSource(clientFor(endpoint), key))));
  return f;
}

export function localHdf5(file: File): Hdf5File {
  let f = localFiles.get(file);
  if (!f) localFiles.set(file, (f = new Hdf5File(fileRangeSource(file))));
  return f;
}

/** The images archive chosen from disk, for this browser session. */
export const useStimulusFile = create<{ file: File | null; setFile(f: File | null): void }>((set) => ({ file: null, setFile: (file) => set({ file }) }));

/** Turns reader errors into DataErrors with a hint (corrupt file). */
function asDataError(e: unknown, subject: string): unknown {
  if (e instanceof Hdf5Error) return new DataError('corrupt', e.fileName, e.message, { hint: 'The file is damaged or not the LAION-fMRI stimuli archive.', cause: e });
  return e ?? new DataError('corrupt', subject, `${subject}: unreadable`);
}

// ------------------------------------------------------------------ CSVs

function textQuery<T>(endpoint: string, key: string, parse: (text: string, key: string) => T) {
  return {
    queryKey: ['stimuli-csv', endpoint, key],
    queryFn: async ({ signal }: { signal: AbortSignal }) => parse(await (await clientFor(endpoint).getObject(key, signal)).text(), key),
    staleTime: Infinity,
    retry: false,
  } as const;
}

export function useStimulusMetadata() {
  const endpoint = useEndpoint();
  return useQuery(textQuery(endpoint, stimuliKeys.metadata, parseStimulusMetadata));
}

export function useCaptions() {
  const endpoint = useEndpoint();
  return useQuery(textQuery(endpoint, stimuliKeys.captions, parseCaptions));
}

export function useSegmentationRows() {
  const endpoint = useEndpoint();
  return useQuery(textQuery(endpoint, stimuliKeys.segmentationsMetadata, parseSegmentations));
}

/**
 * `Subject.metadata`: every public session's trial table, concatenated in
 * sorted order and joined to the metadata CSV by image name. Held-out
 * sessions are never requested.
 */
export function useSubjectMetadata(subject: string | null): { data?: SubjectTrials; error: unknown; isPending: boolean; loaded: number; total: number } {
  const meta = useStimulusMetadata();
  const { tables, error: tableError, loaded, total } = usePublicSessionTables(subject);
  const data = useMemo(() => (tables && meta.data ? buildSubjectTrials(tables.map((t) => ({ session: t.id, rows: t.rows })), meta.data) : undefined), [tables, meta.data]);
  const error = tableError ?? meta.error ?? null;
  return { data, error, isPending: !data && !error, loaded, total };
}

// ------------------------------------------------------------------ images

export interface LoadedImage {
  bitmap: ImageBitmap;
  /** Encoded size of the image. */
  bytes: number;
  ms: number;
  from: 'bucket' | 'file';
}

/** Reads entry `stimIdx` of the images archive (bucket, or the user's file) and decodes it. */
export async function loadStimulusImage(h5: Hdf5File, stimIdx: number, imageName: string, signal?: AbortSignal): Promise<{ bitmap: ImageBitmap; bytes: number }> {
  let encoded: Uint8Array;
  try {
    encoded = await h5.readVlenBytes('images', stimIdx, signal);
  } catch (e) {
    throw asDataError(e, h5.src.name);
  }
  try {
    const bitmap = await createImageBitmap(new Blob([encoded as BlobPart]));
    return { bitmap, bytes: encoded.length };
  } catch (e) {
    throw new DataError('corrupt', h5.src.name, `${imageName} (entry ${stimIdx} of ${h5.src.name}, ${encoded.length.toLocaleString('en')} bytes) could not be decoded as a JPEG or PNG image.`, {
      hint: 'The image bytes are damaged; the rest of the panel still works.',
      cause: e,
    });
  }
}

export function useStimulusImage(stimIdx: number | null, imageName: string | null) {
  const endpoint = useEndpoint();
  const file = useStimulusFile((s) => s.file);
  return useQuery({
    queryKey: ['stimulus-image', file ? `file:${file.name}:${file.size}:${file.lastModified}` : endpoint, stimIdx],
    queryFn: async ({ signal }): Promise<LoadedImage> => {
      const t0 = performance.now();
      const h5 = file ? localHdf5(file) : remoteHdf5(endpoint, stimuliKeys.images);
      const r = await loadStimulusImage(h5, stimIdx!, imageName ?? `image ${stimIdx}`, signal);
      return { ...r, ms: performance.now() - t0, from: file ? 'file' : 'bucket' };
    },
    enabled: stimIdx !== null && stimIdx >= 0,
    staleTime: Infinity,
    gcTime: 60_000,
    retry: false,
  });
}

/** Number of images in the user's archive (to warn when it does not match the metadata CSV). */
export function useLocalArchiveCount() {
  const file = useStimulusFile((s) => s.file);
  return useQuery({
    queryKey: ['stimulus-file-count', file?.name, file?.size, file?.lastModified],
    queryFn: async () => {
      try {
        return (await localHdf5(file!).dataset('images')).shape[0];
      } catch (e) {
        throw asDataError(e, file!.name);
      }
    },
    enabled: file !== null,
    retry: false,
  });
}

// ------------------------------------------------------------------ segmentation masks

export interface LoadedMask {
  data: Uint8Array;
  height: number;
  width: number;
}

export function useSegmentationMasks(rows: number[]) {
  const endpoint = useEndpoint();
  return useQueries({
    queries: rows.map((row) => ({
      queryKey: ['segmentation-mask', endpoint, row],
      queryFn: async ({ signal }: { signal: AbortSignal }): Promise<LoadedMask> => {
        const h5 = remoteHdf5(endpoint, stimuliKeys.segmentations);
        try {
          const info = await h5.dataset('masks', signal);
          if (info.shape.length !== 3) throw new DataError('corrupt', stimuliKeys.segmentations, `${stimuliKeys.segmentations}: 'masks' has shape ${JSON.stringify(info.shape)}, expected (rows, height, width).`);
          return { data: await h5.readSlab('masks', row, signal), height: info.shape[1], width: info.shape[2] };
        } catch (e) {
          throw asDataError(e, stimuliKeys.segmentations);
        }
      },
      staleTime: Infinity,
      gcTime: 60_000,
      retry: false,
    })),
    combine: (results) => ({ data: results.map((r) => r.data), error: results.find((r) => r.isError)?.error ?? null }),
  });
}
