import { expect, test } from '@jupyterlab/galata';

/*
 * The Settings Editor shows the extension's settings in words (issue 12 #10):
 * the insert mode's choices by their titles, not the raw values
 * new-cell-below / cursor, and the claims list's items by their title, not
 * their ids claims-0, claims-1...
 */

test.describe('the Settings Editor', () => {
  test('shows titles for the insert mode and the claim names, not raw values or ids', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('settingeditor:open', {
        query: 'Vault JWT'
      });
    });
    const editor = page.locator('.jp-SettingsPanel');
    await expect(editor).toBeVisible();
    await page
      .locator('.jp-PluginList')
      .getByRole('tab', { name: 'Vault JWT', exact: true })
      .click();
    const form = editor.locator('.jp-SettingsForm').filter({
      hasText: 'Where snippets go in a notebook'
    });
    await expect(form).toBeVisible();
    // The form of a plugin may be folded: unfold it.
    if ((await form.locator('select').count()) === 0) {
      await form.getByText('Vault JWT', { exact: true }).first().click();
    }
    // The insert mode's select offers the two titles and nothing else.
    const mode = form.locator('select').filter({
      has: page.locator('option', { hasText: 'A new code cell below' })
    });
    await expect(mode).toHaveCount(1);
    await expect(mode.locator('option')).toHaveText([
      'A new code cell below the active cell',
      'At the cursor of the active code cell'
    ]);
    // Each claim of the list is headed "Claim name" (the default list has
    // several), none by its id claims-0, claims-1...
    const headings = form.getByRole('heading', { name: 'Claim name' });
    await expect(headings.first()).toBeVisible();
    expect(await headings.count()).toBeGreaterThan(1);
    await expect(form.getByText(/^claims-\d+$/)).toHaveCount(0);
    await expect(form).not.toContainText('new-cell-below');
  });
});
