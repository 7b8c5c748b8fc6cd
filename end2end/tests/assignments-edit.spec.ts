// Editing one assignment in its dialog: role and dates, and dates that cannot be.
import { type Page } from '@playwright/test';
import {
  test,
  expect,
  ASSIGNMENTS_API,
  ASSIGNMENTS_PAGE,
  createAssignments,
  daysFromNow,
  getAssignment,
  hydrated,
  newPerson,
  shot,
  signInByApi,
} from './support';

// A zone with daylight saving, so that what the dialog sends is visibly converted to UTC.
test.use({ timezoneId: 'Europe/Paris', locale: 'en-GB' });

function row(page: Page, id: string) {
  return page.locator(`[data-testid="assignment-row"][data-id="${id}"]`);
}

/** Counts the PATCH and DELETE requests the page sends from now on. */
function writes(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (['PATCH', 'DELETE', 'POST'].includes(request.method()) && request.url().includes('/assignments')) {
      seen.push(`${request.method()} ${request.url()}`);
    }
  });
  return seen;
}

test.describe('editing an assignment', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('role and dates change in the dialog, in the table without a reload, and in the API', async ({ page }) => {
    const { last, person, role, leaves: [node, other] } = await newPerson(page, 'Edith', 'Edwards');
    const [target, bystander] = await createAssignments(page, [
      { identity_id: person.id, node_id: node.id, role_id: role.viewer.id },
      { identity_id: person.id, node_id: other.id, role_id: role.viewer.id },
    ]);

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(2);
    await expect(row(page, target.id).getByTestId('role-name')).toHaveText('viewer');
    await expect(row(page, target.id).getByTestId('window')).toHaveText('No end date');
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    await row(page, target.id).getByRole('button', { name: `Edit Edith ${last}’s assignment` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit assignment' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`Edith ${last} (${person.email}) at ${node.name}`);
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toHaveValue(role.viewer.id);
    await expect(dialog.getByRole('textbox', { name: 'Starts (optional)' })).toHaveValue('');
    await expect(dialog.getByRole('textbox', { name: 'Ends (optional)' })).toHaveValue('');
    await expect(dialog).toContainText('Times are in your time zone (Europe/Paris).');
    // System roles are not offered.
    await expect(dialog.getByRole('combobox', { name: 'Role' }).locator('option')).toHaveText(['Choose a role', 'billing-admin', 'editor', 'viewer']);

    await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'editor' });
    await dialog.getByRole('textbox', { name: 'Starts (optional)' }).fill('2027-01-15T09:30');
    await dialog.getByRole('textbox', { name: 'Ends (optional)' }).fill('2027-06-30T18:00');
    await shot(page, 'assignments-edit-dialog');
    await dialog.getByRole('button', { name: 'Save changes' }).click();

    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText('Assignment updated');
    const edited = row(page, target.id);
    await expect(edited.getByTestId('role-name')).toHaveText('editor');
    await expect(edited.getByTestId('window')).toHaveText('From 15 Jan 2027Until 30 Jun 2027');
    await expect(edited.getByTestId('status')).toHaveText('Scheduled');
    await expect(edited.getByTestId('window')).toHaveAttribute('title', 'From 15 Jan 2027, 09:30 until 30 Jun 2027, 18:00');
    await expect(row(page, bystander.id).getByTestId('role-name')).toHaveText('viewer');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await shot(page, 'assignments-edited');

    // The API holds the same, in UTC (Paris is UTC+1 in January and UTC+2 in June).
    const stored = await getAssignment(page, target.id);
    expect(stored.role_id).toBe(role.editor.id);
    expect(stored.effective_from).toBe('2027-01-15T08:30:00.000Z');
    expect(stored.effective_to).toBe('2027-06-30T16:00:00.000Z');
    expect(stored.identity_id).toBe(person.id);
    expect(stored.application_node_id).toBe(node.id);
    expect((await getAssignment(page, bystander.id)).role_id).toBe(role.viewer.id);

    // Opened again, the dialog shows what was saved, in local time.
    await edited.getByRole('button', { name: `Edit Edith ${last}’s assignment` }).click();
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toHaveValue(role.editor.id);
    await expect(dialog.getByRole('textbox', { name: 'Starts (optional)' })).toHaveValue('2027-01-15T09:30');
    await expect(dialog.getByRole('textbox', { name: 'Ends (optional)' })).toHaveValue('2027-06-30T18:00');

    // Clearing the end date sends null and the row says so.
    await dialog.getByRole('button', { name: 'Clear ends' }).click();
    await expect(dialog.getByRole('textbox', { name: 'Ends (optional)' })).toHaveValue('');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(edited.getByTestId('window')).toHaveText('From 15 Jan 2027');
    const cleared = await getAssignment(page, target.id);
    expect(cleared.effective_from).toBe('2027-01-15T08:30:00.000Z');
    expect(cleared.effective_to).toBeNull();
  });
});

