import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { CatalogModel } from './catalog/model';
import { ICatalogClient } from './catalog/tree';
import { addCommands } from './commands';
import { IIdentityClient, IdentityModel } from './identity/model';
import { ApiError } from './request';
import { CommandIDs, ICatalogReply, IVaultReply, PANEL_ID } from './tokens';
import { IVaultClient, VaultModel } from './vault/model';
import { hubReply, makeJwt, testClaims } from './testing/fixtures';
import {
  catalogReply,
  flush,
  loggedInReply,
  loggedOutReply
} from './testing/vaultFixtures';

const T0 = 1_800_000_000;

/** A fake of the server companion (the REST boundary). */
const RAW_TOKEN = makeJwt(testClaims({ iat: T0, lifetime: 300 }));

function fakeClient(): IIdentityClient & {
  refreshCalls: number;
  tokenCalls: number;
} {
  const client = {
    refreshCalls: 0,
    tokenCalls: 0,
    token: async () => {
      client.tokenCalls++;
      return { id_token: RAW_TOKEN, token_id: 'x' };
    },
    current: async () => hubReply({ iat: T0, lifetime: 300 }),
    refresh: async () => {
      client.refreshCalls++;
      return hubReply({ iat: T0 + 10, lifetime: 300 });
    }
  };
  return client;
}

/** A fake of the server companion's Vault and catalog routes. */
class FakeVaultClient implements IVaultClient, ICatalogClient {
  statusReply: IVaultReply = loggedOutReply({ logged_out_by_user: true });
  loginReply: IVaultReply | Error = loggedInReply();
  calls: string[] = [];

  async status(): Promise<IVaultReply> {
    this.calls.push('GET vault');
    return this.statusReply;
  }

  async login(): Promise<IVaultReply> {
    this.calls.push('POST vault/login');
    if (this.loginReply instanceof Error) {
      throw this.loginReply;
    }
    return this.loginReply;
  }

  async logout(): Promise<IVaultReply> {
    this.calls.push('POST vault/logout');
    return loggedOutReply({ logged_out_by_user: true });
  }

  async useTokenFile(): Promise<IVaultReply> {
    this.calls.push('POST vault/token-file');
    return loggedInReply({ token_file_state: 'session' });
  }

  async catalog(refresh: boolean): Promise<ICatalogReply> {
    this.calls.push(refresh ? 'GET catalog?refresh=true' : 'GET catalog');
    return catalogReply([{ secrets: ['app/db'] }]);
  }

  async secretKeys(): Promise<never> {
    throw new Error('not used');
  }
}

