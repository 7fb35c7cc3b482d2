/**
 * Which local folders this page has open, and how workers reach them. The UI
 * thread holds the File objects of a picked folder; a worker that needs one
 * asks over a BroadcastChannel and gets the same File objects back (a File
 * is a handle to the disk, cloning it copies no bytes). The endpoint names
 * the folder and a fingerprint of its contents (file count, bytes, newest
 * change), so two folders never answer for each other and the OPFS cache of
 * one folder is reused when the same folder is opened again.
 */
import { DataError } from '../errors.ts';
import { LocalBucket, LOCAL_HOST, type LocalFiles } from './local-bucket.ts';

const CHANNEL = 'laion-fmri-explorer.local-folders';

type Msg = { type: 'want'; endpoint: string; nonce: string } | { type: 'files'; endpoint: string; nonce: string; name: string; files: [string, File][] };

const open = new Map<string, { name: string; files: LocalFiles }>();
let answering: BroadcastChannel | null = null;

export function localEndpointFor(name: string, files: LocalFiles): string {
  let bytes = 0;
  let newest = 0;
  for (const f of files.values()) {
    bytes += f.size;
    newest = Math.max(newest, f.lastModified);
  }
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'folder';
  return `http://${LOCAL_HOST}/${slug}-${files.size.toString(36)}-${bytes.toString(36)}-${Math.floor(newest).toString(36)}`;
}

/** UI thread: makes a picked folder readable by this page and its workers; returns its endpoint. */
export function registerLocalFolder(name: string, files: LocalFiles): string {
  const endpoint = localEndpointFor(name, files);
  open.set(endpoint, { name, files });
  if (!answering && typeof BroadcastChannel === 'function') {
    answering = new BroadcastChannel(CHANNEL);
    answering.onmessage = (e: MessageEvent<Msg>) => {
      const m = e.data;
      const hit = m.type === 'want' ? open.get(m.endpoint) : undefined;
      if (hit) answering!.postMessage({ type: 'files', endpoint: m.endpoint, nonce: m.nonce, name: hit.name, files: [...hit.files] } satisfies Msg);
    };
  }
  return endpoint;
}

export function localFolderName(endpoint: string): string | null {
  return open.get(endpoint)?.name ?? null;
}

export function isLocalFolderOpen(endpoint: string): boolean {
  return open.has(endpoint);
}

const buckets = new Map<string, Promise<LocalBucket>>();

function notOpen(endpoint: string): DataError {
  return new DataError('not-found', endpoint, 'The local folder is no longer open in this tab (a reload forgets it: the browser only grants access to a folder when you pick it).', {
    hint: 'Choose the folder again with “Local folder”.',
  });
}

/** The bucket of an open local folder, from this thread's registry or, in a worker, from the page. */
export function localBucket(endpoint: string, timeoutMs = 3000): Promise<LocalBucket> {
  const here = open.get(endpoint);
  if (here) return Promise.resolve(new LocalBucket(here.name, here.files));
  let p = buckets.get(endpoint);
  if (!p) {
    p = new Promise<LocalBucket>((resolve, reject) => {
      if (typeof BroadcastChannel !== 'function') return reject(notOpen(endpoint));
      const ch = new BroadcastChannel(CHANNEL);
      const nonce = Math.random().toString(36).slice(2);
      const t = setTimeout(() => {
        ch.close();
        buckets.delete(endpoint);
        reject(notOpen(endpoint));
      }, timeoutMs);
      ch.onmessage = (e: MessageEvent<Msg>) => {
        const m = e.data;
        if (m.type !== 'files' || m.nonce !== nonce) return;
        clearTimeout(t);
        ch.close();
        resolve(new LocalBucket(m.name, new Map(m.files)));
      };
      ch.postMessage({ type: 'want', endpoint, nonce } satisfies Msg);
    });
    buckets.set(endpoint, p);
  }
  return p;
}

/** A `fetch` for S3Client over an open local folder (resolved on first use). */
export function localFetch(endpoint: string): typeof fetch {
  let f: Promise<typeof fetch> | null = null;
  return async (input, init) => {
    f ??= localBucket(endpoint).then((b) => b.fetcher(endpoint));
    try {
      return await (await f)(input, init);
    } catch (e) {
      f = null; // a folder opened again later is found again
      throw e;
    }
  };
}
