// Shared helpers for the portal's specs: signing in, waiting for hydration, screenshots, and
// creating known rows through the portal API with the page's own cookie.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ADMIN = { email: 'admin@acme.example', password: 'canopy-demo' };
export const PRODUCTION = '/a/acme/billing/production';
export const ASSIGNMENTS_PAGE = `${PRODUCTION}/assignments`;
export const APP_API = '/portal/v1/accounts/acme/applications/billing';
export const ENV_API = `${APP_API}/environments/production`;
export const ASSIGNMENTS_API = `${ENV_API}/assignments`;
const SHOTS = path.join(__dirname, '..', 'screenshots');

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Writes `text` to a new temporary file named `name` (a file for an upload input). */
export function writeFile(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-upload-')), name);
  fs.writeFileSync(file, text);
  return file;
}

/** Waits until the WASM bundle has hydrated the page (App sets the marker in an effect). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Signs in through the login form. */
export async function signIn(page: Page, password = ADMIN.password) {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in through the API: the answer sets the session cookie in the page's context. */
export async function signInByApi(page: Page) {
  const response = await page.request.post('/portal/v1/auth/login', { data: ADMIN });
  expect(response.status(), await response.text()).toBe(200);
}

/** Something unique enough to find only this test's rows by search. */
export function unique(prefix: string): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let tail = '';
  let n = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  for (let i = 0; i < 8; i++) {
    tail += letters[n % 26];
    n = Math.floor(n / 26);
  }
  return `${prefix}${tail}`;
}

export interface Role {
  id: string;
  name: string;
  is_system: boolean;
}
export interface Node {
  id: string;
  name: string;
  path: string;
  depth: number;
  parent_id: string | null;
}
export interface Identity {
  id: string;
  name: string;
  email: string;
}
export interface Assignment {
  id: string;
  identity_id: string;
  application_node_id: string;
  role_id: string;
  effective_from: string | null;
  effective_to: string | null;
}

async function json<T>(response: Awaited<ReturnType<APIRequestContext['get']>>, status = 200): Promise<T> {
  expect(response.status(), `${response.url()}: ${await response.text()}`).toBe(status);
  return (await response.json()) as T;
}

/** The environment's roles by name (`viewer`, `editor`, `billing-admin`, `platform-admin`). */
export async function roles(page: Page): Promise<Record<string, Role>> {
  const answer = await json<{ items: Role[] }>(await page.request.get(`${ENV_API}/roles?take=100`));
  return Object.fromEntries(answer.items.map((r) => [r.name, r]));
}

/** The environment's nodes (the demo has ~50, so one page of 100 holds them all). */
export async function nodes(page: Page): Promise<Node[]> {
  const answer = await json<{ items: Node[]; pagination: { has_next_page: boolean } }>(
    await page.request.get(`${ENV_API}/nodes?take=100`),
  );
  expect(answer.pagination.has_next_page).toBe(false);
  return answer.items;
}

/** Leaf nodes whose names no other node shares, so a picker search finds each unambiguously. */
export async function distinctLeaves(page: Page): Promise<Node[]> {
  const all = await nodes(page);
  const parents = new Set(all.map((n) => n.parent_id));
  const names = new Map<string, number>();
  for (const n of all) names.set(n.name.toLowerCase(), (names.get(n.name.toLowerCase()) ?? 0) + 1);
  return all.filter(
    (n) =>
      !parents.has(n.id) &&
      names.get(n.name.toLowerCase()) === 1 &&
      // No other node's name contains this one (the picker searches "contains").
      all.every((o) => o.id === n.id || !o.path.toLowerCase().includes(n.name.toLowerCase())),
  );
}

export async function createIdentity(page: Page, first: string, last: string): Promise<Identity> {
  const email = `${first}.${last}@e2e.example`.toLowerCase();
  return json<Identity>(
    await page.request.post(`${APP_API}/identities`, { data: { email, first_name: first, last_name: last } }),
    201,
  );
}

/** A new identity with a unique last name (a search finds only this test's rows), and the
 *  environment's roles and distinct leaves to assign it at. */
export async function newPerson(page: Page, first: string, surname: string) {
  const last = unique(surname);
  const person = await createIdentity(page, first, last);
  return { last, person, role: await roles(page), leaves: await distinctLeaves(page) };
}

export interface NewAssignment {
  identity_id: string;
  node_id: string;
  role_id: string;
  effective_from?: string | null;
  effective_to?: string | null;
}

export async function createAssignment(page: Page, item: NewAssignment): Promise<Assignment> {
  return json<Assignment>(await page.request.post(ASSIGNMENTS_API, { data: item }), 201);
}

/** Creates all the items in one all-or-nothing request; returns them in request order. */
export async function createAssignments(page: Page, items: NewAssignment[]): Promise<Assignment[]> {
  const answer = await json<{ results: { index: number; data: Assignment }[] }>(
    await page.request.post(`${ASSIGNMENTS_API}/bulk-create`, { data: { assignments: items } }),
  );
  return answer.results.sort((a, b) => a.index - b.index).map((r) => r.data);
}

export async function getAssignment(page: Page, id: string): Promise<Assignment> {
  return json<Assignment>(await page.request.get(`${ASSIGNMENTS_API}/${id}`));
}

/** `GET app-wide` with the given query, as the API answers it. */
export async function listAssignments(page: Page, query: Record<string, string>) {
  const search = new URLSearchParams(query).toString();
  return json<{
    items: { identity: Identity; role: { id: string; name: string }; assignment: { id: string; status: string } }[];
    pagination: { item_count: number; page_count: number };
  }>(await page.request.get(`${ASSIGNMENTS_API}/app-wide?${search}`));
}

/** ISO instant `days` from now (negative: in the past), at whole seconds. */
export function daysFromNow(days: number): string {
  const at = new Date(Date.now() + days * 86_400_000);
  at.setUTCMilliseconds(0);
  return at.toISOString();
}

/**
 * Collects the WASM panics the page logs (a panic during hydration leaves the page dead: no click
 * handler runs). Check the list at the end of a test, so that such a failure names its cause.
 */
export function watchPanics(page: Page): string[] {
  const panics: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('panicked at')) panics.push(message.text().split('\n').slice(0, 2).join(' '));
  });
  page.on('pageerror', (error) => panics.push(`pageerror: ${error.message}`));
  return panics;
}

/**
 * `test` for the assignments specs: every test fails, naming the panic, if the page's WASM
 * panicked at any point (a test that failed for that reason says so, instead of only "dialog not
 * found").
 */
export const test = base.extend<{ panics: string[] }>({
  panics: [
    async ({ page }, use) => {
      const panics = watchPanics(page);
      await use(panics);
      expect(panics, 'the page’s WASM panicked (see the messages)').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };
