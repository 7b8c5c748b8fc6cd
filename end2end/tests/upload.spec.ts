// Bulk upload of assignments: a file with good and bad rows, in both modes, checked against the
// database through the API afterwards; the failed-rows download; and a 10,000-row file, timed.
// Runs in the development environment so the production specs' rows are left alone.
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';

import { APP_API, hydrated, shot, signInByApi, writeFile } from './support';

const UPLOAD = '/a/acme/billing/development/assignments/upload';
const ENV_API = `${APP_API}/environments/development`;

interface Identity { id: string; email: string; status: string }
interface Node { id: string; path: string; parent_id: string | null; depth: number }
interface Role { id: string; name: string }

async function api<T>(page: Page, method: 'GET' | 'POST', url: string, data?: unknown, status = method === 'POST' ? 201 : 200): Promise<T> {
  const response = method === 'GET' ? await page.request.get(url) : await page.request.post(url, { data });
  expect(response.status(), `${method} ${url}: ${await response.text()}`).toBe(status);
  return (await response.json()) as T;
}

async function all<T>(page: Page, url: string): Promise<T[]> {
  const items: T[] = [];
  for (let p = 1; ; p++) {
    const sep = url.includes('?') ? '&' : '?';
    const answer = await api<{ items: T[]; pagination: { has_next_page: boolean } }>(page, 'GET', `${url}${sep}take=100&page=${p}`);
    items.push(...answer.items);
    if (!answer.pagination.has_next_page) return items;
  }
}

/** The directory the files are written from, and a fresh subtree of nodes nobody holds roles at. */
async function fixture(page: Page, nodeCount: number) {
  const identities = (await all<Identity>(page, `${APP_API}/identities?status=active`)).filter((i) => i.status === 'active');
  const roles = Object.fromEntries((await all<Role>(page, `${ENV_API}/roles`)).map((r) => [r.name, r]));
  const root = (await all<Node>(page, `${ENV_API}/nodes`)).find((n) => n.depth === 0)!;
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const parent = await api<Node>(page, 'POST', `${ENV_API}/nodes`, { name: `Upload ${stamp}`, parent_id: root.id });
  const nodes: Node[] = [];
  for (let i = 0; i < nodeCount; i++) {
    nodes.push(await api<Node>(page, 'POST', `${ENV_API}/nodes`, { name: `Team ${i + 1}`, parent_id: parent.id }));
  }
  return { identities, roles, parent, nodes };
}


/** Assignments at or under `node`, straight from the API. */
async function assignmentsAt(page: Page, nodeId: string) {
  return all<{ identity: { email: string }; role: { name: string }; assignment: { source_node_id: string; effective_from: string | null; effective_to: string | null } }>(
    page,
    `${ENV_API}/assignments/app-wide?source_node_id=${nodeId}`,
  );
}

test.beforeEach(async ({ page }) => {
  await signInByApi(page);
});

