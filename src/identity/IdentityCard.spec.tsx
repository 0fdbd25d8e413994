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
  hub: string | null = '/hub/home'
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
        hubHomeUrl={hub}
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
  error: null
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

  it('keeps the last good token beside a login_required error with a hub link', () => {
    const host = render(
      { ...good, error: { code: 'login_required', message: 'Log in again.' } },
      { phase: 'expired', secondsLeft: -5, fraction: 0 }
    );
    expect(host.querySelector('[role="alert"]')?.textContent).toContain(
      'Log in again.'
    );
    expect(host.querySelector('a')?.getAttribute('href')).toBe('/hub/home');
    expect(host.textContent).toContain('Expired 0:05 ago');
    expect(
      host.querySelector('[data-claim="preferred_username"]')
    ).not.toBeNull();
  });

  it('links to the hub when it holds only an expired id_token, not for other errors', () => {
    const stale = render(
      {
        ...good,
        error: {
          code: 'stale_id_token',
          message: 'The hub could not get a new one.'
        }
      },
      { phase: 'expired', secondsLeft: -40, fraction: 0 }
    );
    expect(stale.querySelector('[role="alert"]')?.textContent).toContain(
      'The hub could not get a new one.'
    );
    expect(stale.querySelector('a')?.getAttribute('href')).toBe('/hub/home');
    const down = render(
      { ...good, error: { code: 'hub_timeout', message: 'Slow hub.' } },
      { phase: 'fresh', secondsLeft: 40, fraction: 0.5 }
    );
    expect(down.querySelector('[role="alert"]')?.textContent).toContain(
      'Slow hub.'
    );
    expect(down.querySelector('a')).toBeNull();
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
      { phase: 'unavailable', secondsLeft: null, fraction: 0 },
      null
    );
    expect(host.textContent).toContain('No id_token source is configured.');
    expect(host.textContent).toContain('Set OIDC_ID_TOKEN.');
    const refresh = host.querySelector('button') as HTMLButtonElement;
    expect(refresh.disabled).toBe(true);
  });
});
