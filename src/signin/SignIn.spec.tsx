import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { ISignInReply, ISignInState } from './model';
import { SignIn } from './SignIn';

const trans = nullTranslator.load('test');

function reply(patch: Partial<ISignInReply> = {}): ISignInReply {
  return {
    configured: true,
    method: 'device',
    methods: ['device'],
    source: 'device',
    issuer: 'https://idp.example/realms/main',
    state: 'signed_out',
    pending: null,
    warning: null,
    error: null,
    server_time: 1_800_000_000,
    ...patch
  };
}

function render(state: Partial<ISignInState>): {
  host: HTMLElement;
  calls: string[];
} {
  const calls: string[] = [];
  const host = document.createElement('div');
  document.body.appendChild(host);
  act(() => {
    createRoot(host).render(
      <SignIn
        state={{ reply: reply(), busy: null, error: null, ...state }}
        trans={trans}
        onSignIn={method => calls.push(`signin:${method}`)}
        onCancel={() => calls.push('cancel')}
        onSignOut={() => calls.push('signout')}
      />
    );
  });
  return { host, calls };
}

function button(host: HTMLElement, label: string): HTMLButtonElement {
  const found = [...host.querySelectorAll('button')].find(
    b => b.textContent === label
  );
  expect(found).toBeDefined();
  return found!;
}

describe('SignIn', () => {
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  });

  it('renders nothing where the server cannot sign in', () => {
    const { host } = render({
      reply: reply({
        configured: false,
        method: null,
        methods: [],
        source: 'hub'
      })
    });
    expect(host.innerHTML).toBe('');
  });

  it('offers Sign in when signed out, with the last outcome', () => {
    const { host, calls } = render({
      reply: reply({
        error: { code: 'signin_denied', message: 'The sign-in was declined' }
      })
    });
    expect(host.textContent).toContain('Not signed in');
    expect(host.querySelector('[data-code="signin_denied"]')).not.toBeNull();
    act(() => button(host, 'Sign in').click());
    expect(calls).toEqual(['signin:device']);
  });

  it('shows the code, the link and its QR code while pending', () => {
    const { host, calls } = render({
      reply: reply({
        state: 'pending',
        pending: {
          method: 'device',
          user_code: 'ABCD-EFGH',
          verification_uri: 'https://idp.example/realms/main/device',
          verification_uri_complete:
            'https://idp.example/realms/main/device?user_code=ABCD-EFGH',
          expires_at: 1_800_000_600,
          interval: 5
        },
        warning: { code: 'idp_unreachable', message: 'cannot be reached' }
      })
    });
    expect(
      host.querySelector('[data-testid="vault-jwt-user-code"]')?.textContent
    ).toBe('ABCD-EFGH');
    const link = host.querySelector('a');
    expect(link?.getAttribute('href')).toBe(
      'https://idp.example/realms/main/device?user_code=ABCD-EFGH'
    );
    expect(link?.getAttribute('rel')).toContain('noopener');
    expect(host.querySelector('svg.jp-VaultJwt-qr path')).not.toBeNull();
    expect(host.querySelector('[data-code="idp_unreachable"]')).not.toBeNull();
    act(() => button(host, 'Cancel').click());
    expect(calls).toEqual(['cancel']);
  });

  it('offers Sign out when signed in', () => {
    const { host, calls } = render({ reply: reply({ state: 'signed_in' }) });
    expect(host.textContent).toContain('Signed in at https://idp.example');
    act(() => button(host, 'Sign out').click());
    expect(calls).toEqual(['signout']);
  });

  it('offers the pop-up first and a code second, and shows the pop-up fallback link', () => {
    const { host, calls } = render({
      reply: reply({ methods: ['browser', 'device'] })
    });
    act(() => button(host, 'Sign in').click());
    act(() => button(host, 'Use a code').click());
    expect(calls).toEqual(['signin:browser', 'signin:device']);
    const pending = render({
      reply: reply({
        state: 'pending',
        method: 'browser',
        methods: ['browser'],
        pending: {
          method: 'browser',
          authorization_url: 'https://idp.example/auth?state=s',
          expires_at: 1_800_000_600,
          interval: 2
        }
      })
    });
    expect(pending.host.textContent).toContain('in the pop-up window');
    expect(pending.host.querySelector('a')?.getAttribute('href')).toBe(
      'https://idp.example/auth?state=s'
    );
    expect(pending.host.querySelector('svg')).toBeNull();
  });

  it('signs in through Vault OIDC in a pop-up, with the user code of a device-mode role', () => {
    const { host, calls } = render({
      reply: reply({
        method: 'vault-oidc',
        methods: ['vault-oidc'],
        source: 'vault-oidc',
        issuer: 'https://bao.example (auth/oidc)'
      })
    });
    const signIn = button(host, 'Sign in');
    expect(signIn.title).toContain('through Vault (https://bao.example');
    act(() => signIn.click());
    expect(calls).toEqual(['signin:vault-oidc']);
    const pending = render({
      reply: reply({
        state: 'pending',
        method: 'vault-oidc',
        methods: ['vault-oidc'],
        source: 'vault-oidc',
        pending: {
          method: 'vault-oidc',
          authorization_url: 'https://idp.example/device',
          user_code: 'WDJB-MJHT',
          expires_at: 1_800_000_600,
          interval: 5
        }
      })
    });
    expect(pending.host.textContent).toContain('in the pop-up window');
    expect(
      pending.host.querySelector('[data-testid="vault-jwt-user-code"]')
        ?.textContent
    ).toBe('WDJB-MJHT');
    expect(pending.host.querySelector('a')?.getAttribute('href')).toBe(
      'https://idp.example/device'
    );
  });
});
