// Loading the portal. The front end is split by route (app/src/lib.rs's `lazy_page!`): a cold
// load of any page downloads the main module, its two scripts and the modules of that page's
// route — never another route's — brotli-compressed and cached for a year under hashed names,
// hydrates without an error, and a repeat visit transfers none of those bytes. Prints the
// first-load transfer per route as `FIGURE` lines.
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

import { ENV_API, PRODUCTION, hydrated, signInByApi, watchPanics } from './support';

interface Fetched {
  url: string;
  status?: number;
  encoding?: string;
  cacheControl?: string;
  fromCache: boolean;
  /** Bytes that came over the network for it, response headers included (0 from the cache). */
  transferred: number;
}

/** The build's manifests: hash.txt, and the route → modules map the pages preload from. */
const SITE = path.join(__dirname, '..', '..', 'target', 'site');
const hashes = Object.fromEntries(
  fs.readFileSync(path.join(SITE, 'hash.txt'), 'utf8').trim().split('\n').map((line) => line.split(/:\s*/)),
);
const routeModules: Record<string, string[]> = JSON.parse(
  fs.readFileSync(path.join(SITE, 'pkg', `__wasm_split_manifest.${hashes.manifest}.json`), 'utf8'),
);
/** `assignments` → the stems of the modules the `AssignmentsRoute` needs (its own last). */
function modulesOf(route: string): string[] {
  const key = Object.keys(routeModules).find((k) => new RegExp(`^__${route}_route_view_\\d+$`).test(k));
  expect(key, `the manifest has the ${route} route`).toBeTruthy();
  return routeModules[key!];
}