test.describe('two admins editing the same assignment', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('the second save gets a 412: the dialog says so, saves nothing, and reloads the other change', async ({ page }) => {
    const { last, person, role, leaves: [node] } = await newPerson(page, 'Otto', 'Overlap');
    const [target] = await createAssignments(page, [{ identity_id: person.id, node_id: node.id, role_id: role.viewer.id }]);

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    const opened = page.waitForResponse((r) => r.url().endsWith(`/assignments/${target.id}`) && r.request().method() === 'GET');
    await row(page, target.id).getByRole('button', { name: `Edit Otto ${last}’s assignment` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit assignment' });
    await expect(dialog).toBeVisible();
    expect((await opened).headers()['etag']).toMatch(/^"v[0-9a-f]+"$/);

    // Meanwhile another admin moves the assignment to editor, with an end date.
    const ends = daysFromNow(30);
    const theirs = await page.request.patch(`${ASSIGNMENTS_API}/${target.id}`, { data: { role_id: role.editor.id, effective_to: ends } });
    expect(theirs.status(), await theirs.text()).toBe(200);

    // This admin's save, from the version the dialog opened at, is refused and changes nothing.
    const saves: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH') saves.push(r.headers()['if-match'] ?? '');
    });
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'billing-admin' });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    const stale = dialog.getByTestId('stale-alert');
    await expect(stale).toContainText('Another admin changed this assignment after you opened it, so your change was not saved.');
    await expect(dialog).toBeVisible();
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatch(/^"v[0-9a-f]+"$/);
    const kept = await getAssignment(page, target.id);
    expect(kept.role_id).toBe(role.editor.id);
    expect(new Date(kept.effective_to ?? '').getTime()).toBe(new Date(ends).getTime());
    await shot(page, 'assignments-edit-stale');

    // Reload shows their change, in the form and in the table behind it; then this admin saves on top of it.
    await stale.getByRole('button', { name: 'Reload' }).click();
    await expect(stale).toBeHidden();
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toHaveValue(role.editor.id);
    await expect(dialog.getByRole('textbox', { name: 'Ends (optional)' })).not.toHaveValue('');
    await expect(dialog.getByTestId('edit-notice')).toContainText('the form shows its current values');
    await expect(row(page, target.id).getByTestId('role-name')).toHaveText('editor');
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'billing-admin' });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    expect(saves).toHaveLength(2);
    expect(saves[1]).not.toBe(saves[0]);
    const saved = await getAssignment(page, target.id);
    expect(saved.role_id).toBe(role['billing-admin'].id);
    expect(saved.effective_to).toBe(kept.effective_to);
  });
});

test.describe('dates that cannot be', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('an end not after the start is refused inline and nothing is sent', async ({ page }) => {
    const { last, person, role, leaves: [node] } = await newPerson(page, 'Ivo', 'Invalida');
    const from = daysFromNow(-10);
    const to = daysFromNow(100);
    const [target] = await createAssignments(page, [
      { identity_id: person.id, node_id: node.id, role_id: role.viewer.id, effective_from: from, effective_to: to },
    ]);
    const before = await getAssignment(page, target.id);

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    const sent = writes(page);
    await row(page, target.id).getByRole('button', { name: `Edit Ivo ${last}’s assignment` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit assignment' });
    await expect(dialog).toBeVisible();
    const starts = dialog.getByRole('textbox', { name: 'Starts (optional)' });
    const ends = dialog.getByRole('textbox', { name: 'Ends (optional)' });
    await expect(starts).not.toHaveValue('');
    await expect(ends).not.toHaveValue('');

    // The end before the start, and a role change that must not be sent either.
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'billing-admin' });
    await starts.fill('2027-05-10T10:00');
    await ends.fill('2027-05-01T10:00');
    await dialog.getByRole('button', { name: 'Save changes' }).click();

    const error = dialog.getByTestId('effective_to-error');
    await expect(error).toHaveText('The end must be after the start.');
    await expect(ends).toHaveAttribute('aria-invalid', 'true');
    await expect(ends).toHaveAttribute('aria-describedby', 'edit-to-error');
    await expect(ends).toBeFocused();
    await expect(dialog).toBeVisible();
    await shot(page, 'assignments-edit-invalid-dates');

    // The same instant is not "after" either.
    await ends.fill('2027-05-10T10:00');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(error).toHaveText('The end must be after the start.');
    await expect(dialog).toBeVisible();

    // Nothing left the browser, and nothing changed.
    await page.waitForTimeout(300);
    expect(sent).toEqual([]);
    expect(await getAssignment(page, target.id)).toEqual(before);

    // Cancel: the row is as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(row(page, target.id).getByTestId('role-name')).toHaveText('viewer');
    expect(sent).toEqual([]);
    expect(await getAssignment(page, target.id)).toEqual(before);
  });
});

test.describe('removing an assignment', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('asks first, then it is gone from the table and the API', async ({ page }) => {
    const { last, person, role, leaves: [node, other] } = await newPerson(page, 'Dora', 'Deleuze');
    const [target, keep] = await createAssignments(page, [
      { identity_id: person.id, node_id: node.id, role_id: role.editor.id },
      { identity_id: person.id, node_id: other.id, role_id: role.viewer.id },
    ]);

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(2);
    await expect(page.getByTestId('item-count')).toHaveText('2');

    const remove = row(page, target.id).getByRole('button', { name: `Remove Dora ${last}’s assignment` });
    await remove.click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove this assignment?' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`Dora ${last} will lose the role editor at ${node.name}. This cannot be undone.`);
    await shot(page, 'assignments-delete-dialog');

    // Cancelling removes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('assignment-row')).toHaveCount(2);
    expect((await page.request.get(`${ASSIGNMENTS_API}/${target.id}`)).status()).toBe(200);

    await remove.click();
    await dialog.getByRole('button', { name: 'Remove assignment' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText('Assignment removed');
    await expect(row(page, target.id)).toHaveCount(0);
    await expect(page.getByTestId('assignment-row')).toHaveCount(1);
    await expect(row(page, keep.id)).toBeVisible();
    await expect(page.getByTestId('item-count')).toHaveText('1');

    const gone = await page.request.get(`${ASSIGNMENTS_API}/${target.id}`);
    expect(gone.status()).toBe(404);
    expect((await gone.json()).code).toBe('not_found');
    expect((await getAssignment(page, keep.id)).role_id).toBe(role.viewer.id);

    // And it stays gone after a reload.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(1);
    await expect(row(page, target.id)).toHaveCount(0);
  });
});
