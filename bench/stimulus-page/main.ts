/**
 * Page of the stimulus-open benchmark (bench/stimulus-open.ts). Opens one image
 * of a packed images archive the way the app does (src/formats/hdf5-range.ts
 * over HTTP Range GETs, then createImageBitmap), and the baselines: one Range
 * GET of exactly the image's bytes + decode (the floor), and a GET of the
 * whole file (what a reader without range access pays).
 */
import { Hdf5File, type RangeSource } from '../../src/formats/hdf5-range.ts';

export interface OpenResult {
  ms: number;
  bytes: number;
  requests: number;
  width: number;
  height: number;
}

declare global {
  interface Window {
    stimOpen: (url: string, index: number, warm: boolean) => Promise<OpenResult>;
    stimFloor: (url: string, offset: number, length: number) => Promise<OpenResult>;
    stimWhole: (url: string) => Promise<OpenResult>;
  }
}

const counters = { bytes: 0, requests: 0 };
function source(url: string): RangeSource {
  return {
    name: url,
    async read(offset, length) {
      const res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, cache: 'no-store' });
      if (res.status !== 206) throw new Error(`${url}: ${res.status}`);
      const b = new Uint8Array(await res.arrayBuffer());
      counters.bytes += b.length;
      counters.requests++;
      return b;
    },
  };
}

const warmFiles = new Map<string, Hdf5File>();

window.stimOpen = async (url, index, warm) => {
  let f = warm ? warmFiles.get(url) : undefined;
  if (!f) {
    f = new Hdf5File(source(url));
    if (warm) warmFiles.set(url, f);
  }
  counters.bytes = 0;
  counters.requests = 0;
  const t0 = performance.now();
  const bytes = await f.readVlenBytes('images', index);
  const bmp = await createImageBitmap(new Blob([bytes as BlobPart]));
  const ms = performance.now() - t0;
  const r = { ms, bytes: counters.bytes, requests: counters.requests, width: bmp.width, height: bmp.height };
  bmp.close();
  return r;
};

window.stimFloor = async (url, offset, length) => {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, cache: 'no-store' });
  const b = new Uint8Array(await res.arrayBuffer());
  const bmp = await createImageBitmap(new Blob([b as BlobPart]));
  const ms = performance.now() - t0;
  const r = { ms, bytes: b.length, requests: 1, width: bmp.width, height: bmp.height };
  bmp.close();
  return r;
};

window.stimWhole = async (url) => {
  const t0 = performance.now();
  const res = await fetch(url, { cache: 'no-store' });
  const b = new Uint8Array(await res.arrayBuffer());
  return { ms: performance.now() - t0, bytes: b.length, requests: 1, width: 0, height: 0 };
};
