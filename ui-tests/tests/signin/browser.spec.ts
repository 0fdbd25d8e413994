import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { JWT, openDetails, PANEL_ID } from './helpers';

const LAB = process.env.UI_SIGNIN_BROWSER_URL as string;
const SERVER_LOG = path.resolve(
  __dirname,
  '../../test-results/signin-browser-server.log'
);

test('browser sign-in: a pop-up to Keycloak and back to the server, the identity fills in, Vault logs in; the callback cannot be replayed', async ({
  browser
}) => {
  // The second lab of playwright.signin.config.js (method "browser"); not
  // galata's page fixture, which opens the first one.
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
  // The restored workspace may still switch tabs: click until it shows.
  await expect(async () => {
    if (!(await panel.isVisible())) {
      await tab.click();
    }
    await expect(panel).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 60_000 });
  const signin = panel.getByTestId('vault-jwt-signin');
  await expect(signin).toContainText('Not signed in');

  // The callback's URL, as the pop-up requests it: the panel may close the
  // pop-up as soon as the sign-in is done, before its page has loaded.
  let callbackUrl = '';
  context.on('request', request => {
    if (/\/vault-jwt\/signin\/callback\?/.test(request.url())) {
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
  // Consent (remembered after the first time): accept when asked.
  const accept = popup.locator('[name="accept"]');
  const called = expect
    .poll(() => callbackUrl, { timeout: 120_000 })
    .not.toBe('');
  await Promise.race([accept.click({ timeout: 120_000 }), called]).catch(
    () => undefined
  );
  await called;

  // The panel sees the sign-in and closes the pop-up.
  await expect(signin).toContainText('Signed in at', { timeout: 120_000 });
  await expect.poll(() => popup.isClosed(), { timeout: 30_000 }).toBe(true);
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );
  await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
    'kv-all',
    { timeout: 120_000 }
  );

  // The same callback again (a replay, in the same browser session): refused.
  const replay = await context.newPage();
  const response = await replay.goto(callbackUrl);
  expect(response?.status()).toBe(400);
  await expect(replay.locator('#vault-jwt-signin-outcome')).toHaveAttribute(
    'data-code',
    'signin_replayed'
  );
  await replay.close();
  await expect(signin).toContainText('Signed in at');

  // Token hygiene.
  const storage = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }])
  );
  expect(storage).not.toMatch(JWT);
  expect(await page.content()).not.toMatch(JWT);
  expect(fs.readFileSync(SERVER_LOG, 'utf8')).not.toMatch(JWT);

  await openDetails(panel);
  await signin.getByRole('button', { name: 'Sign out' }).click();
  await expect(signin).toContainText('Not signed in');
  await context.close();
});
