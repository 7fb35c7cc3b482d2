/**
 * A fresh inflater worker for one gzip stream (formats/inflate-offthread.ts):
 * inflating on its own thread lets the masked pass gather at the same time.
 */
export const newInflater = (): Worker => new Worker(new URL('../../workers/inflate.worker.ts', import.meta.url), { type: 'module', name: 'inflate' });
