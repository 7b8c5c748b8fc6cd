// Bulk actions on a selection that spans pages: remove, and change of role with failures.
import {
  test,
  expect,
  ASSIGNMENTS_API,
  ASSIGNMENTS_PAGE,
  createAssignment,
  createAssignments,
  createIdentity,
  getAssignment,
  hydrated,
  listAssignments,
  nodes,
  roles,
  shot,
  signInByApi,
  unique,
} from './support';

test.describe('bulk actions across pages', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('select the page, then all 25 matching, and remove them all', async ({ page }) => {
    const last = unique('Bulkley');
    const person = await createIdentity(page, 'Bea', last);
    const role = await roles(page);
    const tree = await nodes(page);
    const created = await createAssignments(
      page,
      tree.slice(0, 25).map((node) => ({ identity_id: person.id, node_id: node.id, role_id: role.viewer.id })),
    );
    // Someone else's row at the same node, which must survive.
    const bystander = await createIdentity(page, 'Bert', unique('Keepsake'));
    const kept = await createAssignment(page, { identity_id: bystander.id, node_id: tree[0].id, role_id: role.viewer.id });

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    const rows = page.getByTestId('assignment-row');
    await expect(rows).toHaveCount(20);
    await expect(page.getByTestId('page-summary')).toHaveText('Showing 1–20 of 25');
    await expect(page.getByTestId('page-position')).toHaveText('Page 1 of 2');

    await page.getByRole('checkbox', { name: 'Select every assignment on this page' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await expect(bar.getByTestId('selected-count')).toHaveText('20 selected');
    for (const box of await rows.getByTestId('select-row').all()) await expect(box).toBeChecked();
    await bar.getByRole('button', { name: 'Select all 25 matching' }).click();
    await expect(bar.getByTestId('selected-count')).toHaveText('25 selected');
    await expect(bar.getByRole('button', { name: /Select all/ })).toHaveCount(0);
    await shot(page, 'assignments-bulk-selected');

    // The selection holds on page 2.
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/[?&]page=2/);
    await expect(page.getByTestId('page-summary')).toHaveText('Showing 21–25 of 25');
    await expect(rows).toHaveCount(5);
    for (const box of await rows.getByTestId('select-row').all()) await expect(box).toBeChecked();
    await expect(bar.getByTestId('selected-count')).toHaveText('25 selected');

    await bar.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove 25 assignments?' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('The 25 assignments you selected, on this page and others, will be removed. This cannot be undone.');
    await shot(page, 'assignments-bulk-remove-dialog');
    await dialog.getByRole('button', { name: 'Remove 25 assignments' }).click();

    await expect(dialog).toBeHidden();
    const outcome = page.getByTestId('bulk-outcome');
    await expect(outcome.getByRole('heading')).toHaveText('25 assignments removed.');
    await expect(page.getByTestId('bulk-failures')).toHaveCount(0);
    await expect(bar).toBeHidden();
    await expect(rows).toHaveCount(0);
    await expect(page.getByTestId('empty-state')).toBeVisible();

    // Through the API: every one of them is gone, the bystander is not.
    expect((await listAssignments(page, { q: last })).pagination.item_count).toBe(0);
    for (const row of [created[0], created[19], created[24]]) {
      expect((await page.request.get(`${ASSIGNMENTS_API}/${row.id}`)).status()).toBe(404);
    }
    expect((await getAssignment(page, kept.id)).identity_id).toBe(bystander.id);
  });

  test('change the role of 25 across pages; a duplicate fails, says why and stays selected', async ({ page }) => {
    const last = unique('Rolfe');
    const person = await createIdentity(page, 'Rhea', last);
    const role = await roles(page);
    const tree = await nodes(page);
    // 24 viewer rows, and an editor row at the first viewer row's node: changing that viewer row
    // to editor would duplicate it.
    const [clash, ...viewers] = await createAssignments(page, [
      { identity_id: person.id, node_id: tree[0].id, role_id: role.viewer.id },
      ...tree.slice(1, 24).map((node) => ({ identity_id: person.id, node_id: node.id, role_id: role.viewer.id })),
    ]);
    const already = await createAssignment(page, { identity_id: person.id, node_id: tree[0].id, role_id: role.editor.id });
    expect(viewers).toHaveLength(23);

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    const rows = page.getByTestId('assignment-row');
    await expect(rows).toHaveCount(20);
    await expect(page.getByTestId('item-count')).toHaveText('25');

    await page.getByTestId('select-page').check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await expect(bar.getByTestId('selected-count')).toHaveText('20 selected');
    await bar.getByRole('button', { name: 'Select all 25 matching' }).click();
    await expect(bar.getByTestId('selected-count')).toHaveText('25 selected');

    await bar.getByRole('button', { name: 'Change role' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change the role of 25 assignments' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Each of the 25 assignments you selected, on this page and others, will get the role you choose.');
    // No role chosen: refused in the form.
    await dialog.getByRole('button', { name: 'Change 25 assignments' }).click();
    await expect(dialog.getByTestId('role_id-error')).toHaveText('Choose a role.');
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'editor' });
    await shot(page, 'assignments-bulk-role-dialog');
    await dialog.getByRole('button', { name: 'Change 25 assignments' }).click();
    await expect(dialog).toBeHidden();

    const outcome = page.getByTestId('bulk-outcome');
    await expect(outcome.getByRole('heading')).toHaveText('24 assignments changed; 1 could not be.');
    const failures = page.getByTestId('bulk-failures').getByRole('listitem');
    await expect(failures).toHaveCount(1);
    await expect(failures.first()).toContainText(`Rhea ${last} · viewer at ${tree[0].name}`);
    await expect(failures.first()).toContainText('This identity already has this role at this node.');
    // The failure stays selected; the rest left the selection.
    await expect(bar.getByTestId('selected-count')).toHaveText('1 selected');
    await shot(page, 'assignments-bulk-role-outcome');

    // The table shows the new roles without a reload: filtered by viewer, only the failed row is
    // left, and it is still checked.
    await expect(rows.first().getByTestId('role-name')).toHaveText('editor');
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'viewer' });
    await expect(rows).toHaveCount(1);
    const failed = page.locator(`[data-testid="assignment-row"][data-id="${clash.id}"]`);
    await expect(failed.getByTestId('role-name')).toHaveText('viewer');
    await expect(failed.getByTestId('select-row')).toBeChecked();
    await expect(bar.getByTestId('selected-count')).toHaveText('1 selected');

    // Through the API.
    expect((await getAssignment(page, clash.id)).role_id).toBe(role.viewer.id);
    expect((await getAssignment(page, already.id)).role_id).toBe(role.editor.id);
    for (const row of viewers) expect((await getAssignment(page, row.id)).role_id).toBe(role.editor.id);
    const editors = await listAssignments(page, { q: last, role_id: role.editor.id });
    expect(editors.pagination.item_count).toBe(24);
    const stillViewers = await listAssignments(page, { q: last, role_id: role.viewer.id });
    expect(stillViewers.items.map((r) => r.assignment.id)).toEqual([clash.id]);
  });
});
