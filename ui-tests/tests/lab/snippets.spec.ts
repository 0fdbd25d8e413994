import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as crypto from 'crypto';
import * as fs from 'fs';

import { runFromPalette } from '../palette';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const PANEL_ID = 'jp-vault-jwt-panel';
const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;
const PICKER_COMMAND = 'vault-jwt:insert-secret';
const VAULT_TOKEN_FILE = process.env.UI_VAULT_TOKEN_FILE as string;

// Values seeded by demo/openbao_seed.py (fake, for the tests only). The
// tests compare digests printed by the kernel, so no value is ever printed.
const BILLING_DB_PASSWORD = 'demo-only-billing-db-password';
const LDAP_PASSWORD = 'demo-only-ldap-password';
const HOSTILE_ID = 'secret/shared/it\'s "quoted" ünïcode';

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A notebook with a running Python kernel, and the sidebar logged in. */
async function setUp(page: IJupyterLabPageFixture, name: string) {
  writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 300));
  await page.notebook.createNew(name);
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
    'kv-all',
    { timeout: 30_000 }
  );
  await expect(
    panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
  ).toBeVisible();
  return panel;
}

/** Run the cell, then print the digest of `expression` from the kernel. */
async function digestOf(
  page: IJupyterLabPageFixture,
  cell: number,
  expression: string
): Promise<string> {
  await page.notebook.runCell(cell);
  const count = await page.notebook.getCellCount();
  await page.notebook.addCell(
    'code',
    `import hashlib\nprint(hashlib.sha256((${expression}).encode()).hexdigest())`
  );
  await page.notebook.runCell(count);
  const output = (await page.notebook.getCellTextOutput(count)) ?? [];
  return output.join('').trim();
}

/** The saved notebook file, as the server has it. */
async function savedNotebook(
  page: IJupyterLabPageFixture,
  path: string
): Promise<string> {
  await page.notebook.save();
  const response = await page.request.get(
    `/api/contents/${path.split('/').map(encodeURIComponent).join('/')}?content=1&format=text&type=file`
  );
  expect(response.ok()).toBe(true);
  return (await response.json()).content as string;
}

/** Nothing secret in a saved notebook: no token, no value. */
function expectNothingSecret(file: string, values: string[]) {
  const vaultToken = fs.readFileSync(VAULT_TOKEN_FILE, 'utf8').trim();
  expect(vaultToken.length).toBeGreaterThan(10);
  expect(file).not.toContain(vaultToken);
  expect(file).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/); // no JWT
  for (const value of values) {
    expect(file).not.toContain(value);
  }
}

