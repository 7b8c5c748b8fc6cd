// The environment overview: counts by status and by role and what expires in the next 7 and 30
// days as SVG charts, and the recent changes from the audit log — each number as the API has it,
// server-rendered, hydrated without errors, at 1280 px and 390 px.
import { test, expect, APP_API, ENV_API, PRODUCTION, createIdentity, daysFromNow, distinctLeaves, hydrated, roles, shot, signInByApi, unique } from './support';

test.use({ timezoneId: 'UTC', locale: 'en-GB' });

interface Summary {
  total: number;
  by_status: { active: number; scheduled: number; expired: number };
  by_role: { role_id: string; role_name: string; count: number }[];
  expiring_within_7_days: number;
  expiring_within_30_days: number;
  expiring_by_day: number[];
}

function count(text: string | null): number {
  return Number((text ?? '').replace(/,/g, ''));
}

test.describe('overview', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('charts show the summary the API gives, and a new expiring assignment moves them', async ({ page }) => {
    // One assignment ending in 3 days and one in 20: both in the 30-day figure, one in the 7-day.
    const person = await createIdentity(page, 'Olive', unique('Overview'));
    const role = await roles(page);
    const [a, b] = await distinctLeaves(page);
    for (const [node, days] of [[a, 3.5], [b, 20.5]] as const) {
      const created = await page.request.post(`${ENV_API}/assignments`, {
        data: { identity_id: person.id, node_id: node.id, role_id: role.viewer.id, effective_to: daysFromNow(days) },
      });
      expect(created.status(), await created.text()).toBe(201);
    }
    const summary = (await (await page.request.get(`${ENV_API}/assignments/app-wide/summary`)).json()) as Summary;
    expect(summary.expiring_by_day).toHaveLength(30);
    expect(summary.expiring_by_day[3]).toBeGreaterThanOrEqual(1);
    expect(summary.expiring_by_day[20]).toBeGreaterThanOrEqual(1);
    expect(summary.expiring_by_day.reduce((s, n) => s + n, 0)).toBe(summary.expiring_within_30_days);

    // The server's HTML has the charts with the data.
    const html = await (await page.request.get(PRODUCTION)).text();
    expect(html).toContain('data-testid="expiring-chart"');
    expect(html).toContain('data-testid="roles-chart"');

    await page.goto(PRODUCTION);
    await hydrated(page);
    await expect(page.getByTestId('count-expiring')).toHaveText(summary.expiring_within_7_days.toLocaleString('en-US'));
    await expect(page.getByTestId('count-expiring-30')).toHaveText(summary.expiring_within_30_days.toLocaleString('en-US'));
    await expect(page.getByTestId('count-assignments-active')).toHaveText(summary.by_status.active.toLocaleString('en-US'));
    await expect(page.getByTestId('count-assignments-total')).toHaveText(summary.total.toLocaleString('en-US'));

    // The 30 columns, each the API's count for its day, the first 7 highlighted.
    const columns = page.getByTestId('expiring-chart').locator('rect[data-day]');
    await expect(columns).toHaveCount(30);
    const drawn = await columns.evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-value')), e.getAttribute('class')]));
    expect(drawn.map(([v]) => v)).toEqual(summary.expiring_by_day);
    expect(drawn.slice(0, 7).every(([, c]) => c === 'fill-amber-500')).toBe(true);
    expect(drawn.slice(7).every(([, c]) => c === 'fill-sky-400')).toBe(true);
    // The tallest column fills the chart; an empty day draws nothing.
    const heights = await columns.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    const max = Math.max(...summary.expiring_by_day);
    expect(heights[summary.expiring_by_day.indexOf(max)]).toBe(100);
    summary.expiring_by_day.forEach((n, i) => {
      if (n === 0) expect(heights[i]).toBe(0);
    });
    await expect(page.getByTestId('expiring-chart').getByRole('img')).toHaveAttribute(
      'aria-label',
      new RegExp(`${summary.expiring_within_7_days.toLocaleString('en-US')} in the next 7 days, ${summary.expiring_within_30_days.toLocaleString('en-US')} in the next 30 days`),
    );

    // Roles: one bar per role, most used first, counts as the API has them.
    const bars = page.getByTestId('roles-chart').getByTestId('bar');
    await expect(bars).toHaveCount(summary.by_role.length);
    expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))).toEqual(summary.by_role.map((r) => r.role_id));
    const values = await page.getByTestId('roles-chart').getByTestId('bar-value').allTextContents();
    expect(values.map(count)).toEqual(summary.by_role.map((r) => r.count));
    await shot(page, 'overview-charts');
  });

  test('recent changes are the audit log’s newest events of this environment, each opening there', async ({ page }) => {
    const name = unique('Recent ');
    const created = await page.request.post(`${ENV_API}/nodes`, { data: { name } });
    expect(created.status()).toBe(201);
    const node = (await created.json()) as { id: string };
    const events = (await (await page.request.get(`${APP_API}/audit-events?environment=production&take=6`)).json()) as {
      items: { id: string; action: string; target_id: string }[];
    };
    expect(events.items[0].target_id).toBe(node.id);

    await page.goto(PRODUCTION);
    await hydrated(page);
    const recent = page.getByTestId('recent-change');
    await expect(recent).toHaveCount(events.items.length);
    expect(await recent.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(events.items.map((e) => e.id));
    await expect(recent.first()).toContainText('Node created');
    await expect(recent.first()).toContainText(name);
    await expect(recent.first()).toContainText('by You');

    // Keyboard: the first change's link opens the audit log at it.
    await recent.first().getByRole('link').focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`/audit\\?environment=production&open=${events.items[0].id}$`));
    await hydrated(page);
    await expect(page.getByTestId('audit-detail')).toBeVisible();
    await expect(page.locator('[data-testid=diff-row][data-field=name]')).toHaveAttribute('data-change', 'added');
  });

  test('usable at 390 px', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(PRODUCTION);
    await hydrated(page);
    await expect(page.getByTestId('expiring-chart')).toBeVisible();
    await expect(page.getByTestId('roles-chart')).toBeVisible();
    await expect(page.getByTestId('recent-changes')).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'overview-390');
  });
});
