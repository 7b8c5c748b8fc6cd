// Mistyped and stale addresses: never an error page. A trailing slash lands on the page without
// it; an unknown path or environment gets the designed not-found page, with a 404 status.
import { test, expect } from '@playwright/test';

import { PRODUCTION, hydrated, signInByApi } from './support';

test.beforeEach(async ({ page }) => {
  await signInByApi(page);
});

test('a trailing slash lands on the page without it', async ({ page }) => {
  const response = await page.goto(`${PRODUCTION}/`);
  expect(response?.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe(PRODUCTION);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByText('This page could not be loaded')).toHaveCount(0);
});

test('an unknown environment is a 404 inside the dashboard, with a way home', async ({ page }) => {
  const response = await page.goto('/a/acme/billing/nope/assignments');
  expect(response?.status()).toBe(404);
  await hydrated(page);
  await expect(page.getByTestId('environment-not-found')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to your first environment' })).toBeVisible();
});

test('an unknown path is the designed not-found page with a 404', async ({ page }) => {
  const response = await page.goto('/a/acme/billing/production/nope');
  expect(response?.status()).toBe(404);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
