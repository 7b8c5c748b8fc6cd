// An axe-core scan of every page of the portal, signed out and signed in, at 1280 px and at
// 390 px: no serious or critical violation of WCAG 2.1 A/AA. A violation fails with its rule,
// its help text and the elements it found, so the report says what to fix.
import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { test, expect, APP_API, PRODUCTION, hydrated, signInByApi } from './support';

/** The pages an admin reaches; `:identity` is replaced by a real identity's id. */
const SIGNED_IN = [
  `${PRODUCTION}`,
  `${PRODUCTION}/assignments`,
  `${PRODUCTION}/assignments?status=scheduled&sort=role&order=asc`,
  `${PRODUCTION}/assignments/upload`,
  `${PRODUCTION}/identities`,
  `${PRODUCTION}/identities/:identity`,
  `${PRODUCTION}/nodes`,
  `${PRODUCTION}/roles`,
  `${PRODUCTION}/api-keys`,
  `${PRODUCTION}/audit`,
  '/a/acme/billing/nowhere/assignments',
];

async function scan(page: Page, url: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  ')}`);
  expect(report, `${url}\n${report.join('\n')}`).toEqual([]);
}

for (const width of [1280, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: width > 400 ? 800 : 844 } });

    test('the sign-in page', async ({ page }) => {
      await page.goto('/login');
      await hydrated(page);
      await scan(page, '/login');
    });

    test('every signed-in page', async ({ page }) => {
      test.setTimeout(120_000);
      await signInByApi(page);
      const identities = await (await page.request.get(`${APP_API}/identities?take=1`)).json();
      for (const template of SIGNED_IN) {
        const url = template.replace(':identity', identities.items[0].id);
        await page.goto(url);
        await hydrated(page);
        await scan(page, url);
      }
    });
  });
}
