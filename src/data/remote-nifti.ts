/**
 * NIfTI files read from the bucket: the header alone from the first bytes
 * (one small Range request, then the inflater is cancelled), or one 3-D
 * volume streamed through the inflater into a buffer allocated only after
 * the header said how big it must be.
 */
import { DataError } from './errors.ts';
import type { S3Client } from './s3/client.ts';
import { decodeVoxels, NiftiFormatError, bytesPerVolume, volumeCount, type NiftiHeader } from '../formats/nifti.ts';
import { describeGzipError, drainToEnd, maybeGunzip, readHeaderFromCursor, StreamCursor } from '../formats/nifti-stream.ts';

/** Enough compressed bytes for any NIfTI header plus extensions we skip. */
export const HEADER_RANGE_BYTES = 65_536;
/** Decoded 3-D volumes above this are refused before allocation (a 143³ float32 volume is 11.7 MB). */
export const DEFAULT_MAX_VOLUME_BYTES = 512 * 1024 * 1024;

export interface LoadProgress {
  phase: 'header' | 'download';
  bytesFetched: number;
  /** Compressed size, when known. */
  bytesTotal?: number;
  bytesDecoded: number;
  bytesDecodedTotal?: number;
}

function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function asDataError(key: string, e: unknown): unknown {
  if (e instanceof NiftiFormatError) return new DataError('corrupt', key, e.message.replace(e.fileName, key), { hint: 'The file is damaged or not a NIfTI image; nothing of it was kept.' });
  return e;
}

/** Counts bytes flowing through a stream. */
function counted(stream: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const { value, done } = await reader.read();
      if (done) return c.close();
      onBytes(value.byteLength);
      c.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

export async function readRemoteHeader(client: S3Client, key: string, signal?: AbortSignal): Promise<{ header: NiftiHeader; bytesTransferred: number }> {
  const res = await client.getRange(key, 0, HEADER_RANGE_BYTES - 1, { signal });
  let bytesTransferred = 0;
  const cursor = new StreamCursor(await maybeGunzip(counted(res.body!, (n) => (bytesTransferred += n))), (e) => describeGzipError(fileName(key), e));
  try {
    const { header } = await readHeaderFromCursor(cursor, fileName(key));
    return { header, bytesTransferred };
  } catch (e) {
    // A header cut by our own range end is not corruption of the file.
    throw asDataError(key, e);
  } finally {
    await cursor.cancel();
  }
}

export interface RemoteVolume {
  header: NiftiHeader;
  /** Voxels of the volume as float32 (scaling applied), NIfTI order (x fastest). */
  data: Float32Array;
  bytesFetched: number;
}

/**
 * Streams volume `index` (default the first) of a NIfTI object. The rest of
 * the file is not downloaded. `expectedSize` (from the listing) feeds progress.
 */
export async function loadRemoteVolume(
  client: S3Client,
  key: string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: LoadProgress) => void;
    maxBytes?: number;
    index?: number;
    expectedSize?: number;
    /** The object's bytes from elsewhere (a resumed partial download); default: one GET. */
    body?: ReadableStream<Uint8Array>;
  } = {},
): Promise<RemoteVolume> {
  const res = opts.body ? null : await client.getObject(key, opts.signal);
  const body = opts.body ?? res!.body!;
  const total = (res ? Number(res.headers.get('Content-Length')) : 0) || opts.expectedSize;
  let fetched = 0;
  let decoded = 0;
  let decodedTotal: number | undefined;
  let last = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    opts.onProgress?.({ phase: 'download', bytesFetched: fetched, bytesTotal: total, bytesDecoded: decoded, bytesDecodedTotal: decodedTotal });
  };
  const name = fileName(key);
  const cursor = new StreamCursor(
    await maybeGunzip(counted(body, (n) => ((fetched += n), report()))),
    (e) => describeGzipError(name, e),
  );
  try {
    const { header } = await readHeaderFromCursor(cursor, name);
    const index = opts.index ?? 0;
    if (index >= volumeCount(header)) throw new DataError('bad-request', key, `${key} has ${volumeCount(header)} volumes; volume ${index} does not exist.`);
    const volBytes = bytesPerVolume(header);
    const max = opts.maxBytes ?? DEFAULT_MAX_VOLUME_BYTES;
    if (volBytes / header.bytesPerVoxel * 4 > max) {
      throw new DataError('too-large', key, `${key}: one volume of [${header.dims.slice(0, 3).join(' × ')}] voxels would take ${(volBytes / 1e6).toFixed(0)} MB, above the ${(max / 1e6).toFixed(0)} MB limit.`);
    }
    const skip = header.voxOffset + index * volBytes - cursor.position;
    decodedTotal = header.voxOffset + (index + 1) * volBytes;
    if ((await cursor.skip(skip)) < skip) throw new NiftiFormatError(name, 'the file ends before the requested volume starts.');
    decoded = cursor.position;
    const raw = new Uint8Array(volBytes);
    const step = 1 << 20;
    for (let o = 0; o < volBytes; o += step) {
      const n = Math.min(step, volBytes - o);
      const got = await cursor.readInto(raw.subarray(o, o + n), n);
      decoded += got;
      report();
      if (got < n) throw new NiftiFormatError(name, `the file is truncated: the image needs ${volBytes} bytes after the header, it has ${o + got}.`);
    }
    // Reading the last volume? Then read to the end so the gzip checksum is verified:
    // a corrupt file must fail here, not be cached as whole.
    if (index === volumeCount(header) - 1) await drainToEnd(cursor);
    report(true);
    return { header, data: decodeVoxels(raw, header), bytesFetched: fetched };
  } catch (e) {
    throw asDataError(key, e);
  } finally {
    await cursor.cancel();
  }
}
