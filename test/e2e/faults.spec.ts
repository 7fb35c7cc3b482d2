/**
 * The app under network and storage faults, against the dev server's fault
 * injection: 5xx bursts with a bandwidth cap while the viewer and the ROI
 * inspector load, a bounded number of requests in flight, stale work
 * cancelled when the user moves on, and a full storage quota while volumes
 * are kept. Each test ends with the cache's consistency check: 0 entries
 * found inconsistent. (Betas-pass faults: betas.spec.ts; malformed listing:
 * explorer.spec.ts; corrupt/truncated volumes: viewer.spec.ts.)
 */
import { expect, test, type Page } from '@playwright/test';
import { admin, setFaults, stats } from './bucket-admin.ts';

const VIEW = '/?source=demo&subject=sub-01&tab=viewer';

test.afterEach(async () => {
  await setFaults(null);
});

async function drawn(page: Page) {
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', 'anatomy,map,mask,rois', { timeout: 60_000 });
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 60_000 });
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
const bytesOf = (s: string) => {
  const m = /([\d.]+)\s*(B|kB|MB|GB)/.exec(s);
  return m ? Number(m[1]) * UNITS[m[2]] : NaN;
};

/** Samples the progress tray until it empties: every "fetched / total" it showed. */
async function watchProgress(page: Page, until: Promise<unknown>): Promise<Array<[number, number]>> {
  const seen: Array<[number, number]> = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const metas = await page.locator('.progress-tray .progress-meta').allTextContents().catch(() => []);
    for (const t of metas) {
      const [a, b] = t.split('·')[0].split('/');
      if (b !== undefined) seen.push([bytesOf(a), bytesOf(b)]);
    }
    await page.waitForTimeout(100);
  }
  return seen;
}

/** The cache panel's check: entries found inconsistent (removed) on open. */
async function inconsistentEntries(page: Page): Promise<number> {
  await page.keyboard.press('Shift+C');
  const check = page.getByTestId('cache-check');
  await expect(check).toContainText('Consistency check');
  const text = (await check.textContent()) ?? '';
  await page.keyboard.press('Escape');
  return /none broken/.test(text) ? 0 : Number(/removed (\d+)/.exec(text)?.[1] ?? NaN);
}

function objectRequests(s: Awaited<ReturnType<typeof stats>>, re: RegExp) {
  const keys = Object.entries(s.byKey).filter(([k]) => re.test(k));
  return { keys: keys.length, requests: keys.reduce((a, [, v]) => a + v.requests, 0), bytes: keys.reduce((a, [, v]) => a + v.bytesSent, 0) };
}

test('5xx bursts and a bandwidth cap while the viewer loads: every layer draws, progress never overshoots', async ({ page }) => {
  await admin('stats/reset');
  await setFaults({ match: '\\.nii\\.gz$', errorRate: 0.35, seed: 11, bandwidthBytesPerSec: 1_500_000 });
  await page.goto(VIEW);
  const seen = await watchProgress(page, drawn(page));
  expect(seen.length).toBeGreaterThan(0);
  for (const [got, total] of seen) expect(got).toBeLessThanOrEqual(total * 1.0001);
  await expect(page.getByRole('alert')).toHaveCount(0);
  const v = objectRequests(await stats(), /\.nii\.gz$/);
  const injected = v.requests - v.keys; // every extra request is a retry after an injected 5xx
  console.log(`viewer under faults: ${v.keys} volumes, ${v.requests} requests, ${injected} 5xx injected and retried, ${v.bytes} B sent, ${seen.length} progress samples`);
  expect(injected).toBeGreaterThan(3);
  expect(await inconsistentEntries(page)).toBe(0);
});

test('the ROI inspector under 5xx bursts: all numbers arrive, at most 4 volume requests in flight', async ({ page }) => {
  // Listings first (they run six at a time at start-up); then only volumes are requested.
  await page.goto('/?source=demo&subject=sub-01&plots=static');
  await expect(page.getByText('ses-01').first()).toBeVisible();
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 30_000 });
  await page.waitForTimeout(500);
  await admin('stats/reset');
  // Slow first bytes make concurrent requests overlap, so the bound is observable.
  await setFaults({ match: '\\.nii\\.gz$', errorRate: 0.3, seed: 5, latencyMs: 250 });
  await page.getByRole('tab', { name: 'ROI inspector' }).click();
  await expect(page.locator('tbody[data-category] tr[data-roi]')).toHaveCount(30, { timeout: 60_000 });
  await expect(page.locator('[data-testid=roi-inspector] [aria-busy=true]')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('roi-inspector').getByRole('alert')).toHaveCount(0);
  const s = await stats();
  const v = objectRequests(s, /\.nii\.gz$/);
  console.log(`ROI inspector under faults: ${v.keys} volumes, ${v.requests} requests (${v.requests - v.keys} retried), peak ${s.maxConcurrent} requests in flight`);
  expect(v.keys).toBeGreaterThan(20);
  expect(v.requests).toBeGreaterThan(v.keys);
  expect(s.maxConcurrent).toBeLessThanOrEqual(4);
  expect(await inconsistentEntries(page)).toBe(0);
});

test('moving on cancels stale work: the left subject stops downloading at once', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01');
  await expect(page.getByText('ses-01').first()).toBeVisible();
  await setFaults({ match: 'sub-01.*\\.nii\\.gz$', bandwidthBytesPerSec: 60_000 });
  await admin('stats/reset');
  await page.goto(VIEW);
  await expect(page.getByTestId('progress-tray')).toBeVisible();
  await page.waitForTimeout(1500);
  await page.keyboard.press('j'); // to sub-03
  await expect(page.locator('#subject-title')).toHaveText('sub-03');
  await expect(page.getByTestId('niivue')).toHaveAttribute('data-layers', 'anatomy,map,mask,rois', { timeout: 60_000 });
  await expect(page.getByTestId('progress-tray')).toHaveCount(0, { timeout: 60_000 });
  const a = objectRequests(await stats(), /sub-01.*\.nii\.gz$/);
  await page.waitForTimeout(1500);
  const b = objectRequests(await stats(), /sub-01.*\.nii\.gz$/);
  console.log(`stale work: sub-01 ${a.keys} volumes started, ${a.bytes} B sent before the switch took effect, ${b.bytes - a.bytes} B after`);
  expect(b.bytes).toBe(a.bytes); // nothing more flows for the subject left behind
  expect(a.keys).toBeLessThanOrEqual(4); // queued loads never started
});

test('a storage quota too small for the volumes: the viewer works, nothing half-written is kept', async ({ page, baseURL }) => {
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_500_000 });
  try {
    await page.goto(VIEW);
    await drawn(page);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.waitForTimeout(500); // the cache writes trail the drawing
    expect(await inconsistentEntries(page)).toBe(0);
    await page.keyboard.press('Shift+C');
    const items = await page.getByTestId('cache-item').count();
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    console.log(`quota 1.5 MB: ${items} complete entries kept, usage ${usage} B`);
    expect(usage).toBeLessThanOrEqual(1_500_000);
    await page.keyboard.press('Escape');
    // The next visit reads what was kept and fetches the rest: it still draws.
    await page.reload();
    await drawn(page);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
});
