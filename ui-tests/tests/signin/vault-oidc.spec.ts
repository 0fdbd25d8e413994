import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { catalogPaths } from '../hub/helpers';
import { JWT, openDetails, PANEL_ID } from './helpers';

const LAB = process.env.UI_SIGNIN_VAULT_OIDC_URL as string;
const SERVER_LOG = path.resolve(
  __dirname,
  '../../test-results/signin-vault-oidc-server.log'
);
const VAULT_TOKEN_FILE = path.resolve(
  __dirname,
  '../../test-results/signin-home-vault-oidc/.vault-token'
);

test('Vault OIDC: a pop-up to Keycloak through OpenBao and back to the server, the card says no id_token is held, the secrets list; the callback cannot be replayed', async ({
  browser
}) => {
  // The third lab of playwright.signin.config.js (method "vault-oidc").
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${LAB}/lab`);
  await expect
    .poll(
      () =>
        page
          .evaluate(
            () =>
              (window as any).jupyterapp?.commands.hasCommand(
                'vault-jwt:open-panel'
              ) ?? false
          )
          .catch(() => false),
      { timeout: 120_000 }
    )
    .toBe(true);
  const panel = page.locator(`#${PANEL_ID}`);
  const tab = page.locator(`.lm-TabBar-tab[data-id="${PANEL_ID}"]`);
  await expect(async () => {
    if (!(await panel.isVisible())) {
      await tab.click();
    }
    await expect(panel).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 60_000 });
  const signin = panel.getByTestId('vault-jwt-signin');
  await expect(signin).toContainText('Not signed in');
  await expect(signin).toContainText('auth/oidc');

  let callbackUrl = '';
  context.on('request', request => {
    if (/\/vault-jwt\/signin\/vault-oidc\/callback\?/.test(request.url())) {
      callbackUrl = request.url();
    }
  });
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    signin.getByRole('button', { name: 'Sign in' }).click()
  ]);
  await popup.locator('#username').waitFor({ timeout: 120_000 });
  await popup.locator('#username').fill('alice');
  await popup.locator('#password').fill('alice-password');
  await popup.locator('#kc-login').click();
  await expect.poll(() => callbackUrl, { timeout: 120_000 }).not.toBe('');
  // The client nonce stays on the server: never in the pop-up's URLs.
  expect(callbackUrl).not.toContain('client_nonce');

  await expect(signin).toContainText('Signed in at', { timeout: 120_000 });
  await expect.poll(() => popup.isClosed(), { timeout: 30_000 }).toBe(true);
  await openDetails(panel);
  const identity = panel.getByTestId('vault-jwt-identity-card');
  await expect(identity).toContainText('holds no id_token');
  await expect(identity.locator('[data-claim="meta-username"]')).toHaveText(
    'alice'
  );
  await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
    'kv-all',
    { timeout: 120_000 }
  );
  const paths = await catalogPaths(page);
  expect(paths).toContain('secret/management/payroll/bank');
  expect(paths).toContain('secret/shared/smtp');

  // The same callback again: refused as a replay; still signed in.
  const replay = await context.newPage();
  const response = await replay.goto(callbackUrl);
  expect(response?.status()).toBe(400);
  await expect(replay.locator('#vault-jwt-signin-outcome')).toHaveAttribute(
    'data-code',
    'signin_replayed'
  );
  await replay.close();
  await expect(signin).toContainText('Signed in at');

  // Token hygiene: no JWT, and not the Vault token, in the browser or the log.
  const vaultToken = fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim();
  expect(vaultToken.length).toBeGreaterThan(10);
  const storage = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }])
  );
  const content = await page.content();
  const log = fs.readFileSync(SERVER_LOG, 'utf8');
  for (const text of [storage, content, log]) {
    expect(text).not.toMatch(JWT);
    expect(text).not.toContain(vaultToken);
  }

  await signin.getByRole('button', { name: 'Sign out' }).click();
  await expect(signin).toContainText('Not signed in');
  expect(fs.existsSync(VAULT_TOKEN_FILE)).toBe(false);
  await context.close();
});
