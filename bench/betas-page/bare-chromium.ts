/**
 * Where the betas benchmarks run their jobs: a page of the bench page, in
 * Chromium driven over a bare DevTools pipe rather than by Playwright.
 *
 * Why a bare pipe: Playwright attaches to every worker and enables its Network
 * domain, as DevTools does. The inspector then keeps a copy of every response
 * body under 10 MB and sends an event per chunk, on the worker's own thread. A
 * trace of a k = 4 parallel pass (70 MB in 17 parts of 4.2 MiB) put that at
 * ~400 ms of the worker thread: `ResponseBodyLoader::DidFinishLoadingBody` took
 * 10 ms per part instead of 0.5 ms, and the worker received 1,100 mojo messages
 * instead of 35. A user has no DevTools open, so a benchmark of the parallel
 * source must not have them either. Over the bare pipe nothing attaches to the
 * worker: the page is created, the job evaluated, the page closed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable, Readable } from 'node:stream';
import type { Job, JobResult } from './protocol.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** WebGL through SwiftShader, as toolchain.md says (the NiiVue peer needs it). */
export const GL_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * Browser background work switched off (most of these are among Playwright's own launch switches),
 * so that only the page's work competes for the two cores. Without the WebUI omnibox features off,
 * every new window (each job's context opens one) makes headless Chromium 156 build its omnibox popup
 * (chrome://omnibox-popup.top-chrome) in a "WebUI Top Renderer" of its own: traces of a k = 4 job
 * showed 690–850 ms of that renderer's main thread while the pass ran, and none with these switches.
 */
const QUIET_ARGS = [
  '--disable-field-trial-config',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-component-extensions-with-background-pages',
  '--disable-features=AimEnabled,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,PreloadTopChromeWebUI,OptimizationHints,LensOverlay,MediaRouter,PreconnectToSearch,NetworkTimeServiceQuerying',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--metrics-recording-only',
  '--mute-audio',
];

/** One page of the bench page, ready for `window.betasBench(job)`. */
export interface JobPage {
  run(job: Job): Promise<JobResult>;
  /** Resolves (with a failed result) if the renderer crashes. */
  crashed: Promise<JobResult>;
  close(): Promise<void>;
}

export interface JobHost {
  open(pageUrl: string): Promise<JobPage>;
  close(): Promise<void>;
}

const CRASHED: JobResult = { ok: false, error: 'renderer crashed (out of memory?)' };

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/**
 * Chromium over `--remote-debugging-pipe` (fd 3 in, fd 4 out, NUL-separated JSON), nothing attached but the page's own session.
 * `onDisk`: pages open in the default context of a profile directory, so OPFS lives on disk as a user's does;
 * otherwise each page gets a fresh incognito context (OPFS in the browser process's memory).
 */
export async function bareHost(opts: { args?: string[]; onDisk?: boolean } = {}): Promise<JobHost> {
  const profile = mkdtempSync(join(tmpdir(), 'betas-bench-profile-'));
  const proc: ChildProcess = spawn(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--remote-debugging-pipe', `--user-data-dir=${profile}`, ...QUIET_ARGS, ...GL_ARGS, ...(opts.args ?? []), 'about:blank'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = proc.stdio[3] as Writable;
  const fromBrowser = proc.stdio[4] as Readable;
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  let buffered = '';
  fromBrowser.setEncoding('utf8');
  fromBrowser.on('data', (text: string) => {
    const parts = (buffered + text).split('\0');
    buffered = parts.pop()!;
    for (const raw of parts) {
      const m = JSON.parse(raw) as Message;
      if (m.id !== undefined) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) p?.reject(new Error(m.error.message));
        else p?.resolve(m.result ?? {});
      } else for (const l of listeners) l(m);
    }
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('Chromium exited'));
    pending.clear();
  });
  const send = <T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (r: Record<string, unknown>) => void, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  await send('Browser.getVersion'); // the pipe is up

  return {
    async open(pageUrl) {
      const context = opts.onDisk ? undefined : (await send<{ browserContextId: string }>('Target.createBrowserContext', { disposeOnDetach: true })).browserContextId;
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url: 'about:blank', browserContextId: context });
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      let onCrash: (r: JobResult) => void = () => undefined;
      const crashed = new Promise<JobResult>((r) => (onCrash = r));
      const listener = (m: Message) => m.sessionId === sessionId && m.method === 'Inspector.targetCrashed' && onCrash(CRASHED);
      listeners.add(listener);
      await send('Inspector.enable', {}, sessionId);
      await send('Page.navigate', { url: pageUrl }, sessionId);
      const evaluate = async <T>(expression: string): Promise<T> => {
        const r = await send<{ result: { value: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
          'Runtime.evaluate',
          { expression, awaitPromise: true, returnByValue: true },
          sessionId,
        );
        if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
        return r.result.value;
      };
      // Until the bench page has loaded (an evaluate that lands mid-navigation fails: ask again).
      const ready = () => evaluate<boolean>("typeof window.betasBench === 'function'").catch(() => false);
      for (const end = performance.now() + 30_000; !(await ready()); ) {
        if (performance.now() > end) throw new Error(`${pageUrl} did not define window.betasBench within 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return {
        run: (job) => evaluate<JobResult>(`window.betasBench(${JSON.stringify(job)})`),
        crashed,
        async close() {
          listeners.delete(listener);
          if (context) await send('Target.disposeBrowserContext', { browserContextId: context });
          else await send('Target.closeTarget', { targetId });
        },
      };
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      proc.kill();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
