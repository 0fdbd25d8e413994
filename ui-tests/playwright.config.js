/**
 * Galata tests against a plain `jupyter lab` started here, whose id_token
 * comes from a file (the "outside JupyterHub" source).
 */
const fs = require('fs');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const launchOptions = require('./chromium');
const { mintIdToken, writeTokenFile } = require('./tests/jwt');

const PORT = Number(process.env.UI_LAB_PORT || 18888);
const TOKEN_FILE = path.resolve(__dirname, 'test-results', 'id_token');
process.env.UI_TOKEN_FILE = TOKEN_FILE;
// The server's (and so its kernels') home, apart from the real one: the server
// writes the Vault token to ~/.vault-token there (scripts/test.sh runs
// OpenBao), where the inserted snippets (hvac, the CLI) read it.
const HOME = path.resolve(__dirname, 'test-results', 'home');
fs.mkdirSync(HOME, { recursive: true });
const VAULT_TOKEN_FILE = path.join(HOME, '.vault-token');
// A token file left by an earlier run would be one the server did not write:
// it would leave it alone (the user's), and the snippets would read it.
fs.rmSync(VAULT_TOKEN_FILE, { force: true });
process.env.UI_VAULT_TOKEN_FILE = VAULT_TOKEN_FILE;
// The server reads this file when the panel asks for the identity.
writeTokenFile(TOKEN_FILE, mintIdToken());

// With OpenBao (scripts/test.sh), the lab reaches it through a loopback fault
// proxy (tests/faultproxy.py): transparent until a fault test sets a mode on
// its control port.
const PROXY_PORT = Number(process.env.UI_FAULT_PROXY_PORT || 18631);
const PROXY_CONTROL = `http://127.0.0.1:${PROXY_PORT + 1}`;
process.env.UI_FAULT_PROXY_CONTROL = PROXY_CONTROL;
if (process.env.OPENBAO_ADDR) {
  process.env.UI_VAULT_ADDR = `http://127.0.0.1:${PROXY_PORT}`;
}
const upstream = (process.env.OPENBAO_ADDR || '').replace(/^https?:\/\//, '');

module.exports = {
  ...baseConfig,
  testDir: './tests/lab',
  outputDir: './test-results/lab',
  reporter: [['list']],
  retries: 0,
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions,
    video: 'off',
    trace: 'off'
  },
  webServer: [
    ...(process.env.OPENBAO_ADDR
      ? [
          {
            command:
              `python ../tests/faultproxy.py --listen 127.0.0.1:${PROXY_PORT} ` +
              `--upstream ${upstream} --control 127.0.0.1:${PROXY_PORT + 1} ` +
              '> test-results/faultproxy.log 2>&1',
            url: `${PROXY_CONTROL}/mode`,
            timeout: 30_000,
            reuseExistingServer: false,
            gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 }
          }
        ]
      : []),
    {
      // The server log (DEBUG) is kept for the token-hygiene check.
      command:
        'jupyter lab --config jupyter_server_test_config.py > test-results/lab-server.log 2>&1',
      url: `http://127.0.0.1:${PORT}/lab`,
      timeout: 120_000,
      reuseExistingServer: false,
      env: {
        ...process.env,
        HOME,
        UI_LAB_PORT: String(PORT),
        OIDC_ID_TOKEN_FILE: TOKEN_FILE,
        UI_VAULT_TOKEN_FILE: VAULT_TOKEN_FILE
      },
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 }
    }
  ]
};
