import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const PANEL_ID = 'jp-vault-jwt-panel';
const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;
const VAULT_TOKEN_FILE = process.env.UI_VAULT_TOKEN_FILE as string;

// scripts/test.sh runs OpenBao, seeded by demo/openbao_seed.py; its jwt-test
// auth method trusts the key tests/jwt.js signs with, and maps the group
// "management" to the policy kv-all.
test.describe('Vault card and secrets against the real OpenBao', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test.beforeEach(async ({ page }) => {
    writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 300));
    await page.sidebar.openTab(PANEL_ID);
  });

  test('logs in by itself, lists every readable secret, filters, shows key names', async ({
    page
  }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    const card = panel.getByTestId('vault-jwt-vault-card');
    await expect(card).toContainText('kv-all', { timeout: 30_000 });
    await expect(card).toContainText(process.env.UI_VAULT_ADDR as string);
    await expect(card).toContainText('jwt-test');

    // The token went to the token-helper file (0600), never to the browser.
    expect(fs.statSync(VAULT_TOKEN_FILE).mode & 0o777).toBe(0o600);
    const vaultToken = fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim();
    expect(await panel.innerHTML()).not.toContain(vaultToken);

    const tree = panel.getByTestId('vault-jwt-tree');
    for (const mount of ['secret/', 'team-kv/', 'legacy/']) {
      await expect(tree.locator(`[data-path="${mount}"]`)).toBeVisible();
    }

    // One search box over all mounts at once.
    const search = panel.getByLabel('Search secrets');
    await search.fill('billing');
    await expect(
      tree.locator('[data-path="secret/apps/billing/db"]')
    ).toBeVisible();
    await expect(
      tree.locator('[data-path="secret/apps/billing/stripe"]')
    ).toBeVisible();
    await expect(tree.locator('[data-path="legacy/ldap/bind"]')).toHaveCount(0);
    await search.fill('bind');
    await expect(tree.locator('[data-path="legacy/ldap/bind"]')).toBeVisible();
    await expect(
      tree.locator('[data-path="secret/apps/billing/db"]')
    ).toHaveCount(0);

    // A hostile name is text.
    await search.fill('quoted');
    const hostile = tree.locator(
      '[data-path="secret/shared/it\'s \\"quoted\\" ünïcode"]'
    );
    await expect(hostile).toBeVisible();
    await expect(hostile).toContainText('quoted');

    // Selecting a secret shows its key names, never its values.
    await search.fill('billing/db');
    await tree.locator('[data-path="secret/apps/billing/db"]').click();
    const keys = panel.getByTestId('vault-jwt-keys');
    await expect(keys).toContainText('username');
    await expect(keys).toContainText('password');
    const html = await page.content();
    expect(html).not.toContain('demo-only-billing-db-password');
    expect(html).not.toContain('billing_app');

    await panel.screenshot({ path: 'test-results/lab/vault-panel.png' });

    // No token in the browser's storage.
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...window.localStorage, ...window.sessionStorage })
    );
    expect(stored).not.toContain(vaultToken);
    expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  test('Log out revokes and removes the token file; Log in comes back', async ({
    page
  }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    const card = panel.getByTestId('vault-jwt-vault-card');
    await expect(card).toContainText('kv-all', { timeout: 30_000 });
    const session = panel.getByTestId('vault-jwt-session');
    // One state-following button: Log out while logged in, no Log in.
    await expect(session.getByRole('button', { name: /Log in/ })).toHaveCount(
      0
    );
    await session.getByRole('button', { name: /Log out/ }).click();
    await expect(card).not.toContainText('kv-all');
    await expect.poll(() => fs.existsSync(VAULT_TOKEN_FILE)).toBe(false);
    // It stays logged out (no automatic login after an explicit logout).
    await page.waitForTimeout(2_000);
    expect(fs.existsSync(VAULT_TOKEN_FILE)).toBe(false);

    // The token file is gone: the details no longer name it.
    await expect(card.locator('[data-field="token-file"]')).toHaveCount(0);
    await expect(session.getByRole('button', { name: /Log out/ })).toHaveCount(
      0
    );
    await session.getByRole('button', { name: /Log in/ }).click();
    await expect(card).toContainText('kv-all', { timeout: 30_000 });
    await expect.poll(() => fs.existsSync(VAULT_TOKEN_FILE)).toBe(true);
  });

  test('palette commands log in and reload the catalog', async ({ page }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    const card = panel.getByTestId('vault-jwt-vault-card');
    await expect(card).toContainText('kv-all', { timeout: 30_000 });
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('vault-jwt:reload-catalog');
    });
    await expect(
      panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
    ).toBeVisible();
  });
});
