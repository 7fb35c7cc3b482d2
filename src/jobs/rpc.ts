/**
 * A small typed RPC between the UI thread and a worker: calls with progress
 * events, transferable results, and cancellation that reaches the worker's
 * AbortSignal (and from there the fetch). Errors cross the boundary with
 * their DataError fields, so the UI shows the same sentence the worker wrote.
 */
import { DataError, type DataErrorKind } from '../data/errors.ts';

/** method → { args, result, progress } */
export type ApiShape = Record<string, { args: unknown; result: unknown; progress: unknown }>;

export interface JobContext<P> {
  signal: AbortSignal;
  progress(p: P): void;
  /** Objects of the result to transfer instead of copying. */
  transfer(...objects: Transferable[]): void;
}

export type Handlers<A extends ApiShape> = {
  [K in keyof A]: (args: A[K]['args'], ctx: JobContext<A[K]['progress']>) => Promise<A[K]['result']>;
};

interface SerializedError {
  name: string;
  message: string;
  kind?: DataErrorKind;
  subject?: string;
  hint?: string;
  status?: number;
}

type ToWorker = { type: 'call'; id: number; method: string; args: unknown } | { type: 'abort'; id: number };
type FromWorker =
  | { type: 'progress'; id: number; progress: unknown }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}

function serializeError(e: unknown): SerializedError {
  if (e instanceof DataError) return { name: e.name, message: e.message, kind: e.kind, subject: e.subject, hint: e.hint, status: e.status };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

function deserializeError(s: SerializedError): Error {
  if (s.kind) {
    const e = new DataError(s.kind, s.subject ?? '', s.message, { hint: s.hint, status: s.status });
    e.name = s.name;
    return e;
  }
  const e = new Error(s.message);
  e.name = s.name;
  return e;
}

/** Worker side: answer calls with the given handlers. */
export function serveWorker<A extends ApiShape>(scope: WorkerScope, handlers: Handlers<A>): void {
  const running = new Map<number, AbortController>();
  scope.addEventListener('message', (event: MessageEvent) => {
    const msg = event.data as ToWorker;
    if (msg.type === 'abort') {
      running.get(msg.id)?.abort(new DOMException('Cancelled', 'AbortError'));
      return;
    }
    const handler = handlers[msg.method as keyof A];
    const controller = new AbortController();
    running.set(msg.id, controller);
    const transfer: Transferable[] = [];
    const ctx: JobContext<unknown> = {
      signal: controller.signal,
      progress: (progress) => scope.postMessage({ type: 'progress', id: msg.id, progress } satisfies FromWorker),
      transfer: (...objects) => transfer.push(...objects),
    };
    const run = handler ? handler(msg.args as never, ctx as never) : Promise.reject(new Error(`worker has no method ${msg.method}`));
    run.then(
      (result) => scope.postMessage({ type: 'result', id: msg.id, result } satisfies FromWorker, transfer),
      (error: unknown) => scope.postMessage({ type: 'error', id: msg.id, error: serializeError(error) } satisfies FromWorker),
    ).finally(() => running.delete(msg.id));
  });
}

export interface CallOptions<P> {
  signal?: AbortSignal;
  onProgress?: (p: P) => void;
}

/** UI side: call a worker's handlers. */
export class WorkerClient<A extends ApiShape> {
  private nextId = 1;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; onProgress?: (p: unknown) => void }>();

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (event: MessageEvent) => {
      const msg = event.data as FromWorker;
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') p.onProgress?.(msg.progress);
      else {
        this.pending.delete(msg.id);
        if (msg.type === 'result') p.resolve(msg.result);
        else p.reject(deserializeError(msg.error));
      }
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      const err = new Error(`The worker failed: ${event.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  call<K extends keyof A & string>(method: K, args: A[K]['args'], opts: CallOptions<A[K]['progress']> = {}): Promise<A[K]['result']> {
    const id = this.nextId++;
    return new Promise<A[K]['result']>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new DOMException('Cancelled', 'AbortError'));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress as ((p: unknown) => void) | undefined });
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.has(id)) return;
          this.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
        },
        { once: true },
      );
      this.worker.postMessage({ type: 'call', id, method, args } satisfies ToWorker);
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new DOMException('Worker terminated', 'AbortError'));
    this.pending.clear();
  }
}
