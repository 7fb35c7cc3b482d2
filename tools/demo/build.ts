/**
 * `npm run demo:build [-- --out DIR] [--seed N] [--force]`
 *
 * Writes the demo bucket (exactly the real key layout, bucket-layout.md §2–§9)
 * to DIR/laion-fmri and the split JSONs to DIR/splits/data. Deterministic:
 * the same seed gives the same bytes. Skips the work when DIR already holds a
 * bucket built by the same generator source and seed (see the stamp file).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCatalog, DEMO_SEED } from './catalog.ts';
import { atomicWrite, makeContext } from './context.ts';
import { writeRootFiles } from './root-files.ts';
import { writeBrainSide } from './brain/index.ts';
import { writeStimulusSide } from './stimuli/index.ts';

const REPO = resolve(import.meta.dirname, '../..');
/** Sources whose change must rebuild the bucket. */
const GENERATOR_SOURCES = ['tools/demo', 'tools/lib', 'src/data/layout.ts', 'src/formats/nifti-write.ts', 'src/formats/hdf5-float16.ts'];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

export function generatorFingerprint(seed: number): string {
  const h = createHash('sha256').update(`seed=${seed}\n`);
  for (const f of GENERATOR_SOURCES.flatMap((p) => listFiles(join(REPO, p)))) {
    if (f.endsWith('.test.ts')) continue;
    h.update(relative(REPO, f)).update('\0').update(readFileSync(f));
  }
  return h.digest('hex');
}

export async function buildDemo(outDir: string, seed = DEMO_SEED, force = false): Promise<{ skipped: boolean; keys: string[] }> {
  const bucketDir = join(outDir, 'laion-fmri');
  const splitsDir = join(outDir, 'splits', 'data');
  const stampPath = join(outDir, 'demo-stamp.json');
  const fingerprint = generatorFingerprint(seed);
  if (!force && existsSync(stampPath)) {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { fingerprint: string; keys: string[] };
    if (stamp.fingerprint === fingerprint) return { skipped: true, keys: stamp.keys };
  }
  // A stale or half-built bucket is removed whole: the stamp is written last.
  rmSync(stampPath, { force: true });
  rmSync(bucketDir, { recursive: true, force: true });
  rmSync(splitsDir, { recursive: true, force: true });

  const catalog = buildCatalog(seed);
  const keys: string[] = [];
  const ctx = makeContext(bucketDir, splitsDir, seed, catalog, keys);
  writeRootFiles(ctx);
  await writeBrainSide(ctx);
  await writeStimulusSide(ctx);
  keys.sort();
  atomicWrite(stampPath, JSON.stringify({ fingerprint, seed, keys }, null, 1) + '\n');
  return { skipped: false, keys };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('tools/demo/build.ts')) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: join(REPO, 'demo-data') }, seed: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const seed = values.seed ? Number(values.seed) : DEMO_SEED;
  const t0 = performance.now();
  const out = resolve(values.out!);
  const { skipped, keys } = await buildDemo(out, seed, values.force);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(skipped ? `demo bucket up to date: ${keys.length} objects in ${out}/laion-fmri` : `demo bucket built: ${keys.length} objects in ${out}/laion-fmri (${secs} s)`);
}
