/**
 * Shared steps of the UI tests on the Vault JWT panel.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('./jwt');

/** The panel's stable id. */
export const PANEL_ID = 'jp-vault-jwt-panel';

/** The panel. */
export function panelOf(page: IJupyterLabPageFixture): Locator {
  return page.locator(`#${PANEL_ID}`);
}

/**
 * Open the identity and Vault details (the summary line's disclosure) when
 * they are closed; they stay open until the summary is pressed again.
 */
export async function showDetails(page: IJupyterLabPageFixture): Promise<void> {
  const summary = panelOf(page).getByTestId('vault-jwt-summary');
  if ((await summary.getAttribute('aria-expanded')) !== 'true') {
    await summary.click();
  }
  await expect(summary).toHaveAttribute('aria-expanded', 'true');
}

/**
 * Sign in with a new id_token of these groups (the lab reads its token file
 * on Refresh; the server then logs in to Vault with it) and close the
 * details again.
 */
export async function signInAs(
  page: IJupyterLabPageFixture,
  groups: string[]
): Promise<void> {
  writeTokenFile(
    process.env.UI_TOKEN_FILE as string,
    mintIdToken({ groups }, 600)
  );
  const panel = panelOf(page);
  await showDetails(page);
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await expect(panel.getByRole('button', { name: 'Refresh' })).toBeEnabled();
  // Back to the everyday view: details closed.
  await panel.getByTestId('vault-jwt-summary').click();
  await expect(panel.getByTestId('vault-jwt-summary')).toHaveAttribute(
    'aria-expanded',
    'false'
  );
}
