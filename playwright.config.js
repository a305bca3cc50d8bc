// Playwright configuration for the browser tests (e2e/*.spec.js), run by scripts/test-web.
// Debian's Chromium (/usr/bin/chromium), never a downloaded browser; the built site
// (scripts/build-site) served by scripts/serve.mjs on IBP_PORT (test-web picks a free one).
const { defineConfig } = require('@playwright/test');
const { chromiumArgs } = require('./e2e/chromium-args.cjs');

const port = Number(process.env.IBP_PORT || 8765);

module.exports = defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.js$/,
  timeout: 60000,
  expect: { timeout: 20000 },
  fullyParallel: false,
  workers: Number(process.env.IBP_PW_WORKERS || 2),
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'build/playwright',
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs, // e2e/chromium-args.cjs: without the browser's omnibox popup WebUI
    },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
    screenshot: 'off',
  },
  webServer: {
    // --test-hooks: the fault injection of e2e/faults.spec.js (a link can trap or crash the worker)
    command: `node scripts/serve.mjs --port ${port} --test-hooks`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 20000,
    stdout: 'ignore',
  },
});
