import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { catalogPaths } from '../hub/helpers';
import { JWT, openDetails, PANEL_ID } from './helpers';

const SERVER_LOG = path.resolve(
  __dirname,
  '../../test-results/signin-device-server.log'
);

/** The user's side at Keycloak: open the link, log in, approve (or not). */
async function approveAtKeycloak(
  idp: Page,
  link: string,
  accept: boolean
): Promise<void> {
  await idp.goto(link);
  await idp.locator('#username').fill('alice');
  await idp.locator('#password').fill('alice-password');
  await idp.locator('#kc-login').click();
  // The client asks for consent; a remembered consent skips the screen.
  const consent = idp.locator(accept ? '[name="accept"]' : '[name="cancel"]');
  const done = idp.getByText(/Device Login Successful|successful/i);
  await expect(consent.or(done).first()).toBeVisible({ timeout: 120_000 });
  if (await consent.isVisible()) {
    // Declining needs no page after it: do not wait for Keycloak's next one.
    await consent.click({ noWaitAfter: !accept });
  }
}

test.describe.configure({ mode: 'serial' });

test('no token configured: Sign in shows a code, the user approves at Keycloak, the identity fills in, Vault logs in, the catalog lists', async ({
  page
}) => {
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const signin = panel.getByTestId('vault-jwt-signin');
  await expect(signin).toContainText('Not signed in');
  await expect(panel.getByTestId('vault-jwt-identity-card')).toContainText(
    'Not signed in'
  );

  await signin.getByRole('button', { name: 'Sign in' }).click();
  const code = signin.getByTestId('vault-jwt-user-code');
  await expect(code).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await expect(signin.locator('svg.jp-VaultJwt-qr path')).toHaveCount(1);
  const link = (await signin.locator('a').getAttribute('href')) as string;
  expect(link).toContain(`user_code=${await code.textContent()}`);

  const idp = await page.context().newPage();
  await approveAtKeycloak(idp, link, true);
  await idp.close();

  await expect(signin).toContainText('Signed in at', { timeout: 120_000 });
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );
  await expect(panel.getByTestId('vault-jwt-identity-card')).toContainText(
    'Signed in from this panel'
  );
  await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
    'kv-all',
    { timeout: 120_000 }
  );
  const paths = await catalogPaths(page);
  expect(paths).toContain('secret/management/payroll/bank');
  expect(paths).toContain('secret/shared/smtp');

  // Token hygiene: no token in the page, browser storage or the server log.
  const storage = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }])
  );
  expect(storage).not.toMatch(JWT);
  expect(await page.content()).not.toMatch(JWT);
  expect(fs.readFileSync(SERVER_LOG, 'utf8')).not.toMatch(JWT);

  // Sign out: the identity goes, and so does the Vault session.
  await openDetails(panel);
  await signin.getByRole('button', { name: 'Sign out' }).click();
  await expect(signin).toContainText('Not signed in');
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveCount(
    0
  );
});

test('declining at Keycloak says so in the panel', async ({ page }) => {
  await page.sidebar.openTab(PANEL_ID);
  const signin = page.locator(`#${PANEL_ID}`).getByTestId('vault-jwt-signin');
  await signin.getByRole('button', { name: 'Sign in' }).click();
  const link = (await signin.locator('a').getAttribute('href')) as string;
  // Keycloak remembers the consent of the first test: forget it first.
  const idp = await page.context().newPage();
  await forgetConsent(idp);
  await approveAtKeycloak(idp, link, false);
  // The IdP's page is left to the context's teardown: closing it right after
  // the decline once hung for minutes (the decline reached Keycloak at once and
  // the panel showed it 9 s later, but the test was still closing that page).
  await expect(signin.locator('[data-code="signin_denied"]')).toBeVisible({
    timeout: 120_000
  });
  await expect(signin.getByRole('button', { name: 'Sign in' })).toBeEnabled();
});

/** Revoke alice's consent to the device client in Keycloak's account console API. */
async function forgetConsent(idp: Page): Promise<void> {
  const kc = (process.env.KC_URL || 'http://127.0.0.1:18080').replace(
    /\/$/,
    ''
  );
  const admin = await idp.request.post(
    `${kc}/realms/master/protocol/openid-connect/token`,
    {
      form: {
        grant_type: 'password',
        client_id: 'admin-cli',
        username: process.env.KC_BOOTSTRAP_ADMIN_USERNAME || 'admin',
        password: process.env.KC_BOOTSTRAP_ADMIN_PASSWORD || 'admin'
      }
    }
  );
  const headers = {
    Authorization: `Bearer ${(await admin.json()).access_token}`
  };
  const users = await (
    await idp.request.get(
      `${kc}/admin/realms/jupyterhub/users?exact=true&username=alice`,
      { headers }
    )
  ).json();
  await idp.request.delete(
    `${kc}/admin/realms/jupyterhub/users/${users[0].id}/consents/jupyterlab-device`,
    { headers }
  );
}
