import { nullTranslator } from '@jupyterlab/translation';
import { act } from 'react';

import { connectionView, IVaultView } from './connection';
import { plainError } from './messages';
import { IIdentityState } from '../identity/model';
import { normaliseClaims } from '../identity/jwt';
import { hubReply } from '../testing/fixtures';
import { renderSessionHeader } from '../testing/sessionHeader';
import { loggedInReply, loggedOutReply } from '../testing/vaultFixtures';
import { IVaultState } from '../vault/model';

const trans = nullTranslator.load('test');
const T0 = 1_800_000_000;

const identity: IIdentityState = {
  loading: false,
  refreshing: false,
  source: 'hub',
  sourceDetail: 'JupyterHub API users/alice',
  hint: null,
  claims: normaliseClaims(hubReply({ iat: T0, lifetime: 300 }).claims!),
  fetchedAt: T0 * 1000,
  copy: { allowed: true, reason: null },
  error: null,
  vaultIdentity: null
};

function vault(
  state: Partial<IVaultState>,
  can: { canLogin?: boolean; canLogout?: boolean } = {}
): IVaultView {
  return {
    state: {
      loading: false,
      busy: null,
      status: loggedInReply(),
      error: null,
      ...state
    },
    canLogin: can.canLogin ?? false,
    canLogout: can.canLogout ?? true
  };
}

const unreachable = {
  code: 'vault_unreachable',
  message:
    'Vault at http://127.0.0.1:18200 cannot be reached (ConnectError). Check the address (VAULT_ADDR / c.VaultSession.address).'
};

describe('connectionView: one state, one problem, one button', () => {
  it('logged in: who, policies, a Log out button, no problem', () => {
    const view = connectionView(identity, vault({}), { error: null });
    expect(view.phase).toBe('logged-in');
    expect(view.who).toBe('alice');
    expect(view.policies).toEqual(['default', 'team-a']);
    expect(view.button).toEqual({
      action: 'logout',
      enabled: true,
      busy: false
    });
    expect(view.problem).toBeNull();
  });

  it('a failed poll while logged in is the state shown, and goes with the next success', () => {
    const failing = connectionView(identity, vault({ error: unreachable }), {
      error: null
    });
    expect(failing.phase).toBe('failing');
    expect(failing.problem).toEqual({ origin: 'vault', error: unreachable });
    const recovered = connectionView(identity, vault({ error: null }), {
      error: null
    });
    expect(recovered.phase).toBe('logged-in');
    expect(recovered.problem).toBeNull();
  });

  it("ignores the server's stored error once logged in again; shows it while logged out", () => {
    const stale = connectionView(
      identity,
      vault({ status: loggedInReply({ error: unreachable }) }),
      { error: null }
    );
    expect(stale.problem).toBeNull();
    const out = connectionView(
      identity,
      vault(
        { status: loggedOutReply({ error: unreachable }) },
        { canLogin: true, canLogout: false }
      ),
      { error: null }
    );
    expect(out.phase).toBe('failing');
    expect(out.problem?.error.code).toBe('vault_unreachable');
    expect(out.button).toEqual({ action: 'login', enabled: true, busy: false });
  });

  it('one problem at a time: a failed request before the stored one (no nesting)', () => {
    const revoke = { code: 'vault_revoke_failed', message: 'Revoke failed.' };
    const view = connectionView(
      identity,
      vault({ status: loggedOutReply({ error: unreachable }), error: revoke }),
      { error: null }
    );
    expect(view.problem?.error).toBe(revoke);
  });

  it('a catalog failure while logged in; an id_token failure last', () => {
    const catalog = connectionView(identity, vault({}), {
      error: { code: 'vault_timeout', message: 'slow' }
    });
    expect(catalog.phase).toBe('failing');
    expect(catalog.problem?.origin).toBe('catalog');
    const id = connectionView(
      { ...identity, error: { code: 'hub_timeout', message: 'hub slow' } },
      vault({}),
      { error: null }
    );
    expect(id.phase).toBe('logged-in');
    expect(id.problem?.origin).toBe('identity');
  });

  it('the button follows log in and log out in flight', () => {
    const loggingOut = connectionView(
      identity,
      vault({ busy: 'logout' }, { canLogout: false }),
      { error: null }
    );
    expect(loggingOut.phase).toBe('logging-out');
    expect(loggingOut.button).toEqual({
      action: 'logout',
      enabled: false,
      busy: true
    });
    const loggingIn = connectionView(
      identity,
      vault({ busy: 'login', status: loggedOutReply() }, { canLogout: false }),
      { error: null }
    );
    expect(loggingIn.phase).toBe('logging-in');
    expect(loggingIn.button.action).toBe('login');
  });
});

