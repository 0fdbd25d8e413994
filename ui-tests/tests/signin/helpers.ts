import { expect } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/** The sidebar panel's id. */
export const PANEL_ID = 'jp-vault-jwt-panel';

/** Anything shaped like a JWT (header and payload are base64url JSON). */
export const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/;

/**
 * Open the panel's details (identity, sign-in, Vault): they fold away by
 * themselves once an id_token is there (secrets first).
 */
export async function openDetails(panel: Locator): Promise<void> {
  const summary = panel.getByTestId('vault-jwt-summary');
  await expect(summary).toContainText('alice', { timeout: 120_000 });
  if ((await summary.getAttribute('aria-expanded')) !== 'true') {
    await summary.click();
  }
  await expect(summary).toHaveAttribute('aria-expanded', 'true');
}
