// The assignments page on a phone (390 px) and on a laptop (1280 px).
import path from 'node:path';
import {
  test,
  expect,
  ASSIGNMENTS_PAGE,
  createAssignments,
  createIdentity,
  daysFromNow,
  distinctLeaves,
  hydrated,
  roles,
  shot,
  signInByApi,
  unique,
} from './support';

test.describe('page widths', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('at 390 px the page fits, the table scrolls sideways and a row can be edited', async ({ page }) => {
    const last = unique('Mobley');
    const person = await createIdentity(page, 'Mo', last);
    const role = await roles(page);
    const [a, b] = await distinctLeaves(page);
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

    // The table scrolls inside its box, and the edit button at its far end is reachable.
    const box = page.getByTestId('assignments-table').locator('..');
    const scroll = await box.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroll.scroll).toBeGreaterThan(scroll.client);
    const edit = page.getByRole('button', { name: `Edit Mo ${last}’s assignment` }).first();
    await edit.scrollIntoViewIfNeeded();
    await expect(edit).toBeInViewport({ ratio: 1 });
    await shot(page, 'assignments-mobile-scrolled');
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
    const last = unique('Wideman');
    const person = await createIdentity(page, 'Wanda', last);
    const role = await roles(page);
    const [a, b] = await distinctLeaves(page);
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
    await expect(page.getByTestId('sidebar-nav')).toBeVisible();
    await shot(page, 'assignments-desktop');

    // The unfiltered first page, as most admins first see it.
    await page.goto(ASSIGNMENTS_PAGE);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(20);
    await shot(page, 'assignments-desktop-full');
  });
});
