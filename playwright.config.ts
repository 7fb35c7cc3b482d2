import { defineConfig } from '@playwright/test';

/**
 * Browser tests run in Debian's Chromium (no Playwright browser download is
 * possible here) with SwiftShader WebGL2 (shared/toolchain.md §3), against the
 * BUILT app (`vite preview`) and the dev S3 server over the demo bucket.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Overridable so several checkouts can run their suites side by side (build with a matching VITE_DEMO_ENDPOINT). */
export const BUCKET_PORT = Number(process.env.E2E_BUCKET_PORT ?? 9000);
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 4173);

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000, toHaveScreenshot: { maxDiffPixels: 0 } },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  snapshotPathTemplate: '{testDir}/__screenshots__/{testFilePath}/{arg}{ext}',
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: `npx tsx tools/s3-server/cli.ts --root demo-data/laion-fmri --bucket laion-fmri-splits=demo-data/splits/data --port ${BUCKET_PORT} --admin`,
      url: `http://127.0.0.1:${BUCKET_PORT}/__admin/stats`,
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
    },
    {
      command: `npx vite preview --port ${APP_PORT} --strictPort`,
      url: `http://127.0.0.1:${APP_PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
    },
  ],
});