test.describe('Snippets inserted from the sidebar and the palette, run in a real kernel', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test('click: a key of a KV v2 secret, inserted below, runs, nothing secret saved', async ({
    page,
    tmpPath
  }) => {
    const name = 'click.ipynb';
    const panel = await setUp(page, name);
    await page.notebook.setCell(0, 'code', 'x = 1');

    await panel.getByLabel('Search secrets').fill('billing/db');
    await panel
      .getByTestId('vault-jwt-tree')
      .locator('[data-path="secret/apps/billing/db"]')
      .click();
    const keys = panel.getByTestId('vault-jwt-keys');
    await keys
      .getByRole('button', {
        name: 'Insert a snippet that reads the key password'
      })
      .click();

    // A new code cell below the active one, holding code, not the value.
    await expect.poll(() => page.notebook.getCellCount()).toBe(2);
    const code = await page.notebook.getCellTextInput(1);
    expect(code).toContain('hvac.Client(');
    expect(code).toContain("path='apps/billing/db', mount_point='secret'");
    expect(code).toContain("['password']");
    expect(code).not.toContain(BILLING_DB_PASSWORD);

    expect(await digestOf(page, 1, 'db_password')).toBe(
      sha256(BILLING_DB_PASSWORD)
    );
    expectNothingSecret(await savedNotebook(page, `${tmpPath}/${name}`), [
      BILLING_DB_PASSWORD
    ]);
  });

  test('palette: find a KV v1 key by typing, Enter inserts, runs', async ({
    page,
    tmpPath
  }) => {
    const name = 'palette.ipynb';
    await setUp(page, name);
    // The picker works with the sidebar closed.
    await page.sidebar.close('left');
    await page.notebook.activate(name);

    // On a busy machine the notebook takes focus late: wait for it, then
    // run the command from the palette (runFromPalette retries a palette
    // that closed on losing the focus, and runs the command exactly once).
    await expect(
      page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook:focus-within'
      )
    ).toHaveCount(1);
    await runFromPalette(page, 'Insert Vault secret', PICKER_COMMAND);
    const picker = page.getByTestId('vault-jwt-picker');
    await expect(picker).toBeVisible();
    await expect(picker).toContainText('palette.ipynb');
    await expect(
      picker.getByRole('combobox', { name: 'Search secrets and keys' })
    ).toBeFocused();
    await page.keyboard.type('ldap bind');
    const first = picker.locator('[role="option"]').first();
    await expect(first).toHaveAttribute('data-id', 'legacy/ldap/bind');
    // The highlighted secret's key names appear under it (read lazily).
    const child = picker.locator(
      '[role="option"][data-id="legacy/ldap/bind"][data-key="password"]'
    );
    await expect(child).toBeVisible();
    while ((await child.getAttribute('aria-selected')) !== 'true') {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    await expect(picker).toHaveCount(0);

    await expect.poll(() => page.notebook.getCellCount()).toBe(2);
    const code = await page.notebook.getCellTextInput(1);
    expect(code).toContain('client.secrets.kv.v1.read_secret(');
    expect(await digestOf(page, 1, 'bind_password')).toBe(
      sha256(LDAP_PASSWORD)
    );
    expectNothingSecret(await savedNotebook(page, `${tmpPath}/${name}`), [
      LDAP_PASSWORD
    ]);
  });

  test('drag and drop: a hostile name dropped on a cell reads the whole secret', async ({
    page,
    tmpPath
  }) => {
    const name = 'drop.ipynb';
    const panel = await setUp(page, name);
    await page.notebook.setCell(0, 'code', '');
    await panel.getByLabel('Search secrets').fill('quoted');
    const row = panel
      .getByTestId('vault-jwt-tree')
      .locator(`[data-path="${HOSTILE_ID.replace(/"/g, '\\"')}"]`);
    await expect(row).toBeVisible();
    const editor = (await page.notebook.getCellInputLocator(0))!.locator(
      '.cm-content'
    );
    await row.dragTo(editor);

    await expect
      .poll(() => page.notebook.getCellTextInput(0))
      .toContain('hvac.Client(');
    const code = await page.notebook.getCellTextInput(0);
    expect(code).toContain("path='shared/it\\'s \"quoted\" ünïcode'");
    // The whole secret: a dict, printed here as sorted JSON.
    const digest = await digestOf(
      page,
      0,
      '__import__("json").dumps(it_s_quoted_unicode, sort_keys=True)'
    );
    // json.dumps(sort_keys=True) of the seeded (ASCII) data.
    const seeded = {
      note: 'a valid but hostile secret name: quotes, an apostrophe, spaces, non-ASCII',
      value: 'demo-only-value'
    };
    const json =
      '{' +
      Object.entries(seeded)
        .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
        .join(', ') +
      '}';
    expect(digest).toBe(sha256(json));
    expectNothingSecret(await savedNotebook(page, `${tmpPath}/${name}`), [
      'demo-only-value'
    ]);
  });

  test('no notebook: the command stays in the palette; the picker says why and still copies', async ({
    page
  }) => {
    await page.sidebar.openTab(PANEL_ID);
    const state = await page.evaluate(() => {
      const commands = window.jupyterapp.commands;
      return {
        enabled: commands.isEnabled('vault-jwt:insert-secret'),
        label: commands.label('vault-jwt:insert-secret')
      };
    });
    // The modal palette hides disabled commands: this one never is.
    expect(state).toEqual({ enabled: true, label: 'Insert Vault secret…' });
    // Not awaited in the page: the command waits for the dialog.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('vault-jwt:insert-secret');
    });
    const picker = page.getByTestId('vault-jwt-picker');
    await expect(picker).toContainText(
      'Open a notebook or a code console to insert a snippet'
    );
    // No Insert button; the copy actions are in the Copy menu.
    const dialog = page.locator('.jp-VaultJwt-pickerDialog');
    await expect(dialog.getByRole('button', { name: 'Insert' })).toHaveCount(0);
    await expect(
      picker.getByRole('combobox', { name: 'Search secrets and keys' })
    ).toBeFocused();
    await page.keyboard.type('ldap bind');
    await picker.getByRole('button', { name: 'Copy…' }).click();
    await expect(
      picker.getByRole('menuitem', { name: 'Copy path' })
    ).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(picker.getByRole('menu')).toHaveCount(0);
    await expect(picker).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(picker).toHaveCount(0);
  });
});

test.describe('Snippets in a code console and in the Settings Editor', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test('a key inserted at the console prompt runs there', async ({ page }) => {
    writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 300));
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('console:create', {
        kernelPreference: { name: 'python3' }
      });
    });
    const prompt = page.locator('.jp-CodeConsole-promptCell .cm-content');
    await expect(prompt).toBeVisible();
    await expect(page.locator('.jp-CodeConsole')).toBeVisible();
    await page.sidebar.openTab(PANEL_ID);
    const panel = page.locator(`#${PANEL_ID}`);
    await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    await panel.getByLabel('Search secrets').fill('ldap/bind');
    await panel
      .getByTestId('vault-jwt-tree')
      .locator('[data-path="legacy/ldap/bind"]')
      .click();
    await panel
      .getByTestId('vault-jwt-keys')
      .getByRole('button', {
        name: 'Insert a snippet that reads the key password'
      })
      .click();
    await expect(prompt).toContainText('read_secret(path=');
    // Run the prompt (queued until the kernel is up), then print the digest.
    const run = () =>
      page.evaluate(async () => {
        await window.jupyterapp.commands.execute('console:run-forced');
      });
    await run();
    await prompt.click();
    await expect(prompt).toBeFocused();
    await page.keyboard.type(
      'import hashlib; print(hashlib.sha256(bind_password.encode()).hexdigest())'
    );
    await run();
    await expect(
      page.locator('.jp-CodeConsole-content .jp-OutputArea-output').last()
    ).toHaveText(sha256(LDAP_PASSWORD), { timeout: 30_000 });
  });

  test('the Settings Editor shows a template’s problems as you type', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('settingeditor:open', {
        query: 'Vault JWT'
      });
    });
    const field = page.getByTestId('vault-jwt-templates-field');
    await expect(field).toBeVisible({ timeout: 30_000 });
    await field.getByLabel('Start from').selectOption('');
    await field.getByRole('button', { name: 'Add a template' }).click();
    const entry = field.locator('[data-template-id="my-language"]');
    await expect(entry).toBeVisible();
    await entry.getByLabel('Template my-language').fill('x = {{adress}}');
    await expect(entry.getByRole('alert')).toContainText('{{adress}}');
    await entry.getByLabel('Template my-language').fill('x = {{address}}');
    await expect(entry.getByRole('alert')).toHaveCount(0);
  });
});
