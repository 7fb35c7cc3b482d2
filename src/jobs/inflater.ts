/**
 * A fresh inflater worker for one gzip stream (formats/inflate-offthread.ts).
 * Not used by the app's passes: measured by bench:betas (masked-2threads), it
 * gave no speed over one thread once the output is not written into
 * incognito's in-memory OPFS, and cost the renderer 250–470 MB more.
 */
export const newInflater = (): Worker => new Worker(new URL('../../workers/inflate.worker.ts', import.meta.url), { type: 'module', name: 'inflate' });
