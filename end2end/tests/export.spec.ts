// Export: the assignments and identities lists download as CSV with the current filters and
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
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Export .* as CSV/ }).click()]);
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
  await expect(page.getByRole('link', { name: /Export .* as CSV/ })).toBeVisible();
  await shot(page, 'export-identities-390');
});
