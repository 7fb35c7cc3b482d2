/**
 * UI-side access to the volume workers: a small pool (decoding is CPU work;
 * these machines have 2 cores), round-robin.
 */
import { WorkerClient, type CallOptions } from './rpc.ts';
import type { LoadVolumeArgs, LoadedVolume, VolumeApi } from './volume-api.ts';
import type { LoadProgress } from '../data/remote-nifti.ts';

let pool: WorkerClient<VolumeApi>[] | null = null;
let next = 0;

function worker(): WorkerClient<VolumeApi> {
  if (!pool) {
    const n = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 2));
    pool = Array.from({ length: n }, () => new WorkerClient<VolumeApi>(new Worker(new URL('../../workers/volume.worker.ts', import.meta.url), { type: 'module', name: 'volume' })));
  }
  return pool[next++ % pool.length];
}

export function loadVolume(args: LoadVolumeArgs, opts: CallOptions<LoadProgress> = {}): Promise<LoadedVolume> {
  return worker().call('loadVolume', args, opts);
}

export function readHeader(endpoint: string, key: string, signal?: AbortSignal) {
  return worker().call('readHeader', { endpoint, key }, { signal });
}

/** Starts the workers ahead of the first request (their module load overlaps the listings). */
export function prewarmVolumeWorkers(): void {
  worker();
}
