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
import { hasScaling, NiftiFormatError, voxelsPerVolume, volumeCount, bytesPerVolume, type NiftiHeader } from './nifti.ts';
import { describeGzipError, drainToEnd, readHeaderFromCursor, StreamCursor } from './nifti-stream.ts';

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
 * Reads one voxel value at a byte offset, as decodeVoxels would store it:
 * Math.fround before scaling (decodeVoxels keeps the raw value in a
 * Float32Array first; int32/float64 files must match it).
 */
function valueReader(h: NiftiHeader): (v: DataView, o: number) => number {
  const le = h.littleEndian;
  const get: (v: DataView, o: number) => number = (() => {
    switch (h.dtype) {
      case 'uint8': return (v: DataView, o: number) => v.getUint8(o);
      case 'int8': return (v: DataView, o: number) => v.getInt8(o);
      case 'int16': return (v: DataView, o: number) => v.getInt16(o, le);
      case 'uint16': return (v: DataView, o: number) => v.getUint16(o, le);
      case 'int32': return (v: DataView, o: number) => v.getInt32(o, le);
      case 'uint32': return (v: DataView, o: number) => v.getUint32(o, le);
      case 'float32': return (v: DataView, o: number) => v.getFloat32(o, le);
      case 'float64': return (v: DataView, o: number) => v.getFloat64(o, le);
    }
  })();
  if (!hasScaling(h)) return get;
  const slope = h.sclSlope;
  const inter = h.sclInter;
  return (v, o) => Math.fround(get(v, o)) * slope + inter;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The gather entries in file order: `order[p]` is the output slot of the p-th
 * value in the file, at byte `offsets[p]` of a volume. A stable LSD radix sort
 * on the voxel index (11 bits a pass, two passes for a 143³ grid): linear in
 * the list, with no grid-sized array, so a voxel gathered twice keeps its
 * output order.
 */
export function fileOrder(gather: Uint32Array, bytesPerVoxel: number): { order: Uint32Array; offsets: Uint32Array } {
  const n = gather.length;
  let order = new Uint32Array(n);
  const offsets = new Uint32Array(n);
  let ascending = true;
  let max = 0;
  for (let k = 0; k < n; k++) {
    const g = gather[k];
    if (g < max) ascending = false;
    else max = g;
  }
  if ((max + 1) * bytesPerVoxel > 2 ** 32) throw new RangeError(`a volume of ${max + 1} voxels × ${bytesPerVoxel} bytes is too large to gather from`);
  for (let k = 0; k < n; k++) order[k] = k;
  if (!ascending) {
    const BITS = 11;
    const count = new Uint32Array(1 << BITS);
    let other = new Uint32Array(n);
    for (let shift = 0; max >>> shift > 0; shift += BITS) {
      count.fill(0);
      for (let p = 0; p < n; p++) count[(gather[order[p]] >>> shift) & 2047]++;
      for (let d = 0, sum = 0; d < count.length; d++) {
        const c = count[d];
        count[d] = sum;
        sum += c;
      }
      for (let p = 0; p < n; p++) {
        const k = order[p];
        other[count[(gather[k] >>> shift) & 2047]++] = k;
      }
      [order, other] = [other, order];
    }
  }
  for (let p = 0; p < n; p++) offsets[p] = gather[order[p]] * bytesPerVoxel;
  return { order, offsets };
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
  // Set by onHeader, which iterateVolumes calls before it yields any volume.
  const st: { header: NiftiHeader | null; volumes: number } = { header: null, volumes: 0 };
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
  };

  // Volumes are gathered straight from the inflated chunks (no copy of the
  // whole volume): the gather indices are visited in file order, and a value
  // that straddles two chunks is assembled in a small buffer.
  const cursor = new StreamCursor(decompressed, (e) => describeGzipError(fileName, e), signal ? { signal, error: () => abortError(signal) } : undefined);
  try {
    const { header: h } = await readHeaderFromCursor(cursor, fileName);
    checkHeader(h);
    const skip = h.voxOffset - cursor.position;
    if ((await cursor.skip(skip)) < skip) throw new NiftiFormatError(fileName, 'the file ends before its voxel data starts (vox_offset).');
    const bpv = h.bytesPerVoxel;
    const volBytes = bytesPerVolume(h);
    const { order, offsets } = fileOrder(gather, bpv);
    const read = valueReader(h);
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    const rawBits = h.dtype === 'float32' && !hasScaling(h);
    // Raw float32 in the host's byte order is copied word by word through a
    // Uint32Array over the chunk rather than a DataView call per value, when the
    // chunk's words are 4-byte aligned in memory (DecompressionStream's 64 KiB
    // chunks always are); otherwise through the DataView.
    const wordCopy = rawBits && h.littleEndian === HOST_LITTLE_ENDIAN;
    const carry = new Uint8Array(8);
    const carryView = new DataView(carry.buffer);
    const n = order.length;
    for (let t = 0; t < st.volumes; t++) {
      let pos = 0; // byte offset within the volume
      let p = 0; // next gather entry (file order)
      let pending = 0; // bytes of a straddling value already in `carry`
      while (pos < volBytes) {
        const chunk = await cursor.nextChunk(volBytes - pos);
        if (!chunk) throw new NiftiFormatError(fileName, `the file is truncated: volume ${t + 1} of ${st.volumes} has ${pos} of ${volBytes} bytes (dims [${h.dims.join(', ')}]).`);
        const end = pos + chunk.length;
        if (pending) {
          // A value begun in an earlier chunk: it may span any number of (tiny) chunks.
          const take = Math.min(bpv - pending, chunk.length);
          carry.set(chunk.subarray(0, take), pending);
          pending += take;
          if (pending < bpv) {
            pos = end;
            continue;
          }
          const k = order[p++];
          if (rawBits) bits[k] = carryView.getUint32(0, h.littleEndian);
          else out[k] = read(carryView, 0);
          // The same voxel may be gathered more than once.
          while (p < n && offsets[p] === offsets[p - 1]) bits[order[p++]] = bits[k];
          pending = 0;
        }
        // The values wholly inside this chunk.
        const lead = (bpv - (pos % bpv)) % bpv; // bytes before the chunk's first whole value
        if (wordCopy && (chunk.byteOffset + lead) % 4 === 0 && chunk.length >= lead + 4) {
          const words = new Uint32Array(chunk.buffer, chunk.byteOffset + lead, (chunk.length - lead) >>> 2);
          const base = pos + lead;
          const stop = base + words.length * 4;
          let o: number;
          while (p < n && (o = offsets[p]) < stop) bits[order[p++]] = words[(o - base) >>> 2];
        } else {
          const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          while (p < n && offsets[p] + bpv <= end) {
            const o = offsets[p] - pos;
            const k = order[p++];
            if (rawBits) bits[k] = view.getUint32(o, h.littleEndian);
            else out[k] = read(view, o);
          }
        }
        if (p < n && offsets[p] < end) {
          pending = end - offsets[p];
          carry.set(chunk.subarray(chunk.length - pending), 0);
        }
        pos = end;
      }
      await opts.onVolume(t, out);
      if (signal?.aborted) throw abortError(signal);
      opts.onProgress?.({ volumesDone: t + 1, volumes: st.volumes, bytesInflated: h.voxOffset + (t + 1) * volBytes });
    }
    // The gzip CRC and length are verified only when the trailer is read.
    await drainToEnd(cursor);
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    throw e;
  } finally {
    await cursor.cancel();
  }
  if (!st.header) throw new Error('maskedPass: the stream ended without a header');
  return st.header;
}
