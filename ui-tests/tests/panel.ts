/**
 * Shared steps of the UI tests on the Vault JWT panel.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

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
