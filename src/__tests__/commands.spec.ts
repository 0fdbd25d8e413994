import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { addCommands } from '../commands';
import { IIdentityClient, IdentityModel } from '../identity';
import { CommandIDs, PANEL_ID } from '../tokens';
import { hubReply } from './fixtures';

const T0 = 1_800_000_000;

/** A fake of the server companion (the REST boundary). */
function fakeClient(): IIdentityClient & { refreshCalls: number } {
  const client = {
    refreshCalls: 0,
    current: async () => hubReply({ iat: T0, lifetime: 300 }),
    refresh: async () => {
      client.refreshCalls++;
      return hubReply({ iat: T0 + 10, lifetime: 300 });
    }
  };
  return client;
}

describe('commands', () => {
  let commands: CommandRegistry;
  let activateById: jest.Mock;
  let model: IdentityModel;
  let client: ReturnType<typeof fakeClient>;

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
    addCommands(app, model, nullTranslator.load('test'));
  });

  afterEach(() => {
    model.dispose();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('registers every command with a label', () => {
    for (const id of [
      CommandIDs.openPanel,
      CommandIDs.refreshToken,
      CommandIDs.copyToken
    ]) {
      expect(commands.hasCommand(id)).toBe(true);
      expect(commands.label(id)).not.toBe('');
    }
  });

  it('opens the panel', async () => {
    await commands.execute(CommandIDs.openPanel);
    expect(activateById).toHaveBeenCalledWith(PANEL_ID);
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
    await commands.execute(CommandIDs.copyToken);
    expect(copy).toHaveBeenCalledWith(model.idToken);
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).not.toContain(model.idToken!);
  });
});
