import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import { PANEL_ID, panelOf, signInAs } from '../panel';

/*
 * At the default sidebar width (250 px) and below it, the part of a row that
 * matters stays whole: a long, deep row of a secret readable by its exact
 * path keeps its leaf name beside the "not listed" badge (the badge gives
 * way first, its tooltip explains it). The lab's OpenBao maps the group
 * "reader" to kv-reader, which reads secret/management/board/minutes-key
 * without list on its folder (demo/openbao_seed.py).
 */

const ROW = 'secret/management/board/minutes-key';

/** How much of an element's text is cut (0: whole), in CSS pixels. */
async function cutPixels(element: Locator): Promise<number> {
  return element.evaluate(node => node.scrollWidth - node.clientWidth);
}

test.describe('narrow panel: the leaf is never cut', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test.afterEach(async ({ page }) => {
    // The next spec file starts from the management session.
    await signInAs(page, ['management']);
  });

  test('a level-4 unlisted row keeps "minutes-key" whole next to its "not listed" badge at 250 px, with a larger UI font too', async ({
    page
  }) => {
    await page.sidebar.openTab(PANEL_ID);
    const panel = panelOf(page);
    await signInAs(page, ['reader']);
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-reader',
      { timeout: 30_000 }
    );
    await panel.getByLabel('Search secrets').fill('minutes');
    const row = panel
      .getByTestId('vault-jwt-tree')
      .locator(`[data-path="${ROW}"]`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row).toHaveAttribute('aria-level', '4');
    // Selected, so its insert button takes its room in the row too.
    await row.click();
    await expect(row).toHaveAttribute('aria-selected', 'true');
    const name = row.locator('.jp-VaultJwt-rowName');
    const badge = row.locator('.jp-VaultJwt-unlisted');
    // The default width, then the same with the UI font two steps larger
    // (Settings > Theme > Increase UI Font Size): less room for the row.
    await page.sidebar.setWidth(250, 'left');
    const uiFont = () =>
      page.evaluate(() =>
        getComputedStyle(document.documentElement)
          .getPropertyValue('--jp-ui-font-size1')
          .trim()
      );
    const fontSize = (which: 'incr' | 'decr') =>
      page.evaluate(
        command =>
          window.jupyterapp.commands.execute(command, { key: 'ui-font-size1' }),
        `apputils:${which}-font-size`
      );
    const leafWhole = async (label: string) => {
      await expect(name).toHaveText('minutes-key');
      expect(await cutPixels(name), `leaf cut ${label}`).toBeLessThanOrEqual(0);
      // The badge is still there (perhaps cut), its tooltip whole.
      await expect(badge).toBeVisible();
      expect((await badge.boundingBox())!.width).toBeGreaterThan(8);
      await expect(badge).toHaveAttribute('title', /does not list it to you/);
    };
    await leafWhole('at 250 px');
    const before = await uiFont();
    let steps = 0;
    try {
      for (; steps < 2; steps++) {
        const was = await uiFont();
        await fontSize('incr');
        await expect.poll(uiFont).not.toBe(was);
      }
      await leafWhole(
        `at 250 px with the UI font ${before} -> ${await uiFont()}`
      );
    } finally {
      for (; steps > 0; steps--) {
        const was = await uiFont();
        await fontSize('decr');
        await expect.poll(uiFont).not.toBe(was);
      }
      expect(await uiFont()).toBe(before);
    }
  });
});
