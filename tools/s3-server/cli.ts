/**
 * `npm run bucket -- [--root DIR] [--bucket NAME=DIR ...] [--proxy URL]
 *   [--upstream NAME=URL ...] [--port N] [--host H] [--no-deny] [--proxy-deny]
 *   [--upstream-timeout MS] [--admin] [--log] [fault options]`
 *
 * Serves DIR (default demo-data/laion-fmri) as the bucket `laion-fmri` on
 * http://127.0.0.1:9000/laion-fmri until SIGINT/SIGTERM. `--proxy URL`
 * instead proxies the bucket `laion-fmri` to URL (e.g. the real bucket,
 * https://laion-fmri.s3.us-west-2.amazonaws.com) with CORS added;
 * `--upstream NAME=URL` proxies any bucket name. Fault options:
 * --latency MS, --bandwidth BYTES_PER_SEC, --drop-after BYTES,
 * --error-rate F, --seed N, --match REGEX, --truncate-to BYTES,
 * --corrupt-byte-at OFFSET, --ignore-range, --wrong-content-range,
 * --times N, --listing-malformed, --fault-scope objects|listings|all.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFaults, startBucketServer, type Faults } from './server.ts';

const USAGE = `usage: npm run bucket -- [--root DIR] [--bucket NAME=DIR ...] [--port N] [--host H]
       [--proxy URL] [--upstream NAME=URL ...] [--proxy-deny] [--upstream-timeout MS]
       [--no-deny] [--admin] [--log]
       [--latency MS] [--bandwidth BYTES_PER_SEC] [--drop-after BYTES] [--error-rate F] [--seed N]
       [--match REGEX] [--truncate-to BYTES] [--corrupt-byte-at OFFSET] [--ignore-range]
       [--wrong-content-range] [--times N] [--listing-malformed] [--fault-scope objects|listings|all]`;

function fail(msg: string): never {
  console.error(`bucket: ${msg}\n${USAGE}`);
  process.exit(2);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) fail(`--${name} needs a number, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        root: { type: 'string' },
        bucket: { type: 'string', multiple: true },
        proxy: { type: 'string' },
        upstream: { type: 'string', multiple: true },
        'proxy-deny': { type: 'boolean' },
        'upstream-timeout': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'no-deny': { type: 'boolean' },
        admin: { type: 'boolean' },
        log: { type: 'boolean' },
        latency: { type: 'string' },
        bandwidth: { type: 'string' },
        'drop-after': { type: 'string' },
        'error-rate': { type: 'string' },
        seed: { type: 'string' },
        match: { type: 'string' },
        'truncate-to': { type: 'string' },
        'corrupt-byte-at': { type: 'string' },
        'ignore-range': { type: 'boolean' },
        'wrong-content-range': { type: 'boolean' },
        times: { type: 'string' },
        'listing-malformed': { type: 'boolean' },
        'fault-scope': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return;
  }

  const buckets: Record<string, string> = { 'laion-fmri': resolve(v.root ?? 'demo-data/laion-fmri') };
  const others = v.bucket !== undefined || v.proxy !== undefined || v.upstream !== undefined;
  if (others && v.root === undefined) delete buckets['laion-fmri'];
  for (const spec of v.bucket ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`--bucket wants NAME=DIR, got '${spec}'`);
    buckets[spec.slice(0, eq)] = resolve(spec.slice(eq + 1));
  }
  const upstreams: Record<string, string> = {};
  if (v.proxy !== undefined) upstreams['laion-fmri'] = v.proxy;
  for (const spec of v.upstream ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`--upstream wants NAME=URL, got '${spec}'`);
    upstreams[spec.slice(0, eq)] = spec.slice(eq + 1);
  }

  const rawFaults: Record<string, unknown> = {
    latencyMs: num('latency', v.latency),
    bandwidthBytesPerSec: num('bandwidth', v.bandwidth),
    dropAfterBytes: num('drop-after', v['drop-after']),
    errorRate: num('error-rate', v['error-rate']),
    seed: num('seed', v.seed),
    match: v.match,
    truncateTo: num('truncate-to', v['truncate-to']),
    corruptByteAt: num('corrupt-byte-at', v['corrupt-byte-at']),
    ignoreRange: v['ignore-range'],
    wrongContentRange: v['wrong-content-range'],
    times: num('times', v.times),
    listingMalformed: v['listing-malformed'],
    scope: v['fault-scope'],
  };
  let faults: Faults | null;
  try {
    faults = parseFaults(rawFaults);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const hasFaults = faults !== null && Object.keys(faults).length > 0;

  const host = v.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) console.warn(`bucket: warning: listening on ${host}, not only on this machine`);
  let server;
  try {
    server = await startBucketServer({
      buckets,
      upstreams,
      upstreamDeny: v['proxy-deny'] ? 'laion-fmri' : [],
      upstreamTimeoutMs: num('upstream-timeout', v['upstream-timeout']),
      host,
      port: num('port', v.port) ?? 9000,
      deny: v['no-deny'] ? [] : 'laion-fmri',
      faults: hasFaults && faults ? faults : undefined,
      admin: v.admin ?? false,
      log: v.log ? (line) => console.log(line) : undefined,
    });
  } catch (e) {
    console.error(`bucket: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  for (const [name, dir] of Object.entries(buckets)) console.log(`${server.url}/${name}  <-  ${dir}`);
  for (const [name, url] of Object.entries(upstreams)) console.log(`${server.url}/${name}  <-  ${url} (proxy${v['proxy-deny'] ? ', deny rules on' : ''})`);
  if (v['no-deny']) console.log('bucket policy: off (--no-deny)');
  if (hasFaults) console.log(`faults: ${JSON.stringify(faults)}`);
  if (v.admin) console.log(`admin: ${server.url}/__admin/stats, /__admin/stats/reset (POST), /__admin/faults (PUT JSON)`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
