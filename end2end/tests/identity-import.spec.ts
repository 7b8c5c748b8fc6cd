// Bulk import of identities through the same wizard as the assignment upload: mapping guessed
// from an identity export's header, rows the page refuses before sending (a taken email, a
// repeat, a bad status), the server's dry run, both modes, the failed-rows download, the run
// recorded in bulk-imports, and the identities read back from the API.
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';

import { APP_API, PRODUCTION, hydrated, shot, signInByApi, unique, writeFile } from './support';

const IMPORT = `${PRODUCTION}/identities/upload`;

interface Identity { id: string; email: string; first_name: string; last_name: string; name: string; status: string }


async function find(page: Page, q: string): Promise<Identity[]> {
  const response = await page.request.get(`${APP_API}/identities?q=${encodeURIComponent(q)}&take=100&sort_by=email&order=asc`);
  expect(response.status()).toBe(200);
  return (await response.json()).items as Identity[];
}

test.beforeEach(async ({ page }) => {
  await signInByApi(page);
});

test('an export-shaped file: refused rows shown before sending, partial imports the rest, failures download', async ({ page }) => {
  const tag = unique('imp');
  const taken = (await find(page, '@acme.example'))[0];
  const csv = [
    'id,first_name,last_name,name,email,avatar_url,status,created_at,updated_at',
    `,Ada,${tag},,ada.${tag}@acme.example,,active,,`,
    `,Bo,${tag},Bo the Builder,bo.${tag}@acme.example,,inactive,,`,
    `,Cy,${tag},,${taken.email.toUpperCase()},,,,`,
    `,Dee,${tag},,ada.${tag}@ACME.example,,,,`,
    `,Eve,${tag},,eve.${tag}@acme.example,,suspended,,`,
    `,Fay,${tag},,not-an-email,,,,`,
  ].join('\r\n');
  await page.goto(`${PRODUCTION}/identities`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Import CSV' }).click();
  await expect(page).toHaveURL(new RegExp(`${IMPORT}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Import identities' })).toBeVisible();
  await hydrated(page);
  await shot(page, 'identity-import-empty');

  await page.locator('#upload-file').setInputFiles(writeFile('people.csv', csv));
  await expect(page.getByTestId('file-name')).toHaveText('people.csv');
  await expect(page.getByTestId('upload-counts')).toContainText('2 ready · 4 with problems');
  // The export's own header maps itself.
  await expect(page.locator('#map-email')).toHaveValue('4');
  await expect(page.locator('#map-status')).toHaveValue('6');
  const problems = page.getByTestId('row-problems');
  await expect(problems.nth(0)).toHaveText(`${taken.email.toUpperCase()} already has an identity here.`);
  await expect(problems.nth(1)).toHaveText('Repeats row 2.');
  await expect(problems.nth(2)).toHaveText('Status “suspended” is neither active nor inactive.');
  await expect(problems.nth(3)).toContainText(/email/i);
  await expect(page.getByTestId('atomic-blocked')).toBeVisible();
  await shot(page, 'identity-import-preview');

  await page.getByRole('button', { name: 'Check with Canopy' }).click();
  await expect(page.getByText('Checked with Canopy')).toBeVisible();
  await expect(page.getByTestId('upload-counts')).toContainText('2 ready · 4 with problems');

  await page.getByRole('radio', { name: /Skip rows with problems/ }).check();
  const recorded = page.waitForResponse((r) => r.url().endsWith('/identities/bulk-imports') && r.request().method() === 'POST');
  await page.getByRole('button', { name: /^Upload 2 rows$/ }).click();
  await expect(page.getByTestId('upload-result')).toContainText('2 identities created; 4 rows failed.');
  await expect(page.getByTestId('result-counts')).toHaveText('6 rows · 2 created · 4 failed · partial · recorded in the import history');
  const record = await (await recorded).json();
  expect([record.file_name, record.environment ?? null, record.total_rows, record.succeeded, record.failed, record.mode]).toEqual(['people.csv', null, 6, 2, 4, 'partial']);
  await shot(page, 'identity-import-result');

  // The database holds the two good rows as the file said.
  const created = await find(page, tag);
  expect(created.map((i) => [i.email, i.first_name, i.name, i.status])).toEqual([
    [`ada.${tag}@acme.example`, 'Ada', `Ada ${tag}`, 'active'],
    [`bo.${tag}@acme.example`, 'Bo', 'Bo the Builder', 'inactive'],
  ]);

  const download = page.waitForEvent('download');
  await page.getByTestId('download-failed').click();
  const lines = fs.readFileSync(await (await download).path(), 'utf8').trim().split('\r\n');
  expect((await download).suggestedFilename()).toBe('failed-people.csv');
  expect(lines[0]).toBe('id,first_name,last_name,name,email,avatar_url,status,created_at,updated_at,error');
  expect(lines).toHaveLength(5);
  expect(lines[1]).toContain('already has an identity here.');

  // Back to the list, which shows them.
  await page.getByRole('link', { name: 'See the identities' }).click();
  await expect(page).toHaveURL(new RegExp(`${PRODUCTION}/identities$`));
});

test('atomic: an email only the server knows is taken rolls the whole file back; a clean JSON file goes in whole', async ({ page }) => {
  const tag = unique('atm');
  await page.goto(IMPORT);
  await hydrated(page);
  const file = writeFile('people.json', JSON.stringify({ identities: [
    { email: `one.${tag}@acme.example`, first_name: 'One' },
    { email: `two.${tag}@acme.example`, first_name: 'Two' },
  ] }));
  await page.locator('#upload-file').setInputFiles(file);
  await expect(page.getByTestId('upload-counts')).toContainText('2 ready · 0 with problems');
  // Someone creates "two" after the page looked the emails up.
  const racing = await page.request.post(`${APP_API}/identities`, { data: { email: `two.${tag}@acme.example`, first_name: 'Racer' } });
  expect(racing.status()).toBe(201);
  await page.getByRole('button', { name: /^Upload 2 rows$/ }).click();
  await expect(page.getByTestId('upload-result')).toContainText('Nothing was created: 1 of 2 rows failed, so the whole upload was rolled back.');
  await expect(page.getByTestId('failed-row')).toHaveText([/Row 3.*/]);
  expect((await find(page, tag)).map((i) => i.first_name)).toEqual(['Racer']);

  await page.getByRole('button', { name: 'Upload another file' }).click();
  await page.locator('#upload-file').setInputFiles(writeFile('one.json', JSON.stringify([{ email: `one.${tag}@acme.example`, first_name: 'One' }])));
  await expect(page.getByTestId('upload-counts')).toContainText('1 ready · 0 with problems');
  await page.getByRole('button', { name: /^Upload 1 row$/ }).click();
  await expect(page.getByTestId('upload-result')).toContainText('1 identity created.');
  expect((await find(page, tag)).map((i) => i.first_name)).toEqual(['One', 'Racer']);
});
