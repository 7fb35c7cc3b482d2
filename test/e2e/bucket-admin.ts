/** Steering the dev S3 server from browser tests: fault injection and request statistics. */
import { expect } from '@playwright/test';

export const BUCKET = `http://127.0.0.1:${process.env.E2E_BUCKET_PORT ?? 9000}`;

/** PUT a fault set (null clears), or POST an action such as `stats/reset`. */
export async function admin(path: string, body?: unknown): Promise<void> {
  const r = await fetch(`${BUCKET}/__admin/${path}`, body === undefined ? { method: 'POST' } : { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(r.ok).toBe(true);
}

export const setFaults = (faults: object | null) => admin('faults', faults);

export interface BucketStats {
  byKey: Record<string, { requests: number; bytesSent: number }>;
  ranges: string[];
  /** Peak number of requests in flight since the last reset. */
  maxConcurrent: number;
}

export async function stats(): Promise<BucketStats> {
  return (await fetch(`${BUCKET}/__admin/stats`)).json();
}