describe('plainError', () => {
  it('says it plainly; the administrator gets the code and the hint', () => {
    const plain = plainError(unreachable, trans);
    expect(plain.sentence).toBe('Vault cannot be reached right now.');
    expect(plain.sentence).not.toMatch(/c\.|VAULT_ADDR|Error\)/);
    expect(plain.action).toBe('retry');
    expect(plain.details).toBe(unreachable.message);
    expect(
      plainError({ code: 'login_required', message: '' }, trans).action
    ).toBe('hub');
    expect(
      plainError({ code: 'vault_claims_rejected', message: '' }, trans).action
    ).toBe('login');
    expect(plainError({ code: 'new_code', message: 'x' }, trans)).toEqual({
      sentence: 'Something went wrong.',
      action: 'retry',
      code: 'new_code',
      details: 'x'
    });
  });
});

describe('SessionHeader', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  const render = renderSessionHeader;

  // Toolbar buttons are JupyterLab's <jp-button> elements.
  const button = (host: HTMLElement, name: RegExp) =>
    [...host.querySelectorAll<HTMLElement>('button, jp-button')].find(b =>
      name.test(b.getAttribute('aria-label') ?? b.textContent ?? '')
    );
  const disabled = (element: HTMLElement | undefined) =>
    element?.getAttribute('aria-disabled') === 'true';

  it('one summary line (who, state, policies, time left) that opens the details', () => {
    const { host, calls } = render(
      connectionView(identity, vault({}), { error: null })
    );
    const summary = host.querySelector(
      '[data-testid="vault-jwt-summary"]'
    ) as HTMLButtonElement;
    expect(summary.textContent).toBe('aliceLogged indefault, team-a4:38 left');
    expect(summary.getAttribute('aria-expanded')).toBe('false');
    const details = host.querySelector('[data-testid="vault-jwt-details"]')!;
    expect(details.hasAttribute('hidden')).toBe(true);
    expect(summary.getAttribute('aria-controls')).toBe(details.id);
    act(() => summary.click());
    expect(calls).toEqual(['toggle']);
  });

  it('one state-following button: Log out while logged in, Log in while not', () => {
    const { host, calls } = render(
      connectionView(identity, vault({}), { error: null })
    );
    expect(button(host, /^Log in$/)).toBeUndefined();
    act(() => button(host, /^Log out$/)!.click());
    act(() => button(host, /^Reload catalog/)!.click());
    expect(calls).toEqual(['logout', 'reload']);

    const out = render(
      connectionView(
        identity,
        vault({ status: loggedOutReply() }, { canLogin: false }),
        { error: null }
      ),
      { canReload: false }
    );
    expect(button(out.host, /^Log out$/)).toBeUndefined();
    expect(disabled(button(out.host, /^Log in$/))).toBe(true);
    expect(disabled(button(out.host, /^Reload catalog/))).toBe(true);
    expect(disabled(button(host, /^Log out$/))).toBe(false);
  });

  it('the problem: a plain sentence, Retry, and the details for the administrator', () => {
    const { host, calls } = render(
      connectionView(identity, vault({ error: unreachable }), { error: null })
    );
    const alert = host.querySelector('[role="alert"]')!;
    expect(alert.getAttribute('data-code')).toBe('vault_unreachable');
    expect(alert.querySelector('.jp-VaultJwt-errorSentence')?.textContent).toBe(
      'Vault cannot be reached right now.'
    );
    const details = alert.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')?.textContent).toBe(
      'Details for your administrator'
    );
    expect(details.textContent).toContain('vault_unreachable');
    expect(details.textContent).toContain('c.VaultSession.address');
    expect(alert.querySelectorAll('[role="alert"]')).toHaveLength(0);
    act(() => button(alert as HTMLElement, /^Retry$/)!.click());
    expect(calls).toEqual(['retry:vault']);
    expect(
      host.querySelector('[data-testid="vault-jwt-summary"]')?.textContent
    ).toContain('Vault problem');
  });

  it('Log in again for a refused log in; the hub link when the hub sign-in ended', () => {
    const refused = render(
      connectionView(
        identity,
        vault(
          {
            status: loggedOutReply({
              error: { code: 'vault_claims_rejected', message: 'bound claims' }
            })
          },
          { canLogin: true, canLogout: false }
        ),
        { error: null }
      )
    );
    act(() => button(refused.host, /^Log in again$/)!.click());
    expect(refused.calls).toEqual(['login']);

    const ended = render(
      connectionView(
        { ...identity, error: { code: 'login_required', message: 'x' } },
        vault({}),
        { error: null }
      )
    );
    const link = ended.host.querySelector('[role="alert"] a');
    expect(link?.textContent).toBe('Log in again at the hub');
    expect(link?.getAttribute('href')).toBe('/hub/home');
  });
});
