import { afterEach, describe, expect, it } from 'vitest';
import { EVERY, NUDGE, paceDropped, pacerStats, setPacing } from '../../src/formats/gc-pacer';
import { StreamCursor } from '../../src/formats/nifti-stream';

/** A stream of `total` bytes in `chunk`-byte pieces. */
function bytes(total: number, chunk: number): ReadableStream<Uint8Array> {
  let left = total;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (left === 0) return c.close();
      const n = Math.min(chunk, left);
      left -= n;
      c.enqueue(new Uint8Array(n));
    },
  });
}

describe('gc pacer', () => {
  afterEach(() => {
    setPacing(true);
  });

  it('allocates one untouched buffer for every EVERY bytes dropped, keeping only the latest', () => {
    const before = pacerStats().nudges;
    paceDropped(EVERY - 1);
    paceDropped(1);
    expect(pacerStats().nudges - before).toBe(1);
    expect(pacerStats().heldBytes).toBe(NUDGE);
    // what is left over from a step counts towards the next
    paceDropped(EVERY / 2);
    expect(pacerStats().nudges - before).toBe(1);
    paceDropped(EVERY / 2);
    expect(pacerStats().nudges - before).toBe(2);
  });

  it('sizes a nudge by the steps a large chunk stands for, with a cap', () => {
    paceDropped(3 * EVERY + 7);
    expect(pacerStats().heldBytes).toBe(3 * NUDGE);
    paceDropped(100 * EVERY);
    expect(pacerStats().heldBytes).toBe(16 * NUDGE); // MAX_STEPS
  });

  it('is driven by what StreamCursor reads, one nudge per EVERY bytes', async () => {
    setPacing(true); // counts from 0
    const before = pacerStats().nudges;
    const cursor = new StreamCursor(bytes(5 * EVERY, 64 * 1024));
    const into = new Uint8Array(1 << 16);
    let read = 0;
    for (let n = 1; n > 0; ) read += n = await cursor.readInto(into);
    expect(read).toBe(5 * EVERY);
    expect(pacerStats().nudges - before).toBe(5);
  });

  it('does nothing when turned off, and lets go of its buffer', () => {
    expect(setPacing(false)).toBe(true);
    expect(pacerStats().heldBytes).toBe(0);
    const before = pacerStats().nudges;
    paceDropped(10 * EVERY);
    expect(pacerStats().nudges).toBe(before);
    expect(setPacing(true)).toBe(false);
  });
});

describe('gc pacer in a production build', () => {
  it('keeps the allocation through the minifier (a write-only module variable let it be dropped)', async () => {
    const { build } = await import('vite');
    const { resolve } = await import('node:path');
    const entry = '\0pacer-entry';
    const out = await build({
      configFile: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'pacer-entry',
          resolveId: (id) => (id === entry ? entry : null),
          load: (id) => (id === entry ? `import { paceDropped } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/formats/gc-pacer.ts'))}; paceDropped(1 << 20);` : null),
        },
      ],
      build: { write: false, minify: true, rollupOptions: { input: entry }, modulePreload: false },
    });
    const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
    const code = outputs.flatMap((o) => o.output.map((c) => c.code ?? '')).join('\n');
    expect(code).toMatch(/new ArrayBuffer\(/);
  });
});
