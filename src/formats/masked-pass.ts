/**
 * One streaming pass over a 4-D NIfTI (the session's single-trial betas):
 * volume by volume, keep only the voxels of a gather list, scaled like
 * decodeVoxels. Memory is one raw volume plus one output row, both reused,
 * whatever T is; a 12 GB session never sits in memory.
 *
 * Only the gathered voxels are decoded: the brain is ~10% of the grid, so
 * converting whole volumes to float first would triple the work for nothing.
 * Unscaled float32 is copied as raw 32-bit words, so every value, NaN
 * payloads included, is bit-identical to the file (what numpy returns).
 */
import { GridMismatchError } from '../science/grid.ts';
import { hasScaling, voxelsPerVolume, volumeCount, bytesPerVolume, type NiftiHeader } from './nifti.ts';
import { iterateVolumes } from './nifti-stream.ts';

export interface MaskedPassProgress {
  volumesDone: number;
  volumes: number;
  /** Decompressed bytes consumed so far (header + voxel data). */
  bytesInflated: number;
}

export interface MaskedPassOptions {
  /** NIfTI-order flat indices to keep, in output order (e.g. BetasSelection.nifti, C order). */
  gather: Uint32Array;
  /** T from the trial table: the file must hold exactly this many volumes (volume t ↔ row t). */
  expectedVolumes?: number;
  /** The grid the gather indices refer to (the brain mask's). */
  expectedDims?: readonly [number, number, number];
  /** What `expectedDims` came from, for the error message. */
  expectedDimsSource?: string;
  /**
   * Called once per volume, in order, and awaited. `values` is reused for the
   * next volume: copy it to keep it past the returned promise.
   */
  onVolume(t: number, values: Float32Array): void | Promise<void>;
  onProgress?(p: MaskedPassProgress): void;
  signal?: AbortSignal;
}

/** The betas file and its trial table disagree on T: volumes could not be paired with trials. */
export class TrialCountMismatchError extends Error {
  readonly fileName: string;
  readonly volumes: number;
  readonly expected: number;
  constructor(fileName: string, volumes: number, expected: number) {
    super(
      `${fileName} holds ${volumes} volumes but its trial table lists ${expected} trials; ` +
        'volume t must be trial row t, so the two cannot be paired (is the table from another session?).',
    );
    this.name = 'TrialCountMismatchError';
    this.fileName = fileName;
    this.volumes = volumes;
    this.expected = expected;
  }
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('The betas pass was aborted.', 'AbortError');
}

/**
 * Wraps the stream so an abort fails the pending read at once: a stalled
 * download would otherwise hold the pass until the next chunk arrives.
 */
function abortable(stream: ReadableStream<Uint8Array>, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let onAbort: (() => void) | null = null;
  const detach = () => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    onAbort = null;
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      onAbort = () => {
        detach();
        const e = abortError(signal);
        c.error(e);
        void reader.cancel(e).catch(() => undefined);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort);
    },
    async pull(c) {
      const { value, done } = await reader.read();
      if (signal.aborted) return; // the stream is already errored
      if (done) {
        detach();
        c.close();
      } else c.enqueue(value);
    },
    cancel(reason) {
      detach();
      return reader.cancel(reason);
    },
  });
}

type Gatherer = (raw: Uint8Array) => void;

