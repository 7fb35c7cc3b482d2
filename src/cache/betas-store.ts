/**
 * A session's brain-masked single-trial betas in OPFS, in two layouts:
 *   trials.f32 — T × nBrain float32, one trial's map per row;
 *   voxels.f32 — nBrain × T float32, one voxel's series per row;
 * so "one trial, all voxels" and "one voxel, all trials" are each one
 * contiguous read. Voxels are the anatomical brain mask's, in laion_fmri's
 * C order (the package's voxel axis); any later selection (rsquare mask, an
 * ROI, a noise-ceiling threshold) is cut from them without the network.
 *
 * Worker-only (synchronous access handles). Files are written under
 * `.partial` names and renamed; the manifest is written last, so a missing
 * or mismatched manifest means "not cached" and the leftovers are removed.
 */
import { cacheDir, entryId, removeFile, renameFile, writeJson, type FileWithSync, type SyncHandle } from './opfs-files.ts';

import { holdLock } from './locks.ts';

export interface BetasManifest {
  id: string;
  endpoint: string;
  betasKey: string;
  betasEtag: string;
  maskKey: string;
  maskEtag: string;
  dims: [number, number, number];
  trials: number;
  nBrain: number;
  createdAt: string;
}

const dir = () => cacheDir('betas');
const remove = removeFile;
const rename = renameFile;

export const betasEntryId = entryId;
/** Web Lock name prefix of an entry: held by a writer from create() to commit()/abort(). */
export const BETAS_LOCK_PREFIX = 'betas:';


/** The manifest of a complete entry, or null (incomplete leftovers are removed). */
export async function readManifest(id: string): Promise<BetasManifest | null> {
  const d = await dir();
  let m: BetasManifest;
  try {
    m = JSON.parse(await (await (await d.getFileHandle(`${id}.json`)).getFile()).text()) as BetasManifest;
  } catch {
    return null;
  }
  const bytes = m.trials * m.nBrain * 4;
  try {
    const a = await (await d.getFileHandle(`${id}.trials.f32`)).getFile();
    const b = await (await d.getFileHandle(`${id}.voxels.f32`)).getFile();
    if (a.size === bytes && b.size === bytes) return m;
  } catch {
    /* a file is missing */
  }
  await deleteEntry(id);
  return null;
}

export async function deleteEntry(id: string): Promise<void> {
  const d = await dir();
  for (const n of [`${id}.json`, `${id}.trials.f32`, `${id}.voxels.f32`, `${id}.trials.f32.partial`, `${id}.voxels.f32.partial`]) await remove(d, n);
}

/** Writes trial rows as they stream in, then transposes into the voxel-major file and commits. */
export class BetasWriter {
  private constructor(
    private readonly d: FileSystemDirectoryHandle,
    private readonly manifest: Omit<BetasManifest, 'createdAt'>,
    private readonly trialsFile: FileWithSync,
    private readonly trialsHandle: SyncHandle,
    private readonly unlock: () => void,
  ) {}

  static async create(manifest: Omit<BetasManifest, 'createdAt'>): Promise<BetasWriter> {
    const d = await dir();
    const unlock = await holdLock(`${BETAS_LOCK_PREFIX}${manifest.id}`);
    try {
      await deleteEntry(manifest.id);
      const f = (await d.getFileHandle(`${manifest.id}.trials.f32.partial`, { create: true })) as FileWithSync;
      const h = await f.createSyncAccessHandle();
      h.truncate(0);
      return new BetasWriter(d, manifest, f, h, unlock);
    } catch (e) {
      unlock();
      throw e;
    }
  }

  writeTrial(t: number, values: Float32Array): void {
    const at = t * this.manifest.nBrain * 4;
    const n = this.trialsHandle.write(values, { at });
    if (n !== values.byteLength) throw new DOMException(`short write (${n} of ${values.byteLength} bytes)`, 'QuotaExceededError');
  }

  /** Transposes trial-major → voxel-major in blocks of voxels, then renames both files and writes the manifest. */
  async commit(onProgress?: (fraction: number) => void): Promise<BetasManifest> {
    const { id, trials: T, nBrain: N } = this.manifest;
    this.trialsHandle.flush();
    const vf = (await this.d.getFileHandle(`${id}.voxels.f32.partial`, { create: true })) as FileWithSync;
    const vh = await vf.createSyncAccessHandle();
    try {
      vh.truncate(0);
      const block = Math.max(1, Math.min(N, Math.floor((16 << 20) / (4 * T)))); // ~16 MB of output per block
      const rowPart = new Float32Array(block);
      const out = new Float32Array(block * T);
      for (let v0 = 0; v0 < N; v0 += block) {
        const nb = Math.min(block, N - v0);
        const part = nb === block ? rowPart : rowPart.subarray(0, nb);
        for (let t = 0; t < T; t++) {
          this.trialsHandle.read(part, { at: (t * N + v0) * 4 });
          for (let i = 0; i < nb; i++) out[i * T + t] = part[i];
        }
        const chunk = nb === block ? out : out.subarray(0, nb * T);
        if (vh.write(chunk, { at: v0 * T * 4 }) !== chunk.byteLength) throw new DOMException('short write', 'QuotaExceededError');
        onProgress?.((v0 + nb) / N);
      }
      vh.flush();
    } finally {
      vh.close();
      this.trialsHandle.close();
    }
    await rename(this.d, this.trialsFile, `${id}.trials.f32`);
    await rename(this.d, vf, `${id}.voxels.f32`);
    const full: BetasManifest = { ...this.manifest, createdAt: new Date().toISOString() };
    await writeJson(this.d, `${id}.json`, full);
    this.unlock();
    return full;
  }

  async abort(): Promise<void> {
    try {
      this.trialsHandle.close();
    } catch {
      /* already closed */
    }
    await deleteEntry(this.manifest.id);
    this.unlock();
  }
}

/** Reads one row of `n` float32 at row `r` of a cached file (`trials` or `voxels`). */
export async function readRow(id: string, layout: 'trials' | 'voxels', r: number, n: number): Promise<Float32Array> {
  const d = await dir();
  const file = await (await d.getFileHandle(`${id}.${layout}.f32`)).getFile();
  return new Float32Array(await file.slice(r * n * 4, (r + 1) * n * 4).arrayBuffer());
}

/** A complete entry's file (`trials` or `voxels` layout), for readers that slice many rows at once (exports). */
export async function cacheFile(id: string, layout: 'trials' | 'voxels'): Promise<File> {
  const d = await dir();
  return (await d.getFileHandle(`${id}.${layout}.f32`)).getFile();
}
