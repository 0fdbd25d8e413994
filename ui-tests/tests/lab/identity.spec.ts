import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import * as fs from 'fs';

import { PANEL_ID, showDetails } from '../panel';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;

/**
 * The server keeps the identity it read until it expires: Refresh makes it
 * read the file just written (earlier tests may have written another one).
 */
async function readTokenFileAgain(page: IJupyterLabPageFixture) {
  const panel = page.locator(`#${PANEL_ID}`);
  await showDetails(page);
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await expect(panel.getByRole('button', { name: 'Refresh' })).toBeEnabled();
}

test.describe('identity panel outside JupyterHub (token file)', () => {
  test.beforeEach(async ({ page }) => {
    writeTokenFile(TOKEN_FILE, mintIdToken({}, 300));
    await page.sidebar.openTab(PANEL_ID);
    await readTokenFileAgain(page);
  });

  test('shows who the token says I am, where it came from, and a moving countdown', async ({
    page
  }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
    await expect(panel.locator('[data-claim="email"]')).toHaveText(
      'alice@example.org'
    );
    await expect(panel.locator('[data-claim="groups"]')).toHaveText(
      'management'
    );
    await expect(panel.locator('[data-claim="aud"]')).toHaveText('jupyterhub');
    await expect(panel.getByText(/^From file /)).toBeVisible();
    await expect(panel.getByText('Valid', { exact: true })).toBeVisible();

    const timeLeft = panel.locator('.jp-VaultJwt-timeLeft');
    await expect(timeLeft).toHaveText(/Expires in 4:[45]\d/);
    const first = await timeLeft.textContent();
    await expect(timeLeft).not.toHaveText(first!, { timeout: 5_000 });

    await panel.screenshot({ path: 'test-results/lab/panel.png' });

    // The token itself is never rendered.
    const html = await panel.innerHTML();
    expect(html).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  test('Refresh reads the new token', async ({ page }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('[data-claim="name"]')).toHaveText(
      'Alice Admin'
    );
    writeTokenFile(TOKEN_FILE, mintIdToken({ name: 'Alice Refreshed' }, 600));
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(panel.locator('[data-claim="name"]')).toHaveText(
      'Alice Refreshed'
    );
    await expect(panel.locator('.jp-VaultJwt-timeLeft')).toHaveText(
      /Expires in (9|10):\d\d/
    );
  });

  test('an expired token is shown as expired', async ({ page }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    writeTokenFile(TOKEN_FILE, mintIdToken({ iat: 1_000 }, -1_000_000));
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(panel.getByText('Expired', { exact: true })).toBeVisible();
    await expect(panel.locator('.jp-VaultJwt-timeLeft')).toHaveText(
      /^Expired .* ago$/
    );
  });

  test('a broken token file gives a clear error and keeps the last good identity', async ({
    page
  }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
    writeTokenFile(TOKEN_FILE, 'not a jwt');
    await panel.getByRole('button', { name: 'Refresh' }).click();
    const problem = panel.getByTestId('vault-jwt-problem');
    await expect(problem).toContainText('Your sign-in token cannot be read.');
    await expect(problem).toContainText(
      'The last sign-in token read is still shown.'
    );
    await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
  });

  test('the palette offers the commands; the status bar shows the session and opens the panel from the keyboard', async ({
    page
  }) => {
    await page.sidebar.close('left');
    const status = page.getByRole('button', { name: /^Vault: / });
    await expect(status).toHaveText(/^Vault: /);
    // Refresh is automatic and working: no countdown ticking all day.
    await expect(status).not.toHaveText(/id_token/);
    await status.focus();
    await expect(status).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator(`#${PANEL_ID}`)).toBeVisible();
    // Opened from the keyboard: the focus goes to the panel's search box.
    await expect(
      page.locator(`#${PANEL_ID}`).getByLabel('Search secrets')
    ).toBeFocused();

    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('#modal-command-palette');
    await expect(palette.locator('input')).toBeFocused();
    await palette.locator('input').fill('id_token');
    await expect(palette.getByText('Refresh the id_token now')).toBeVisible();
    await expect(
      palette.getByText('Copy the id_token to the clipboard')
    ).toBeVisible();
    await page.keyboard.press('Escape');
  });

  test('the settings are in the Settings Editor', async ({ page }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('settingeditor:open', {
        query: 'Vault JWT'
      });
    });
    await expect(page.getByText('Refresh lead time (seconds)')).toBeVisible();
    await expect(
      page.getByText('Refresh the id_token automatically')
    ).toBeVisible();
  });

  test('Copy token fetches the token with a POST; the identity replies hold claims only', async ({
    page
  }) => {
    const token = mintIdToken({}, 300);
    writeTokenFile(TOKEN_FILE, token);
    const bodies: string[] = [];
    const methods: string[] = [];
    page.on('response', async response => {
      const url = response.url();
      if (url.includes('/vault-jwt/identity')) {
        methods.push(`${response.request().method()} ${new URL(url).pathname}`);
        if (!url.includes('/vault-jwt/identity/token')) {
          bodies.push(await response.text());
        }
      }
    });
    await readTokenFileAgain(page);
    // What Lumino's Clipboard.copyToSystem puts on the clipboard, seen in the page.
    await page.evaluate(() => {
      window.addEventListener('copy', event => {
        (window as any).__copied = event.clipboardData?.getData('text');
      });
    });
    const panel = page.locator(`#${PANEL_ID}`);
    await panel.getByRole('button', { name: 'Copy token' }).click();
    await expect(
      page.getByText('id_token copied to the clipboard.')
    ).toBeVisible();
    expect(await page.evaluate(() => (window as any).__copied)).toBe(token);
    expect(methods).toContain('POST /vault-jwt/identity/token');
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      expect(body).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(JSON.parse(body).claims.preferred_username).toBe('alice');
    }
  });

  test('no token lands in browser storage or in the server log', async ({
    page
  }) => {
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
      'alice'
    );
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...window.localStorage, ...window.sessionStorage })
    );
    expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);

    const log = fs.readFileSync('test-results/lab-server.log', 'utf-8');
    expect(log).toContain('GET /vault-jwt/identity');
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

void galata;

test.describe('a browser clock 2 minutes off the server', () => {
  for (const skewSeconds of [120, -120]) {
    test(`counts down on the server's clock (browser ${skewSeconds > 0 ? 'ahead' : 'behind'})`, async ({
      page
    }) => {
      writeTokenFile(TOKEN_FILE, mintIdToken({}, 300));
      // The page's clock runs skewSeconds off the real one (the server's).
      await page.clock.install({ time: Date.now() + skewSeconds * 1000 });
      await page.reload();
      await page.sidebar.openTab(PANEL_ID);
      await readTokenFileAgain(page);
      const panel = page.locator(`#${PANEL_ID}`);
      const timeLeft = panel.locator('.jp-VaultJwt-timeLeft');
      // 300 s tokens: about 4:5x left by the server's clock, not 2:5x or 6:5x.
      await expect(timeLeft).toHaveText(/Expires in 4:[345]\d/);
      await expect(panel.getByText('Valid', { exact: true })).toBeVisible();
      const skewed = await page.evaluate(() => Date.now());
      expect(Math.abs(skewed - Date.now() - skewSeconds * 1000)).toBeLessThan(
        20_000
      );
    });
  }
});
