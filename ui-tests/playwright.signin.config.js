/**
 * Galata tests of the sign-in from the panel: a plain `jupyter lab` with no
 * id_token configured, the test Keycloak (device flow) and OpenBao (auth/jwt
 * trusting that Keycloak), both started by scripts/test.sh (KC_URL,
 * OPENBAO_ADDR).
 */
const fs = require('fs');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const launchOptions = require('./chromium');

const PORT = Number(process.env.UI_SIGNIN_PORT || 18890);
const KC_URL = (process.env.KC_URL || 'http://127.0.0.1:18080').replace(
  /\/$/,
  ''
);
const HOME = path.resolve(__dirname, 'test-results', 'signin-home');
fs.mkdirSync(HOME, { recursive: true });
const VAULT_TOKEN_FILE = path.join(HOME, '.vault-token');
fs.rmSync(VAULT_TOKEN_FILE, { force: true });

module.exports = {
  ...baseConfig,
  testDir: './tests/signin',
  outputDir: './test-results/signin',
  reporter: [['list']],
  retries: 0,
  workers: 1,
  timeout: 240_000,
  expect: { timeout: 60_000 },
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions,
    video: 'off',
    trace: 'off'
  },
  webServer: [
    {
      // The server log (DEBUG) is kept for the token-hygiene check.
      command:
        'jupyter lab --config jupyter_server_signin_config.py > test-results/signin-server.log 2>&1',
      url: `http://127.0.0.1:${PORT}/lab`,
      timeout: 120_000,
      reuseExistingServer: false,
      env: {
        ...process.env,
        HOME,
        UI_SIGNIN_PORT: String(PORT),
        UI_OIDC_ISSUER: `${KC_URL}/realms/jupyterhub`,
        UI_VAULT_TOKEN_FILE: VAULT_TOKEN_FILE
      },
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 }
    }
  ]
};
