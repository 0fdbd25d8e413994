/**
 * Faults on the hub's side of the real stack, each seen in alice's panel:
 * the hub hanging, Keycloak down while the hub must refresh her id_token, and
 * Keycloak revoking her session (so her refresh token). Each shows its own
 * message in the Identity card, keeps the last good identity, and clears by
 * itself once the cause is gone (for the revoked session: once she logs in
 * at the hub again, in another tab). The processes are the test stack's own
 * (scripts/test.sh): the hub is paused with SIGSTOP, Keycloak stopped and
 * started with scripts/keycloak.sh, the session ended with Keycloak's admin
 * API. Runs after e2e.spec.ts; each test leaves the stack running.
 */
import { expect, Page, test } from '@playwright/test';

import {
  hubPid,
  logInThroughKeycloak,
  openPanel,
  stackScript
} from './helpers';

const KC_URL = process.env.KC_URL || 'http://127.0.0.1:18080';
const KC_ADMIN = process.env.KC_BOOTSTRAP_ADMIN_USERNAME || 'admin';
const KC_ADMIN_PASSWORD = process.env.KC_BOOTSTRAP_ADMIN_PASSWORD || 'admin';

test.describe.configure({ mode: 'serial' });

/** alice's Identity card, once her panel shows her. */
async function aliceIdentity(page: Page) {
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  const panel = await openPanel(page, 'kv-all');
  const card = panel.getByTestId('vault-jwt-identity-card');
  await expect(card.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );
  // Problems show in the session header, above the details.
  await expect(panel.getByRole('alert')).toHaveCount(0);
  return card;
}

/** End every Keycloak session of `username` (as an admin would). */
async function endKeycloakSessions(username: string): Promise<void> {
  const token = await fetch(
    `${KC_URL}/realms/master/protocol/openid-connect/token`,
    {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: KC_ADMIN,
        password: KC_ADMIN_PASSWORD
      })
    }
  );
  expect(token.status).toBe(200);
  const headers = {
    Authorization: `Bearer ${((await token.json()) as any).access_token}`
  };
  const admin = `${KC_URL}/admin/realms/jupyterhub`;
  const users = (await (
    await fetch(`${admin}/users?exact=true&username=${username}`, { headers })
  ).json()) as { id: string }[];
  expect(users).toHaveLength(1);
  const logout = await fetch(`${admin}/users/${users[0].id}/logout`, {
    method: 'POST',
    headers
  });
  expect(logout.status).toBe(204);
}

test('the hub hangs: the panel says it did not answer, keeps the identity, and recovers by itself', async ({
  page
}) => {
  test.setTimeout(180_000);
  const card = await aliceIdentity(page);
  const pid = hubPid();
  process.kill(pid, 'SIGSTOP');
  try {
    await card.getByRole('button', { name: 'Refresh' }).click();
    // c.IdTokenService.request_timeout (10 s) later:
    await expect(
      card.page().locator('#jp-vault-jwt-panel [data-code="hub_timeout"]')
    ).toContainText("JupyterHub's API did not answer in time", {
      timeout: 45_000
    });
    await expect(
      card
        .page()
        .locator('#jp-vault-jwt-panel [data-testid="vault-jwt-problem"]')
    ).toContainText('The last sign-in token read is still shown.');
    await expect(card.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  // The panel retries by itself (15 s after the failure).
  await expect(
    card.page().locator('#jp-vault-jwt-panel').getByRole('alert')
  ).toHaveCount(0, { timeout: 60_000 });
  await expect(card.locator('.jp-VaultJwt-timeLeft')).toHaveText(/Expires in/);
});

test('Keycloak down while the id_token runs out: the panel says the hub could not renew it, and recovers when Keycloak is back', async ({
  page
}) => {
  test.setTimeout(420_000);
  const card = await aliceIdentity(page);
  const issuedAt = await card.locator('[data-claim="iat"]').textContent();
  stackScript('keycloak', 'stop');
  let running = false;
  try {
    // The hub keeps the old id_token (it cannot refresh it); once it has
    // expired (60 s lifespan) the panel says why it is not renewed.
    const stale = card
      .page()
      .locator('#jp-vault-jwt-panel [data-code="stale_id_token"]');
    await expect(stale).toContainText(
      'the hub could not get a new one from the identity provider',
      { timeout: 150_000 }
    );
    await expect(card.locator('.jp-VaultJwt-timeLeft')).toHaveText(
      /Expired .* ago/
    );
    await expect(stale.getByRole('link')).toHaveText('Log in again at the hub');
    stackScript('keycloak', 'start');
    running = true;
  } finally {
    if (!running) {
      stackScript('keycloak', 'start');
    }
  }
  // Keycloak is back: the hub refreshes at its next check, the panel (which
  // keeps retrying) shows the new id_token and no error, with no click.
  await expect(
    card.page().locator('#jp-vault-jwt-panel').getByRole('alert')
  ).toHaveCount(0, { timeout: 150_000 });
  await expect(card.locator('.jp-VaultJwt-timeLeft')).toHaveText(/Expires in/);
  await expect(card.locator('[data-claim="iat"]')).not.toHaveText(issuedAt!);
});

test('Keycloak revokes the session: the panel asks to log in again, and recovers by itself after a new login at the hub', async ({
  page,
  context
}) => {
  test.setTimeout(420_000);
  const card = await aliceIdentity(page);
  await endKeycloakSessions('alice');
  // At its next refresh, Keycloak refuses the hub's refresh token
  // (invalid_grant): the hub logs alice out and answers 403 to her server.
  const panel = page.locator('#jp-vault-jwt-panel');
  const refused = panel.locator('[data-code="login_required"]');
  await expect(refused).toContainText('log in again at the hub', {
    timeout: 150_000
  });
  await expect(refused.getByRole('link')).toHaveText('Log in again at the hub');
  await expect(card.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );

  // She logs in again at the hub in another tab, through Keycloak's form
  // (to the hub's home: a second JupyterLab tab would switch workspaces).
  const again = await context.newPage();
  await again.goto('/hub/oauth_login?next=%2Fhub%2Fhome');
  await again.locator('#username').fill('alice');
  await again.locator('#password').fill('alice-password');
  await again.locator('#kc-login').click();
  await again.waitForURL(/\/hub\/home/, { timeout: 60_000 });
  await again.close();
  // The first tab's panel asks again (every minute) and recovers.
  await expect(panel.getByRole('alert')).toHaveCount(0, { timeout: 120_000 });
  await expect(card.locator('.jp-VaultJwt-timeLeft')).toHaveText(/Expires in/);
});
