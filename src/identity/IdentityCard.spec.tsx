import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { act } from 'react';

import { IdentityCard } from './IdentityCard';
import { ICountdown, IIdentityState } from './model';
import { normaliseClaims } from './jwt';
import { DEFAULT_SETTINGS } from '../tokens';
import { hubReply } from '../testing/fixtures';

const T0 = 1_800_000_000;
const trans = nullTranslator.load('test');

function render(
  state: IIdentityState,
  countdown: ICountdown,
  slot: React.ReactNode = null
): HTMLElement {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() => {
    root.render(
      <IdentityCard
        state={state}
        countdown={countdown}
        claims={DEFAULT_SETTINGS.claims}
        slot={slot}
        trans={trans}
        onRefresh={() => undefined}
        onCopy={() => undefined}
      />
    );
  });
  return host;
}

const reply = hubReply({
  iat: T0,
  lifetime: 300,
  claims: { name: '<b>Alice</b>' }
});
const good: IIdentityState = {
  loading: false,
  refreshing: false,
  source: 'hub',
  sourceDetail: 'JupyterHub API users/alice',
  hint: null,
  claims: normaliseClaims(reply.claims!),
  fetchedAt: T0 * 1000,
  copy: { allowed: true, reason: null },
  error: null,
  vaultIdentity: null
};

describe('IdentityCard', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  it('shows who, where from, and the time left, never the token', () => {
    const host = render(good, {
      phase: 'fresh',
      secondsLeft: 272,
      fraction: 0.9
    });
    expect(
      host.querySelector('[data-claim="preferred_username"]')?.textContent
    ).toBe('alice');
    expect(host.querySelector('[data-claim="groups"]')?.textContent).toBe(
      'management'
    );
    expect(host.querySelector('[data-claim="aud"]')?.textContent).toBe(
      'jupyterhub'
    );
    expect(host.textContent).toContain('Expires in 4:32');
    expect(host.textContent).toContain('From JupyterHub');
    expect(
      host.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')
    ).toBe('90');
    expect(host.querySelector('.jp-VaultJwt-phase-fresh')).not.toBeNull();
    expect(host.innerHTML).not.toContain(reply.token_id!);
    const copy = [...host.querySelectorAll('button')].find(b =>
      b.textContent?.includes('Copy token')
    );
    expect(copy?.disabled).toBe(false);
    expect(host.querySelector('[data-testid="vault-jwt-copy-off"]')).toBeNull();
  });

  it('disables the copy action and says why when the admin turned it off', () => {
    const reason = 'Your administrator turned copying the id_token off.';
    const host = render(
      { ...good, copy: { allowed: false, reason } },
      { phase: 'fresh', secondsLeft: 200, fraction: 0.7 }
    );
    const copy = [...host.querySelectorAll('button')].find(b =>
      b.textContent?.includes('Copy token')
    );
    expect(copy?.disabled).toBe(true);
    expect(copy?.title).toBe(reason);
    expect(
      host.querySelector('[data-testid="vault-jwt-copy-off"]')?.textContent
    ).toBe(reason);
  });

  it('renders hostile claim values as text', () => {
    const host = render(good, {
      phase: 'fresh',
      secondsLeft: 100,
      fraction: 0.3
    });
    expect(host.querySelector('b')).toBeNull();
    expect(host.querySelector('[data-claim="name"]')?.textContent).toBe(
      '<b>Alice</b>'
    );
  });

  it('keeps the last good token while failing; the error itself is in the session header', () => {
    const host = render(
      { ...good, error: { code: 'login_required', message: 'Log in again.' } },
      { phase: 'expired', secondsLeft: -5, fraction: 0 }
    );
    expect(host.querySelector('[role="alert"]')).toBeNull();
    expect(host.textContent).toContain('Expired 0:05 ago');
    expect(
      host.querySelector('[data-claim="preferred_username"]')
    ).not.toBeNull();
  });

  it('hosts another feature’s component in its slot, at the top', () => {
    const host = render(
      { ...good, claims: null, source: null },
      { phase: 'unavailable', secondsLeft: null, fraction: 0 },
      <button data-testid="sign-in">Sign in</button>
    );
    const section = host.querySelector('section')!;
    const slot = host.querySelector('[data-testid="sign-in"]');
    expect(slot?.textContent).toBe('Sign in');
    // After the section's header, before everything else of the body.
    expect(section.children[1]).toBe(slot);
  });

  it('explains how to configure a source when there is none', () => {
    const host = render(
      {
        ...good,
        source: null,
        sourceDetail: null,
        claims: null,
        hint: 'Set OIDC_ID_TOKEN.'
      },
      { phase: 'unavailable', secondsLeft: null, fraction: 0 }
    );
    expect(host.textContent).toContain('No id_token source is configured.');
    expect(host.textContent).toContain('Set OIDC_ID_TOKEN.');
    const refresh = host.querySelector('button') as HTMLButtonElement;
    expect(refresh.disabled).toBe(true);
  });

  it('says that Vault OIDC holds no id_token and shows what Vault knows', () => {
    const host = render(
      {
        ...good,
        source: 'vault-oidc',
        sourceDetail: 'Vault OIDC (auth/oidc, role jupyter)',
        claims: null,
        fetchedAt: null,
        vaultIdentity: {
          display_name: 'oidc-alice',
          entity_id: 'e-1',
          policies: ['default', 'kv-all'],
          metadata: { role: 'jupyter', username: '<b>alice</b>' }
        }
      },
      { phase: 'unavailable', secondsLeft: null, fraction: 0 }
    );
    expect(host.textContent).toContain('holds no id_token');
    expect(host.textContent).toContain('auth/oidc, role jupyter');
    const who = host.querySelector('[data-testid="vault-jwt-vault-identity"]');
    expect(who?.querySelector('[data-claim="display_name"]')?.textContent).toBe(
      'oidc-alice'
    );
    expect(
      who?.querySelector('[data-claim="meta-username"]')?.textContent
    ).toBe('<b>alice</b>');
    expect(host.querySelector('b')).toBeNull();
    expect(host.textContent).toContain('default, kv-all');
    expect(host.querySelector('.jp-VaultJwt-countdown')).toBeNull();
  });
});
