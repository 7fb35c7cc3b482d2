/**
 * Opening a local laion_fmri folder: with the File System Access API where
 * the browser has it (showDirectoryPicker), else through a directory
 * <input>. Both give File objects (handles to the disk, read lazily) that go
 * through one path: keysFromPaths → registerLocalFolder → the local source.
 */
import { keysFromPaths } from '../../data/local/local-bucket.ts';
import { registerLocalFolder } from '../../data/local/registry.ts';
import { useSelection } from '../../state/selection.ts';

type DirHandle = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };

async function walk(dir: DirHandle, prefix: string, out: [string, File][]): Promise<void> {
  for await (const [name, h] of dir.entries()) {
    if (name.startsWith('.')) continue;
    if (h.kind === 'directory') await walk(h as DirHandle, `${prefix}${name}/`, out);
    else out.push([`${prefix}${name}`, await (h as FileSystemFileHandle).getFile()]);
  }
}

export interface OpenedFolder {
  name: string;
  endpoint: string;
  files: number;
}

function openEntries(name: string, entries: [string, File][]): OpenedFolder {
  const files = keysFromPaths(entries);
  const endpoint = registerLocalFolder(name, files);
  useSelection.getState().setLocalSource(endpoint);
  return { name, endpoint, files: files.size };
}

export const hasDirectoryPicker = (): boolean => typeof (window as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';

/** The File System Access path; null when the user cancels. */
export async function pickWithDirectoryPicker(): Promise<OpenedFolder | null> {
  let dir: DirHandle;
  try {
    dir = await (window as unknown as { showDirectoryPicker(o: object): Promise<DirHandle> }).showDirectoryPicker({ id: 'laion-fmri', mode: 'read' });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
  const entries: [string, File][] = [];
  await walk(dir, '', entries);
  return openEntries(dir.name, entries);
}

/** The directory <input> path: every File carries its path under the picked folder. */
export function openFileList(list: FileList): OpenedFolder | null {
  const entries: [string, File][] = [];
  let name = '';
  for (const f of Array.from(list)) {
    const rel = f.webkitRelativePath || f.name;
    const slash = rel.indexOf('/');
    name ||= slash > 0 ? rel.slice(0, slash) : 'folder';
    entries.push([slash > 0 ? rel.slice(slash + 1) : rel, f]);
  }
  return entries.length ? openEntries(name, entries) : null;
}
