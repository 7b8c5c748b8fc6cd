// The roles page: the list with the selected role in the URL, the permission matrix saved in one
// request, system roles locked, create / rename / delete (a role in use: the API's 409
// explained, then an explicit cascade), and the resources form with its three counts. Each task
// is checked against the API afterwards.
import { type Page } from '@playwright/test';
import { test, expect, ENV_API, PRODUCTION, createAssignment, createIdentity, distinctLeaves, hydrated, roles, shot, signInByApi, unique } from './support';

const ROLES_PAGE = `${PRODUCTION}/roles`;

interface RoleFull {
  id: string;
  name: string;
  description: string | null;
  is_system: boolean;
  permissions: string[];
}

async function getRole(page: Page, id: string) {
  return page.request.get(`${ENV_API}/roles/${id}`);
}

async function createRole(page: Page, name: string, permissions: string[] = []): Promise<RoleFull> {
  const response = await page.request.post(`${ENV_API}/roles`, { data: { name, permissions } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as RoleFull;
}

test.describe('roles', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('the matrix saves the whole set in one request; system roles are locked', async ({ page }) => {
    const role = await createRole(page, unique('matrix-'), ['invoices.read']);
    await page.goto(`${ROLES_PAGE}?role=${role.id}`);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Roles & permissions');
    await expect(page.getByTestId('role-title')).toHaveText(role.name);
    const cell = (key: string) => page.locator(`[data-testid="permission-cell"][data-key="${key}"]`);
    await expect(cell('invoices.read')).toBeChecked();
    await cell('invoices.read').uncheck();
    await cell('reports.read').check();
    await cell('payments.read').check();
    await expect(page.getByTestId('matrix-changes')).toHaveText('Unsaved: 2 added, 1 removed.');
    const puts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts.push(r.url());
    });
    await page.getByTestId('matrix-save').click();
    await expect(page.getByTestId('notice')).toContainText('2 permissions saved');
    expect(puts).toHaveLength(1);
    expect(((await (await getRole(page, role.id)).json()) as RoleFull).permissions).toEqual(['payments.read', 'reports.read']);
    // Reload and back keep the selection.
    await page.reload();
    await hydrated(page);
    await expect(cell('reports.read')).toBeChecked();
    await shot(page, 'roles-matrix-1280');

    const system = Object.values(await roles(page)).find((r) => r.is_system)!;
    await page.getByRole('link', { name: new RegExp(system.name) }).click();
    await expect(page).toHaveURL(new RegExp(`role=${system.id}`));
    await expect(page.getByTestId('role-detail').getByTestId('system-badge')).toBeVisible();
    await expect(page.getByTestId('permission-matrix')).toHaveAttribute('data-locked', 'true');
    await expect(page.getByTestId('permission-cell').first()).toBeDisabled();
    await expect(page.getByTestId('matrix-save')).toHaveCount(0);
    await expect(page.getByTestId('delete-role')).toHaveCount(0);
    await page.goBack();
    await expect(page.getByTestId('role-title')).toHaveText(role.name);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'roles-matrix-390');
  });

  test('create and rename a role; a taken name is refused under the field', async ({ page }) => {
    const name = unique('auditor-');
    await page.goto(ROLES_PAGE);
    await hydrated(page);
    await page.getByTestId('new-role').click();
    const dialog = page.getByTestId('role-create-dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Description').fill('Reads the books');
    await dialog.getByRole('button', { name: 'Create role' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('role-title')).toHaveText(name);
    const id = new URL(page.url()).searchParams.get('role')!;
    expect(await (await getRole(page, id)).json()).toMatchObject({ name, description: 'Reads the books', permissions: [] });

    await page.getByTestId('new-role').click();
    await page.getByTestId('role-create-dialog').getByLabel('Name').fill(name);
    await page.getByTestId('role-create-dialog').getByRole('button', { name: 'Create role' }).click();
    await expect(page.getByTestId('name-error')).toBeVisible();
    await page.keyboard.press('Escape');

    await page.getByTestId('rename-role').click();
    const rename = page.getByTestId('role-rename-dialog');
    await rename.getByLabel('Name').fill(`${name}-renamed`);
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect(rename).toHaveCount(0);
    expect(((await (await getRole(page, id)).json()) as RoleFull).name).toBe(`${name}-renamed`);
  });

  test("delete shows the API's 409 for a role in use and cascades only when asked", async ({ page }) => {
    const role = await createRole(page, unique('doomed-'), ['invoices.read']);
    const person = await createIdentity(page, 'Rho', unique('Role'));
    const [leaf] = await distinctLeaves(page);
    await createAssignment(page, { identity_id: person.id, node_id: leaf.id, role_id: role.id });
    await page.goto(`${ROLES_PAGE}?role=${role.id}`);
    await hydrated(page);
    await page.getByTestId('delete-role').click();
    const dialog = page.getByTestId('role-delete-dialog');
    await dialog.getByRole('button', { name: 'Delete role' }).click();
    await expect(dialog.getByTestId('role-in-use')).toContainText('1 assignment');
    await expect(dialog.getByTestId('role-in-use-message')).toContainText('1 assignment(s) use this role');
    await shot(page, 'roles-delete-in-use');
    expect((await getRole(page, role.id)).status()).toBe(200);
    await dialog.getByTestId('confirm-role-cascade').check();
    await dialog.getByRole('button', { name: 'Delete role and assignments' }).click();
    await expect(dialog).toHaveCount(0);
    expect((await getRole(page, role.id)).status()).toBe(404);
  });

  test('the resources form calls setup/resource-permissions and shows its three counts', async ({ page }) => {
    const target = await createRole(page, unique('setup-'));
    const resource = unique('res').toLowerCase();
    await page.goto(ROLES_PAGE);
    await hydrated(page);
    await page.getByTestId('open-setup').click();
    const dialog = page.getByTestId('setup-dialog');
    await dialog.getByTestId('setup-resource').fill(resource);
    await dialog.getByTestId('setup-actions').fill('read, approve');
    await dialog.getByTestId('setup-add-row').click();
    await dialog.getByTestId('setup-resource').nth(1).fill('invoices');
    await dialog.getByTestId('setup-actions').nth(1).fill('read');
    await dialog.locator(`[data-testid="setup-grant"][data-role="${target.id}"]`).check();
    await dialog.getByRole('button', { name: 'Add permissions' }).click();
    await expect(dialog.getByTestId('permissions-created')).toHaveText('2');
    await expect(dialog.getByTestId('permissions-skipped')).toHaveText('1');
    await expect(dialog.getByTestId('roles-updated')).toHaveText('1');
    await shot(page, 'roles-setup-result');
    await dialog.getByTestId('setup-done').click();
    const permissions = ((await (await page.request.get(`${ENV_API}/permissions`)).json()) as { key: string }[]).map((p) => p.key);
    expect(permissions).toEqual(expect.arrayContaining([`${resource}.read`, `${resource}.approve`]));
    expect(((await (await getRole(page, target.id)).json()) as RoleFull).permissions).toEqual(
      [`${resource}.approve`, `${resource}.read`, 'invoices.read'].sort(),
    );
  });
});
