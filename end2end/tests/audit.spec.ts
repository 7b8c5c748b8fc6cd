// The audit log: filters (environment, action, actor, target, time range) and paging in the URL,
// surviving reload and back; each event's before/after as a field diff, opened in the URL too; a
// "before" earlier than "from" refused visibly (and by the API, with the same rule); every list
// checked against the API; keyboard and 390 px.
import { type Page } from '@playwright/test';
import { test, expect, APP_API, ENV_API, PRODUCTION, hydrated, shot, signInByApi, unique } from './support';

test.use({ timezoneId: 'UTC', locale: 'en-GB' });

const AUDIT_PAGE = `${PRODUCTION}/audit`;
const AUDIT_API = `${APP_API}/audit-events`;

interface AuditEvent {
  id: string;
  action: string;
  actor_id: string | null;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

async function listEvents(page: Page, query: Record<string, string>) {
  const response = await page.request.get(`${AUDIT_API}?${new URLSearchParams(query)}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as { items: AuditEvent[]; pagination: { item_count: number; page_count: number } };
}

function rows(page: Page) {
  return page.getByTestId('audit-row');
}

function params(page: Page) {
  return () => Object.fromEntries(new URL(page.url()).searchParams);
}

/** A node created, renamed twice: three events with the node as target. */
async function renamedNode(page: Page) {
  const first = unique('Audit ');
  const created = await page.request.post(`${ENV_API}/nodes`, { data: { name: first } });
  expect(created.status(), await created.text()).toBe(201);
  const node = (await created.json()) as { id: string; name: string };
  const second = `${first} renamed`;
  const third = `${first} final`;
  for (const name of [second, third]) {
    const renamed = await page.request.patch(`${ENV_API}/nodes/${node.id}`, { data: { name } });
    expect(renamed.status(), await renamed.text()).toBe(200);
  }
  return { node, first, second, third };
}

test.describe('audit log', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('server-rendered; filters by target and action follow the URL and the API', async ({ page }) => {
    const { node, second, third } = await renamedNode(page);
    const html = await (await page.request.get(`${AUDIT_PAGE}?target=${node.id}`)).text();
    expect(html).toContain('data-testid="audit-row"');
    expect(html).toContain('Node renamed');

    await page.goto(AUDIT_PAGE);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log');
    await expect(page.getByTestId('coming-next')).toHaveCount(0);
    const all = await listEvents(page, { take: '20' });
    await expect(page.getByTestId('item-count')).toHaveText(all.pagination.item_count.toLocaleString('en-US'));
    await expect(rows(page).first()).toHaveAttribute('data-id', all.items[0].id);
    await shot(page, 'audit-list');

    // Target: typed, applied on Enter.
    await page.getByLabel('Target', { exact: true }).fill(node.id);
    await page.getByLabel('Target', { exact: true }).press('Enter');
    await expect.poll(params(page)).toEqual({ target: node.id });
    const forNode = await listEvents(page, { target: node.id });
    expect(forNode.items.map((e) => e.action)).toEqual(['node.update', 'node.update', 'node.create']);
    await expect(rows(page)).toHaveCount(3);
    await expect(rows(page).getByTestId('audit-action')).toHaveText(['Node renamed', 'Node renamed', 'Node created']);
    await expect(rows(page).first().getByTestId('audit-target')).toContainText(third);

    // Action: only the renames.
    await page.getByLabel('Action', { exact: true }).selectOption('node.update');
    await expect.poll(params(page)).toEqual({ target: node.id, action: 'node.update' });
    const renames = await listEvents(page, { target: node.id, action: 'node.update' });
    expect(renames.items).toHaveLength(2);
    await expect(rows(page)).toHaveCount(2);
    expect(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(renames.items.map((e) => e.id));
    await expect(page.getByTestId('filter-chip')).toHaveText([`Action: Node renamed`, `Target: ${node.id.slice(0, 8)}`]);

    // The family: every node event.
    await page.getByLabel('Action', { exact: true }).selectOption('node');
    await expect(rows(page)).toHaveCount(3);

    // Reload keeps it all; back goes to the renames only.
    await page.reload();
    await hydrated(page);
    await expect(rows(page)).toHaveCount(3);
    await expect(page.getByLabel('Action', { exact: true })).toHaveValue('node');
    await expect(page.getByLabel('Target', { exact: true })).toHaveValue(node.id);
    await page.goBack();
    await expect.poll(params(page)).toEqual({ target: node.id, action: 'node.update' });
    await expect(rows(page)).toHaveCount(2);
    expect(second).toContain('renamed');
  });

  test('before and after as a field diff, opened in the URL', async ({ page }) => {
    const { node, first, second } = await renamedNode(page);
    const events = await listEvents(page, { target: node.id });
    const firstRename = events.items[1];
    expect(firstRename.before!.name).toBe(first);
    expect(firstRename.after!.name).toBe(second);

    await page.goto(`${AUDIT_PAGE}?target=${node.id}`);
    await hydrated(page);
    const row = page.locator(`[data-testid=audit-row][data-id="${firstRename.id}"]`);
    const toggle = row.getByTestId('toggle-diff');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await toggle.click();
    await expect.poll(params(page)).toEqual({ target: node.id, open: firstRename.id });
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const detail = page.getByTestId('audit-detail');
    await expect(detail).toHaveCount(1);
    const name = detail.locator('[data-testid=diff-row][data-field=name]');
    await expect(name).toHaveAttribute('data-change', 'changed');
    await expect(name.locator('td').nth(0)).toHaveText(first);
    await expect(name.locator('td').nth(1)).toHaveText(second);
    // Changed fields come first; the id is the same on both sides.
    await expect(detail.getByTestId('diff-row').first()).toHaveAttribute('data-field', 'name');
    await expect(detail.locator('[data-testid=diff-row][data-field=id]')).toHaveAttribute('data-change', 'unchanged');
    await expect(detail.getByTestId('audit-target-id')).toHaveText(node.id);
    await shot(page, 'audit-diff');

    // The creation: every field added.
    const creation = page.locator(`[data-testid=audit-row][data-id="${events.items[2].id}"]`);
    await creation.getByTestId('toggle-diff').click();
    await expect.poll(params(page)).toEqual({ target: node.id, open: events.items[2].id });
    await expect(page.getByTestId('audit-detail')).toHaveCount(1);
    const changes = await page.getByTestId('audit-detail').getByTestId('diff-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-change')));
    expect(new Set(changes)).toEqual(new Set(['added']));

    // Reload: still open; back: the rename again; Hide closes.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('audit-detail')).toHaveCount(1);
    await page.goBack();
    await expect.poll(params(page)).toEqual({ target: node.id, open: firstRename.id });
    await expect(page.locator('[data-testid=diff-row][data-field=name] td').nth(1)).toHaveText(second);
    await row.getByTestId('toggle-diff').click();
    await expect(page.getByTestId('audit-detail')).toHaveCount(0);
    await expect.poll(params(page)).toEqual({ target: node.id });
  });

  test('a "before" earlier than "from" is refused visibly, as the API refuses it', async ({ page }) => {
    await page.goto(AUDIT_PAGE);
    await hydrated(page);
    await page.getByLabel(/^From/).fill('2026-06-02T10:00');
    await expect.poll(params(page)).toEqual({ from: '2026-06-02T10:00:00.000Z' });
    await expect(page.getByTestId('audit-refused')).toHaveCount(0);
    await page.getByLabel(/^Before/).fill('2026-06-01T10:00');
    await expect.poll(params(page)).toEqual({ from: '2026-06-02T10:00:00.000Z', to: '2026-06-01T10:00:00.000Z' });

    // The list says why, the field is marked, and nothing is listed as if the range applied.
    const refused = page.getByTestId('audit-refused');
    await expect(refused).toBeVisible();
    await expect(refused).toHaveAttribute('role', 'alert');
    await expect(refused.getByTestId('refused-reason')).toHaveText(['Before: to must not be before from.']);
    await expect(page.getByLabel(/^Before/)).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('to-error')).toHaveText('to must not be before from.');
    await expect(rows(page)).toHaveCount(0);
    await shot(page, 'audit-refused-range');

    // The API refuses the same query, in its error shape.
    const api = await page.request.get(`${AUDIT_API}?from=2026-06-02T10:00:00.000Z&to=2026-06-01T10:00:00.000Z`);
    expect(api.status()).toBe(400);
    const body = await api.json();
    expect(body.code).toBe('invalid_query');
    expect(body.details.to).toBe('to must not be before from.');

    // A reload of that URL is refused the same way (server-rendered), and so is a hand-made one.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('audit-refused')).toBeVisible();
    await page.goto(`${AUDIT_PAGE}?from=yesterday&action=Nope`);
    await hydrated(page);
    await expect(page.getByTestId('refused-reason')).toHaveCount(2);
    await expect(page.locator('[data-testid=refused-reason][data-field=from]')).toBeVisible();
    await expect(page.locator('[data-testid=refused-reason][data-field=action]')).toBeVisible();
    expect((await page.request.get(`${AUDIT_API}?from=yesterday&action=Nope`)).status()).toBe(400);

    // The way out.
    await page.goBack();
    await hydrated(page);
    await page.getByRole('link', { name: 'Clear the time range' }).click();
    await expect.poll(params(page)).toEqual({});
    await expect(rows(page).first()).toBeVisible();

    // A valid range lists what the API lists for it.
    const from = new Date(Date.now() - 3_600_000);
    from.setUTCSeconds(0, 0);
    const local = from.toISOString().slice(0, 16);
    await page.getByLabel(/^From/).fill(local);
    await expect.poll(params(page)).toEqual({ from: from.toISOString() });
    const api2 = await listEvents(page, { from: from.toISOString(), take: '20' });
    await expect(page.getByTestId('item-count')).toHaveText(api2.pagination.item_count.toLocaleString('en-US'));
  });

  test('paging and the actor link live in the URL', async ({ page }) => {
    // At least 12 events from this test's admin.
    for (let i = 0; i < 4; i++) await renamedNode(page);
    await page.goto(`${AUDIT_PAGE}?action=node&take=10`);
    await hydrated(page);
    await expect(rows(page)).toHaveCount(10);
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(params(page)).toEqual({ action: 'node', take: '10', page: '2' });
    const second = await listEvents(page, { action: 'node', take: '10', page: '2' });
    await expect(rows(page).first()).toHaveAttribute('data-id', second.items[0].id);
    await page.reload();
    await hydrated(page);
    await expect(rows(page).first()).toHaveAttribute('data-id', second.items[0].id);
    await page.goBack();
    await expect.poll(params(page)).toEqual({ action: 'node', take: '10' });

    // The actor of a row narrows the list to that actor (here: "You").
    const mine = rows(page).first().getByTestId('audit-actor').getByTestId('filter-by-actor');
    await expect(mine).toHaveText('You');
    await mine.click();
    const me = (await (await page.request.get('/portal/v1/me')).json()) as { admin: { id: string } };
    await expect.poll(params(page)).toEqual({ action: 'node', take: '10', actor: me.admin.id });
    const byMe = await listEvents(page, { action: 'node', actor: me.admin.id, take: '10' });
    await expect(page.getByTestId('item-count')).toHaveText(byMe.pagination.item_count.toLocaleString('en-US'));
    await expect(page.getByLabel('Actor', { exact: true })).toHaveValue(me.admin.id);

    // Environment: Development has none of these production nodes' events.
    await page.getByTestId('filter-environment').selectOption({ label: 'Development' });
    await expect.poll(params(page)).toEqual({ action: 'node', take: '10', actor: me.admin.id, environment: 'development' });
    const inDev = await listEvents(page, { action: 'node', actor: me.admin.id, environment: 'development' });
    if (inDev.pagination.item_count === 0) await expect(page.getByTestId('empty-state')).toBeVisible();
    else await expect(page.getByTestId('item-count')).toHaveText(inDev.pagination.item_count.toLocaleString('en-US'));
  });

  test('keyboard and 390 px', async ({ page }) => {
    const { node } = await renamedNode(page);
    await page.goto(`${AUDIT_PAGE}?target=${node.id}`);
    await hydrated(page);
    // The first row's toggle, reached and used by keyboard.
    const toggle = rows(page).first().getByTestId('toggle-diff');
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('audit-detail')).toHaveCount(1);
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    // The action select by keyboard.
    await page.getByLabel('Action', { exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('assignment');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${AUDIT_PAGE}?target=${node.id}&open=${(await listEvents(page, { target: node.id })).items[0].id}`);
    await hydrated(page);
    await expect(page.getByTestId('audit-detail')).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'audit-390');
  });
});
