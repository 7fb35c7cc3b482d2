/**
 * Fault injection state: which faults apply to a request, the `times`
 * budget, and the deterministic errorRate decisions.
 *
 * errorRate decisions are a pure function of (seed, key, attempt number of
 * that key since the faults were set), so concurrent requests for different
 * keys cannot change each other's outcome, and a retry of the same key gets a
 * fresh draw.
 */
import type { Exchange } from './exchange.ts';
import type { Faults } from './types.ts';

/** Faults that only make sense for object requests (always apply to them). */
const OBJECT_ONLY = ['dropAfterBytes', 'truncateTo', 'corruptByteAt', 'ignoreRange', 'wrongContentRange'] as const;
/** Faults whose target is chosen by `scope`. */
const SCOPED = ['latencyMs', 'bandwidthBytesPerSec', 'errorRate'] as const;

const NUMBER_FIELDS = ['latencyMs', 'bandwidthBytesPerSec', 'dropAfterBytes', 'errorRate', 'seed', 'truncateTo', 'corruptByteAt', 'times'] as const;
const BOOLEAN_FIELDS = ['ignoreRange', 'wrongContentRange', 'listingMalformed'] as const;

/** Validates a Faults object from JSON or code; null/undefined clears. Throws on anything unknown or out of range. */
export function parseFaults(value: unknown): Faults | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('faults must be an object or null');
  const src = value as Record<string, unknown>;
  const out: Faults = {};
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if ((NUMBER_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`faults.${k} must be a finite number >= 0`);
      if (k === 'errorRate' && v > 1) throw new Error('faults.errorRate must be within 0..1');
      (out as Record<string, number>)[k] = v;
    } else if ((BOOLEAN_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'boolean') throw new Error(`faults.${k} must be a boolean`);
      (out as Record<string, boolean>)[k] = v;
    } else if (k === 'match') {
      if (typeof v !== 'string') throw new Error('faults.match must be a string');
      new RegExp(v); // throws on a bad pattern
      out.match = v;
    } else if (k === 'scope') {
      if (v !== 'objects' && v !== 'listings' && v !== 'all') throw new Error("faults.scope must be 'objects', 'listings' or 'all'");
      out.scope = v;
    } else {
      throw new Error(`unknown fault: ${k}`);
    }
  }
  return out;
}

function pick(f: Faults, fields: readonly (keyof Faults)[]): Faults {
  const out: Record<string, unknown> = {};
  for (const k of fields) if (f[k] !== undefined && f[k] !== false) out[k] = f[k];
  return out as Faults;
}

export class FaultState {
  private faults: Faults | null = null;
  private match: RegExp | null = null;
  private used = 0;
  private attempts = new Map<string, number>();

  constructor(initial?: Faults | null) {
    this.set(initial ?? null);
  }

  set(f: Faults | null): void {
    this.faults = parseFaults(f);
    this.match = this.faults?.match !== undefined ? new RegExp(this.faults.match) : null;
    this.used = 0;
    this.attempts.clear();
  }

  get(): Faults | null {
    return this.faults;
  }

  /** The faults for an object GET/HEAD, or null. A non-null answer uses one of `times`. */
  forObject(key: string): Faults | null {
    const f = this.faults;
    if (!f) return null;
    const scoped = f.scope === 'listings' ? [] : SCOPED;
    return this.take(key, pick(f, [...OBJECT_ONLY, ...scoped, 'seed']));
  }

  /** The faults for a ListObjectsV2 request (matched on its prefix), or null. */
  forListing(prefix: string): Faults | null {
    const f = this.faults;
    if (!f) return null;
    const scoped = f.scope === 'listings' || f.scope === 'all' ? SCOPED : [];
    return this.take(prefix, pick(f, ['listingMalformed', ...scoped, 'seed']));
  }

  private take(subject: string, applied: Faults): Faults | null {
    const effective = Object.keys(applied).filter((k) => k !== 'seed');
    if (effective.length === 0) return null;
    if (this.match && !this.match.test(subject)) return null;
    const times = this.faults?.times;
    if (times !== undefined && this.used >= times) return null;
    this.used++;
    return applied;
  }

  /** Draws the errorRate decision for one request: 503 SlowDown, 500 InternalError or null. */
  drawError(subject: string, f: Faults): 500 | 503 | null {
    const rate = f.errorRate ?? 0;
    if (rate <= 0) return null;
    const n = this.attempts.get(subject) ?? 0;
    this.attempts.set(subject, n + 1);
    const h = hash32(`${f.seed ?? 0}\0${subject}\0${n}`);
    if (h / 2 ** 32 >= rate) return null;
    return (hash32(`${h}`) & 1) === 0 ? 503 : 500;
  }
}

/**
 * The faults that act before anything is answered: latency, then the
 * errorRate draw. Returns true when the request was answered with an error.
 */
export async function applyRequestFaults(state: FaultState, subject: string, f: Faults | null, ex: Exchange): Promise<boolean> {
  if (!f) return false;
  if (f.latencyMs && f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  const status = state.drawError(subject, f);
  if (status === 503) ex.error(503, 'SlowDown', 'Please reduce your request rate.');
  else if (status === 500) ex.error(500, 'InternalError', 'We encountered an internal error. Please try again.');
  return status !== null;
}

/** FNV-1a with a murmur3 finaliser: a well-mixed 32-bit hash of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