test.describe('bulk upload', () => {
  test('good and bad rows: atomic refuses, partial creates the good ones, failures download as CSV', async ({ page }) => {
    const { identities, roles, nodes } = await fixture(page, 2);
    const [a, b, c] = identities;
    const csv = [
      'Email,Node Path,Role,From,To',
      `${a.email},${nodes[0].path},viewer,2026-01-01,`,
      `${b.email.toUpperCase()},${nodes[0].path.toLowerCase()},Editor,,2030-01-01T00:00:00Z`,
      `${c.email},${nodes[1].id},${roles['viewer'].id},,`,
      `nobody-${Date.now()}@acme.example,${nodes[1].path},viewer,,`,
      `${a.email},${nodes[1].path},viewer,2027-06-01,2027-01-01`,
      `${a.email},"${nodes[1].path} / Nowhere",owner,,`,
    ].join('\r\n');
    await page.goto(UPLOAD);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Upload assignments' })).toBeVisible();
    await shot(page, 'upload-empty');

    await page.locator('#upload-file').setInputFiles(writeFile('team-access.csv', csv));
    await expect(page.getByTestId('file-name')).toHaveText('team-access.csv');
    await expect(page.getByTestId('upload-counts')).toContainText('3 ready · 3 with problems');
    // Columns were guessed from the header.
    await expect(page.getByLabel('Identity (email or id)')).toHaveValue('0');
    await expect(page.getByLabel('Effective to')).toHaveValue('4');
    const problems = page.getByTestId('row-problems');
    await expect(problems.nth(0)).toContainText('No identity with the email nobody-');
    await expect(problems.nth(1)).toHaveText('“to” must be after “from”.');
    await expect(problems.nth(2)).toContainText('No node at the path');
    await expect(problems.nth(2)).toContainText('No role named “owner”.');
    // Atomic (the default) will not send a file with bad rows.
    await expect(page.getByTestId('atomic-blocked')).toBeVisible();
    await expect(page.getByRole('button', { name: /^Upload 3 rows$/ })).toBeDisabled();
    await shot(page, 'upload-preview');

    // The server agrees that the three are fine.
    await page.getByRole('button', { name: 'Check with Canopy' }).click();
    await expect(page.getByText('Checked with Canopy')).toBeVisible();
    await expect(page.getByTestId('upload-counts')).toContainText('3 ready · 3 with problems');

    await page.getByRole('radio', { name: /Skip rows with problems/ }).check();
    const recorded = page.waitForResponse((r) => r.url().endsWith('/identities/bulk-imports') && r.request().method() === 'POST');
    await page.getByRole('button', { name: /^Upload 3 rows$/ }).click();
    const result = page.getByTestId('upload-result');
    await expect(result).toContainText('3 assignments created; 3 rows failed.');
    await expect(page.getByTestId('result-counts')).toHaveText('6 rows · 3 created · 3 failed · partial · recorded in the import history');
    await expect(page.getByTestId('failed-row')).toHaveCount(3);
    const record = await recorded;
    expect(record.status()).toBe(201);
    const imported = await record.json();
    expect([imported.file_name, imported.total_rows, imported.succeeded, imported.failed, imported.mode]).toEqual(['team-access.csv', 6, 3, 3, 'partial']);
    const audit = await api<{ items: { action: string }[] }>(page, 'GET', `${APP_API}/audit-events?target=${imported.id}`);
    expect(audit.items.map((e) => e.action)).toEqual(['bulk_import.record']);
    await shot(page, 'upload-result-partial');

    // The database holds exactly the good rows, with their roles and dates.
    const first = await assignmentsAt(page, nodes[0].id);
    expect(first.map((r) => [r.identity.email, r.role.name, r.assignment.effective_from, r.assignment.effective_to]).sort()).toEqual(
      [
        [a.email, 'viewer', expect.stringMatching(/^2026-01-01T/), null],
        [b.email, 'editor', null, '2030-01-01T00:00:00.000Z'],
      ].sort(),
    );
    const second = await assignmentsAt(page, nodes[1].id);
    expect(second.map((r) => [r.identity.email, r.role.name])).toEqual([[c.email, 'viewer']]);

    // The failed rows come back as a CSV with the file's columns and the reason.
    const download = page.waitForEvent('download');
    await page.getByTestId('download-failed').click();
    const file = await (await download).path();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
    expect((await download).suggestedFilename()).toBe('failed-team-access.csv');
    expect(lines[0]).toBe('Email,Node Path,Role,From,To,error');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^nobody-.*No identity with the email nobody-/);
  });

  test('atomic: a row the server refuses rolls the whole file back; a clean file goes in whole', async ({ page }) => {
    const { identities, nodes } = await fixture(page, 1);
    const [a, b, c] = identities;
    // Already holds viewer at the node: only the server can know.
    await api(page, 'POST', `${ENV_API}/assignments`, { identity_id: a.id, node_id: nodes[0].id, role_id: (await all<Role>(page, `${ENV_API}/roles`)).find((r) => r.name === 'viewer')!.id });
    const file = writeFile('atomic.json', JSON.stringify([
      { email: b.email, node: nodes[0].path, role: 'viewer' },
      { email: a.email, node: nodes[0].path, role: 'viewer' },
      { email: c.email, node: nodes[0].path, role: 'editor', from: '2026-03-01 09:30' },
    ]));
    await page.goto(UPLOAD);
    await hydrated(page);
    await page.locator('#upload-file').setInputFiles(file);
    await expect(page.getByTestId('upload-counts')).toContainText('3 ready · 0 with problems');
    await page.getByRole('button', { name: /^Upload 3 rows$/ }).click();
    await expect(page.getByTestId('upload-result')).toContainText('Nothing was created: 1 of 3 rows failed, so the whole upload was rolled back.');
    await expect(page.getByTestId('failed-row')).toHaveText([/Row 3.*already/i]);
    expect((await assignmentsAt(page, nodes[0].id)).map((r) => r.identity.email)).toEqual([a.email]);
    await shot(page, 'upload-result-atomic-rolled-back');

    // Without the duplicate the same upload goes in whole.
    await page.getByRole('button', { name: 'Upload another file' }).click();
    const clean = writeFile('atomic-clean.json', JSON.stringify([
      { email: b.email, node: nodes[0].path, role: 'viewer' },
      { email: c.email, node: nodes[0].path, role: 'editor', from: '2026-03-01 09:30' },
    ]));
    await page.locator('#upload-file').setInputFiles(clean);
    await expect(page.getByTestId('upload-counts')).toContainText('2 ready · 0 with problems');
    await page.getByRole('button', { name: /^Upload 2 rows$/ }).click();
    await expect(page.getByTestId('upload-result')).toContainText('2 assignments created.');
    const rows = await assignmentsAt(page, nodes[0].id);
    expect(rows.map((r) => r.identity.email).sort()).toEqual([a.email, b.email, c.email].sort());
    // A date without a zone is read in the browser's zone (the test browser's is UTC).
    const cFrom = rows.find((r) => r.identity.email === c.email)!.assignment.effective_from;
    const zone = await page.evaluate(() => new Date('2026-03-01T09:30').toISOString());
    expect(new Date(cFrom!).toISOString()).toBe(zone);
  });

  test('10,000 rows: preview and upload without freezing the page (timed)', async ({ page }) => {
    test.setTimeout(180_000);
    const { identities, nodes } = await fixture(page, 40);
    const people = identities.slice(0, 250);
    expect(people.length * nodes.length).toBeGreaterThanOrEqual(10_000);
    const lines = ['identity,node,role'];
    for (const node of nodes) for (const person of people) if (lines.length <= 10_000) lines.push(`${person.email},${node.path},viewer`);
    const file = writeFile('ten-thousand.csv', lines.join('\n'));
    await page.goto(UPLOAD);
    await hydrated(page);

    const startPreview = Date.now();
    await page.locator('#upload-file').setInputFiles(file);
    await expect(page.getByTestId('upload-counts')).toContainText('10,000 ready · 0 with problems', { timeout: 60_000 });
    const previewMs = Date.now() - startPreview;
    await expect(page.getByTestId('preview-row')).toHaveCount(100);

    await page.getByRole('radio', { name: /Skip rows with problems/ }).check();
    const startUpload = Date.now();
    await page.getByRole('button', { name: /^Upload 10,000 rows$/ }).click();
    // The progress bar moves while chunks are sent, and the page answers meanwhile.
    await expect(page.getByTestId('upload-progress')).toBeVisible();
    const responsive = await page.evaluate(() => new Promise<number>((resolve) => {
      const t = performance.now();
      setTimeout(() => resolve(performance.now() - t), 0);
    }));
    expect(responsive).toBeLessThan(500);
    await expect(page.getByTestId('upload-result')).toContainText('10,000 assignments created.', { timeout: 120_000 });
    const uploadMs = Date.now() - startUpload;
    await shot(page, 'upload-result-10k');

    let total = 0;
    for (const node of nodes) {
      const answer = await api<{ pagination: { item_count: number } }>(page, 'GET', `${ENV_API}/assignments/app-wide?source_node_id=${node.id}&take=1`);
      total += answer.pagination.item_count;
    }
    expect(total).toBe(10_000);
    console.log(`FIGURE upload-10k preview_ms=${previewMs} upload_ms=${uploadMs}`);
  });
});
