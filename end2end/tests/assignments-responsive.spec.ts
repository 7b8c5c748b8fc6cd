// The assignments page on a phone (390 px) and on a laptop (1280 px).
import path from 'node:path';
import {
  test,
  expect,
  ASSIGNMENTS_PAGE,
  createAssignments,
  daysFromNow,
  hydrated,
  newPerson,
  shot,
  signInByApi,
} from './support';

test.describe('page widths', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('at 390 px the page fits, each row shows its role, status and node under the identity, and can be edited', async ({ page }) => {
    const { last, person, role, leaves: [a, b] } = await newPerson(page, 'Mo', 'Mobley');
    await createAssignments(page, [
      { identity_id: person.id, node_id: a.id, role_id: role.viewer.id },
      { identity_id: person.id, node_id: b.id, role_id: role.editor.id, effective_from: daysFromNow(5), effective_to: daysFromNow(90) },
    ]);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Assignments');
    await expect(page.getByTestId('assignment-row')).toHaveCount(2);

    // The document itself never scrolls sideways; the controls are on screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const control of [
      page.getByRole('button', { name: 'New assignment' }),
      page.getByLabel('Search assignments'),
      page.getByLabel('Status', { exact: true }),
      page.getByLabel('Role', { exact: true }),
      page.getByRole('combobox', { name: 'Source node' }),
    ]) {
      await expect(control).toBeInViewport({ ratio: 1 });
    }
    await expect(page.getByTestId('page-summary')).toHaveText('Showing 1–2 of 2');
    await shot(page, 'assignments-mobile');

    // The table fits its box: the columns a phone has no room for are folded under the identity,
    // and the row's actions are on screen without scrolling sideways.
    const box = page.getByTestId('assignments-table').locator('..');
    const scroll = await box.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroll.scroll).toBeLessThanOrEqual(scroll.client);
    const editor = page.getByTestId('assignment-row').filter({ hasText: 'editor' });
    const summary = editor.getByTestId('row-summary');
    await expect(summary).toBeVisible();
    await expect(summary).toContainText('editor');
    await expect(summary).toContainText('Scheduled');
    await expect(summary).toContainText(b.path);
    await expect(summary).toContainText('From ');
    await expect(editor.getByTestId('status')).toBeHidden();

    // The Role and Created headers are folded away too; their sorts are in a select instead.
    const sort = page.getByLabel('Sort', { exact: true });
    await expect(sort).toBeInViewport();
    await sort.selectOption({ label: 'Role, Z to A' });
    await expect(page).toHaveURL(/sort=role&order=desc/);
    await expect(page.getByTestId('assignment-row').first().getByTestId('row-summary')).toContainText('viewer');
    await sort.selectOption({ label: 'Role, A to Z' });
    await expect(page).toHaveURL(/sort=role&order=asc/);
    await expect(page.getByTestId('assignment-row').first().getByTestId('row-summary')).toContainText('editor');
    await page.reload();
    await hydrated(page);
    await expect(sort).toHaveValue('role:asc');
    const edit = page.getByRole('button', { name: `Edit Mo ${last}’s assignment` }).first();
    await expect(edit).toBeInViewport({ ratio: 1 });
    await edit.click();
    const dialog = page.getByRole('dialog', { name: 'Edit assignment' });
    await expect(dialog).toBeVisible();
    const rect = await dialog.boundingBox();
    expect(rect!.x).toBeGreaterThanOrEqual(0);
    expect(rect!.x + rect!.width).toBeLessThanOrEqual(390);
    await expect(dialog.getByRole('button', { name: 'Save changes' })).toBeInViewport({ ratio: 1 });
    await expect(dialog.getByRole('textbox', { name: 'Ends (optional)' })).toBeInViewport({ ratio: 1 });
    await page.screenshot({ path: path.join(__dirname, '..', 'screenshots', 'assignments-mobile-dialog.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  });

  test('at 1280 px every column is in view without sideways scrolling', async ({ page }) => {
    const { last, person, role, leaves: [a, b] } = await newPerson(page, 'Wanda', 'Wideman');
    await createAssignments(page, [
      { identity_id: person.id, node_id: a.id, role_id: role.viewer.id },
      { identity_id: person.id, node_id: b.id, role_id: role['billing-admin'].id, effective_from: daysFromNow(-40), effective_to: daysFromNow(-3) },
    ]);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = page.getByTestId('assignments-table').locator('..');
    const scroll = await box.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroll.scroll).toBeLessThanOrEqual(scroll.client);
    for (const header of ['Identity', 'Role', 'Node', 'Status', 'Effective', 'Created']) {
      await expect(page.getByRole('columnheader', { name: new RegExp(`^${header}`) })).toBeInViewport();
    }
    await expect(page.getByRole('button', { name: `Edit Wanda ${last}’s assignment` }).first()).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('row-summary').first()).toBeHidden();
    await expect(page.getByTestId('sort-narrow')).toBeHidden();
    await expect(page.getByTestId('sidebar-nav')).toBeVisible();
    await shot(page, 'assignments-desktop');

    // The unfiltered first page, as most admins first see it.
    await page.goto(ASSIGNMENTS_PAGE);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(20);
    await shot(page, 'assignments-desktop-full');
  });
});
