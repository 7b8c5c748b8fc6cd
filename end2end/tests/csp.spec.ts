// The portal under its Content-Security-Policy: signing in, navigating and using a page with
// hydration working and not one violation reported (by the page's `securitypolicyviolation`
// events, or as Chromium's console errors).
import { test, expect, ADMIN, ASSIGNMENTS_PAGE, hydrated } from './support';

test('the portal signs in, navigates and hydrates with no CSP violation', async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (violation: string) => violations.push(violation));
  // Evaluated by the browser's debugging protocol, so not subject to the page's own policy.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportCspViolation: (v: string) => void }).reportCspViolation(
        `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      violations.push(message.text());
    }
  });

  const login = await page.goto('/login');
  const policy = login!.headers()['content-security-policy'];
  expect(policy).toMatch(/script-src 'self' 'nonce-[0-9a-f]{32}' 'wasm-unsafe-eval'/);
  expect(policy).not.toContain('unsafe-inline');
  expect(login!.headers()['x-content-type-options']).toBe('nosniff');
  await hydrated(page);

  // Hydrated sign-in (the JSON login, then a full load of the overview).
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/a\/acme\/billing\/(production|development)$/);
  await hydrated(page);
  await expect(page.getByTestId('count-assignments-active')).toBeVisible();

  // Navigate by the sidebar, then use the page: the search box drives the URL only if hydrated.
  await page.getByRole('link', { name: 'Assignments' }).first().click();
  await expect(page).toHaveURL(/\/a\/acme\/billing\/(production|development)\/assignments$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Assignments');
  await page.getByLabel('Search assignments').fill('zzz-nobody');
  await expect(page).toHaveURL(/[?&]q=zzz-nobody(&|$)/);

  // A fresh load of a data page, rendered on the server with its resource scripts.
  await page.goto(`${ASSIGNMENTS_PAGE}?q=a`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Assignments');

  expect(violations, violations.join('\n')).toEqual([]);

  // The watch itself works: an inline script without the nonce is refused, and reported.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.appendChild(script);
  });
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(violations.some((violation) => violation.startsWith('script-src'))).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
});
