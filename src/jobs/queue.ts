/**
 * A bounded, prioritised job queue, one lane per endpoint: at most `limit`
 * jobs of a lane run at once; waiting jobs start highest priority first
 * (then in arrival order); a job whose AbortSignal fires while it waits is
 * dropped without ever starting, so stale work (a subject the user has left)
 * costs nothing. Pure: no DOM, testable in Node.
 */

export type Priority = number;

/** What is on screen now, then what the open panel needs, then anything ahead of need. */
export const PRIORITY = { visible: 2, panel: 1, background: 0 } as const;

interface Waiting {
  priority: Priority;
  seq: number;
  start(): void;
}

interface Lane {
  running: number;
  waiting: Waiting[];
}

export class JobQueue {
  private readonly lanes = new Map<string, Lane>();
  private seq = 0;
  /** Highest number of jobs seen running at once, per lane (for tests and benchmarks). */
  readonly peak = new Map<string, number>();

  constructor(readonly limit: number) {}

  run<T>(lane: string, job: (signal?: AbortSignal) => Promise<T>, o: { priority?: Priority; signal?: AbortSignal } = {}): Promise<T> {
    const l = this.lanes.get(lane) ?? { running: 0, waiting: [] };
    this.lanes.set(lane, l);
    return new Promise<T>((resolve, reject) => {
      if (o.signal?.aborted) return reject(o.signal.reason ?? new DOMException('Cancelled', 'AbortError'));
      const go = () => {
        l.running++;
        this.peak.set(lane, Math.max(this.peak.get(lane) ?? 0, l.running));
        o.signal?.removeEventListener('abort', onAbort);
        job(o.signal)
          .then(resolve, reject)
          .finally(() => {
            l.running--;
            this.next(l);
          });
      };
      const w: Waiting = { priority: o.priority ?? PRIORITY.panel, seq: this.seq++, start: go };
      const onAbort = () => {
        const i = l.waiting.indexOf(w);
        if (i >= 0) {
          l.waiting.splice(i, 1);
          reject(o.signal!.reason ?? new DOMException('Cancelled', 'AbortError'));
        }
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      l.waiting.push(w);
      this.next(l);
    });
  }

  /** Jobs waiting in a lane (not yet started). */
  waiting(lane: string): number {
    return this.lanes.get(lane)?.waiting.length ?? 0;
  }

  private next(l: Lane): void {
    while (l.running < this.limit && l.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < l.waiting.length; i++) {
        const a = l.waiting[i];
        const b = l.waiting[best];
        if (a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)) best = i;
      }
      const [w] = l.waiting.splice(best, 1);
      w.start();
    }
  }
}
