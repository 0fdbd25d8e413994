import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CatalogModel } from '../catalog/model';
import { IIdentityClient, IdentityModel } from '../identity/model';
import { ApiError } from '../request';
import { hubReply } from '../testing/fixtures';
import { LoggedInVaultClient, flush } from '../testing/vaultFixtures';
import { IIdentityReply, ITokenCopyReply } from '../tokens';
import { VaultModel } from '../vault/model';
import { SessionStatus } from './status';

/** A fake of the server companion's identity routes, scripted per test. */
class FakeIdentityClient implements IIdentityClient {
  reply: IIdentityReply;
  refreshReply: IIdentityReply | Error;

  constructor(reply: IIdentityReply) {
    this.reply = reply;
    this.refreshReply = reply;
  }
  async current(): Promise<IIdentityReply> {
    return this.reply;
  }
  async refresh(): Promise<IIdentityReply> {
    if (this.refreshReply instanceof Error) {
      throw this.refreshReply;
    }
    return this.refreshReply;
  }
  async token(): Promise<ITokenCopyReply> {
    throw new Error('not used');
  }
}

/** The status item's text once it shows `expected` (rendered on Lumino's next update). */
async function textOf(
  status: SessionStatus,
  expected: RegExp
): Promise<string> {
  let text = '';
  for (let i = 0; i < 200; i++) {
    status.update();
    await new Promise(resolve => requestAnimationFrame(resolve));
    text = status.node.textContent ?? '';
    if (expected.test(text)) {
      return text;
    }
  }
  return text;
}

describe('SessionStatus (the status-bar item)', () => {
  let identity: FakeIdentityClient;
  let model: IdentityModel;
  let vault: VaultModel;
  let catalog: CatalogModel;
  let status: SessionStatus;
  let opened: number;

  beforeEach(async () => {
    const now = Math.floor(Date.now() / 1000);
    identity = new FakeIdentityClient(hubReply({ iat: now, lifetime: 300 }));
    model = new IdentityModel({ client: identity });
    const client = new LoggedInVaultClient();
    vault = new VaultModel({ client, identity: model });
    catalog = new CatalogModel({ client, session: vault });
    await model.load();
    await vault.load();
    await flush();
    opened = 0;
    status = new SessionStatus({
      model,
      vault,
      catalog,
      trans: nullTranslator.load('test'),
      onClick: () => opened++
    });
    Widget.attach(status, document.body);
  });

  afterEach(() => {
    status.dispose();
    catalog.dispose();
    vault.dispose();
    model.dispose();
  });

  it('shows the session state, no id_token countdown while refresh works', async () => {
    const text = await textOf(status, /Vault: Logged in/);
    expect(text).toBe('Vault: Logged in');
    expect(status.node.getAttribute('aria-label')).toBe(
      'Vault: Logged in. Open the Vault JWT panel.'
    );
  });

  it('is a focusable button: a click, Enter or Space opens the panel', async () => {
    expect(status.node.getAttribute('role')).toBe('button');
    expect(status.node.tabIndex).toBe(0);
    status.node.click();
    for (const key of ['Enter', ' ', 'a']) {
      status.node.dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true })
      );
    }
    expect(opened).toBe(3);
  });

  it('shows the countdown when automatic refresh is off', async () => {
    model.configure({ autoRefresh: false });
    const text = await textOf(status, /id_token/);
    expect(text).toMatch(/^Vault: Logged in · id_token [45]:\d\d$/);
  });

  it('shows the countdown when refreshing failed', async () => {
    identity.refreshReply = new ApiError(
      'hub_unreachable',
      'JupyterHub cannot be reached.',
      502
    );
    await model.refresh();
    expect(model.state.error?.code).toBe('hub_unreachable');
    const text = await textOf(status, /id_token/);
    expect(text).toMatch(/· id_token [45]:\d\d$/);
  });
});