describe('commands', () => {
  let commands: CommandRegistry;
  let activateById: jest.Mock;
  let model: IdentityModel;
  let client: ReturnType<typeof fakeClient>;
  let vaultClient: FakeVaultClient;
  let vault: VaultModel;
  let catalog: CatalogModel;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(T0 * 1000);
    commands = new CommandRegistry();
    activateById = jest.fn();
    client = fakeClient();
    model = new IdentityModel({ client });
    model.configure({ autoRefresh: false });
    const app = {
      commands,
      shell: { activateById }
    } as unknown as JupyterFrontEnd;
    vaultClient = new FakeVaultClient();
    vault = new VaultModel({ client: vaultClient, identity: model });
    catalog = new CatalogModel({ client: vaultClient, session: vault });
    addCommands(app, model, nullTranslator.load('test'), vault, catalog);
  });

  afterEach(() => {
    catalog.dispose();
    vault.dispose();
    model.dispose();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('registers every command with a label', () => {
    for (const id of [
      CommandIDs.openPanel,
      CommandIDs.refreshToken,
      CommandIDs.copyToken,
      CommandIDs.vaultLogin,
      CommandIDs.vaultLogout,
      CommandIDs.vaultUseTokenFile,
      CommandIDs.reloadCatalog
    ]) {
      expect(commands.hasCommand(id)).toBe(true);
      expect(commands.label(id)).not.toBe('');
    }
  });

  it('opens the panel, then puts the focus in its search box', async () => {
    const panel = document.createElement('div');
    panel.id = PANEL_ID;
    const search = document.createElement('input');
    search.className = 'jp-VaultJwt-search';
    panel.appendChild(search);
    document.body.appendChild(panel);
    const done = commands.execute(CommandIDs.openPanel);
    expect(activateById).toHaveBeenCalledWith(PANEL_ID);
    // Not at once: the command palette gives the focus back as it closes.
    expect(document.activeElement).not.toBe(search);
    await jest.advanceTimersByTimeAsync(100);
    await done;
    expect(document.activeElement).toBe(search);

    // Not when the user has opened something modal meanwhile.
    const palette = document.createElement('div');
    palette.className = 'lm-CommandPalette';
    const input = document.createElement('input');
    palette.appendChild(input);
    document.body.appendChild(palette);
    const again = commands.execute(CommandIDs.openPanel);
    input.focus();
    await jest.advanceTimersByTimeAsync(100);
    await again;
    expect(document.activeElement).toBe(input);
    palette.remove();
    panel.remove();
  });

  it('enables refresh and copy only once a token is there', async () => {
    expect(commands.isEnabled(CommandIDs.refreshToken)).toBe(false);
    expect(commands.isEnabled(CommandIDs.copyToken)).toBe(false);
    await model.load();
    expect(commands.isEnabled(CommandIDs.refreshToken)).toBe(true);
    expect(commands.isEnabled(CommandIDs.copyToken)).toBe(true);
  });

  it('refreshes through the model', async () => {
    await model.load();
    await commands.execute(CommandIDs.refreshToken);
    expect(client.refreshCalls).toBe(1);
    expect(model.state.claims?.iat).toBe(T0 + 10);
  });

  it('copies the raw token to the clipboard without displaying it', async () => {
    const copy = jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(() => undefined);
    const info = jest.spyOn(Notification, 'info');
    await model.load();
    expect(client.tokenCalls).toBe(0);
    await commands.execute(CommandIDs.copyToken);
    // Fetched from the server (POST identity/token) only now, for the clipboard.
    expect(client.tokenCalls).toBe(1);
    expect(copy).toHaveBeenCalledWith(RAW_TOKEN);
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).not.toContain(RAW_TOKEN);
  });

  it('logs in and out of Vault, enabled states following the session', async () => {
    const changed: string[] = [];
    commands.commandChanged.connect((_, args) => changed.push(args.type));
    expect(commands.isEnabled(CommandIDs.vaultLogin)).toBe(false);
    await vault.load();
    expect(commands.isEnabled(CommandIDs.vaultLogin)).toBe(true);
    expect(commands.isEnabled(CommandIDs.vaultLogout)).toBe(false);
    expect(commands.isEnabled(CommandIDs.reloadCatalog)).toBe(false);
    expect(changed).toContain('many-changed');

    await commands.execute(CommandIDs.vaultLogin);
    await flush();
    expect(vault.loggedIn).toBe(true);
    expect(commands.isEnabled(CommandIDs.vaultLogin)).toBe(false);
    expect(commands.isEnabled(CommandIDs.vaultLogout)).toBe(true);
    expect(commands.isEnabled(CommandIDs.reloadCatalog)).toBe(true);
    // The catalog follows the log in.
    expect(vaultClient.calls).toEqual([
      'GET vault',
      'POST vault/login',
      'GET catalog'
    ]);

    await commands.execute(CommandIDs.reloadCatalog);
    expect(vaultClient.calls[3]).toBe('GET catalog?refresh=true');

    await commands.execute(CommandIDs.vaultLogout);
    expect(vault.loggedIn).toBe(false);
    expect(catalog.state.index).toBeNull();
    expect(commands.isEnabled(CommandIDs.vaultLogout)).toBe(false);
    expect(commands.isEnabled(CommandIDs.reloadCatalog)).toBe(false);
  });

  it('writes the session token over a token file it did not write, only when enabled', async () => {
    vaultClient.statusReply = loggedInReply({ token_file_state: 'session' });
    await vault.load();
    expect(commands.isEnabled(CommandIDs.vaultUseTokenFile)).toBe(false);
    vaultClient.statusReply = loggedInReply({ token_file_state: 'other' });
    await vault.load();
    expect(commands.isEnabled(CommandIDs.vaultUseTokenFile)).toBe(true);
    await commands.execute(CommandIDs.vaultUseTokenFile);
    expect(vaultClient.calls).toContain('POST vault/token-file');
    expect(vault.state.status?.token_file_state).toBe('session');
    expect(commands.isEnabled(CommandIDs.vaultUseTokenFile)).toBe(false);
  });

  it('notifies a short plain sentence when a log in from the palette fails (details stay in the panel)', async () => {
    const error = jest.spyOn(Notification, 'error');
    vaultClient.loginReply = new ApiError(
      'vault_sealed',
      'Vault is sealed: ask an operator to unseal it.',
      503
    );
    await vault.load();
    await commands.execute(CommandIDs.vaultLogin);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toBe(
      'Vault log in failed: Vault is sealed: it serves no secrets until it is unsealed. See the Vault JWT panel.'
    );
    expect(vault.state.error?.code).toBe('vault_sealed');
  });
});
