/**
 * The page's Content-Security-Policy for data: which origins the app may
 * read from. The built index.html carries a fixed policy (scripts, workers,
 * wasm, no inline script, no plugins; vite.config.ts); at start-up this
 * module adds a second, narrower policy naming exactly the data origins:
 * the app itself, the demo endpoint, the AWS bucket, and the custom
 * endpoint the user confirmed in this browser. Policies only ever narrow,
 * so connecting to a new custom origin stores it and reloads the page.
 */
import { AWS_ENDPOINT, DEMO_ENDPOINT, DEMO_SPLITS_URL, PACKAGE_SPLITS_URL } from './config.ts';

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origins data may come from, given the custom endpoint the user
 * confirmed: also the split files' sources (the demo's, the package's, and
 * one the user set, as it was when the page loaded).
 */
export function dataOrigins(customEndpoint: string, extra: (string | null)[] = []): string[] {
  const out = new Set<string>();
  for (const e of [DEMO_ENDPOINT, AWS_ENDPOINT, customEndpoint, DEMO_SPLITS_URL, PACKAGE_SPLITS_URL, ...extra]) {
    if (!e) continue;
    const o = originOf(e);
    if (o) out.add(o);
  }
  return [...out];
}

/** The narrowing policy, as a meta tag's content. */
export function dataPolicy(customEndpoint: string, extra: (string | null)[] = []): string {
  const origins = dataOrigins(customEndpoint, extra).join(' ');
  return [`connect-src 'self' ${origins}`, `img-src 'self' data: blob: ${origins}`, `media-src 'self' blob: ${origins}`].join('; ');
}

let installed: Set<string> | null = null;

/** Adds the data policy to the document (once, before the first request). */
export function installDataPolicy(customEndpoint: string, extra: (string | null)[] = []): void {
  if (installed || typeof document === 'undefined' || !import.meta.env.PROD) return;
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = dataPolicy(customEndpoint, extra);
  document.head.appendChild(meta);
  installed = new Set(dataOrigins(customEndpoint, extra));
}

/** Whether this page may read from an endpoint without a reload (always true without a policy). */
export function endpointAllowed(endpoint: string): boolean {
  if (!installed) return true;
  const o = originOf(endpoint);
  return o === null || o === window.location.origin || installed.has(o);
}
