// Export: the assignments, identities, audit and node access lists download as CSV with the current filters and
// sort, across all pages, through a plain download link (the browser streams the file, the
// page stays usable). Each file is checked against the API's own list afterwards.
import fs from 'node:fs';
import { type Download, type Page } from '@playwright/test';
import {
  test,
  expect,
  APP_API,
  PRODUCTION,
  createAssignments,
  daysFromNow,
  hydrated,
  listAssignments,
  newPerson,
  shot,
  signInByApi,
} from './support';

test.use({ timezoneId: 'UTC', locale: 'en-GB' });

/** The downloaded file's header and records (a small RFC 4180 reader: quotes, CRLF). */
async function readCsv(download: Download): Promise<{ name: string; header: string[]; rows: string[][] }> {
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('\ufeff')).toBe(true);
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') { quoted = false; } else { field += c; }
    } else if (c === '"') { quoted = true; } else if (c === ',') { record.push(field); field = ''; } else if (c === '\r') { /* CRLF */ } else if (c === '\n') {
      record.push(field); records.push(record); record = []; field = '';
    } else { field += c; }
  }
  const [header, ...rows] = records;
  return { name: download.suggestedFilename(), header, rows };
}

async function exportFrom(page: Page): Promise<{ name: string; header: string[]; rows: string[][] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  return readCsv(download);
}

test('the assignments export holds every filtered row, in the list order', async ({ page }) => {
  await signInByApi(page);
  const { last, person, role, leaves } = await newPerson(page, 'Exa', 'Porter');
  // 3 active and 2 scheduled assignments of one person; the filter keeps the active ones.
  const items = leaves.slice(0, 5).map((leaf, i) => ({
    identity_id: person.id,
    node_id: leaf.id,
    role_id: role.viewer.id,
    effective_from: i < 3 ? null : daysFromNow(3),
  }));
  await createAssignments(page, items);
  await page.goto(`${PRODUCTION}/assignments?q=${last}&status=active&sort=role&order=asc`);
  await hydrated(page);
  await expect(page.getByTestId('assignment-row')).toHaveCount(3);
  const file = await exportFrom(page);
  expect(file.name).toMatch(/^assignments-acme-billing-production-\d{8}-\d{4}\.csv$/);
  const listed = await listAssignments(page, { q: last, status: 'active', sort_by: 'role', order: 'asc', take: '100' });
  const id = file.header.indexOf('assignment_id');
  expect(file.rows.map((r) => r[id])).toEqual(listed.items.map((i) => i.assignment.id));
  expect(file.rows.every((r) => r[file.header.indexOf('identity_email')] === person.email)).toBe(true);
  expect(file.rows.every((r) => r[file.header.indexOf('status')] === 'active')).toBe(true);
  await shot(page, 'export-assignments');
});

test('the identities export follows the search and the status filter across pages', async ({ page }) => {
  await signInByApi(page);
  await page.goto(`${PRODUCTION}/identities?status=active&sort=email&order=desc`);
  await hydrated(page);
  const file = await exportFrom(page);
  const all: { email: string }[] = [];
  for (let p = 1; ; p++) {
    const response = await page.request.get(`${APP_API}/identities?status=active&sort_by=email&order=desc&take=100&page=${p}`);
    const body = await response.json();
    all.push(...body.items);
    if (!body.pagination.has_next_page) break;
  }
  expect(all.length).toBeGreaterThan(100);
  expect(file.rows.map((r) => r[file.header.indexOf('email')])).toEqual(all.map((i) => i.email));
  expect(file.rows.every((r) => r[file.header.indexOf('status')] === 'active')).toBe(true);
});

test('at 390 px the export is one tap away', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInByApi(page);
  await page.goto(`${PRODUCTION}/identities`);
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Export CSV' })).toBeVisible();
  await shot(page, 'export-identities-390');
});

test('the audit log exports the events its filters select, newest first', async ({ page }) => {
  await signInByApi(page);
  await newPerson(page, 'Aud', 'Itor');
  await page.goto(`${PRODUCTION}/audit?action=identity`);
  await hydrated(page);
  const file = await exportFrom(page);
  expect(file.name).toMatch(/^audit-acme-billing-\d{8}-\d{4}\.csv$/);
  const all: { id: string; action: string }[] = [];
  for (let p = 1; ; p++) {
    const body = await (await page.request.get(`${APP_API}/audit-events?action=identity&take=100&page=${p}`)).json();
    all.push(...body.items);
    if (!body.pagination.has_next_page) break;
  }
  expect(all.length).toBeGreaterThan(0);
  expect(file.rows.map((r) => r[0])).toEqual(all.map((e) => e.id));
  expect(file.rows.every((r) => r[file.header.indexOf('action')].startsWith('identity.'))).toBe(true);
  // A view the API would refuse offers nothing to export.
  await page.goto(`${PRODUCTION}/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveCount(0);
});

test("a node's access list exports everyone with access there, direct and inherited", async ({ page }) => {
  await signInByApi(page);
  const { person, role, leaves } = await newPerson(page, 'Nod', 'Export');
  const leaf = leaves[0];
  await createAssignments(page, [{ identity_id: person.id, node_id: leaf.id, role_id: role.viewer.id, effective_from: null }]);
  await page.goto(`${PRODUCTION}/nodes/${leaf.id}`);
  await hydrated(page);
  const file = await exportFrom(page);
  const all: { assignment: { id: string; access_type: string } }[] = [];
  for (let p = 1; ; p++) {
    const body = await (await page.request.get(`${APP_API}/environments/production/nodes/${leaf.id}/assignments?sort_by=name&order=asc&take=100&page=${p}`)).json();
    all.push(...body.items);
    if (!body.pagination.has_next_page) break;
  }
  const id = file.header.indexOf('assignment_id');
  expect(file.rows.map((r) => r[id])).toEqual(all.map((i) => i.assignment.id));
  const access = file.header.indexOf('access_type');
  expect(file.rows.some((r) => r[access] === 'direct')).toBe(true);
  expect(file.rows.some((r) => r[access] === 'inherited')).toBe(true);
});
