/**
 * `npm start`: builds the demo bucket if it is missing or stale, serves it on
 * http://127.0.0.1:9000/laion-fmri (read-only S3 API), and starts the app on
 * http://127.0.0.1:5173. One process; Ctrl-C stops everything.
 *
 *   npm start -- --root /path/to/laion_fmri_data   # browse a local copy instead of the demo
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { buildDemo } from './demo/build.ts';
import { startBucketServer } from './s3-server/server.ts';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    'bucket-port': { type: 'string', default: '9000' },
    port: { type: 'string', default: '5173' },
  },
});

let root = values.root ? resolve(values.root) : undefined;
/** The demo's split JSONs (package schema), served next to the bucket as `laion-fmri-splits`. */
let splitsDir: string | undefined;
if (!root) {
  const out = resolve(REPO, 'demo-data');
  process.stdout.write('Checking the demo bucket… ');
  const t0 = performance.now();
  const { skipped, keys } = await buildDemo(out);
  console.log(skipped ? `up to date (${keys.length} objects).` : `built ${keys.length} objects in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  root = resolve(out, 'laion-fmri');
  splitsDir = resolve(out, 'splits', 'data');
}

const bucket = await startBucketServer({ buckets: { 'laion-fmri': root, ...(splitsDir ? { 'laion-fmri-splits': splitsDir } : {}) }, port: Number(values['bucket-port']), admin: true });
// The app's demo endpoint is this bucket, whatever port it got (Vite reads VITE_* from the environment).
process.env.VITE_DEMO_ENDPOINT ??= `${bucket.url}/laion-fmri`;
const vite = await createServer({ configFile: resolve(REPO, 'vite.config.ts'), server: { port: Number(values.port) } });
await vite.listen();
const appUrl = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${values.port}/`;
console.log(`\n  S3 bucket  ${bucket.url}/laion-fmri   (serving ${root})`);
console.log(`  Explorer   ${appUrl}\n`);

async function shutdown() {
  await Promise.allSettled([vite.close(), bucket.close()]);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
