import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';

import { PANEL_ID, panelOf, signInAs } from '../panel';

/*
 * A token the user put in ~/.vault-token themselves is kept (issue 11 #7),
 * and the panel says so under its summary line with the details closed,
 * with the action that puts the session's token there (issue 12: the state
 * and its notes where the state is shown).
 */

const VAULT_TOKEN_FILE = process.env.UI_VAULT_TOKEN_FILE as string;
const OWN = 'hvs.a-token-the-user-wrote-by-hand';

test.describe('a token file holding the user’s own token', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test.afterEach(async ({ page }) => {
    // Never leave the hand-written token for the next spec file's kernels.
    if (
      fs.existsSync(VAULT_TOKEN_FILE) &&
      fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim() === OWN
    ) {
      fs.rmSync(VAULT_TOKEN_FILE);
    }
    await signInAs(page, ['management']);
  });

  test('is kept on log in; the note under the summary says so with the details closed, and "Use ours instead" replaces it', async ({
    page
  }) => {
    await page.sidebar.openTab(PANEL_ID);
    const panel = panelOf(page);
    const session = panel.getByTestId('vault-jwt-session');
    await signInAs(page, ['management']);
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    await session.getByRole('button', { name: /Log out/ }).click();
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'Logged out of Vault'
    );
    fs.writeFileSync(VAULT_TOKEN_FILE, `${OWN}\n`, { mode: 0o600 });
    await session.getByRole('button', { name: /Log in/ }).click();
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    // Kept as the user wrote it.
    expect(fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim()).toBe(OWN);
    // Said with the details closed.
    await expect(panel.getByTestId('vault-jwt-summary')).toHaveAttribute(
      'aria-expanded',
      'false'
    );
    await expect(panel.getByTestId('vault-jwt-details')).toBeHidden();
    const note = session.locator('[role="note"][data-kind="token-file-other"]');
    await expect(note).toBeVisible();
    await expect(note).toContainText(
      `Kernels use the token already in ${VAULT_TOKEN_FILE}, not this session’s.`
    );
    await note.getByRole('button', { name: 'Use ours instead' }).click();
    await expect(note).toHaveCount(0, { timeout: 30_000 });
    const now = fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim();
    expect(now).not.toBe(OWN);
    expect(now.length).toBeGreaterThan(10);
    expect(fs.statSync(VAULT_TOKEN_FILE).mode & 0o777).toBe(0o600);
  });
});
