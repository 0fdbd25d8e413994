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
// A second lab signs in with the browser method (PKCE pop-up).
const BROWSER_PORT = PORT + 1;
process.env.UI_SIGNIN_BROWSER_URL = `http://127.0.0.1:${BROWSER_PORT}`;
// A third lab signs in through Vault's own OIDC auth method (auth/oidc, role
// jupyter: the pop-up comes back to the lab's callback on loopback).
const VAULT_OIDC_PORT = PORT + 2;
process.env.UI_SIGNIN_VAULT_OIDC_URL = `http://127.0.0.1:${VAULT_OIDC_PORT}`;

/** One lab: its own home (and so ~/.vault-token), port and sign-in method. */
function lab(port, method) {
  const home = path.resolve(__dirname, 'test-results', `signin-home-${method}`);
  fs.mkdirSync(home, { recursive: true });
  const vaultTokenFile = path.join(home, '.vault-token');
  fs.rmSync(vaultTokenFile, { force: true });
  return {
    // The server log (DEBUG) is kept for the token-hygiene check.
    command: `jupyter lab --config jupyter_server_signin_config.py > test-results/signin-${method}-server.log 2>&1`,
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 120_000,
    reuseExistingServer: false,
    env: {
      ...process.env,
      HOME: home,
      UI_SIGNIN_PORT: String(port),
      UI_SIGNIN_METHOD: method,
      UI_OIDC_ISSUER: `${KC_URL}/realms/jupyterhub`,
      UI_VAULT_TOKEN_FILE: vaultTokenFile
    },
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 }
  };
}

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
    lab(PORT, 'device'),
    lab(BROWSER_PORT, 'browser'),
    lab(VAULT_OIDC_PORT, 'vault-oidc')
  ]
};