/** Every request of one page load, as Chromium's network layer saw it (CDP). */
async function load(context: BrowserContext, url: string): Promise<{ page: Page; fetched: Fetched[]; panics: string[] }> {
  const page = await context.newPage();
  const panics = watchPanics(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const byId = new Map<string, Fetched>();
  cdp.on('Network.requestWillBeSent', (event) => {
    byId.set(event.requestId, { url: event.request.url, fromCache: false, transferred: 0 });
  });
  cdp.on('Network.requestServedFromCache', (event) => {
    const fetched = byId.get(event.requestId);
    if (fetched) fetched.fromCache = true;
  });
  cdp.on('Network.responseReceived', (event) => {
    const fetched = byId.get(event.requestId);
    if (!fetched) return;
    const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    fetched.status = event.response.status;
    fetched.encoding = headers['content-encoding'];
    fetched.cacheControl = headers['cache-control'];
    fetched.fromCache ||= Boolean(event.response.fromDiskCache || event.response.fromPrefetchCache);
  });
  cdp.on('Network.loadingFinished', (event) => {
    const fetched = byId.get(event.requestId);
    if (fetched) fetched.transferred = event.encodedDataLength;
  });
  await page.goto(url);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { page, fetched: [...byId.values()], panics };
}

const fileOf = (f: Fetched) => new URL(f.url).pathname.split('/pkg/')[1] ?? '';
const isFrontEnd = (f: Fetched) => /\.(js|wasm)$/.test(fileOf(f));
const isWasm = (f: Fetched) => fileOf(f).endsWith('.wasm');

interface Route {
  route: string;
  /** The page's path; a function when it needs an id from the demo data. */
  path: string | ((page: Page) => Promise<string>);
  signedIn: boolean;
  /** The route of the page the load ends on, when the server redirects (`/` → the overview). */
  lands?: string;
}

const firstId = async (page: Page, list: string) => {
  const answer = await page.request.get(`${ENV_API}/${list}?take=1`);
  expect(answer.status()).toBe(200);
  return ((await answer.json()) as { items: { id: string }[] }).items[0].id;
};

const ROUTES: Route[] = [
  { route: 'login', path: '/login', signedIn: false },
  { route: 'home', path: '/', signedIn: true, lands: 'overview' },
  { route: 'overview', path: PRODUCTION, signedIn: true },
  { route: 'assignments', path: `${PRODUCTION}/assignments`, signedIn: true },
  { route: 'assignment_upload', path: `${PRODUCTION}/assignments/upload`, signedIn: true },
  { route: 'identities', path: `${PRODUCTION}/identities`, signedIn: true },
  { route: 'identity_upload', path: `${PRODUCTION}/identities/upload`, signedIn: true },
  {
    route: 'identity',
    path: async (page) => {
      const answer = await page.request.get('/portal/v1/accounts/acme/applications/billing/identities?take=1');
      expect(answer.status()).toBe(200);
      return `${PRODUCTION}/identities/${((await answer.json()) as { items: { id: string }[] }).items[0].id}`;
    },
    signedIn: true,
  },
  { route: 'nodes', path: `${PRODUCTION}/nodes`, signedIn: true },
  { route: 'node', path: async (page) => `${PRODUCTION}/nodes/${await firstId(page, 'nodes')}`, signedIn: true },
  { route: 'roles', path: `${PRODUCTION}/roles`, signedIn: true },
  { route: 'api_keys', path: `${PRODUCTION}/api-keys`, signedIn: true },
  { route: 'audit', path: `${PRODUCTION}/audit`, signedIn: true },
];

test('every lazy route of the app is one this spec loads', () => {
  const inManifest = Object.keys(routeModules).map((k) => k.replace(/^__/, '').replace(/_route_view_\d+$/, ''));
  expect(inManifest.sort()).toEqual(ROUTES.map((r) => r.route).sort());
});

for (const { route, path: where, signedIn, lands = route } of ROUTES) {
  test(`${route}: a cold load fetches only its route's modules, brotli-compressed once, then from the cache`, async ({ browser }) => {
    const context = await browser.newContext();
    const setup = await context.newPage();
    if (signedIn) await signInByApi(setup);
    const url = typeof where === 'string' ? where : await where(setup);
    await setup.close();

    // The page names its route's pack for preloading, every time (Leptos's own preload of a
    // route's code is missing from most dashboard renders; app/src/lazy_pages.rs adds it).
    const pack = modulesOf(lands)[0];
    for (let i = 0; i < 5; i++) {
      // As a browser asks (Leptos answers a redirect with a 302 only to one that accepts HTML).
      const html = await (await context.request.get(url, { headers: { accept: 'text/html' } })).text();
      const ours = html.match(new RegExp(`<link as="fetch" crossorigin="anonymous" href="/pkg/${pack}\\.wasm" rel="preload" type="application/wasm">`, 'g'));
      expect(ours, `render ${i + 1} preloads ${pack} once`).toHaveLength(1);
    }

    const first = await load(context, url);
    expect(first.panics, 'no panic or script error while loading and hydrating').toEqual([]);
    const frontEnd = first.fetched.filter(isFrontEnd);
    const names = frontEnd.map(fileOf);
    const expected = [
      `canopy.${hashes.js}.js`,
      `__wasm_split.${hashes.split}.js`,
      `canopy.${hashes.wasm}.wasm`,
      ...modulesOf(lands).map((stem) => `${stem}.wasm`),
    ];
    expect(new Set(names), 'exactly the main module, its scripts and this route’s modules').toEqual(new Set(expected));
    expect(names, 'each file is fetched once (the preloads are reused)').toHaveLength(expected.length);
    for (const file of frontEnd) {
      expect(file.status, file.url).toBe(200);
      expect(file.encoding, file.url).toBe('br');
      expect(file.cacheControl, file.url).toBe('public, max-age=31536000, immutable');
    }
    const document = first.fetched.find((f) => f.url === first.page.url());
    expect(document?.cacheControl).toBe('private, no-cache');
    const firstBytes = frontEnd.reduce((sum, f) => sum + f.transferred, 0);
    const wasmBytes = frontEnd.filter(isWasm).reduce((sum, f) => sum + f.transferred, 0);
    await first.page.close();

    // A repeat visit in a new tab: the same context, so the same HTTP cache.
    const repeat = await load(context, url);
    const again = repeat.fetched.filter(isFrontEnd);
    expect(again.length, 'the repeat visit uses the same files').toBe(expected.length);
    for (const file of again) {
      expect(file.fromCache, `${file.url} comes from the cache`).toBe(true);
      expect(file.transferred, file.url).toBe(0);
    }
    const repeatBytes = again.reduce((sum, f) => sum + f.transferred, 0);
    const repeatDocument = repeat.fetched.find((f) => f.url === repeat.page.url());
    expect(repeatDocument?.fromCache, 'the page itself is fetched again').toBe(false);

    console.log(
      `FIGURE first-load route=${route} files=${expected.length} wasm_js_bytes=${firstBytes} wasm_bytes=${wasmBytes} js_bytes=${firstBytes - wasmBytes} document_bytes=${document?.transferred ?? 0} repeat_wasm_js_bytes=${repeatBytes}`,
    );
    await context.close();
  });
}

test('moving to another page loads that route’s modules then, and the page works', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const panics = watchPanics(page);
  await signInByApi(page);
  const wasm: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.wasm')) wasm.push(new URL(request.url()).pathname.split('/pkg/')[1]);
  });
  await page.goto(`${PRODUCTION}/audit`);
  await hydrated(page);
  const own = modulesOf('roles').at(-1)!;
  expect(wasm, 'the roles page’s module is not fetched for the audit log').not.toContain(`${own}.wasm`);
  await page.getByRole('link', { name: 'Roles & permissions', exact: true }).first().click();
  await expect(page).toHaveURL(`${PRODUCTION}/roles`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Roles & permissions');
  expect(wasm).toContain(`${own}.wasm`);
  // Its handlers run: a new role's dialog opens and closes.
  await page.getByTestId('new-role').click();
  await expect(page.getByTestId('role-create-dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('role-create-dialog')).toHaveCount(0);
  expect(panics).toEqual([]);
  await context.close();
});
