// The identities pages: the list (search, status, sort and paging in the URL), the create and
// edit dialogs (an email in use is refused under the field), activate / deactivate with a
// confirmation, and an identity's own page (details, its assignments in every environment, its
// effective permissions with why, at a chosen instant, and why not). Each task is checked
// against the API afterwards.
import { type Page } from '@playwright/test';
import {
  test,
  expect,
  APP_API,
  ENV_API,
  PRODUCTION,
  createAssignments,
  createIdentity,
  daysFromNow,
  distinctLeaves,
  hydrated,
  roles,
  shot,
  signInByApi,
  unique,
  type Identity,
} from './support';

test.use({ timezoneId: 'UTC', locale: 'en-GB' });

const IDENTITIES_PAGE = `${PRODUCTION}/identities`;
const IDENTITIES_API = `${APP_API}/identities`;

interface IdentityFull extends Identity {
  first_name: string;
  last_name: string;
  status: 'active' | 'inactive';
}

async function getIdentity(page: Page, id: string): Promise<IdentityFull> {
  const response = await page.request.get(`${IDENTITIES_API}/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as IdentityFull;
}

async function listIdentities(page: Page, query: Record<string, string>) {
  const response = await page.request.get(`${IDENTITIES_API}?${new URLSearchParams(query)}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { items: IdentityFull[]; pagination: { item_count: number; page_count: number } };
}

function rows(page: Page) {
  return page.getByTestId('identity-row');
}

function params(page: Page) {
  return () => Object.fromEntries(new URL(page.url()).searchParams);
}

/** Three identities sharing a unique last name; the middle one inactive. */
async function threePeople(page: Page) {
  const last = unique('Quill');
  const ada = await createIdentity(page, 'Ada', last);
  const bea = await createIdentity(page, 'Bea', last);
  const cal = await createIdentity(page, 'Cal', last);
  expect((await page.request.post(`${IDENTITIES_API}/${bea.id}/deactivate`)).status()).toBe(200);
  return { last, ada, bea, cal };
}

test.describe('identities', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('search, status filter, sort and paging live in the URL and survive reload and back', async ({ page }) => {
    const { last, ada, bea, cal } = await threePeople(page);
    await page.goto(IDENTITIES_PAGE);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Identities');
    await expect(page.getByRole('link', { name: 'Identities', exact: true }).first()).toHaveAttribute('aria-current', 'page');
    await expect(page.getByTestId('coming-next')).toHaveCount(0);

    // The whole list, first page: as many as the API says.
    const all = await listIdentities(page, { take: '20' });
    await expect(page.getByTestId('item-count')).toHaveText(all.pagination.item_count.toLocaleString('en-US'));
    await expect(rows(page)).toHaveCount(20);
    await shot(page, 'identities-list');

    // Search: the URL follows the box.
    await page.getByLabel('Search identities').fill(last);
    await expect.poll(params(page)).toEqual({ q: last });
    await expect(rows(page)).toHaveCount(3);
    await expect(rows(page).getByTestId('identity-name')).toHaveText([`Ada ${last}`, `Bea ${last}`, `Cal ${last}`]);

    // Status: inactive leaves Bea alone.
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Inactive' });
    await expect.poll(params(page)).toEqual({ q: last, status: 'inactive' });
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toHaveAttribute('data-id', bea.id);
    await expect(page.getByTestId('filter-chip')).toHaveText([`Search: “${last}”`, 'Status: Inactive']);
    const api = await listIdentities(page, { q: last, status: 'inactive' });
    expect(api.items.map((i) => i.id)).toEqual([bea.id]);

    // A reload brings the same view back, controls included.
    await page.reload();
    await hydrated(page);
    await expect(rows(page)).toHaveCount(1);
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('inactive');
    await expect(page.getByLabel('Search identities')).toHaveValue(last);

    // Back: every status again.
    await page.goBack();
    await expect.poll(params(page)).toEqual({ q: last });
    await expect(rows(page)).toHaveCount(3);
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('');

    // Sort by name, then flip it; the API sorts the same way.
    await page.getByTestId('sort-name').click();
    await expect.poll(params(page)).toEqual({ q: last, sort: 'name', order: 'desc' });
    await expect(rows(page).getByTestId('identity-name')).toHaveText([`Cal ${last}`, `Bea ${last}`, `Ada ${last}`]);
    const sorted = await listIdentities(page, { q: last, sort_by: 'name', order: 'desc' });
    expect(sorted.items.map((i) => i.id)).toEqual([cal.id, bea.id, ada.id]);
    await expect(page.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'descending');

    // Paging by link, two at a time.
    await page.goto(`${IDENTITIES_PAGE}?q=${last}&take=2`);
    await hydrated(page);
    await expect(page.getByTestId('page-summary')).toHaveText('Showing 1–2 of 3');
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(params(page)).toEqual({ q: last, take: '2', page: '2' });
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toHaveAttribute('data-id', cal.id);
    await expect(page.getByTestId('page-position')).toHaveText('Page 2 of 2');
    const second = await listIdentities(page, { q: last, take: '2', page: '2' });
    expect(second.items.map((i) => i.id)).toEqual([cal.id]);
    await page.goBack();
    await expect(page.getByTestId('page-summary')).toHaveText('Showing 1–2 of 3');

    // Nothing matches: the designed empty state, with a way back.
    await page.goto(`${IDENTITIES_PAGE}?q=${last}zzz`);
    await hydrated(page);
    await expect(page.getByTestId('empty-state')).toContainText('No identities match');
  });

  test('creating: an email already in use is refused under the field, then a new one is created', async ({ page }) => {
    const last = unique('Newton');
    const taken = await createIdentity(page, 'Taken', last);
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(rows(page)).toHaveCount(1);

    await page.getByRole('button', { name: 'New identity' }).click();
    const dialog = page.getByRole('dialog', { name: 'New identity' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Email')).toBeFocused();

    // The shared validation first: no request for a malformed address.
    await dialog.getByLabel('Email').fill('not-an-email');
    await dialog.getByRole('button', { name: 'Create identity' }).click();
    await expect(dialog.getByTestId('email-error')).toBeVisible();
    await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');

    // The API's 409 email_taken, case-folded, inline.
    await dialog.getByLabel('Email').fill(taken.email.toUpperCase());
    await dialog.getByLabel('First name (optional)').fill('Nina');
    await dialog.getByLabel('Last name (optional)').fill(last);
    await dialog.getByRole('button', { name: 'Create identity' }).click();
    await expect(dialog.getByTestId('email-error')).toHaveText('Another identity of this application already has this email.');
    await expect(dialog.getByLabel('Email')).toBeFocused();
    await shot(page, 'identities-create-taken');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${__dirname}/../screenshots/identities-create-taken-mobile.png` });
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect((await listIdentities(page, { q: last })).pagination.item_count).toBe(1);

    // A free address: created, listed, and stored as typed.
    const email = `nina.${last}@e2e.example`.toLowerCase();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByRole('button', { name: 'Create identity' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText(`Nina ${last} created`);
    await expect(rows(page)).toHaveCount(2);
    const found = await listIdentities(page, { q: email });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ email, first_name: 'Nina', last_name: last, name: `Nina ${last}`, status: 'active' });
  });

  test('editing changes the names and email in the table and in the API', async ({ page }) => {
    const last = unique('Edison');
    const person = await createIdentity(page, 'Eve', last);
    const other = await createIdentity(page, 'Olaf', last);
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    const row = page.locator(`[data-testid="identity-row"][data-id="${person.id}"]`);
    await row.getByRole('button', { name: `Edit Eve ${last}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit identity' });
    await expect(dialog).toContainText(`Eve ${last} (${person.email})`);
    await expect(dialog.getByLabel('Email')).toHaveValue(person.email);
    await expect(dialog.getByLabel('First name (optional)')).toHaveValue('Eve');
    await expect(dialog.getByLabel(/^Display name/)).toHaveValue(`Eve ${last}`);

    // Another identity's email: refused inline, nothing changed.
    await dialog.getByLabel('Email').fill(other.email);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByTestId('email-error')).toHaveText('Another identity of this application already has this email.');
    expect((await getIdentity(page, person.id)).email).toBe(person.email);

    const email = `evelyn.${last}@e2e.example`.toLowerCase();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByLabel('First name (optional)').fill('Evelyn');
    await dialog.getByLabel(/^Display name/).fill(`Dr Evelyn ${last}`);
    await shot(page, 'identities-edit-dialog');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText(`Dr Evelyn ${last} updated`);
    await expect(row.getByTestId('identity-name')).toHaveText(`Dr Evelyn ${last}`);
    await expect(row.getByTestId('identity-email')).toHaveText(email);
    expect(await getIdentity(page, person.id)).toMatchObject({ email, first_name: 'Evelyn', last_name: last, name: `Dr Evelyn ${last}` });
  });

  test('an edit from a stale read is refused with nothing overwritten, and Reload shows the other change', async ({ page }) => {
    const last = unique('Conflict');
    const person = await createIdentity(page, 'Cora', last);
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    const row = page.locator(`[data-testid="identity-row"][data-id="${person.id}"]`);
    // The dialog reads the identity again, with its ETag, when it opens.
    const read = page.waitForResponse((r) => r.url().endsWith(`/identities/${person.id}`) && r.request().method() === 'GET');
    await row.getByRole('button', { name: `Edit Cora ${last}` }).click();
    expect((await read).headers()['etag']).toBeTruthy();
    const dialog = page.getByRole('dialog', { name: 'Edit identity' });

    // Another admin renames her meanwhile.
    const theirs = await page.request.patch(`${IDENTITIES_API}/${person.id}`, { data: { first_name: 'Corinne', name: `Corinne ${last}` } });
    expect(theirs.status()).toBe(200);

    await dialog.getByLabel(/^Display name/).fill(`Mine ${last}`);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog.getByTestId('stale-alert')).toContainText('Another admin changed this identity');
    expect(await getIdentity(page, person.id)).toMatchObject({ first_name: 'Corinne', name: `Corinne ${last}` });

    await dialog.getByRole('button', { name: 'Reload' }).click();
    await expect(dialog.getByTestId('stale-alert')).toHaveCount(0);
    await expect(dialog.getByLabel('First name (optional)')).toHaveValue('Corinne');
    await expect(dialog.getByLabel(/^Display name/)).toHaveValue(`Corinne ${last}`);
    await dialog.getByLabel(/^Display name/).fill(`Mine ${last}`);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    expect(await getIdentity(page, person.id)).toMatchObject({ first_name: 'Corinne', name: `Mine ${last}` });
  });

  test('deactivating and activating ask first, then show and store the new status', async ({ page }) => {
    const last = unique('Stat');
    const person = await createIdentity(page, 'Sam', last);
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    const row = page.locator(`[data-testid="identity-row"][data-id="${person.id}"]`);
    await expect(row.getByTestId('status')).toHaveText('Active');

    // Cancel changes nothing.
    await row.getByRole('button', { name: `Deactivate Sam ${last}` }).click();
    const confirm = page.getByRole('alertdialog', { name: `Deactivate Sam ${last}?` });
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText('every permission check for them is denied');
    await shot(page, 'identities-deactivate-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toBeHidden();
    expect((await getIdentity(page, person.id)).status).toBe('active');

    // Escape closes it too; then confirm for real.
    await row.getByRole('button', { name: `Deactivate Sam ${last}` }).click();
    await page.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await row.getByRole('button', { name: `Deactivate Sam ${last}` }).focus();
    await page.keyboard.press('Enter');
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText(`Sam ${last} deactivated`);
    await expect(row.getByTestId('status')).toHaveText('Inactive');
    expect((await getIdentity(page, person.id)).status).toBe('inactive');

    await row.getByRole('button', { name: `Activate Sam ${last}` }).click();
    const activate = page.getByRole('alertdialog', { name: `Activate Sam ${last}?` });
    await activate.getByRole('button', { name: 'Activate' }).click();
    await expect(activate).toBeHidden();
    await expect(row.getByTestId('status')).toHaveText('Active');
    expect((await getIdentity(page, person.id)).status).toBe('active');
  });

  test('at 390 px the list fits and its rows show name, email and status', async ({ page }) => {
    const { last } = await threePeople(page);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(rows(page)).toHaveCount(3);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const control of [
      page.getByRole('button', { name: 'New identity' }),
      page.getByLabel('Search identities'),
      page.getByLabel('Status', { exact: true }),
      page.getByLabel('Sort', { exact: true }),
      page.getByRole('button', { name: `Edit Ada ${last}` }),
    ]) {
      await expect(control).toBeInViewport({ ratio: 1 });
    }
    await expect(rows(page).nth(1)).toContainText('Inactive');
    await page.getByLabel('Sort', { exact: true }).selectOption({ label: 'Name, Z to A' });
    await expect(page).toHaveURL(/sort=name&order=desc/);
    await expect(rows(page).first().getByTestId('identity-name')).toHaveText(`Cal ${last}`);
    await shot(page, 'identities-mobile');
  });

  test('an identity’s page: details, assignments in every environment, permissions with why, at a date, and why not', async ({ page }) => {
    const last = unique('Page');
    const person = await createIdentity(page, 'Pia', last);
    const role = await roles(page);
    const [a, b] = await distinctLeaves(page);
    const [now, later] = await createAssignments(page, [
      { identity_id: person.id, node_id: a.id, role_id: role.editor.id },
      { identity_id: person.id, node_id: b.id, role_id: role['billing-admin'].id, effective_from: daysFromNow(10), effective_to: daysFromNow(60) },
    ]);
    // One in development too: the page lists every environment's.
    const DEV_API = `${APP_API}/environments/development`;
    const devRoles = (await (await page.request.get(`${DEV_API}/roles?take=100`)).json()) as { items: { id: string; name: string }[] };
    const devNodes = (await (await page.request.get(`${DEV_API}/nodes?take=5`)).json()) as { items: { id: string }[] };
    const devViewer = devRoles.items.find((r) => r.name === 'viewer')!;
    const dev = await page.request.post(`${DEV_API}/assignments`, {
      data: { identity_id: person.id, node_id: devNodes.items[0].id, role_id: devViewer.id },
    });
    expect(dev.status()).toBe(201);

    // From the list, by the name's link.
    await page.goto(`${IDENTITIES_PAGE}?q=${last}`);
    await hydrated(page);
    await rows(page).getByRole('link', { name: `Pia ${last}` }).click();
    await expect(page).toHaveURL(new RegExp(`/identities/${person.id}$`));
    await expect(page.getByTestId('identity-title')).toHaveText(`Pia ${last}`);
    await expect(page.getByTestId('identity-email')).toHaveText(person.email);
    await expect(page.getByTestId('identity-status')).toHaveText('Active');

    // Assignments: three, across two environments, as the seed endpoint says.
    const seed = (await (await page.request.get(`${IDENTITIES_API}/${person.id}/assignments`)).json()) as {
      items: { id: string }[];
      pagination: { item_count: number };
    };
    expect(seed.pagination.item_count).toBe(3);
    const listed = page.getByTestId('identity-assignment');
    await expect(listed).toHaveCount(3);
    expect((await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort()).toEqual(seed.items.map((i) => i.id).sort());
    await expect(page.locator(`[data-testid="identity-assignment"][data-id="${now.id}"]`)).toContainText(a.path);
    await expect(page.locator(`[data-testid="identity-assignment"][data-id="${later.id}"]`)).toContainText('Scheduled');
    await page.getByTestId('assignments-environment').selectOption({ label: 'Production' });
    await expect(page).toHaveURL(/env=production/);
    await expect(listed).toHaveCount(2);
    await page.reload();
    await hydrated(page);
    await expect(listed).toHaveCount(2);
    await expect(page.getByTestId('assignments-environment')).toHaveValue('production');

    // Effective permissions now: the editor role's, each granted by the assignment at a.
    const effectiveNow = (await (
      await page.request.get(`${IDENTITIES_API}/${person.id}/effective-permissions?environment=production`)
    ).json()) as { permissions: { key: string; granted_by: { assignment_id: string; role_name: string }[] }[] };
    const keysNow = effectiveNow.permissions.map((p) => p.key);
    expect(keysNow.length).toBeGreaterThan(0);
    const shown = page.getByTestId('effective-permission');
    await expect(shown).toHaveCount(keysNow.length);
    expect(await shown.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))).toEqual(keysNow);
    const firstGrant = shown.first().getByTestId('grant');
    await expect(firstGrant.getByTestId('grant-role')).toHaveText('editor');
    await expect(firstGrant.getByTestId('grant-node')).toHaveText(a.path);
    await expect(firstGrant).toHaveAttribute('data-assignment', now.id);
    await expect(firstGrant).toContainText(`assignment ${now.id.slice(0, 8)}`);
    await shot(page, 'identity-page');

    // Twenty days on: the billing-admin assignment at b is in force too.
    await page.getByTestId('permissions-at').fill(isoLocal(daysFromNow(20)));
    await page.getByTestId('permissions-at').dispatchEvent('change');
    await expect(page).toHaveURL(/at=/);
    const at = new URL(page.url()).searchParams.get('at')!;
    const effectiveLater = (await (
      await page.request.get(`${IDENTITIES_API}/${person.id}/effective-permissions?environment=production&at=${encodeURIComponent(at)}`)
    ).json()) as { permissions: { key: string; granted_by: { role_name: string }[] }[] };
    await expect(shown).toHaveCount(effectiveLater.permissions.length);
    expect(effectiveLater.permissions.length).toBeGreaterThan(keysNow.length);
    await expect(page.getByTestId('grant-role').filter({ hasText: 'billing-admin' }).first()).toBeVisible();
    await expect(page.getByTestId('grant-node').filter({ hasText: b.path }).first()).toBeVisible();
    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await expect(page).not.toHaveURL(/at=/);
    await expect(shown).toHaveCount(keysNow.length);

    // Why not: a billing-admin permission the editor role lacks, at a.
    const editorKeys = new Set(keysNow);
    const lacking = effectiveLater.permissions.map((p) => p.key).find((k) => !editorKeys.has(k))!;
    expect(lacking).toBeTruthy();
    const allRoles = (await (await page.request.get(`${ENV_API}/roles?take=100`)).json()) as {
      items: { name: string; is_system: boolean; permissions: string[] }[];
    };
    // System roles cannot be assigned to identities, so they are not offered as a remedy.
    const wouldGrant = allRoles.items.filter((r) => !r.is_system && r.permissions.includes(lacking)).map((r) => r.name).sort();
    expect(wouldGrant).toContain('billing-admin');
    await page.getByLabel('Permission', { exact: true }).selectOption(lacking);
    const nodePicker = page.getByRole('combobox', { name: 'Node', exact: true });
    await nodePicker.fill(a.name);
    await page.getByRole('option').filter({ hasText: a.path }).click();
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect(page).toHaveURL(new RegExp(`perm=${lacking.replace('.', '\\.')}&perm_node=${a.id}`));
    const result = page.getByTestId('why-not-result');
    await expect(result).toHaveAttribute('data-granted', 'false');
    await expect(result).toContainText(`Nothing grants ${lacking} at ${a.path}`);
    expect((await result.getByTestId('would-grant').allTextContents()).sort()).toEqual(wouldGrant);
    await expect(result.getByTestId('why-not-close')).toContainText([`billing-admin at ${b.path} (scheduled)`]);
    const atA = (await (
      await page.request.get(`${IDENTITIES_API}/${person.id}/effective-permissions?environment=production&node_id=${a.id}`)
    ).json()) as { permissions: { key: string }[] };
    expect(atA.permissions.map((p) => p.key)).not.toContain(lacking);
    await shot(page, 'identity-why-not');

    // And a permission it has there: granted, by what.
    await page.getByLabel('Permission', { exact: true }).selectOption(keysNow[0]);
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect(result).toHaveAttribute('data-granted', 'true');
    await expect(result.getByTestId('grant-role')).toHaveText(['editor']);

    // Deactivated, nothing applies, and the page says why.
    await page.getByTestId('toggle-status').click();
    await page.getByRole('alertdialog', { name: `Deactivate Pia ${last}?` }).getByRole('button', { name: 'Deactivate' }).click();
    await expect(page.getByTestId('identity-status')).toHaveText('Inactive');
    await expect(page.getByTestId('no-permissions')).toContainText('This identity is inactive');
    expect((await getIdentity(page, person.id)).status).toBe('inactive');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'identity-page-mobile');
  });

  test('both pages are server-rendered with their data, not a spinner', async ({ page }) => {
    const { last, ada } = await threePeople(page);
    const list = await page.request.get(`${IDENTITIES_PAGE}?q=${last}&status=active`);
    expect(list.status()).toBe(200);
    const html = await list.text();
    expect(html).toContain(`Ada ${last}`);
    expect(html).toContain(`Cal ${last}`);
    expect(html).not.toContain(`Bea ${last}`);
    expect(html).toContain('data-testid="identities-table"');
    const one = await page.request.get(`${IDENTITIES_PAGE}/${ada.id}`);
    expect(one.status()).toBe(200);
    const detail = await one.text();
    expect(detail).toContain('data-testid="identity-title"');
    expect(detail).toContain(ada.email);
    expect(detail).toContain('Effective permissions');
  });

  test('an unknown identity is the designed 404', async ({ page }) => {
    const response = await page.goto(`${IDENTITIES_PAGE}/nosuchidentity`);
    expect(response!.status()).toBe(404);
    await expect(page.getByTestId('identity-not-found')).toContainText('Identity not found');
  });
});

/** An ISO instant as a `datetime-local` value in the browser's zone (the tests run in UTC unless
 *  told otherwise, like Playwright's default). */
function isoLocal(iso: string): string {
  return iso.slice(0, 16);
}
