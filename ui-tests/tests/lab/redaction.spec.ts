import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { lowContrast } from '../contrast';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

const PANEL_ID = 'jp-vault-jwt-panel';
const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;

// Seeded by demo/openbao_seed.py (fake, for the tests only).
const PASSWORD = 'demo-only-billing-db-password';
const MARKER = '[vault:secret/apps/billing/db#password]';
const SNIPPET =
  'import hvac\n' +
  'client = hvac.Client()\n' +
  'db_password = client.secrets.kv.v2.read_secret_version(\n' +
  "    path='apps/billing/db', mount_point='secret', raise_on_deleted_version=True\n" +
  ")['data']['data']['password']";

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
  return panel;
}

/** The saved file, as the server has it. */
async function savedFile(
  page: IJupyterLabPageFixture,
  path: string
): Promise<string> {
  const response = await page.request.get(
    `/api/contents/${path.split('/').map(encodeURIComponent).join('/')}?content=1&format=text&type=file`
  );
  expect(response.ok()).toBe(true);
  return (await response.json()).content as string;
}

/** Every way of printing the value, one cell each (the browser's output area). */
const WAYS = [
  'print(db_password)',
  'print([db_password])',
  'print(f"password={db_password}!")',
  'db_password',
  'import logging; logging.getLogger("app").error("login %s", db_password)',
  'import warnings; warnings.warn("weak: " + db_password)',
  "from IPython.display import HTML, display; display(HTML('<b>' + db_password + '</b>'))",
  'import base64; print(base64.b64encode(db_password.encode()).decode())',
  "import urllib.parse; print(urllib.parse.quote(db_password, safe=''))",
  'import json; print(json.dumps({"p": db_password}))',
  'print(db_password.encode().hex())',
  'print("postgres://app:" + db_password + "@db:5432/x")',
  // last: an error stops Run All
  'raise ValueError("cannot connect with " + db_password)'
];

test.describe('Secret values never reach the output area nor the saved notebook', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );

  test('a snippet inserted from the sidebar, then every way of printing', async ({
    page,
    tmpPath
  }) => {
    const name = 'printing.ipynb';
    const panel = await setUp(page, name);
    await panel.getByLabel('Search secrets').fill('billing/db');
    await panel
      .getByTestId('vault-jwt-tree')
      .locator('[data-path="secret/apps/billing/db"]')
      .click();
    await panel
      .getByTestId('vault-jwt-keys')
      .getByRole('button', {
        name: 'Insert a snippet that reads the key password'
      })
      .click();
    await expect.poll(() => page.notebook.getCellCount()).toBe(2);
    for (const code of WAYS) {
      await page.notebook.addCell('code', code);
    }
    await page.notebook.run();
    const area = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    for (const [i, code] of WAYS.entries()) {
      const output = area
        .locator('.jp-CodeCell')
        .nth(i + 2)
        .locator('.jp-Cell-outputArea');
      expect(await page.notebook.getCellTextInput(i + 2)).toBe(code);
      await expect(output, code).toContainText(MARKER);
      await expect(output, code).not.toContainText(PASSWORD);
    }
    await expect(area).not.toContainText(PASSWORD);
    await page.notebook.save();
    const file = await savedFile(page, `${tmpPath}/${name}`);
    expect(file).not.toContain(PASSWORD);
    expect(file).toContain(MARKER);
  });

  test('a notebook that already leaks: the panel names the secret and cell, then clearing', async ({
    page,
    tmpPath
  }) => {
    await setUp(page, 'first.ipynb');
    const name = 'leaking.ipynb';
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3',
          language: 'python'
        },
        language_info: { name: 'python' }
      },
      cells: [
        {
          cell_type: 'code',
          id: 'snippet',
          metadata: {},
          execution_count: 1,
          source: SNIPPET,
          outputs: []
        },
        {
          cell_type: 'code',
          id: 'leak',
          metadata: {},
          execution_count: 2,
          source: 'print(db_password)',
          outputs: [
            { output_type: 'stream', name: 'stdout', text: `${PASSWORD}\n` }
          ]
        },
        {
          cell_type: 'code',
          id: 'plain',
          metadata: {},
          execution_count: 3,
          source: 'print(1)',
          outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }]
        }
      ]
    };
    // Written as a plain file (like an upload), so the save hook does not see it.
    const put = await page.request.put(`/api/contents/${tmpPath}/${name}`, {
      data: { type: 'file', format: 'text', content: JSON.stringify(notebook) }
    });
    expect(put.ok()).toBe(true);

    // Opened by the document manager, as a double click in the file browser does.
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', { path });
    }, `${tmpPath}/${name}`);
    // The panel (open) says which secret is in which cell, never the value.
    const panel = page.locator(`#${PANEL_ID}`);
    const notice = panel.getByTestId('vault-jwt-leaks');
    await expect(notice).toBeVisible({ timeout: 30_000 });
    await expect(notice).toContainText(
      'The outputs of 1 cell hold Vault secrets'
    );
    await expect(notice).toContainText(name);
    await expect(notice.getByRole('listitem')).toHaveText([
      'Cell 2: secret/apps/billing/db#password'
    ]);
    await expect(notice).not.toContainText(PASSWORD);
    // Readable in every theme (4.5:1).
    for (const theme of [
      'JupyterLab Dark',
      'JupyterLab Dark High Contrast',
      'JupyterLab Light'
    ]) {
      await page.theme.setTheme(theme);
      expect(
        await lowContrast(page, '[data-testid="vault-jwt-leaks"]'),
        theme
      ).toEqual([]);
    }
    // The cell's button selects that cell in the notebook.
    await notice.getByRole('button', { name: 'Cell 2' }).click();
    await expect(
      page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active'
      )
    ).toContainText('print(db_password)');
    // Another notebook current: its own notice (none); back: the notice again.
    await page.notebook.activate('first.ipynb');
    await expect(notice).toHaveCount(0);
    await page.notebook.activate(name);
    await expect(notice).toBeVisible();
    await notice.getByRole('button', { name: 'Clear those outputs' }).click();
    await expect(notice).toHaveCount(0);

    const area = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await expect(area).not.toContainText(PASSWORD);
    await expect(area.locator('.jp-Cell-outputArea').nth(2)).toContainText('1');
    await page.notebook.save();
    expect(await savedFile(page, `${tmpPath}/${name}`)).not.toContain(PASSWORD);
  });
});
