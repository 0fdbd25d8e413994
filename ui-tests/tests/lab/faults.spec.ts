import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const PANEL_ID = 'jp-vault-jwt-panel';
const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;
const CONTROL = process.env.UI_FAULT_PROXY_CONTROL as string;

/** Set the fault proxy between the lab server and OpenBao (tests/faultproxy.py). */
async function fault(mode: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${CONTROL}/mode`, {
    method: 'POST',
    body: JSON.stringify(mode)
  });
  expect(response.ok).toBe(true);
}

// Each fault: a specific message in the panel, and recovery by itself (the
// catalog is read again after a failure) once the fault clears.
test.describe('Vault faults between the server and OpenBao', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test.beforeEach(async ({ page }) => {
    await fault({ mode: 'pass' });
    writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 300));
    await page.sidebar.openTab(PANEL_ID);
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    // The first catalog of the run (login, then every mount read) can take
    // well over the default 15 s on a busy machine.
    await expect(
      panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
    ).toBeVisible({ timeout: 60_000 });
  });

  test.afterEach(async () => {
    await fault({ mode: 'pass' });
  });

  const cases = [
    {
      name: 'HTTP 500s',
      mode: { mode: 'status', code: 500 },
      code: 'vault_error',
      sentence: 'Vault answered with an error.',
      message: /HTTP 500/
    },
    {
      name: 'connections dropped',
      mode: { mode: 'drop' },
      code: 'vault_unreachable',
      sentence: 'Vault cannot be reached right now.',
      message: /cannot be reached/
    },
    {
      name: 'the port closed',
      mode: { mode: 'closed' },
      code: 'vault_unreachable',
      sentence: 'Vault cannot be reached right now.',
      message: /cannot be reached/
    },
    {
      name: '5 s of latency',
      mode: { mode: 'latency', seconds: 5 },
      code: 'vault_timeout',
      sentence: 'Vault is not answering in time.',
      message: /did not answer within 3 s/
    }
  ];

  for (const c of cases) {
    test(`${c.name}: says so in the panel, stays usable, recovers by itself`, async ({
      page
    }) => {
      test.setTimeout(120_000);
      const panel = page.locator(`#${PANEL_ID}`);
      // The problem shows where the state shows: the session header.
      const session = panel.getByTestId('vault-jwt-session');
      await fault(c.mode);
      await panel.getByRole('button', { name: 'Reload catalog' }).click();

      // The UI does not freeze while Vault is failing: the search still filters.
      const search = panel.getByLabel('Search secrets');
      await search.fill('bind');
      await expect(
        panel
          .getByTestId('vault-jwt-tree')
          .locator('[data-path="legacy/ldap/bind"]')
      ).toBeVisible({ timeout: 2_000 });
      await search.fill('');

      const error = session.locator(
        `.jp-VaultJwt-error[data-code="${c.code}"]`
      );
      await expect(error).toBeVisible({ timeout: 20_000 });
      // A plain sentence; the server's message under the administrator's details.
      await expect(error.locator('.jp-VaultJwt-errorSentence')).toHaveText(
        c.sentence
      );
      await expect(error).toContainText(c.message);
      await expect(session.getByTestId('vault-jwt-summary')).toContainText(
        'Vault problem'
      );
      // The last good catalog stays.
      await expect(error).toContainText(
        'The list below is the last one that was read.'
      );

      await fault({ mode: 'pass' });
      // No click: the catalog is read again by itself (first retry after 15 s).
      await expect(session.locator('.jp-VaultJwt-error')).toHaveCount(0, {
        timeout: 60_000
      });
      await expect(
        panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
      ).toBeVisible();
    });
  }

  test('no unhandled exception in the server log', async () => {
    const log = fs.readFileSync(
      path.resolve(__dirname, '../../test-results/lab-server.log'),
      'utf8'
    );
    expect(log).toContain('/vault-jwt/vault/catalog'); // the right log
    expect(log).not.toContain('Traceback');
    expect(log).not.toMatch(/Uncaught exception|Unhandled exception/i);
  });
});
