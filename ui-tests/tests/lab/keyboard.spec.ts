import { expect, test } from '@jupyterlab/galata';

import { runByShortcut, runFromPalette } from '../palette';
import { panelOf } from '../panel';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;

/*
 * docs/user-study.md, tasks 1 to 4, without the mouse: open the panel from
 * the palette, search, select, insert; the row's context menu by Shift+F10;
 * the picker by its default shortcut.
 */

test.describe('keyboard only', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test('open the panel, search, select, insert; Shift+F10; the picker by its shortcut', async ({
    page
  }) => {
    test.setTimeout(180_000);
    writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 300));
    await page.notebook.createNew('keys.ipynb');
    await expect(
      page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook:focus-within'
      )
    ).toHaveCount(1);

    // Task 1: open the panel; the search box has the focus.
    await runFromPalette(
      page,
      'Open the Vault JWT panel',
      'vault-jwt:open-panel'
    );
    const panel = panelOf(page);
    const search = panel.getByLabel('Search secrets');
    await expect(search).toBeFocused();
    await expect(
      panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
    ).toBeVisible({ timeout: 30_000 });

    // Task 2: find and select a secret; its matches are marked.
    await page.keyboard.type('billing db');
    const tree = panel.getByTestId('vault-jwt-tree');
    await expect(tree.locator('mark').first()).toBeVisible();
    await page.keyboard.press('ArrowDown');
    await expect(tree).toBeFocused();
    const active = tree.locator('.jp-mod-active');
    for (let i = 0; i < 6; i++) {
      if (
        (await active.getAttribute('data-path')) === 'secret/apps/billing/db'
      ) {
        break;
      }
      await page.keyboard.press('ArrowDown');
    }
    await expect(active).toHaveAttribute('data-path', 'secret/apps/billing/db');

    // Task 4: the row's context menu from the keyboard.
    await page.keyboard.press('Shift+F10');
    const menu = page.locator('.lm-Menu.lm-ContextMenu, .lm-Menu').last();
    await expect(menu.getByText('Insert snippet')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await tree.focus();

    // Task 3: Enter inserts into the notebook (the last one used).
    await page.keyboard.press('Enter');
    await expect.poll(() => page.notebook.getCellCount()).toBe(2);
    expect(await page.notebook.getCellTextInput(1)).toContain(
      "path='apps/billing/db'"
    );

    // The picker by its default shortcut, from the notebook.
    await runByShortcut(
      page,
      'Control+Alt+v',
      'vault-jwt:insert-secret',
      async () => {
        await page.notebook.activate('keys.ipynb');
        await expect(
          page.locator(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook:focus-within'
          )
        ).toHaveCount(1);
      }
    );
    const picker = page.getByTestId('vault-jwt-picker');
    await expect(
      picker.getByRole('combobox', { name: 'Search secrets and keys' })
    ).toBeFocused();
    await page.keyboard.type('ldap bind');
    await expect(picker.locator('[role="option"]').first()).toHaveAttribute(
      'data-id',
      'legacy/ldap/bind'
    );
    await page.keyboard.press('Enter');
    await expect(picker).toHaveCount(0);
    await expect.poll(() => page.notebook.getCellCount()).toBe(3);
    expect(await page.notebook.getCellTextInput(2)).toContain(
      "read_secret(path='ldap/bind'"
    );
  });
});
