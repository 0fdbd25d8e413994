import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CatalogModel } from '../catalog/model';
import {
  IConsoleLike,
  IInsertShell,
  INotebookLike,
  SnippetInserter
} from './inserter';
import { SecretActions } from '../catalog/secretActions';
import {
  SECRET_ROW_SELECTOR,
  addSnippetCommands,
  choiceFrom,
  fillDragData
} from './commands';
import { CommandIDs, DEFAULT_SETTINGS } from '../tokens';
import { VaultModel } from '../vault/model';
import {
  FakeIdTokenSource,
  LoggedInVaultClient,
  flush,
  loggedOutReply
} from '../testing/vaultFixtures';

/**
 * The open picker dialog's body, once rendered (the picker is a chunk loaded
 * on first use and renders on Lumino's next update): polled, a bounded
 * number of times.
 */
async function openPicker(): Promise<HTMLElement> {
  for (let i = 0; i < 500; i++) {
    const picker = document.querySelector<HTMLElement>(
      '.jp-VaultJwt-pickerDialog [data-testid="vault-jwt-picker"]'
    );
    if (picker) {
      return picker;
    }
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  throw new Error('the picker did not open');
}

/** The labels of the open picker dialog's buttons (footer and body). */
function dialogButtons(): string[] {
  return [
    ...document.querySelectorAll<HTMLButtonElement>(
      '.jp-VaultJwt-pickerDialog button'
    )
  ]
    .map(button => button.textContent?.trim() ?? '')
    .filter(label => label !== '');
}

/** Press the open picker dialog's Cancel button. */
function cancelPicker(): void {
  const cancel = [
    ...document.querySelectorAll<HTMLButtonElement>(
      '.jp-VaultJwt-pickerDialog .jp-Dialog-footer button'
    )
  ].find(button => button.textContent?.trim() === 'Cancel');
  expect(cancel).toBeDefined();
  cancel!.click();
}

/** A fake main area holding one plain widget or a fake notebook. */
class FakeShell implements IInsertShell {
  currentWidget: Widget | null = null;
  currentChanged = new Signal<this, void>(this);
  activateById(): void {
    // nothing to bring to the front
  }
}

/** A notebook stand-in: the inserter only needs its session and title here. */
function fakeNotebook(): Widget {
  const widget = new Widget();
  widget.title.label = 'a.ipynb';
  Object.assign(widget, {
    sessionContext: {
      kernelChanged: new Signal({}),
      session: {
        kernel: {
          spec: Promise.resolve({ language: 'python' }),
          info: Promise.resolve({})
        }
      }
    }
  });
  return widget;
}

describe('snippet commands', () => {
  let commands: CommandRegistry;
  let shell: FakeShell;
  let inserter: SnippetInserter;
  let notebook: Widget;
  let vault: VaultModel;
  let catalog: CatalogModel;
  let actions: SecretActions;
  let inserted: string[];
  let hit: HTMLElement | null;
  let contextItems: { command: string; selector: string }[];

  beforeEach(async () => {
    commands = new CommandRegistry();
    shell = new FakeShell();
    hit = null;
    contextItems = [];
    const app = {
      commands,
      contextMenu: {
        addItem: (item: { command: string; selector: string }) => {
          contextItems.push(item);
          return { dispose: () => undefined };
        }
      },
      contextMenuHitTest: (test: (node: HTMLElement) => boolean) =>
        hit && test(hit) ? hit : undefined
    } as unknown as JupyterFrontEnd;
    notebook = fakeNotebook();
    inserter = new SnippetInserter({
      shell,
      trackers: {
        isNotebook: (w): w is INotebookLike => w === notebook,
        isConsole: (w): w is IConsoleLike => false
      }
    });
    const client = new LoggedInVaultClient([
      { path: 'secret/', secrets: ['apps/billing/db'] },
      { path: 'legacy/', version: 1, secrets: ['ldap/bind'] }
    ]);
    vault = new VaultModel({ client, identity: new FakeIdTokenSource() });
    catalog = new CatalogModel({ client, session: vault });
    inserted = [];
    actions = new SecretActions({
      vaultStatus: () => vault.state.status,
      catalogIndex: () => catalog.state.index,
      target: () => inserter.target,
      insert: code => {
        inserted.push(code);
        return { where: 'new-cell', target: inserter.target! };
      },
      settings: () => DEFAULT_SETTINGS
    });
    await actions.ready();
    addSnippetCommands(app, {
      vault,
      catalog,
      client,
      actions,
      inserter,
      trans: nullTranslator.load('test')
    });
    await vault.load();
    await flush();
    shell.currentWidget = notebook;
    shell.currentChanged.emit();
    await flush();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    catalog.dispose();
    vault.dispose();
    inserter.dispose();
  });

  it('puts insert and copy actions on secret and key rows', () => {
    expect(contextItems.map(item => item.command)).toEqual([
      CommandIDs.insertSnippet,
      CommandIDs.copySnippet,
      CommandIDs.copyCli,
      CommandIDs.copyPath
    ]);
    for (const item of contextItems) {
      expect(item.selector).toBe(SECRET_ROW_SELECTOR);
      expect(item.selector).not.toContain(',');
    }
  });

  it('stays enabled when another tab is in front: snippets go to the last notebook', () => {
    expect(commands.isEnabled(CommandIDs.openPicker)).toBe(true);
    expect(commands.label(CommandIDs.openPicker)).toBe('Insert Vault secret…');
    shell.currentWidget = new Widget(); // e.g. the Launcher
    shell.currentChanged.emit();
    // The palette hides disabled commands: the picker stays reachable.
    expect(commands.isEnabled(CommandIDs.openPicker)).toBe(true);
    expect(commands.label(CommandIDs.openPicker)).toBe('Insert Vault secret…');
    expect(inserter.target).toMatchObject({ kind: 'notebook', current: false });
    expect(commands.isEnabled(CommandIDs.insertSnippet)).toBe(true);
  });

  it('stays enabled before any notebook or console, and says why in its caption', () => {
    shell.currentWidget = null;
    notebook.dispose();
    expect(inserter.target).toBeNull();
    expect(commands.isEnabled(CommandIDs.openPicker)).toBe(true);
    expect(commands.caption(CommandIDs.openPicker)).toMatch(
      /open a notebook or a code console/
    );
    expect(commands.isEnabled(CommandIDs.insertSnippet)).toBe(false);
  });

  it('with the Launcher in front, the picker says the snippet goes into the last notebook used', async () => {
    shell.currentWidget = new Widget(); // e.g. the Launcher
    shell.currentChanged.emit();
    const done = commands.execute(CommandIDs.openPicker);
    const picker = await openPicker();
    expect(
      picker.querySelector('[data-field="destination"]')?.textContent
    ).toBe(
      'Into a.ipynb (python), the last notebook you used, as a new cell below.'
    );
    expect(dialogButtons()).toContain('Insert');
    cancelPicker();
    await done;
    expect(inserted).toEqual([]);
  });

  it('logged out, the picker offers Log in (no Insert); it logs in and opens again', async () => {
    jest
      .spyOn(LoggedInVaultClient.prototype, 'logout')
      .mockResolvedValue(loggedOutReply({ logged_out_by_user: true }));
    const login = jest.spyOn(LoggedInVaultClient.prototype, 'login');
    // The log in command is src/commands.ts's; here a stand-in that logs in.
    commands.addCommand(CommandIDs.vaultLogin, {
      execute: () => vault.login()
    });
    await vault.logout();
    expect(vault.loggedIn).toBe(false);
    const done = commands.execute(CommandIDs.openPicker);
    const picker = await openPicker();
    expect(picker.querySelector('[role="note"]')?.textContent).toContain(
      'You are not logged in to Vault.'
    );
    expect(dialogButtons()).not.toContain('Insert');
    const logIn = [...picker.querySelectorAll('button')].find(
      button => button.textContent === 'Log in'
    );
    expect(logIn).toBeDefined();
    logIn!.click();
    // Logged in, the picker opens again, now with Insert and no notice.
    const again = await (async () => {
      for (let i = 0; i < 500; i++) {
        const next = await openPicker();
        if (next !== picker && next.isConnected) {
          return next;
        }
        await new Promise(resolve => requestAnimationFrame(resolve));
      }
      throw new Error('the picker did not open again');
    })();
    expect(login).toHaveBeenCalledTimes(1);
    expect(vault.loggedIn).toBe(true);
    expect(again.querySelector('[role="note"]')).toBeNull();
    expect(dialogButtons()).toContain('Insert');
    cancelPicker();
    await done;
  });

  it('inserts the secret named by its args', async () => {
    await commands.execute(CommandIDs.insertSnippet, {
      id: 'legacy/ldap/bind',
      key: 'password'
    });
    expect(inserted).toHaveLength(1);
    expect(inserted[0]).toContain("read_secret(path='ldap/bind'");
    expect(inserted[0]).toContain("['password']");
  });

  it('acts on the row under the context menu', async () => {
    const copy = jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(() => undefined);
    jest.spyOn(Notification, 'info').mockImplementation(() => '');
    const row = document.createElement('div');
    row.dataset.kind = 'secret';
    row.dataset.path = 'secret/apps/billing/db';
    hit = row;
    await commands.execute(CommandIDs.copyPath);
    const keyRow = document.createElement('li');
    keyRow.dataset.secretId = 'secret/apps/billing/db';
    keyRow.dataset.key = 'username';
    hit = keyRow;
    await commands.execute(CommandIDs.copyCli);
    expect(copy.mock.calls.map(call => call[0])).toEqual([
      'secret/apps/billing/db',
      'VAULT_ADDR=https://127.0.0.1:18200 VAULT_CACERT=/etc/ssl/vault-ca.pem ' +
        'vault kv get -mount=secret -field=username -- apps/billing/db'
    ]);
  });

  it('reports a failure as a notification instead of throwing', async () => {
    const error = jest
      .spyOn(Notification, 'error')
      .mockImplementation(() => '');
    await commands.execute(CommandIDs.insertSnippet, { id: 'nope/x' });
    expect(inserted).toEqual([]);
    expect(String(error.mock.calls[0][0])).toMatch(
      /not a readable secret in your catalog/
    );
  });

  it('reads the choice from args before the context menu', () => {
    const app = { contextMenuHitTest: () => undefined };
    expect(choiceFrom(app, { id: 'a/b', key: 'k' })).toEqual({
      id: 'a/b',
      key: 'k'
    });
    expect(choiceFrom(app, { id: 'a/b' })).toEqual({ id: 'a/b', key: null });
    expect(choiceFrom(app, {})).toBeNull();
  });

  it('fills a drag with the snippet, or the path when there is no snippet', () => {
    const data = new Map<string, string>();
    const transfer = {
      setData: (type: string, value: string) => data.set(type, value)
    } as unknown as DataTransfer;
    fillDragData(
      actions,
      { id: 'secret/apps/billing/db', key: null },
      transfer
    );
    expect(data.get('text/plain')).toContain('hvac.Client(');
    expect(JSON.parse(data.get('application/x-vault-jwt-secret')!)).toEqual({
      id: 'secret/apps/billing/db',
      key: null
    });
    // Once the notebook is closed there is no kernel to write a snippet for.
    notebook.dispose();
    fillDragData(
      actions,
      { id: 'secret/apps/billing/db', key: null },
      transfer
    );
    expect(data.get('text/plain')).toBe('secret/apps/billing/db');
  });
});
