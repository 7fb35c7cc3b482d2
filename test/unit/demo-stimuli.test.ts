/**
 * The stimulus side of the demo bucket, read back the way the app reads it:
 * every bucket-layout.md §6/§7/§9 stimulus invariant, checked on the bytes.
 *
 * Uses the built bucket in demo-data/ when its stamp matches the current
 * generator; otherwise (stale, missing, or the brain side not written yet)
 * builds only the stimulus side into a temp dir.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { EMBEDDING_MODELS, stimuliKeys } from '../../src/data/layout.ts';
import { readFloat16Dataset } from '../../src/formats/hdf5-float16.ts';
import { buildCatalog, DEMO_SEED, DEMO_SUBJECTS, OOD_TYPES, type Catalog, type StimulusImage } from '../../tools/demo/catalog.ts';
import { makeContext } from '../../tools/demo/context.ts';
import { Rng } from '../../tools/demo/rng.ts';
import { decideAppearance } from '../../tools/demo/stimuli/appearance.ts';
import { AI_MODEL, markupImageName, MARKUP_CAPTION_IDX } from '../../tools/demo/stimuli/captions.ts';
import { clusterKey, EMBEDDING_DIMS, invalidEmbedding } from '../../tools/demo/stimuli/embeddings.ts';
import { writeStimulusSide } from '../../tools/demo/stimuli/index.ts';
import { renderImage } from '../../tools/demo/stimuli/render.ts';

type H5Module = Awaited<typeof h5wasm.ready>;
type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const REPO = resolve(import.meta.dirname, '../..');
let Module: H5Module;
let bucket = '';
let splitsDir = '';
let catalog: Catalog;
const byName = new Map<string, StimulusImage>();

async function locate(): Promise<{ bucket: string; splits: string; seed: number }> {
  const stampPath = join(REPO, 'demo-data', 'demo-stamp.json');
  if (existsSync(stampPath)) {
    try {
      const { generatorFingerprint } = await import('../../tools/demo/build.ts');
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { fingerprint: string; seed: number };
      if (stamp.fingerprint === generatorFingerprint(stamp.seed)) return { bucket: join(REPO, 'demo-data', 'laion-fmri'), splits: join(REPO, 'demo-data', 'splits', 'data'), seed: stamp.seed };
    } catch {
      // build.ts cannot load until the brain side exists: fall through to a stimulus-only build.
    }
  }
  const tmp = mkdtempSync(join(tmpdir(), 'demo-stimuli-'));
  const ctx = makeContext(join(tmp, 'laion-fmri'), join(tmp, 'splits', 'data'), DEMO_SEED, buildCatalog(DEMO_SEED), []);
  await writeStimulusSide(ctx);
  return { bucket: ctx.bucketDir, splits: ctx.splitsDir, seed: DEMO_SEED };
}

beforeAll(async () => {
  Module = await h5wasm.ready;
  const loc = await locate();
  bucket = loc.bucket;
  splitsDir = loc.splits;
  catalog = buildCatalog(loc.seed);
  for (const img of catalog.images) byName.set(img.name, img);
}, 120_000);

/** RFC 4180 parser (quotes, doubled quotes, embedded commas and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readCsv(key: string): { header: string[]; rows: Array<Record<string, string>>; raw: string } {
  const raw = readFileSync(join(bucket, key), 'utf8');
  const [header, ...body] = parseCsv(raw);
  for (const r of body) expect(r.length, `row ${r.join('|')}`).toBe(header.length);
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))), raw };
}

function withH5<T>(key: string, fn: (f: H5File) => T): T {
  const f = new h5wasm.File(join(bucket, key), 'r');
  try {
    return fn(f);
  } finally {
    f.close();
  }
}
function dataset(f: H5File, name: string): H5Dataset {
  const d = f.get(name);
  if (!(d instanceof h5wasm.Dataset)) throw new Error(`${name} is not a dataset`);
  return d;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe('metadata CSV and images archive', () => {
  it('lists every catalogue image, in catalogue order, with the documented columns', () => {
    const { header, rows } = readCsv(stimuliKeys.metadata);
    expect(header).toEqual(['image_name', 'dataset', 'participant', 'unique_or_shared', 'n_reps']);
    expect(rows.map((r) => r.image_name)).toEqual(catalog.images.map((i) => i.name));
    rows.forEach((r, k) => {
      const img = catalog.images[k];
      expect([r.dataset, r.participant, r.unique_or_shared, r.n_reps]).toEqual([img.dataset, img.participant, img.uniqueOrShared, `${img.nReps}rep`]);
    });
    expect(rows.some((r) => r.image_name.includes('THINGS+'))).toBe(true);
  });

  it('images[i] is the encoded file of metadata row i: format, size, transparency', () => {
    const values = withH5(stimuliKeys.images, (f) => {
      const d = dataset(f, 'images');
      expect(d.shape).toEqual([catalog.images.length]);
      return d.value as Uint8Array[];
    });
    let pngs = 0;
    values.forEach((bytes, k) => {
      const img = catalog.images[k];
      if (img.format === 'jpg') {
        expect([...bytes.slice(0, 3)], img.name).toEqual([0xff, 0xd8, 0xff]);
        const dec = jpeg.decode(bytes, { useTArray: true });
        expect([dec.width, dec.height]).toEqual([256, 256]);
      } else {
        pngs++;
        expect([...bytes.slice(1, 4)], img.name).toEqual([0x50, 0x4e, 0x47]);
        const png = pngjs.PNG.sync.read(Buffer.from(bytes));
        expect([png.width, png.height, png.colorType]).toEqual([256, 256, 6]);
        let transparent = 0;
        for (let i = 3; i < png.data.length; i += 4) if (png.data[i] === 0) transparent++;
        expect(transparent, img.name).toBeGreaterThan(1000);
      }
    });
    expect(pngs).toBe(catalog.images.filter((i) => i.format === 'png').length);
    expect(pngs).toBeGreaterThan(0);
  });

  it('renders deterministically from the labelled random streams', () => {
    for (const img of [catalog.images[0], catalog.shared.find((i) => i.format === 'png')!]) {
      const once = () => renderImage(decideAppearance(img, new Rng(7).fork('a')), new Rng(7).fork('r')).bytes;
      expect(Buffer.from(once()).equals(Buffer.from(once()))).toBe(true);
    }
  });
});

describe('embeddings', () => {
  const read = (key: string) =>
    withH5(key, (f) => {
      const e = dataset(f, 'embedding');
      expect(e.dtype).toBe('<e');
      const { shape, data } = readFloat16Dataset(Module, f, 'embedding');
      const ids = dataset(f, 'image_ids').value as string[];
      const valid = dataset(f, 'valid');
      expect(valid.metadata.enum_type?.members).toEqual({ FALSE: 0, TRUE: 1 });
      return { shape, data, ids, valid: Array.from(valid.value as Int8Array) };
    });

  it('has N rows, the real D, float16, bool valid; one documented invalid row', () => {
    const bad = invalidEmbedding(catalog);
    for (const model of EMBEDDING_MODELS) {
      const { shape, data, ids, valid } = read(stimuliKeys.embeddings(model));
      const d = EMBEDDING_DIMS[model];
      expect(shape).toEqual([catalog.images.length, d]);
      expect(d).toBe(model === 'SigLIP2' ? 1152 : 1024);
      ids.forEach((id, r) => {
        const row = data.subarray(r * d, (r + 1) * d);
        const isBad = model === bad.model && id === bad.image;
        expect(valid[r], `${model} ${id}`).toBe(isBad ? 0 : 1);
        if (isBad) expect(row.every((v) => v === 0)).toBe(true);
        else expect(Math.abs(norm(row) - 1)).toBeLessThan(0.01);
      });
    }
  });

  it('uses one image_ids order in all files, different from the CSV order, joinable by name', () => {
    const orders = EMBEDDING_MODELS.map((m) => read(stimuliKeys.embeddings(m)).ids);
    const csvOrder = catalog.images.map((i) => i.name);
    for (const o of orders) expect(o).toEqual(orders[0]);
    expect(orders[0]).not.toEqual(csvOrder);
    expect([...orders[0]].sort()).toEqual([...csvOrder].sort());
    expect(orders[0].filter((id, r) => id === csvOrder[r]).length).toBeLessThan(catalog.images.length / 4);
  });

  it('clusters by category (OOD types apart) in every model, joined by name', () => {
    for (const model of EMBEDDING_MODELS) {
      const { data, ids, valid } = read(stimuliKeys.embeddings(model));
      const d = EMBEDDING_DIMS[model];
      const rows = ids.map((id, r) => ({ key: clusterKey(byName.get(id)!), v: data.subarray(r * d, (r + 1) * d), ok: valid[r] === 1 })).filter((x) => x.ok);
      let within = 0, nw = 0, between = 0, nb = 0;
      for (let i = 0; i < rows.length; i++)
        for (let j = i + 1; j < rows.length; j++) {
          const c = dot(rows[i].v, rows[j].v);
          if (rows[i].key === rows[j].key) {
            within += c;
            nw++;
          } else {
            between += c;
            nb++;
          }
        }
      expect(within / nw - between / nb, model).toBeGreaterThan(0.3);
    }
  });

  it('archived files differ from the current ones in OOD rows only', () => {
    for (const model of EMBEDDING_MODELS) {
      const now = read(stimuliKeys.embeddings(model));
      const old = read(stimuliKeys.archivedEmbeddings(model));
      const d = EMBEDDING_DIMS[model];
      expect(old.ids).toEqual(now.ids);
      now.ids.forEach((id, r) => {
        const same = now.data.subarray(r * d, (r + 1) * d).every((v, j) => v === old.data[r * d + j]);
        expect(same, `${model} ${id}`).toBe(byName.get(id)!.category !== 'ood');
      });
    }
  });
});

describe('segmentations', () => {
  it('has one binary gzip+shuffle mask per row, shared images only, boxes and localized from the mask', () => {
    const { header, rows } = readCsv(stimuliKeys.segmentationsMetadata);
    expect(header).toEqual(['mask_row', 'image_name', 'noun', 'instance_id', 'score', 'box_x0', 'box_y0', 'box_x1', 'box_y1', 'localized', 'mask_file']);
    const masks = withH5(stimuliKeys.segmentations, (f) => {
      const m = dataset(f, 'masks');
      expect(m.dtype).toBe('<B');
      expect(m.shape).toEqual([rows.length, 256, 256]);
      expect(m.metadata.chunks).toEqual([1, 256, 256]);
      expect(m.filters.map((x) => x.name)).toEqual(['shuffle', 'deflate']);
      return m.value as Uint8Array;
    });
    expect(rows.map((r) => Number(r.mask_row))).toEqual(rows.map((_, i) => i));
    const shared = new Set(catalog.shared.map((i) => i.name));
    expect(new Set(rows.map((r) => r.image_name))).toEqual(shared);
    expect(masks.every((v) => v === 0 || v === 1)).toBe(true);
    rows.forEach((r, i) => {
      const m = masks.subarray(i * 65536, (i + 1) * 65536);
      let x0 = 256, y0 = 256, x1 = -1, y1 = -1, n = 0;
      for (let p = 0; p < m.length; p++) {
        if (!m[p]) continue;
        n++;
        const x = p % 256, y = Math.floor(p / 256);
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      expect(n, `row ${i}`).toBeGreaterThan(0);
      expect([r.box_x0, r.box_y0, r.box_x1, r.box_y1].map(Number), `row ${i}`).toEqual([x0, y0, x1, y1]);
      expect(r.localized, `row ${i}`).toBe(n / 65536 < 0.99 ? '1' : '0');
      expect(r.mask_file).toBe(`${r.image_name.replace(/\.(jpg|png)$/, '')}_${r.noun}_${r.instance_id}.png`);
    });
    expect(rows.filter((r) => r.localized === '0').length).toBeGreaterThanOrEqual(1);
  });

  it('numbers instances per (image, noun) from 0 by falling score, with several instances of one noun', () => {
    const { rows } = readCsv(stimuliKeys.segmentationsMetadata);
    const groups = new Map<string, Array<Record<string, string>>>();
    for (const r of rows) groups.set(`${r.image_name}|${r.noun}`, [...(groups.get(`${r.image_name}|${r.noun}`) ?? []), r]);
    for (const [k, g] of groups) {
      expect(g.map((r) => Number(r.instance_id)), k).toEqual(g.map((_, i) => i));
      for (let i = 1; i < g.length; i++) expect(Number(g[i].score)).toBeLessThanOrEqual(Number(g[i - 1].score));
    }
    expect([...groups.values()].filter((g) => g.length >= 2 && g[0].noun === 'ball').length).toBeGreaterThanOrEqual(1);
  });

  it('masks the drawn pixels: opaque PNG pixels lie inside the union of their image masks', () => {
    const { rows } = readCsv(stimuliKeys.segmentationsMetadata);
    const masks = withH5(stimuliKeys.segmentations, (f) => dataset(f, 'masks').value as Uint8Array);
    const images = withH5(stimuliKeys.images, (f) => dataset(f, 'images').value as Uint8Array[]);
    for (const img of catalog.shared.filter((i) => i.format === 'png')) {
      const png = pngjs.PNG.sync.read(Buffer.from(images[catalog.images.indexOf(img)]));
      const union = new Uint8Array(65536);
      rows.forEach((r, i) => {
        if (r.image_name === img.name) masks.subarray(i * 65536, (i + 1) * 65536).forEach((v, p) => (union[p] |= v));
      });
      let opaque = 0;
      let outside = 0;
      for (let p = 0; p < 65536; p++) {
        if (png.data[p * 4 + 3] !== 255) continue;
        opaque++;
        if (!union[p]) outside++;
      }
      expect(opaque, img.name).toBeGreaterThan(500);
      expect(outside / opaque, img.name).toBeLessThan(0.005);
    }
  });
});

describe('captions', () => {
  it('follows the count rules, idx 0 = AI only, and the documented participant/model columns', () => {
    const { header, rows } = readCsv(stimuliKeys.captions);
    expect(header).toEqual(['image_name', 'caption_idx', 'source', 'caption', 'origin_collection', 'participant_id', 'ai_model']);
    for (const img of catalog.images) {
      const mine = rows.filter((r) => r.image_name === img.name);
      const idx = mine.map((r) => Number(r.caption_idx)).sort((a, b) => a - b);
      const expected = img.uniqueOrShared === 'unique' ? [1, 2, 3] : img.category === 'ood' ? [1, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5];
      expect(idx, img.name).toEqual(expected);
      for (const r of mine) {
        if (r.caption_idx === '0') expect([r.source, r.participant_id, r.ai_model]).toEqual(['ai', '', AI_MODEL]);
        else {
          expect(r.source).toBe('human');
          expect(r.participant_id).toMatch(/^P\d{4}$/);
          expect(r.ai_model).toBe('');
        }
      }
    }
    expect(rows.length).toBe(catalog.images.reduce((s, i) => s + (i.uniqueOrShared === 'unique' ? 3 : i.category === 'ood' ? 5 : 6), 0));
  });

  it('needs CSV quoting and round-trips through a parser', () => {
    const { rows, raw } = readCsv(stimuliKeys.captions);
    expect(raw).toContain('""');
    expect(rows.some((r) => r.caption.includes(',') && r.caption.includes('"'))).toBe(true);
    const quotedLines = raw.split('\n').filter((l) => l.includes(',"'));
    expect(quotedLines.length).toBeGreaterThan(10);
  });

  it('has exactly one markup caption, on the documented image', () => {
    const { rows } = readCsv(stimuliKeys.captions);
    const markup = rows.filter((r) => /<script>|<b>/.test(r.caption));
    expect(markup.length).toBe(1);
    expect([markup[0].image_name, markup[0].caption_idx, markup[0].source]).toEqual([markupImageName(catalog.images), String(MARKUP_CAPTION_IDX), 'human']);
    expect(markup[0].caption).toContain('<script>alert(1)</script>');
  });

  it('describes what is drawn: colour, noun, word text, extras', () => {
    const { rows } = readCsv(stimuliKeys.captions);
    const nounWord: Record<string, string> = { grating: 'gabor', word: 'word', face: 'face' };
    for (const r of rows) {
      if (/<script>/.test(r.caption)) continue;
      const img = byName.get(r.image_name)!;
      const a = decideAppearance(img, new Rng(0)); // colour, extras and noun do not depend on the stream
      const text = r.caption.toLowerCase();
      if (img.oodType !== 'gabor') expect(text, r.caption).toContain(img.depiction.color.name);
      if (img.depiction.text) expect(r.caption).toContain(`"${img.depiction.text}"`);
      else if (img.oodType === 'cropped') expect(text).toContain('eye');
      else expect(text, r.caption).toContain(nounWord[img.depiction.noun] ?? img.depiction.noun);
      for (const extra of a.extras) expect(text, r.caption).toContain(extra);
    }
  });
});

describe('splits', () => {
  const load = (pool: string, name: string) =>
    JSON.parse(readFileSync(join(splitsDir, pool, `${name}.json`), 'utf8')) as {
      name: string; pool: string; splitter: string; params: Record<string, unknown>; n_train: number; n_test: number;
      variants: Array<{ variant_id: number; train_ids: string[]; test_ids: string[] }>;
    };
  const names = [...[0, 1, 2, 3, 4].map((i) => `random_${i}`), ...[0, 1, 2, 3, 4].map((i) => `cluster_k5_${i}`), 'tau', 'ood'];
  const regular = (imgs: StimulusImage[]) => imgs.filter((i) => i.category !== 'ood').map((i) => i.name).sort();
  const pools = () => ({
    shared: regular(catalog.shared),
    ...Object.fromEntries(DEMO_SUBJECTS.map((s) => [s, regular([...catalog.shared, ...catalog.unique[s]])])),
    pooled: regular(catalog.images),
  });

  it('has the package file set and schema; train/test disjoint, sorted, inside the pool', () => {
    expect(readdirSync(splitsDir).sort()).toEqual(['pooled', 'shared', ...DEMO_SUBJECTS].sort());
    for (const [pool, ids] of Object.entries(pools())) {
      const expectedNames = pool === 'pooled' ? names.filter((n) => n !== 'ood' && !n.startsWith('random')) : names;
      expect(readdirSync(join(splitsDir, pool)).sort(), pool).toEqual(expectedNames.map((n) => `${n}.json`).sort());
      for (const name of expectedNames) {
        const s = load(pool, name);
        expect(Object.keys(s)).toEqual(['name', 'pool', 'splitter', 'params', 'n_train', 'n_test', 'variants']);
        expect(s.variants.length).toBe(1);
        const { variant_id, train_ids, test_ids } = s.variants[0];
        expect([s.name, variant_id, s.n_train, s.n_test]).toEqual([name, 0, train_ids.length, test_ids.length]);
        expect(train_ids).toEqual([...train_ids].sort());
        expect(test_ids).toEqual([...test_ids].sort());
        expect(train_ids.filter((i) => test_ids.includes(i))).toEqual([]);
        if (name === 'ood') expect(train_ids).toEqual(ids);
        else expect([...train_ids, ...test_ids].sort()).toEqual(ids);
        const splitter = name === 'ood' ? 'ood_holdout' : name.startsWith('cluster') ? 'kmeans_cluster_holdout' : name.startsWith('random') && pool !== 'shared' ? 'random_kfold' : 'min_nn_stochastic';
        expect(s.splitter, `${pool}/${name}`).toBe(splitter);
      }
    }
    expect(load('sub-03', 'tau').pool).toBe('sub-04 full pool (unique + LAION non-OOD shared)');
  });

  it('ood: test = every OOD image, restrictable to a type by the package filename rule', () => {
    const ood = catalog.shared.filter((i) => i.category === 'ood');
    for (const pool of ['shared', ...DEMO_SUBJECTS]) {
      const s = load(pool, 'ood');
      expect(s.params).toEqual({ method: 'ood_dataset_holdout', ood_types: [...OOD_TYPES] });
      expect(s.variants[0].test_ids).toEqual(ood.map((i) => i.name).sort());
      for (const id of s.variants[0].test_ids) expect(/^shared_4rep_OOD_([a-zA-Z0-9-]+)_.+\.(png|jpg)$/.exec(id)?.[1]).toBe(byName.get(id)!.oodType);
    }
  });

  it('random folds of a subject pool partition it; cluster_k5 test sets are k-means clusters of CLIP', () => {
    const clip = withH5(stimuliKeys.embeddings('CLIP'), (f) => {
      const { data } = readFloat16Dataset(Module, f, 'embedding');
      const ids = dataset(f, 'image_ids').value as string[];
      return new Map(ids.map((id, r) => [id, data.subarray(r * 1024, (r + 1) * 1024)]));
    });
    for (const [pool, ids] of Object.entries(pools())) {
      if (pool !== 'shared' && pool !== 'pooled') expect([0, 1, 2, 3, 4].flatMap((i) => load(pool, `random_${i}`).variants[0].test_ids).sort()).toEqual(ids);
      const clusters = [0, 1, 2, 3, 4].map((k) => load(pool, `cluster_k5_${k}`).variants[0].test_ids);
      expect(clusters.flat().sort()).toEqual(ids);
      const centres = clusters.map((members) => {
        const c = new Float64Array(1024);
        for (const m of members) clip.get(m)!.forEach((v, j) => (c[j] += v / members.length));
        return c;
      });
      clusters.forEach((members, k) => {
        expect(members.length, `${pool} cluster ${k}`).toBeGreaterThan(0);
        for (const m of members) {
          const d = centres.map((c) => clip.get(m)!.reduce((s, v, j) => s + (v - c[j]) ** 2, 0));
          expect(d.indexOf(Math.min(...d)), `${pool} ${m}`).toBe(k);
        }
      });
    }
  });
});
