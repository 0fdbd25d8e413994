import { expect, test } from '@playwright/test';

import { logInThroughKeycloak, openPanel } from './helpers';

test('log in through Keycloak, see my identity, watch it count down and get refreshed', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  // The earlier tests' workspace may have the panel open already: open it by
  // command (a click on its tab would close it).
  const panel = await openPanel(page, 'kv-all');
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );
  await expect(panel.locator('[data-claim="email"]')).toHaveText(
    'alice@example.org'
  );
  await expect(panel.locator('[data-claim="groups"]')).toContainText(
    'management'
  );
  await expect(panel.locator('[data-claim="aud"]')).toContainText('jupyterhub');
  await expect(panel.locator('[data-claim="iss"]')).toContainText(
    '/realms/jupyterhub'
  );
  await expect(panel.getByText(/^From JupyterHub/)).toBeVisible();

  // The countdown moves.
  const timeLeft = panel.locator('.jp-VaultJwt-timeLeft');
  await expect(timeLeft).toHaveText(/Expires in \d+:\d\d/);
  const before = await timeLeft.textContent();
  await expect(timeLeft).not.toHaveText(before!, { timeout: 5_000 });

  // The token is replaced before it expires, without any user action
  // (Keycloak issues short-lived tokens in the test stack).
  const issuedAt = panel.locator('[data-claim="iat"]');
  const firstIat = await issuedAt.textContent();
  await expect(issuedAt).not.toHaveText(firstIat!, { timeout: 90_000 });
  await expect(panel.getByText('Expired', { exact: true })).toHaveCount(0);

  // And on demand: once the hub's refresh window is open, Refresh gets a new one.
  const secondIat = await issuedAt.textContent();
  await expect(async () => {
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(issuedAt).not.toHaveText(secondIat!, { timeout: 3_000 });
  }).toPass({ timeout: 90_000, intervals: [5_000] });

  // No token in the browser's storage.
  const stored = await page.evaluate(() =>
    JSON.stringify({ ...window.localStorage, ...window.sessionStorage })
  );
  expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);
});

test('bob logs in through Keycloak and sees exactly the secrets his policies let him read', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'bob', 'bob-password');
  // Logged in to OpenBao with his id_token, without doing anything.
  const panel = await openPanel(page, 'kv-reader');
  const card = panel.getByTestId('vault-jwt-vault-card');
  await expect(card).not.toContainText('kv-all');

  const tree = panel.getByTestId('vault-jwt-tree');
  await panel.getByLabel('Search secrets').fill('/');
  const readable = [
    'secret/apps/billing/db',
    'secret/shared/smtp',
    'secret/management/board/minutes-key', // exact-path grant, folder not listable
    'team-kv/data-science/warehouse',
    'team-kv/data-science/s3/readonly'
  ];
  for (const path of readable) {
    await expect(tree.locator(`[data-path="${path}"]`)).toBeVisible();
  }
  for (const path of [
    'secret/apps/billing/stripe', // denied inside the allowed subtree
    'secret/management/payroll/bank',
    'secret/apps/portal/oauth',
    'legacy/ldap/bind'
  ]) {
    await expect(tree.locator(`[data-path="${path}"]`)).toHaveCount(0);
  }

  // Key names on demand.
  await tree.locator('[data-path="team-kv/data-science/warehouse"]').click();
  await expect(panel.getByTestId('vault-jwt-keys')).toContainText('dsn');
  expect(await page.content()).not.toContain('warehouse.example.invalid');
});
