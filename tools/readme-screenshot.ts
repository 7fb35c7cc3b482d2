/**
 * Refreshes docs/screenshot.png (the README picture) from a running app:
 *   npm start   (or: npm run bucket & npx vite preview)   then
 *   npx tsx tools/readme-screenshot.ts [--url http://127.0.0.1:5173]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const { values } = parseArgs({ options: { url: { type: 'string', default: 'http://127.0.0.1:5173' }, out: { type: 'string', default: 'docs/screenshot.png' } } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(`${values.url}/?source=demo&subject=sub-01&session=ses-02`);
await page.getByTestId('trial-count').waitFor();
await page.screenshot({ path: resolve(values.out!) });
await browser.close();
console.log(`wrote ${values.out}`);
