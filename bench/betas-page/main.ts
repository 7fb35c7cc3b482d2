/**
 * Page of the betas benchmark. bench/betas-pass.ts calls `window.betasBench(job)`:
 * worker jobs run in a fresh module worker (ended when the harness closes the page); the
 * NiiVue peer runs here, on the main thread, as NiiVue does in the app.
 */
import { errorText, type Job, type JobResult } from './protocol.ts';

declare global {
  interface Window {
    betasBench: (job: Job) => Promise<JobResult>;
  }
}

function inWorker(job: Job): Promise<JobResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    // The worker is not terminated here: the harness closes the page right after the job, which ends
    // it, and until then the worker's thread is still there for the harness to read its CPU time.
    const finish = (r: JobResult) => resolve(r);
    worker.onmessage = (e: MessageEvent<JobResult>) => finish(e.data);
    worker.onerror = (e: ErrorEvent) => finish({ ok: false, error: `worker error: ${e.message || 'unknown (out of memory?)'}` });
    worker.postMessage(job);
  });
}

async function niivue(job: Job): Promise<JobResult> {
  try {
    const { NVImage } = await import('@niivue/niivue');
    const t0 = performance.now();
    const image = await NVImage.loadFromUrl({ url: job.url });
    const ms = performance.now() - t0;
    const img = image.img;
    const bytes = img ? img.byteLength : 0;
    return { ok: true, ms, inflatedBytes: 352 + bytes, note: `img ${(bytes / 1e6).toFixed(0)} MB, nFrame4D ${image.nFrame4D ?? '?'}` };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

window.betasBench = (job) => (job.kind === 'niivue' ? niivue(job) : inWorker(job));
document.title = 'betas-bench ready';
