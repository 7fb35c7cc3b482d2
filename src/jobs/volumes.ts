/**
 * UI-side access to the volume workers: a small pool (decoding is CPU work;
 * these machines have 2 cores), round-robin.
 */
import { WorkerClient, type CallOptions } from './rpc.ts';
import type { LoadVolumeArgs, LoadedVolume, VolumeApi } from './volume-api.ts';
import type { LoadProgress } from '../data/remote-nifti.ts';
import { JobQueue, PRIORITY, type Priority } from './queue.ts';

/**
 * Volume downloads in flight per endpoint, all workers together. Real S3 over
 * HTTP/2 has no per-host connection cap, so without this a subject's ~40 ROI
 * masks would all start at once and starve the layer on screen.
 */
export const VOLUME_REQUESTS_PER_ENDPOINT = 4;
const queue = new JobQueue(VOLUME_REQUESTS_PER_ENDPOINT);

let pool: WorkerClient<VolumeApi>[] | null = null;
let next = 0;

function worker(): WorkerClient<VolumeApi> {
  if (!pool) {
    const n = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 2));
    pool = Array.from({ length: n }, () => new WorkerClient<VolumeApi>(new Worker(new URL('../../workers/volume.worker.ts', import.meta.url), { type: 'module', name: 'volume' })));
  }
  return pool[next++ % pool.length];
}

/** Loads a volume when its turn comes (priority, then arrival); a cancel while waiting drops it unstarted. */
export function loadVolume(args: LoadVolumeArgs, opts: CallOptions<LoadProgress> & { priority?: Priority } = {}): Promise<LoadedVolume> {
  return queue.run(args.endpoint, () => worker().call('loadVolume', args, opts), { priority: opts.priority ?? PRIORITY.panel, signal: opts.signal });
}

export function readHeader(endpoint: string, key: string, signal?: AbortSignal) {
  // A few KiB, shown at once: ahead of volume lists.
  return queue.run(endpoint, () => worker().call('readHeader', { endpoint, key }, { signal }), { priority: PRIORITY.visible, signal });
}

/** Starts the workers ahead of the first request (their module load overlaps the listings). */
export function prewarmVolumeWorkers(): void {
  worker();
}