/** Builds the per-volume gather for this header: the fast paths are chosen once, not per voxel. */
function makeGatherer(h: NiftiHeader, gather: Uint32Array, out: Float32Array): Gatherer {
  const bpv = h.bytesPerVoxel;
  const le = h.littleEndian;
  const scaled = hasScaling(h);
  const slope = h.sclSlope;
  const inter = h.sclInter;
  const n = gather.length;
  if (h.dtype === 'float32' && !scaled) {
    // Raw 32-bit words: exact bits (NaN payloads too), no float conversion.
    const bits = new Uint32Array(out.buffer, out.byteOffset, n);
    return (raw) => {
      if (le && raw.byteOffset % 4 === 0) {
        const src = new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength >>> 2);
        for (let j = 0; j < n; j++) bits[j] = src[gather[j]];
      } else {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let j = 0; j < n; j++) bits[j] = view.getUint32(gather[j] * 4, le);
      }
    };
  }
  const get = readerFor(h);
  return (raw) => {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    // Math.fround before scaling: decodeVoxels stores the raw value in a
    // Float32Array first, and we must match it for int32/float64 files too.
    if (scaled) for (let j = 0; j < n; j++) out[j] = Math.fround(get(view, gather[j] * bpv)) * slope + inter;
    else for (let j = 0; j < n; j++) out[j] = get(view, gather[j] * bpv);
  };

  function readerFor(hh: NiftiHeader): (v: DataView, o: number) => number {
    switch (hh.dtype) {
      case 'uint8': return (v, o) => v.getUint8(o);
      case 'int8': return (v, o) => v.getInt8(o);
      case 'int16': return (v, o) => v.getInt16(o, le);
      case 'uint16': return (v, o) => v.getUint16(o, le);
      case 'int32': return (v, o) => v.getInt32(o, le);
      case 'uint32': return (v, o) => v.getUint32(o, le);
      case 'float32': return (v, o) => v.getFloat32(o, le);
      case 'float64': return (v, o) => v.getFloat64(o, le);
    }
  }
}

/**
 * Streams `decompressed` (use maybeGunzip first) and calls onVolume with the
 * gathered, scaled values of every volume. Resolves with the header once the
 * whole file, gzip trailer included, has been read and verified. Throws
 * NiftiFormatError (truncated/corrupt), GridMismatchError (dims differ from
 * the mask's), TrialCountMismatchError (T differs from the trial table),
 * RangeError (a gather index outside the grid) or the abort reason.
 */
export async function maskedPass(decompressed: ReadableStream<Uint8Array>, fileName: string, opts: MaskedPassOptions): Promise<NiftiHeader> {
  const { gather, signal } = opts;
  if (signal?.aborted) {
    await decompressed.cancel(signal.reason).catch(() => undefined);
    throw abortError(signal);
  }
  const stream = signal ? abortable(decompressed, signal) : decompressed;
  // Set by onHeader, which iterateVolumes calls before it yields any volume.
  const st: { header: NiftiHeader | null; gatherer: Gatherer | null; volumes: number } = { header: null, gatherer: null, volumes: 0 };
  const out = new Float32Array(gather.length);

  const checkHeader = (h: NiftiHeader) => {
    const ed = opts.expectedDims;
    if (ed && (h.dims[0] !== ed[0] || h.dims[1] !== ed[1] || h.dims[2] !== ed[2])) {
      throw new GridMismatchError({ file: fileName, dims: h.dims }, { file: opts.expectedDimsSource ?? 'the brain mask', dims: [...ed] }, 'different dimensions');
    }
    const volumes = volumeCount(h);
    if (opts.expectedVolumes !== undefined && volumes !== opts.expectedVolumes) throw new TrialCountMismatchError(fileName, volumes, opts.expectedVolumes);
    const nvox = voxelsPerVolume(h);
    let max = -1;
    for (let j = 0; j < gather.length; j++) if (gather[j] > max) max = gather[j];
    if (max >= nvox) throw new RangeError(`${fileName}: gather index ${max} is outside its ${h.dims.slice(0, 3).join('×')} grid (${nvox} voxels).`);
    st.header = h;
    st.volumes = volumes;
    st.gatherer = makeGatherer(h, gather, out);
  };

  try {
    // for-await closes the generator on any exit (a throwing onVolume too),
    // which cancels the stream: a failed pass never leaves a download running.
    for await (const { index, raw } of iterateVolumes(stream, fileName, { onHeader: checkHeader })) {
      const { header: h, gatherer: g } = st;
      if (!h || !g) throw new Error('maskedPass: a volume arrived before the header was checked');
      g(raw);
      await opts.onVolume(index, out);
      if (signal?.aborted) throw abortError(signal);
      opts.onProgress?.({ volumesDone: index + 1, volumes: st.volumes, bytesInflated: h.voxOffset + (index + 1) * bytesPerVolume(h) });
    }
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    throw e;
  }
  if (!st.header) throw new Error('maskedPass: the stream ended without a header');
  return st.header;
}
