// The API keys page: the list (prefix, created, last used) as the API has it, server-rendered;
// a new key's secret shown once with a copy button, and working on /api/v1; revoking after a
// confirmation, after which the key is a 401 on /api/v1; paging in the URL; all by keyboard too,
// at 1280 px and 390 px.
import { type APIRequestContext, type Page } from '@playwright/test';
import { test, expect, ENV_API, PRODUCTION, hydrated, shot, signInByApi, unique } from './support';

test.use({ timezoneId: 'UTC', locale: 'en-GB', permissions: ['clipboard-read', 'clipboard-write'] });

const KEYS_PAGE = `${PRODUCTION}/api-keys`;
const KEYS_API = `${ENV_API}/api-keys`;

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

async function listKeys(page: Page, query: Record<string, string> = { take: '100' }) {
  const response = await page.request.get(`${KEYS_API}?${new URLSearchParams(query)}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { items: ApiKey[]; pagination: { item_count: number; page_count: number } };
}

async function createKey(page: Page, name: string) {
  const response = await page.request.post(KEYS_API, { data: { name } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as ApiKey & { secret: string };
}

/** The status of a management call made with the key, from a client without the portal's cookie. */
async function managementStatus(client: APIRequestContext, secret: string): Promise<number> {
  const response = await client.get('/api/v1/roles?take=1', { headers: { 'X-API-Key': secret } });
  return response.status();
}

function rows(page: Page) {
  return page.getByTestId('api-key-row');
}

test.describe('API keys', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('the list is server-rendered with what the API lists', async ({ page }) => {
    const key = await createKey(page, unique('listed-'));
    // The server's HTML already holds the row (no script runs for this request).
    const html = await (await page.request.get(KEYS_PAGE)).text();
    expect(html).toContain(key.name);
    expect(html).toContain(key.prefix);
    expect(html).not.toContain(key.secret);

    await page.goto(KEYS_PAGE);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('API keys');
    await expect(page.getByTestId('coming-next')).toHaveCount(0);
    const api = await listKeys(page, { take: '20' });
    await expect(page.getByTestId('item-count')).toHaveText(api.pagination.item_count.toLocaleString('en-US'));
    await expect(rows(page)).toHaveCount(Math.min(20, api.items.length));
    // Newest first, as the API orders them, with the prefix and dates it gives.
    const first = rows(page).first();
    await expect(first).toHaveAttribute('data-id', api.items[0].id);
    await expect(first.getByTestId('api-key-name')).toHaveText(key.name);
    await expect(first.getByTestId('api-key-prefix')).toHaveText(key.prefix);
    await expect(first.getByTestId('api-key-last-used')).toHaveText('Not recorded');
    const created = new Date(key.created_at);
    await expect(first.locator('td').nth(2)).toHaveText(
      `${created.getUTCDate()} ${created.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} ${created.getUTCFullYear()}`,
    );
    await shot(page, 'api-keys-list');
  });

  test('a new key shows its secret once, copies it, and the secret calls the management API', async ({ page, request }) => {
    await page.goto(KEYS_PAGE);
    await hydrated(page);
    const name = unique('ci-deploys-');
    await page.getByTestId('new-api-key').click();
    const dialog = page.getByTestId('api-key-create-dialog');
    await expect(dialog).toBeVisible();

    // The shared validation refuses an empty name before anything is sent.
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByTestId('name-error')).toHaveText('Name is required.');
    await expect(dialog.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secretField = dialog.getByTestId('api-key-secret');
    await expect(secretField).toBeVisible();
    const secret = await secretField.inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await expect(dialog.getByTestId('copy-button')).toBeFocused();
    await shot(page, 'api-keys-secret');

    await dialog.getByTestId('copy-button').click();
    await expect(dialog.getByTestId('copy-button')).toHaveText('Copied');
    await expect(dialog.getByTestId('copy-status')).toHaveText('Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    // The list behind already has it; the API agrees on its prefix, which starts the secret.
    const api = await listKeys(page);
    const stored = api.items.find((k) => k.name === name)!;
    expect(stored).toBeTruthy();
    expect(secret.startsWith(stored.prefix)).toBe(true);
    expect(stored.revoked_at).toBeNull();
    expect(await managementStatus(request, secret)).toBe(200);

    await dialog.getByTestId('api-key-done').click();
    await expect(dialog).toHaveCount(0);
    const row = rows(page).filter({ has: page.getByText(name, { exact: true }) });
    await expect(row).toHaveAttribute('data-id', stored.id);
    await expect(row.getByTestId('api-key-prefix')).toHaveText(stored.prefix);
    // Shown once: nowhere on the page any more, nor after a reload.
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await hydrated(page);
    expect(await page.content()).not.toContain(secret);
  });

  test('revoking asks first; Cancel keeps the key, Revoke makes it a 401 on /api/v1', async ({ page, request }) => {
    const key = await createKey(page, unique('to-revoke-'));
    expect(await managementStatus(request, key.secret)).toBe(200);
    await page.goto(KEYS_PAGE);
    await hydrated(page);
    const row = rows(page).filter({ has: page.getByText(key.name, { exact: true }) });
    await expect(row).toHaveAttribute('data-id', key.id);

    // Cancel: nothing happens.
    await row.getByTestId('revoke-api-key').click();
    const dialog = page.getByTestId('api-key-revoke-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toHaveAttribute('role', 'alertdialog');
    await expect(dialog.getByRole('heading')).toHaveText(`Revoke ${key.name}?`);
    await expect(dialog).toContainText(key.prefix);
    await shot(page, 'api-keys-revoke-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect((await listKeys(page)).items.find((k) => k.id === key.id)!.revoked_at).toBeNull();
    expect(await managementStatus(request, key.secret)).toBe(200);

    // Revoke.
    await row.getByTestId('revoke-api-key').click();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('notice')).toHaveText(`${key.name} revoked`);
    await expect(row.getByTestId('api-key-status')).toHaveText('Revoked');
    await expect(row.getByTestId('revoke-api-key')).toHaveCount(0);
    const stored = (await listKeys(page)).items.find((k) => k.id === key.id)!;
    expect(stored.revoked_at).not.toBeNull();
    expect(await managementStatus(request, key.secret)).toBe(401);
    const exchanged = await request.post('/api/v1/auth/token', { headers: { 'X-API-Key': key.secret } });
    expect(exchanged.status()).toBe(401);
  });

  test('the page and its size live in the URL and survive reload and back', async ({ page }) => {
    // Enough keys for two pages of 10.
    const before = await listKeys(page, { take: '1' });
    for (let i = before.pagination.item_count; i < 12; i++) await createKey(page, unique('paged-'));
    const total = (await listKeys(page, { take: '1' })).pagination.item_count;

    await page.goto(KEYS_PAGE);
    await hydrated(page);
    await page.getByTestId('page-size').selectOption('10');
    await expect.poll(() => new URL(page.url()).search).toBe('?take=10');
    await expect(rows(page)).toHaveCount(10);
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?take=10&page=2');
    const second = await listKeys(page, { take: '10', page: '2' });
    await expect(rows(page)).toHaveCount(second.items.length);
    await expect(rows(page).first()).toHaveAttribute('data-id', second.items[0].id);
    await expect(page.getByTestId('page-position')).toHaveText(`Page 2 of ${Math.ceil(total / 10)}`);

    await page.reload();
    await hydrated(page);
    await expect(rows(page).first()).toHaveAttribute('data-id', second.items[0].id);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).search).toBe('?take=10');
    await expect(rows(page)).toHaveCount(10);
  });

  test('create and revoke by keyboard alone', async ({ page }) => {
    await page.goto(KEYS_PAGE);
    await hydrated(page);
    const name = unique('keyboard-');
    await page.getByTestId('new-api-key').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('api-key-create-dialog');
    await expect(dialog.getByLabel('Name')).toBeFocused();
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await expect(dialog.getByTestId('copy-button')).toBeFocused();
    // Tab stays inside the dialog.
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid=api-key-create-dialog]'))).toBe(true);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('new-api-key')).toBeFocused();

    const row = rows(page).filter({ has: page.getByText(name, { exact: true }) });
    await row.getByTestId('revoke-api-key').focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('api-key-revoke-dialog');
    await expect(confirm).toBeVisible();
    // The first control after Close is Cancel; Tab to the Revoke button and press it.
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByRole('button', { name: 'Revoke key' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(confirm).toHaveCount(0);
    await expect(row.getByTestId('api-key-status')).toHaveText('Revoked');
    const stored = (await listKeys(page)).items.find((k) => k.name === name)!;
    expect(stored.revoked_at).not.toBeNull();
  });

  test('usable at 390 px', async ({ page }) => {
    await createKey(page, unique('narrow-'));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(KEYS_PAGE);
    await hydrated(page);
    await expect(rows(page).first()).toBeVisible();
    // No sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expect(rows(page).first().getByTestId('revoke-api-key')).toBeVisible();
    await shot(page, 'api-keys-390');
    await page.getByTestId('new-api-key').click();
    await page.getByTestId('api-key-create-dialog').getByLabel('Name').fill(unique('narrow-new-'));
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByTestId('api-key-secret')).toBeVisible();
    await shot(page, 'api-keys-390-secret');
  });
});
