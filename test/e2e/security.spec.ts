/**
 * Security of the built app: its Content-Security-Policy (data only from the
 * app, the demo endpoint, the AWS bucket and a custom endpoint the user
 * confirmed; no inline script; wasm allowed), links that cannot switch the
 * endpoint, and bucket text rendered as text.
 */
import { expect, test, type Page } from '@playwright/test';

const BP = Number(process.env.E2E_BUCKET_PORT ?? 9000);

/** Runs `fetch(url)` in the page; returns the CSP directive it violated, or 'allowed'. */
async function tryFetch(page: Page, url: string): Promise<string> {
  return page.evaluate(async (url) => {
    const violated = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }));
    const fetched = fetch(url).then(
      () => 'allowed',
      () => 'failed',
    );
    return Promise.race([violated, fetched.then(async (r) => (r === 'failed' ? await Promise.race([violated, new Promise<string>((res) => setTimeout(() => res('failed'), 300))]) : r))]);
  }, url);
}

test('the policy: data from the known endpoints only, no inline script, wasm compiles', async ({ page }) => {
  await page.goto('/?source=demo');
  await expect(page.getByRole('navigation', { name: 'Subjects' }).getByRole('button')).toHaveCount(2);
  const policies = await page.locator('meta[http-equiv="Content-Security-Policy"]').evaluateAll((ms) => ms.map((m) => m.getAttribute('content')));
  expect(policies).toHaveLength(2);
  expect(policies[0]).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policies[1]).toContain(`connect-src 'self' http://127.0.0.1:${BP} https://laion-fmri.s3.us-west-2.amazonaws.com`);
  // The demo endpoint is readable; another origin is refused by the policy before any request.
  expect(await tryFetch(page, `http://127.0.0.1:${BP}/laion-fmri/?list-type=2&max-keys=1`)).toBe('allowed');
  expect(await tryFetch(page, `http://127.0.0.2:${BP}/laion-fmri/?list-type=2`)).toBe('connect-src');
  // An inline script (say, from injected markup) does not run.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  // h5wasm's wasm compiles under the policy.
  const wasm = await page.evaluate(async () => (await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))) instanceof WebAssembly.Module);
  expect(wasm).toBe(true);
});

test('a custom endpoint on a new origin is allowed once the user confirms it (the page reloads to adopt it)', async ({ page }) => {
  await page.goto('/?source=demo');
  await expect(page.getByRole('navigation', { name: 'Subjects' }).getByRole('button')).toHaveCount(2);
  const other = `http://localhost:${BP}/laion-fmri`;
  expect(await tryFetch(page, `${other}/?list-type=2`)).toBe('connect-src');
  await page.getByRole('radio', { name: 'Custom endpoint' }).click();
  await page.getByLabel('Bucket URL').fill(other);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Connect' }).click()]);
  await expect(page).toHaveURL(/source=custom/);
  await expect(page.getByTestId('source-status')).toContainText(`localhost:${BP}`);
  await expect(page.getByRole('navigation', { name: 'Subjects' }).getByRole('button')).toHaveCount(2);
  // A link naming a custom endpoint still cannot set one: it only selects the one confirmed here.
  await page.goto('/?source=custom&endpoint=https%3A%2F%2Fevil.example');
  await expect(page.getByTestId('source-status')).toContainText(`localhost:${BP}`);
});

test('no credentials are asked for or stored', async ({ page }) => {
  await page.goto('/?source=demo&subject=sub-01');
  await expect(page.getByText('ses-01').first()).toBeVisible();
  await expect(page.locator('input[type=password]')).toHaveCount(0);
  const stored = await page.evaluate(() => Object.keys(localStorage).join(' ') + ' ' + Object.values(localStorage).join(' '));
  expect(stored).not.toMatch(/secret|access.?key|password|token|credential/i);
});
