import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/**
 * The built page's fixed Content-Security-Policy: only our own scripts (no
 * inline script, no eval; wasm compilation for h5wasm), module workers from
 * the app, no plugins, no <base>, no form posts. Data origins are narrowed at
 * start-up (src/app/csp.ts). Not applied to the dev server, whose HMR
 * preamble is an inline script.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: http: https:",
  "font-src 'self' data:",
  "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<meta charset="UTF-8" />', `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

// The dev server and `vite preview` bind to loopback only: the app talks to
// the demo bucket on 127.0.0.1:9000 and nothing else needs to reach it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), contentSecurityPolicy()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  worker: { format: 'es' },
  // h5wasm inlines its wasm; pre-bundling it breaks the import. Worker-only
  // dependencies are listed so the optimizer does not reload the page mid-test.
  optimizeDeps: { exclude: ['h5wasm'], include: ['fflate', 'nifti-reader-js', 'fast-xml-parser'] },
  build: { target: 'es2023', sourcemap: true, chunkSizeWarningLimit: 8000 },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
