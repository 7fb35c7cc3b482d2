/**
 * gzip inflated on another thread. The browser's DecompressionStream runs on
 * the thread that uses it, so in one worker the inflater and the masked
 * pass's gather take turns; with the inflater in a worker of its own they run
 * at the same time on two cores, and the pass goes at the inflater's speed.
 *
 * Both sides exchange chunks by transfer (no copies), with flow control in
 * both directions so memory stays bounded:
 * - in:  compressed chunks, at most IN_FLIGHT_IN bytes not yet taken by the inflater;
 * - out: inflated chunks, at most OUT_CREDIT bytes posted and not yet read by the consumer.
 * Inflater errors come back with their name and message (describeGzipError
 * reads them as it would from a local DecompressionStream); errors of the
 * source stay on this side and surface as themselves.
 */

type ToInflater = { t: 'data'; chunk: Uint8Array } | { t: 'end' } | { t: 'consumed'; bytes: number };
type FromInflater = { t: 'ack'; bytes: number } | { t: 'out'; chunk: Uint8Array } | { t: 'done' } | { t: 'error'; name: string; message: string };

const IN_FLIGHT_IN = 4 << 20;
const OUT_CREDIT = 32 << 20;

interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}

/** A chunk's buffer can be transferred when the chunk is all of it. */
const transferList = (c: Uint8Array): Transferable[] => (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? [c.buffer as ArrayBuffer] : []);

/** The inflater worker's side (workers/inflate.worker.ts): one gzip stream per worker. */
export function serveInflater(scope: Port): void {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  const reader = ds.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let credit = OUT_CREDIT;
  let wake: (() => void) | null = null;
  let failed = false;
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    const err = e instanceof Error ? e : new Error(String(e));
    scope.postMessage({ t: 'error', name: err.name, message: err.message } satisfies FromInflater);
  };
  scope.onmessage = (e: MessageEvent<ToInflater>) => {
    const m = e.data;
    if (m.t === 'data') {
      const n = m.chunk.byteLength;
      writer.write(m.chunk).then(() => scope.postMessage({ t: 'ack', bytes: n } satisfies FromInflater), fail);
    } else if (m.t === 'end') writer.close().catch(fail);
    else {
      credit += m.bytes;
      const w = wake;
      wake = null;
      w?.();
    }
  };
  void (async () => {
    try {
      for (;;) {
        while (credit <= 0) await new Promise<void>((r) => (wake = r));
        const { value, done } = await reader.read();
        if (done) return scope.postMessage({ t: 'done' } satisfies FromInflater);
        credit -= value.byteLength;
        scope.postMessage({ t: 'out', chunk: value } satisfies FromInflater, transferList(value));
      }
    } catch (e) {
      fail(e);
    }
  })();
}

/**
 * The consumer's side: feeds `source` (whose first chunk was already read) to
 * a fresh inflater worker and returns the inflated bytes as a stream.
 * Cancelling it (or an error) stops the source and terminates the worker.
 */
export function inflateOffThread(first: Uint8Array, source: ReadableStreamDefaultReader<Uint8Array>, worker: Worker): ReadableStream<Uint8Array> {
  const port = worker as unknown as Port;
  const queue: Uint8Array[] = [];
  let ended = false;
  let error: unknown = null;
  let inFlight = 0;
  let wakeOut: (() => void) | null = null;
  let wakeIn: (() => void) | null = null;
  let stopped = false;
  const wake = () => {
    const a = wakeOut;
    const b = wakeIn;
    wakeOut = wakeIn = null;
    a?.();
    b?.();
  };
  const stop = (reason?: unknown) => {
    if (stopped) return;
    stopped = true;
    worker.terminate();
    void source.cancel(reason).catch(() => undefined);
  };
  port.onmessage = (e: MessageEvent<FromInflater>) => {
    const m = e.data;
    if (m.t === 'out') queue.push(m.chunk);
    else if (m.t === 'ack') inFlight -= m.bytes;
    else if (m.t === 'done') ended = true;
    else {
      const err = new Error(m.message);
      err.name = m.name;
      error ??= err;
    }
    wake();
  };
  const send = (chunk: Uint8Array) => {
    inFlight += chunk.byteLength;
    port.postMessage({ t: 'data', chunk } satisfies ToInflater, transferList(chunk));
  };
  // The pump: compressed chunks to the inflater, at most IN_FLIGHT_IN bytes ahead of it.
  void (async () => {
    try {
      send(first);
      for (;;) {
        while (inFlight > IN_FLIGHT_IN && !stopped && error === null) await new Promise<void>((r) => (wakeIn = r));
        if (stopped || error !== null) return;
        const { value, done } = await source.read();
        if (stopped) return;
        if (done) return port.postMessage({ t: 'end' } satisfies ToInflater);
        send(value);
      }
    } catch (e) {
      // A failed download surfaces as itself, not as a gzip error.
      if (!stopped) error = e;
      wake();
    }
  })();
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            port.postMessage({ t: 'consumed', bytes: chunk.byteLength } satisfies ToInflater);
            return c.enqueue(chunk);
          }
          if (error !== null) {
            stop(error);
            throw error;
          }
          if (ended) {
            stop();
            return c.close();
          }
          await new Promise<void>((r) => (wakeOut = r));
        }
      },
      cancel(reason) {
        stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
