/**
 * Startup probe of an endpoint: can this page list the bucket (network,
 * CORS, S3 protocol), and does it look like LAION-fMRI?
 */
import type { S3Client } from './s3/client.ts';
import { SUBJECT_DISCOVERY_PREFIXES } from './layout.ts';

export interface ProbeResult {
  endpoint: string;
  /** Round trip of the first listing, ms. */
  latencyMs: number;
  /** Top-level folders and files seen. */
  topLevel: string[];
  /** False when the bucket answers but has none of the LAION-fMRI folders. */
  looksLikeLaionFmri: boolean;
}

export async function probeBucket(client: S3Client, signal?: AbortSignal): Promise<ProbeResult> {
  const t0 = performance.now();
  const page = await client.listPage({ delimiter: '/', maxKeys: 1000, signal });
  const latencyMs = performance.now() - t0;
  const topLevel = [...page.commonPrefixes, ...page.contents.map((c) => c.key)];
  let looksLikeLaionFmri = topLevel.includes('derivatives/');
  if (looksLikeLaionFmri) {
    const d = await client.listPage({ prefix: 'derivatives/', delimiter: '/', signal });
    looksLikeLaionFmri = SUBJECT_DISCOVERY_PREFIXES.some((p) => d.commonPrefixes.includes(p));
  }
  return { endpoint: client.endpoint, latencyMs, topLevel, looksLikeLaionFmri };
}
