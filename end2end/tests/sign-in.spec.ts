// Signing in to the portal and finding one's way around the first dashboard.
import { test, expect, type Page, type Locator } from '@playwright/test';
import path from 'node:path';

const ADMIN = { email: 'admin@acme.example', password: 'canopy-demo' };
const PRODUCTION = '/a/acme/billing/production';
const DEVELOPMENT = '/a/acme/billing/development';
const OVERVIEW = /\/a\/acme\/billing\/(production|development)$/;
const SHOTS = path.join(__dirname, '..', 'screenshots');

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the WASM bundle has hydrated the page (App sets the marker in an effect). */
async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

async function signIn(page: Page, password = ADMIN.password) {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function count(locator: Locator): Promise<number> {
  const text = (await locator.textContent()) ?? '';
  const value = Number(text.replace(/,/g, '').trim());
  expect(Number.isInteger(value), `"${text}" is a count`).toBe(true);
  return value;
}

test.describe('signing in', () => {
  test('the demo admin lands on an acme/billing overview with real counts', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Sign in to your workspace' })).toBeVisible();
    await expect(page.getByTestId('demo-hint')).toHaveText('Demo: admin@acme.example / canopy-demo');
    await shot(page, 'login');

    await signIn(page);
    await expect(page).toHaveURL(OVERVIEW);
    await hydrated(page);
    const environment = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      environment === 'production' ? 'Production' : 'Development',
    );
    await expect(page.getByTestId('signed-in-admin')).toBeVisible();

    // Numbers read from the page: all present, and the assignment breakdown adds up.
    const identities = await count(page.getByTestId('count-identities'));
    const nodes = await count(page.getByTestId('count-nodes'));
    const roles = await count(page.getByTestId('count-roles'));
    const permissions = await count(page.getByTestId('count-permissions'));
    const active = await count(page.getByTestId('count-assignments-active'));
    const scheduled = await count(page.getByTestId('count-assignments-scheduled'));
    const expired = await count(page.getByTestId('count-assignments-expired'));
    const total = await count(page.getByTestId('count-assignments-total'));
    const expiring = await count(page.getByTestId('count-expiring'));
    for (const n of [identities, nodes, roles, permissions, active, total]) expect(n).toBeGreaterThan(0);
    expect(active + scheduled + expired).toBe(total);
    expect(expiring).toBeLessThanOrEqual(active);
    // The demo: ~300 identities, ~50 nodes per environment, ~1,000 / ~250 assignments.
    expect(identities).toBeGreaterThanOrEqual(200);
    expect(nodes).toBeGreaterThanOrEqual(20);
    expect(total).toBeGreaterThanOrEqual(environment === 'production' ? 500 : 100);
    await shot(page, `overview-${environment}`);

    // The production overview shows exactly what the API says, asked with the page's cookie.
    await page.goto(PRODUCTION);
    const response = await page.request.get('/portal/v1/accounts/acme/applications/billing/environments/production');
    expect(response.status()).toBe(200);
    const api = await response.json();
    expect(await count(page.getByTestId('count-identities'))).toBe(api.counts.identities);
    expect(await count(page.getByTestId('count-nodes'))).toBe(api.counts.nodes);
    expect(await count(page.getByTestId('count-assignments-active'))).toBe(api.counts.assignments.active);
    expect(await count(page.getByTestId('count-assignments-scheduled'))).toBe(api.counts.assignments.scheduled);
    expect(await count(page.getByTestId('count-assignments-expired'))).toBe(api.counts.assignments.expired);
    expect(await count(page.getByTestId('count-expiring'))).toBe(api.counts.expiring_within_7_days);
    expect(api.counts.identities).toBe(identities); // identities are shared by the environments
  });

  test('a wrong password shows the error and stays on /login', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    await signIn(page, 'not-the-password');
    await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByLabel('Password')).toBeFocused();
    await shot(page, 'login-wrong-password');
  });

  test('fields are checked in the browser with the server’s messages', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('email-error')).toHaveText('Email is required.');
    await expect(page.getByTestId('password-error')).toHaveText('Password is required.');
    await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Email')).toHaveAttribute('aria-describedby', 'email-error');
    await page.getByLabel('Email').fill('ada');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('email-error')).toHaveText('Enter an email address like name@example.com.');
    await expect(page).toHaveURL(/\/login$/);
    await shot(page, 'login-validation');
  });

  test('signing in works before (and without) the WASM bundle', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/login');
    await signIn(page, 'not-the-password');
    await expect(page).toHaveURL(/\/login\?error=invalid_credentials/);
    await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');

    await signIn(page);
    await expect(page).toHaveURL(OVERVIEW);
    // Server-rendered with the data: no spinner, the counts are in the HTML.
    expect(await count(page.getByTestId('count-identities'))).toBeGreaterThan(0);
    await context.close();
  });

  test('the sign-in page fits a phone', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/login');
    await hydrated(page);
    await expect(page.getByLabel('Email')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeInViewport();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'login-mobile');
  });

  test('a signed-out visit goes to sign-in and comes back afterwards', async ({ page }) => {
    const direct = await page.request.get(PRODUCTION, { maxRedirects: 0, headers: { accept: 'text/html' } });
    expect(direct.status()).toBe(302);
    expect(direct.headers()['location']).toMatch(/^\/login\?next=/);

    await page.goto(PRODUCTION);
    await expect(page).toHaveURL(/\/login\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe(PRODUCTION);
    await hydrated(page);
    await signIn(page);
    await expect(page).toHaveURL(new RegExp(`${PRODUCTION}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Production');
  });

  test('keyboard: Tab reaches email, password and submit in order, and Enter submits', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    // A keyboard user starts in the email field (autofocus); Tab order runs from there.
    await expect(page.getByLabel('Email')).toBeFocused();
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Password')).toBeFocused();
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeFocused();
    await shot(page, 'login-keyboard-focus');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(OVERVIEW);
  });
});

test.describe('the dashboard', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto(`/login?next=${encodeURIComponent(PRODUCTION)}`);
    await hydrated(page);
    await signIn(page);
    await expect(page).toHaveURL(new RegExp(`${PRODUCTION}$`));
    await hydrated(page);
  });

  test('the switcher moves between development and production', async ({ page }) => {
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Production');
    await expect(page.locator('header[data-production="true"]')).toBeVisible();

    await page.getByTestId('switch-environment').locator('summary').click();
    await shot(page, 'switcher-open');
    await page.getByTestId('switch-environment').getByRole('link', { name: 'Development' }).click();
    await expect(page).toHaveURL(new RegExp(`${DEVELOPMENT}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Development');
    await expect(page.locator('header[data-production="false"]')).toBeVisible();
    const devTotal = await count(page.getByTestId('count-assignments-total'));

    await page.getByTestId('switch-environment').locator('summary').click();
    await page.getByTestId('switch-environment').getByRole('link', { name: 'Production' }).click();
    await expect(page).toHaveURL(new RegExp(`${PRODUCTION}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Production');
    expect(await count(page.getByTestId('count-assignments-total'))).toBeGreaterThan(devTotal);
  });

  test('sub-pages live in the same shell', async ({ page }) => {
    const nav = page.getByTestId('sidebar-nav');
    await expect(nav.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
    await nav.getByRole('link', { name: 'Nodes' }).click();
    await expect(page).toHaveURL(new RegExp(`${PRODUCTION}/nodes$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nodes');
    await expect(page.getByTestId('coming-next')).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Nodes' })).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('aria-current', 'page');
    await shot(page, 'sub-page-nodes');

    // Switching environment keeps the page.
    await page.getByTestId('switch-environment').locator('summary').click();
    await page.getByTestId('switch-environment').getByRole('link', { name: 'Development' }).click();
    await expect(page).toHaveURL(new RegExp(`${DEVELOPMENT}/nodes$`));

    // Server-rendered too.
    const response = await page.goto(`${PRODUCTION}/audit`);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log');
  });

  test('unknown and other tenants’ environments show a not-found state in the shell', async ({ page }) => {
    for (const target of ['/a/acme/billing/staging', '/a/globex/portal/production']) {
      const response = await page.goto(target);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { name: 'Environment not found' })).toBeVisible();
      await expect(page.getByTestId('sidebar-nav')).toBeVisible();
    }
    await shot(page, 'environment-not-found');
    await page.getByRole('link', { name: 'Go to your first environment' }).click();
    await expect(page).toHaveURL(OVERVIEW);
  });

  test('unknown paths get the designed 404 page', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await shot(page, 'not-found');
  });

  test('on a phone the sidebar becomes a menu', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('sidebar-nav')).toBeHidden();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Production');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'overview-mobile');
    await page.getByTestId('switch-environment').locator('summary').click();
    await expect(page.getByTestId('switch-environment').getByRole('link', { name: 'Development' })).toBeInViewport({ ratio: 1 });
    await shot(page, 'switcher-mobile');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('switch-environment').getByRole('link', { name: 'Development' })).toBeHidden();
    await page.getByText('Menu', { exact: true }).click();
    await expect(page.getByTestId('mobile-nav')).toBeVisible();
    await shot(page, 'overview-mobile-menu');
    await page.getByTestId('mobile-nav').getByRole('link', { name: 'Nodes' }).click();
    await expect(page).toHaveURL(new RegExp(`${PRODUCTION}/nodes$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nodes');
    await expect(page.getByTestId('mobile-nav')).toBeHidden();
  });

  test('signing out returns to /login and closes the dashboard', async ({ page }) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto(PRODUCTION);
    await expect(page).toHaveURL(/\/login\?next=/);
    const response = await page.request.get('/portal/v1/me');
    expect(response.status()).toBe(401);
  });
});
