/** Worker-side implementation of VolumeApi. */
import { createClient } from '../data/sources.ts';
import { isLocalEndpoint } from '../data/local/local-bucket.ts';
import { loadRemoteVolume, readRemoteHeader } from '../data/remote-nifti.ts';
import { OpfsStore, opfsAvailable } from '../cache/opfs-store.ts';
import type { NiftiHeader } from '../formats/nifti.ts';
import { partialStoreAvailable, persistentObjectStream } from '../cache/partial-store.ts';
import { DataError } from '../data/errors.ts';
import type { LoadProgress } from '../data/remote-nifti.ts';
import type { Handlers, JobContext } from './rpc.ts';
import type { LoadVolumeArgs, LoadedVolume, VolumeApi } from './volume-api.ts';

const client = createClient;

let store: Promise<OpfsStore | null> | null = null;
function getStore(): Promise<OpfsStore | null> {
  store ??= opfsAvailable() ? OpfsStore.open().catch(() => null) : Promise.resolve(null);
  return store;
}

const KIND = 'volume-f32';

/** Objects at least this large keep their downloaded bytes in OPFS until decoded, so a reload resumes them. */
const RESUME_MIN_BYTES = 256 << 10;
/** Faults that bad bytes cause: such a partial download is dropped, never resumed. */
const FINAL_KINDS = new Set(['corrupt', 'bad-request', 'changed', 'mismatch', 'too-large']);

async function fetchVolume(args: LoadVolumeArgs, ctx: JobContext<LoadProgress>) {
  const c = client(args.endpoint);
  const size = args.expectedSize ?? 0;
  if (!(args.etag && size >= RESUME_MIN_BYTES && partialStoreAvailable() && !isLocalEndpoint(args.endpoint))) {
    return loadRemoteVolume(c, args.key, { signal: ctx.signal, onProgress: ctx.progress, expectedSize: args.expectedSize });
  }
  let network = 0;
  let resumedFrom = 0;
  const partial = await persistentObjectStream(c, args.key, {
    etag: args.etag,
    size,
    signal: ctx.signal,
    onBytes: (n) => (network += n),
    onStart: (at) => (resumedFrom = at),
  });
  try {
    const vol = await loadRemoteVolume(c, args.key, { signal: ctx.signal, onProgress: ctx.progress, expectedSize: size, body: partial.stream });
    await partial.discard(); // the decoded volume is what the cache keeps
    return { ...vol, bytesFetched: network, resumedFrom };
  } catch (e) {
    // A dropped connection or a reload keeps the bytes for the next visit; bad bytes are dropped.
    if (e instanceof DataError && FINAL_KINDS.has(e.kind)) await partial.discard();
    throw e;
  }
}

export const volumeHandlers: Handlers<VolumeApi> = {
  async loadVolume(args, ctx) {
    const t0 = performance.now();
    const useCache = args.cache !== false && args.etag !== '';
    const s = useCache ? await getStore() : null;
    const id = s ? await OpfsStore.entryId(KIND, args.endpoint, args.key, args.etag) : '';
    if (s) {
      const hit = await s.get(id);
      if (hit) {
        const data = new Float32Array(await hit.file.arrayBuffer());
        ctx.transfer(data.buffer);
        return { key: args.key, header: hit.meta.info as NiftiHeader, data, source: 'cache', bytesFetched: 0, ms: performance.now() - t0 } satisfies LoadedVolume;
      }
    }
    const vol = await fetchVolume(args, ctx);
    if (s) {
      // The volume goes back at once; a copy is cached behind it (the original is transferred).
      // A failed write (quota, ...) leaves no entry, only a console note: the next visit refetches.
      const copy = vol.data.slice();
      void s
        .put({ id, kind: KIND, endpoint: args.endpoint, key: args.key, etag: args.etag, info: vol.header }, new Uint8Array(copy.buffer))
        .catch((e: unknown) => console.warn(`not cached: ${e instanceof Error ? e.message : String(e)}`));
    }
    ctx.transfer(vol.data.buffer);
    return { key: args.key, header: vol.header, data: vol.data, source: 'network', bytesFetched: vol.bytesFetched, resumedFrom: 'resumedFrom' in vol ? vol.resumedFrom : 0, ms: performance.now() - t0 };
  },
  async readHeader(args, ctx) {
    return readRemoteHeader(client(args.endpoint), args.key, ctx.signal);
  },
};
