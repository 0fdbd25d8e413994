/**
 * End-to-end tests against the real stack (Keycloak + JupyterHub +
 * configurable-http-proxy) that scripts/test.sh starts on loopback.
 * Plain Playwright (galata's fixtures expect an unauthenticated server).
 */
const launchOptions = require('./chromium');

module.exports = {
  testDir: './tests/hub',
  outputDir: './test-results/hub',
  reporter: [['list']],
  retries: 0,
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  use: {
    baseURL: process.env.HUB_URL || 'http://127.0.0.1:18000',
    launchOptions,
    video: 'off',
    trace: 'off',
    viewport: { width: 1280, height: 800 }
  }
};
