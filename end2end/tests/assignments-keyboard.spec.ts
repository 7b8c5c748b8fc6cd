// Editing an assignment with the keyboard alone.
import { type Page } from '@playwright/test';
import {
  test,
  expect,
  ASSIGNMENTS_PAGE,
  createAssignments,
  getAssignment,
  hydrated,
  newPerson,
  shot,
  signInByApi,
} from './support';

// The datetime-local fields' segment order follows the browser's language: pin it (month, day,
// year, hour, minute, AM/PM), and a zone with an offset, so the stored UTC value is checked.
test.use({
  locale: 'en-US',
  timezoneId: 'America/New_York',
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--lang=en-US'],
  },
});

/** What has focus, described for assertions and failure messages. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? 'none',
      id: el?.id ?? '',
      label: el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '',
      testId: el?.getAttribute('data-testid') ?? '',
      inDialog: !!el?.closest('dialog[open]'),
    };
  });
}

/** Presses Tab until `done` holds for the focused element; fails after `limit` presses. */
async function tabUntil(page: Page, done: (f: Awaited<ReturnType<typeof focused>>) => boolean, limit = 60) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (done(await focused(page))) return i + 1;
  }
  throw new Error(`focus never got there in ${limit} presses of Tab; it is on ${JSON.stringify(await focused(page))}`);
}

test.describe('keyboard only', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('Tab to a row’s edit button, Enter, focus trapped, Escape returns; then edit and save by keys', async ({ page }) => {
    const { last, person, role, leaves: [node] } = await newPerson(page, 'Kim', 'Keyes');
    const [target] = await createAssignments(page, [{ identity_id: person.id, node_id: node.id, role_id: role.viewer.id }]);
    const editName = `Edit Kim ${last}’s assignment`;

    await page.goto(`${ASSIGNMENTS_PAGE}?q=${last}`);
    await hydrated(page);
    await expect(page.getByTestId('assignment-row')).toHaveCount(1);

    // From the top of the page, Tab reaches the row's checkbox and then its edit button.
    await tabUntil(page, (f) => f.testId === 'select-row');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ testId: 'edit-row', label: editName });
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: 'Edit assignment' });
    await expect(dialog).toBeVisible();
    // Focus starts in the dialog, on the role.
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toBeFocused();

    // Tab cycles inside: through the fields and buttons, past Save to Close and back to the role,
    // never leaving the dialog.
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      expect(f.inDialog, `Tab ${i + 1} left the dialog for ${JSON.stringify(f)}`).toBe(true);
      seen.push(f.id || f.label);
      if (f.id === 'edit-role') break;
    }
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual(['edit-from', 'edit-to', 'Cancel', 'Save changes', 'Close', 'edit-role']);
    // Shift+Tab wraps the other way.
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ label: 'Close', inDialog: true });
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ label: 'Save changes', inDialog: true });
    await shot(page, 'assignments-keyboard-dialog');

    // Escape closes, nothing is saved, and focus goes back to the edit button.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect.soft(page.getByRole('button', { name: editName }), 'focus returns to the edit button').toBeFocused({ timeout: 3000 });
    expect((await getAssignment(page, target.id)).role_id).toBe(role.viewer.id);

    // Open it again by keyboard (from wherever focus was left).
    if ((await focused(page)).testId !== 'edit-row') await tabUntil(page, (f) => f.testId === 'edit-row');
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toBeFocused();

    // Role by type-ahead; the start typed segment by segment; Enter submits.
    await page.keyboard.type('e');
    await expect(dialog.getByRole('combobox', { name: 'Role' })).toHaveValue(role.editor.id);
    await page.keyboard.press('Tab');
    await expect(dialog.getByRole('textbox', { name: 'Starts (optional)' })).toBeFocused();
    await page.keyboard.type('03142027'); // month, day, year
    await page.keyboard.press('Tab');
    await page.keyboard.type('0815P'); // hour, minute, PM
    await expect(dialog.getByRole('textbox', { name: 'Starts (optional)' })).toHaveValue('2027-03-14T20:15');
    await page.keyboard.press('Enter');

    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('notice')).toHaveText('Assignment updated');
    const row = page.locator(`[data-testid="assignment-row"][data-id="${target.id}"]`);
    await expect(row.getByTestId('role-name')).toHaveText('editor');
    await expect(row.getByTestId('window')).toHaveText('From 14 Mar 2027');
    await expect(row.getByTestId('status')).toHaveText('Scheduled');

    // New York is UTC-4 on 14 March 2027 (daylight saving began that morning).
    const stored = await getAssignment(page, target.id);
    expect(stored.role_id).toBe(role.editor.id);
    expect(stored.effective_from).toBe('2027-03-15T00:15:00.000Z');
    expect(stored.effective_to).toBeNull();
  });
});
