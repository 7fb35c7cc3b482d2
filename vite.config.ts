import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The dev server and `vite preview` bind to loopback only: the app talks to
// the demo bucket on 127.0.0.1:9000 and nothing else needs to reach it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
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
