/**
 * Issue 17: an id_token that expires far ahead (2100) made the panel POST
 * `identity/refresh` about 110 times a second (a timer delay above
 * 2^31 - 1 ms fires at once). Now it is not refreshed until asked.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import { showDetails } from '../panel';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const PANEL_ID = 'jp-vault-jwt-panel';
const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;
const EXP_2100 = Date.UTC(2100, 0, 1) / 1000;
/** How long the page is watched (the figure). */
const WATCH_MS = 30_000;

function isRefresh(method: string, url: string): boolean {
  return method === 'POST' && url.includes('/vault-jwt/identity/refresh');
}

test.describe('a long-lived id_token (expiring in 2100)', () => {
  let original: string;

  test.beforeEach(() => {
    original = fs.readFileSync(TOKEN_FILE, 'utf-8');
  });

  test.afterEach(async ({ request }) => {
    // Put the token file back and have the server read it, so the next
    // tests find what they found before.
    writeTokenFile(TOKEN_FILE, original);
    const reread = await request.post('vault-jwt/identity/refresh');
    expect(reread.status()).toBeLessThan(500);
  });

  test('is not refreshed by itself: no refresh request in 30 s, one when asked', async ({
    page
  }) => {
    test.setTimeout(120_000);
    writeTokenFile(TOKEN_FILE, mintIdToken({ exp: EXP_2100 }));
    // The server serves the identity from memory: make it read the file.
    const reread = await page.request.post('vault-jwt/identity/refresh');
    expect(reread.status()).toBe(200);

    const refreshes: number[] = [];
    page.on('request', request => {
      if (isRefresh(request.method(), request.url())) {
        refreshes.push(Date.now());
      }
    });
    // A new page load, as a user with such a token opens JupyterLab.
    await page.reload();
    await page.sidebar.openTab(PANEL_ID);
    const panel = page.locator(`#${PANEL_ID}`);
    await showDetails(page);
    await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
    await expect(panel.getByText('Valid', { exact: true })).toBeVisible();
    // About 74 years left.
    await expect(panel.locator('.jp-VaultJwt-timeLeft')).toHaveText(
      /Expires in 7\d y \d+ d/
    );

    // Not a wait for something to happen: the page is watched for the
    // issue's 30 s (it used to POST from 170-360 ms after the restore on).
    await page.waitForTimeout(WATCH_MS);
    expect(refreshes).toHaveLength(0);

    // Until the user asks: one click, one request (this also shows that the
    // requests are counted).
    const answered = page.waitForResponse(response =>
      isRefresh(response.request().method(), response.url())
    );
    await panel.getByRole('button', { name: 'Refresh' }).click();
    expect((await answered).status()).toBe(200);
    await expect(panel.getByRole('button', { name: 'Refresh' })).toBeEnabled();
    expect(refreshes).toHaveLength(1);
  });
});
