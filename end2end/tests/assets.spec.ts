// Loading the portal: the first visit downloads the JS and WASM once, brotli-compressed; a repeat
// visit takes them from the browser's cache and transfers none of their bytes. Prints the
// first-load transfer per route as `FIGURE` lines.
import { test, expect, type BrowserContext, type Page } from '@playwright/test';

import { ASSIGNMENTS_PAGE, hydrated, signInByApi } from './support';

interface Fetched {
  url: string;
  status?: number;
  encoding?: string;
  cacheControl?: string;
  fromCache: boolean;
  /** Bytes that came over the network for it, response headers included (0 from the cache). */
  transferred: number;
}

/** Every request of one page load, as Chromium's network layer saw it (CDP). */
async function load(context: BrowserContext, path: string): Promise<{ page: Page; fetched: Fetched[] }> {
  const page = await context.newPage();
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
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { page, fetched: [...byId.values()] };
}

const isBundle = (f: Fetched) => /\/pkg\/canopy\.[0-9a-f]{16}\.(js|wasm)$/.test(new URL(f.url).pathname);
const isWasm = (f: Fetched) => new URL(f.url).pathname.endsWith('.wasm');

for (const route of ['/login', ASSIGNMENTS_PAGE]) {
  test(`${route}: the bundle comes brotli-compressed once, then from the cache`, async ({ browser }) => {
    const context = await browser.newContext();
    if (route !== '/login') {
      const setup = await context.newPage();
      await signInByApi(setup);
      await setup.close();
    }

    const first = await load(context, route);
    const bundle = first.fetched.filter(isBundle);
    expect(bundle.filter(isWasm), 'the WASM is fetched once (the preload is reused)').toHaveLength(1);
    expect(bundle).toHaveLength(2);
    for (const file of bundle) {
      expect(file.status, file.url).toBe(200);
      expect(file.encoding, file.url).toBe('br');
      expect(file.cacheControl, file.url).toBe('public, max-age=31536000, immutable');
    }
    const document = first.fetched.find((f) => new URL(f.url).pathname === route);
    expect(document?.cacheControl).toBe('private, no-cache');
    const firstBytes = bundle.reduce((sum, f) => sum + f.transferred, 0);
    const wasmBytes = bundle.filter(isWasm).reduce((sum, f) => sum + f.transferred, 0);
    await first.page.close();

    // A repeat visit in a new tab: the same context, so the same HTTP cache.
    const repeat = await load(context, route);
    const again = repeat.fetched.filter(isBundle);
    for (const file of again) {
      expect(file.fromCache, `${file.url} comes from the cache`).toBe(true);
      expect(file.transferred, file.url).toBe(0);
    }
    const repeatBytes = again.reduce((sum, f) => sum + f.transferred, 0);
    const repeatDocument = repeat.fetched.find((f) => new URL(f.url).pathname === route);
    expect(repeatDocument?.fromCache, 'the page itself is fetched again').toBe(false);

    console.log(
      `FIGURE first-load route=${route} wasm_js_bytes=${firstBytes} wasm_bytes=${wasmBytes} js_bytes=${firstBytes - wasmBytes} document_bytes=${document?.transferred ?? 0} repeat_wasm_js_bytes=${repeatBytes}`,
    );
    await context.close();
  });
}
