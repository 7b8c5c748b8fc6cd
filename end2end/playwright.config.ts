// Playwright for Canopy's portal: Debian's Chromium (no browser download on these machines),
// and, unless CANOPY_BASE_URL names a running server, the release binary serving the demo data
// on a fresh SQLite file.
import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

const baseURL = process.env.CANOPY_BASE_URL ?? 'http://127.0.0.1:3100';
const database = path.join(os.tmpdir(), `canopy-e2e-${process.pid}-${Date.now()}.db`);

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: process.env.CANOPY_BASE_URL
    ? undefined
    : {
        command: 'target/release/canopy serve --demo',
        cwd: '..',
        env: {
          DATABASE_URL: `sqlite://${database}`,
          LEPTOS_SITE_ADDR: '127.0.0.1:3100',
          LEPTOS_SITE_ROOT: 'target/site',
          CANOPY_ENV: 'development',
          RUST_LOG: 'warn',
        },
        url: `${baseURL}/healthz`,
        timeout: 120_000,
        reuseExistingServer: !process.env.CI,
        stdout: 'pipe',
        stderr: 'pipe',
      },
});
