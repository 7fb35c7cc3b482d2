/**
 * One S3Client per endpoint, for every thread: a bucket URL gets the network
 * client; a local folder (data/local) gets the same client over a `fetch`
 * that answers from the folder's files, so the rest of the app cannot tell
 * the two apart.
 */
import { S3Client } from './s3/client.ts';
import { isLocalEndpoint } from './local/local-bucket.ts';
import { localFetch } from './local/registry.ts';

const clients = new Map<string, S3Client>();

/** Construction throws a DataError for a non-URL. */
export function createClient(endpoint: string): S3Client {
  let c = clients.get(endpoint);
  if (!c) {
    // A local read cannot fail transiently: no retries, no backoff.
    c = isLocalEndpoint(endpoint) ? new S3Client(endpoint, { fetch: localFetch(endpoint), retries: 0 }) : new S3Client(endpoint);
    clients.set(endpoint, c);
  }
  return c;
}
