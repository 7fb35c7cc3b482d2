/**
 * What the worker-side OPFS stores share: their folder, synchronous access
 * handles (worker only), and renaming a finished `.partial` file into place.
 */
export const CACHE_ROOT = ['laion-fmri-explorer', 'v1'];

export async function cacheDir(name: string): Promise<FileSystemDirectoryHandle> {
  let d = await navigator.storage.getDirectory();
  for (const n of [...CACHE_ROOT, name]) d = await d.getDirectoryHandle(n, { create: true });
  return d;
}

export async function removeFile(d: FileSystemDirectoryHandle, name: string): Promise<void> {
  await d.removeEntry(name).catch(() => undefined);
}

export type SyncHandle = {
  write(buffer: ArrayBufferView, opts: { at: number }): number;
  read(buffer: ArrayBufferView, opts: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
};
export type FileWithSync = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle>; move?(name: string): Promise<void> };

export async function renameFile(d: FileSystemDirectoryHandle, f: FileWithSync, name: string): Promise<void> {
  if (typeof f.move === 'function') return f.move(name);
  // No move(): copy (only reached on browsers without FileSystemFileHandle.move).
  const data = await (await f.getFile()).arrayBuffer();
  const w = await (await d.getFileHandle(name, { create: true })).createWritable();
  await w.write(data);
  await w.close();
  await removeFile(d, f.name);
}

export async function writeJson(d: FileSystemDirectoryHandle, name: string, value: unknown): Promise<void> {
  const w = await (await d.getFileHandle(name, { create: true })).createWritable();
  await w.write(JSON.stringify(value));
  await w.close();
}

export async function readJson<T>(d: FileSystemDirectoryHandle, name: string): Promise<T | null> {
  try {
    return JSON.parse(await (await (await d.getFileHandle(name)).getFile()).text()) as T;
  } catch {
    return null;
  }
}

/** A 20-byte hex id of a list of strings (endpoint, key, ETag, …). */
export async function entryId(parts: string[]): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(parts)));
  return Array.from(new Uint8Array(d).slice(0, 20), (b) => b.toString(16).padStart(2, '0')).join('');
}
