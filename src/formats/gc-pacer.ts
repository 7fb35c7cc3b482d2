/**
 * Paces the JavaScript collector to the bytes a streaming reader drops.
 *
 * Every chunk that the browser's DecompressionStream (or a fetch body) hands to
 * script is a buffer that Blink allocated (64 KiB for an inflater's output).
 * It is freed only by a full collection: a young-generation collection keeps
 * such wrappers alive, and a full one starts when memory outside V8's heap has
 * grown by a set amount since the last one. A worker that inflates a betas file
 * and drops each chunk at once therefore holds hundreds of MB of dead chunks at
 * its peak, more the longer the file. bench:betas measured the renderer at
 * 400–500 MB above idle at 128 trials and 530–650 MB at 256, while what the
 * pass keeps stays near 60 MB. `--js-flags=--trace-gc` shows 7 full
 * collections in a 1.5 GB pass.
 *
 * Memory that script allocates outside the heap counts towards that amount.
 * So for every EVERY bytes of chunks dropped, the reader allocates a NUDGE-byte
 * ArrayBuffer and lets go of the previous one. Its pages are never written, so
 * none of them becomes resident (the peaks above are resident memory, PSS),
 * but V8 counts its size and collects more often (a 1.5 GB pass at 1 MiB per
 * MiB: 24 full collections instead of 7).
 * `npm run bench:betas -- --pacing 0,1,2,4,8` measures the choice: at 2 MiB per
 * MiB the renderer peaks at 150–180 MB at both trial counts, and the pass loses
 * at most a few per cent of its speed (4–5 % in one sweep, none in a direct
 * A/B; the collections' pauses are 1–4 ms each).
 *
 * The pacing is per thread (a worker's collector is its own). It holds at most
 * one untouched buffer.
 */

/** Bytes of dropped chunks between two nudges. */
export const EVERY = 1 << 20;
/** Size of each nudge: the ratio NUDGE / EVERY sets how much sooner V8 collects. */
export const NUDGE = 2 << 20;
/** A single nudge stands for at most this many EVERY-byte steps (a 16 MiB chunk: 32 MiB of address space). */
const MAX_STEPS = 16;

let enabled = true;
let every = EVERY;
let nudge = NUDGE;
let since = 0;
let nudges = 0;

/**
 * The latest nudge is kept, until the next, on the global object under a symbol. Kept in a module
 * variable that nothing reads, the minifier drops the allocation (vite's build did, which undid the
 * pacing; gc-pacer.test.ts checks a production build).
 */
const SLOT = Symbol.for('laion-fmri-explorer.gc-pacer');
const slots = globalThis as unknown as Record<symbol, ArrayBuffer | null>;

/** Records `bytes` of chunks that the caller has read and will not keep. */
export function paceDropped(bytes: number): void {
  if (!enabled) return;
  since += bytes;
  if (since < every) return;
  // One nudge for every step since the last (a large chunk counts for its size), capped.
  const steps = Math.floor(since / every);
  since -= steps * every;
  slots[SLOT] = null; // the previous nudge is garbage before the next is allocated
  slots[SLOT] = new ArrayBuffer(nudge * Math.min(steps, MAX_STEPS));
  nudges++;
}

/** How many nudges this thread has made, and the size of the one it holds (for tests and the benchmark). */
export function pacerStats(): { nudges: number; heldBytes: number } {
  return { nudges, heldBytes: slots[SLOT]?.byteLength ?? 0 };
}

/**
 * Turns the pacing on or off for this thread and starts its count afresh; the benchmark also sets
 * the sizes. Returns the previous state.
 */
export function setPacing(on: boolean, nudgeBytes = NUDGE, everyBytes = EVERY): boolean {
  const was = enabled;
  enabled = on;
  nudge = nudgeBytes;
  every = everyBytes;
  since = 0;
  if (!on) slots[SLOT] = null;
  return was;
}
