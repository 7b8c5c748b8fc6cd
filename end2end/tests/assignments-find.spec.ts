// Finding assignments: search, status / role / source-node filters, all kept in the URL.
import {
  test,
  expect,
  ASSIGNMENTS_PAGE,
  createAssignments,
  daysFromNow,
  hydrated,
  listAssignments,
  newPerson,
  shot,
  signInByApi,
} from './support';

test.describe('finding assignments', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('search and filters live in the URL, survive a reload and follow the back button', async ({ page }) => {
    // Known rows: one identity, five assignments at two nodes, in every status.
    const { last, person, role, leaves: [nodeA, nodeB] } = await newPerson(page, 'Fiona', 'Findley');
    expect(nodeB, 'the demo tree has two leaves with distinct names').toBeTruthy();
    const [activeViewerA, activeEditorA, activeEditorB, scheduledViewerB, expiredAdminB] = await createAssignments(page, [
      { identity_id: person.id, node_id: nodeA.id, role_id: role.viewer.id },
      { identity_id: person.id, node_id: nodeA.id, role_id: role.editor.id },
      { identity_id: person.id, node_id: nodeB.id, role_id: role.editor.id },
      { identity_id: person.id, node_id: nodeB.id, role_id: role.viewer.id, effective_from: daysFromNow(30) },
      {
        identity_id: person.id,
        node_id: nodeB.id,
        role_id: role['billing-admin'].id,
        effective_from: daysFromNow(-60),
        effective_to: daysFromNow(-30),
      },
    ]);
    const rows = page.getByTestId('assignment-row');
    const ids = async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort();
    const params = () => Object.fromEntries(new URL(page.url()).searchParams);

    await page.goto(ASSIGNMENTS_PAGE);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Assignments');

    // Search: the URL follows the box, and only this identity's five rows remain.
    await page.getByLabel('Search assignments').fill(last);
    await expect(page).toHaveURL(new RegExp(`[?&]q=${last}(&|$)`));
    await expect(rows).toHaveCount(5);
    await expect(page.getByTestId('item-count')).toHaveText('5');
    await expect(rows.getByTestId('identity-name').first()).toHaveText(`Fiona ${last}`);

    // Status: active.
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Active' });
    await expect.poll(params).toEqual({ q: last, status: 'active' });
    await expect(rows).toHaveCount(3);
    expect(await ids()).toEqual([activeViewerA.id, activeEditorA.id, activeEditorB.id].sort());
    for (const status of await rows.getByTestId('status').allTextContents()) expect(status.trim()).toBe('Active');

    // Role: editor.
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'editor' });
    await expect.poll(params).toEqual({ q: last, status: 'active', role: role.editor.id });
    await expect(rows).toHaveCount(2);
    expect(await ids()).toEqual([activeEditorA.id, activeEditorB.id].sort());

    // Source node: picked by searching the tree.
    const picker = page.getByRole('combobox', { name: 'Source node' });
    await picker.fill(nodeB.name);
    await page.getByRole('option').filter({ hasText: nodeB.path }).click();
    await expect.poll(params).toEqual({ q: last, status: 'active', role: role.editor.id, node: nodeB.id });
    await expect(rows).toHaveCount(1);
    expect(await ids()).toEqual([activeEditorB.id]);
    const chips = page.getByTestId('filter-chip');
    await expect(chips).toHaveText([`Search: “${last}”`, 'Status: Active', 'Role: editor', `Node: ${nodeB.path}`]);
    await expect(picker).toHaveValue('');
    await shot(page, 'assignments-filtered');

    // The API agrees with the table for the same filters.
    const api = await listAssignments(page, { q: last, status: 'active', role_id: role.editor.id, source_node_id: nodeB.id });
    expect(api.items.map((r) => r.assignment.id)).toEqual([activeEditorB.id]);

    // A reload brings the same view back, controls included.
    await page.reload();
    await hydrated(page);
    await expect(rows).toHaveCount(1);
    expect(await ids()).toEqual([activeEditorB.id]);
    await expect(page.getByLabel('Search assignments')).toHaveValue(last);
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('active');
    await expect(page.getByLabel('Role', { exact: true })).toHaveValue(role.editor.id);
    // Soft, so that a wrong chip still lets the back-button half of the story run.
    await expect.soft(chips).toHaveText([`Search: “${last}”`, 'Status: Active', 'Role: editor', `Node: ${nodeB.path}`]);
    await shot(page, 'assignments-filtered-reloaded');

    // Back: the view before the node was picked.
    await page.goBack();
    await expect.poll(params).toEqual({ q: last, status: 'active', role: role.editor.id });
    await expect(rows).toHaveCount(2);
    expect(await ids()).toEqual([activeEditorA.id, activeEditorB.id].sort());
    await expect(chips).toHaveText([`Search: “${last}”`, 'Status: Active', 'Role: editor']);
    await expect(page.getByLabel('Role', { exact: true })).toHaveValue(role.editor.id);

    // Back again: before the role.
    await page.goBack();
    await expect.poll(params).toEqual({ q: last, status: 'active' });
    await expect(rows).toHaveCount(3);
    await expect(page.getByLabel('Role', { exact: true })).toHaveValue('');
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('active');

    // Forward, then remove the role chip: the rest of the filters stay.
    await page.goForward();
    await expect(rows).toHaveCount(2);
    await page.getByRole('button', { name: 'Remove filter Role: editor' }).click();
    await expect.poll(params).toEqual({ q: last, status: 'active' });
    await expect(rows).toHaveCount(3);
    await expect(chips).toHaveText([`Search: “${last}”`, 'Status: Active']);
    await expect(page.getByLabel('Role', { exact: true })).toHaveValue('');

    // Removing the status chip shows the scheduled and the expired ones too, with their badges.
    await page.getByRole('button', { name: 'Remove filter Status: Active' }).click();
    await expect.poll(params).toEqual({ q: last });
    await expect(rows).toHaveCount(5);
    await expect(page.locator(`[data-testid="assignment-row"][data-id="${scheduledViewerB.id}"] [data-testid="status"]`)).toHaveText(
      'Scheduled',
    );
    await expect(page.locator(`[data-testid="assignment-row"][data-id="${expiredAdminB.id}"] [data-testid="status"]`)).toHaveText(
      'Expired',
    );
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('');
  });

  test('after a cold load the table is never left faded as if still loading', async ({ page }) => {
    // It once was, now and then: the fading lived inside the Transition and could miss the end
    // of the hydration's pending state. Several loads, because it did not happen every time.
    for (let load = 0; load < 8; load++) {
      await page.goto(ASSIGNMENTS_PAGE);
      await hydrated(page);
      const section = page.getByRole('region', { name: 'Assignments' });
      await expect(section).not.toHaveAttribute('aria-busy', 'true');
      await expect
        .poll(() => page.getByTestId('assignments-table').evaluate((table) => {
          let opacity = 1;
          for (let el: Element | null = table; el; el = el.parentElement) opacity *= Number(getComputedStyle(el).opacity);
          return opacity;
        }), { timeout: 2_000 })
        .toBe(1);
    }
  });

  test('the first response is server-rendered with the rows, not a spinner', async ({ page }) => {
    const { last, person, role, leaves: [node] } = await newPerson(page, 'Sam', 'Serverly');
    const created = await createAssignments(page, [
      { identity_id: person.id, node_id: node.id, role_id: role.viewer.id },
      { identity_id: person.id, node_id: node.id, role_id: role.editor.id, effective_from: daysFromNow(10) },
    ]);

    const response = await page.request.get(`${ASSIGNMENTS_PAGE}?q=${last}`, { headers: { accept: 'text/html' } });
    expect(response.status()).toBe(200);
    const html = await response.text();
    expect(html.match(/data-testid="assignment-row"/g) ?? []).toHaveLength(2);
    for (const row of created) expect(html).toContain(`data-id="${row.id}"`);
    expect(html).toContain(`Sam ${last}`);
    expect(html).toContain(person.email);
    expect(html).toContain(node.path);
    expect(html).not.toContain('animate-pulse divide-y'); // the table skeleton

    // The filters of the URL are applied on the server too.
    const filtered = await page.request.get(`${ASSIGNMENTS_PAGE}?q=${last}&status=scheduled`, { headers: { accept: 'text/html' } });
    const filteredHtml = await filtered.text();
    expect(filteredHtml.match(/data-testid="assignment-row"/g) ?? []).toHaveLength(1);
    expect(filteredHtml).toContain(`data-id="${created[1].id}"`);
    expect(filteredHtml).not.toContain(`data-id="${created[0].id}"`);
  });
});
