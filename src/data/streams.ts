/** Small stream plumbing shared by the byte sources. */

/** `a` then `b`, as one stream (pull-based: nothing is read ahead). */
export function concatStreams(a: ReadableStream<Uint8Array>, b: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const readers = [a.getReader(), b.getReader()];
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        for (;;) {
          if (i >= readers.length) return c.close();
          const { value, done } = await readers[i].read();
          if (!done) return c.enqueue(value);
          i++;
        }
      },
      async cancel(reason) {
        await Promise.all(readers.slice(i).map((r) => r.cancel(reason).catch(() => undefined)));
      },
    },
    { highWaterMark: 0 },
  );
}
