import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { IVaultCardProps, VaultCard } from './VaultCard';
import { IVaultState } from './model';
import { loggedInReply, loggedOutReply } from '../testing/vaultFixtures';

const trans = nullTranslator.load('test');

function render(patch: Partial<IVaultCardProps>): {
  host: HTMLElement;
  calls: string[];
} {
  const calls: string[] = [];
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  const state: IVaultState = {
    loading: false,
    busy: null,
    status: loggedInReply({ namespace: 'team-a' }),
    error: null
  };
  act(() => {
    root.render(
      <VaultCard
        state={state}
        countdown={{ secondsLeft: 3599, maxSecondsLeft: 7 * 3600 }}
        trans={trans}
        {...patch}
      />
    );
  });
  return { host, calls };
}

function field(host: HTMLElement, name: string): string | null | undefined {
  return host.querySelector(`[data-field="${name}"]`)?.textContent;
}

describe('VaultCard', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  it('shows the session: server, namespace, role, state, TTL, policies, entity, token file', () => {
    const { host } = render({});
    const card = host.querySelector('[data-testid="vault-jwt-vault-card"]');
    expect(card).not.toBeNull();
    expect(field(host, 'address')).toBe('https://127.0.0.1:18200');
    expect(field(host, 'namespace')).toBe('team-a');
    expect(field(host, 'auth')).toBe('jwt, role jupyter');
    expect(field(host, 'state')).toBe('Logged in');
    expect(field(host, 'ttl')).toBe('expires in 59:59');
    expect(field(host, 'renewal')).toBe('renewable, max TTL in 7:00:00');
    expect(field(host, 'policies')).toBe('default, team-a');
    expect(field(host, 'entity')).toBe('ent-42');
    expect(field(host, 'token-file')).toContain('/home/alice/.vault-token');
    expect(host.querySelector('.jp-VaultJwt-warning')).toBeNull();
    expect(host.querySelector('[role="alert"]')).toBeNull();
  });

  it('shows the state after a failure, but not the error (the session header shows it) nor the token file while logged out', () => {
    const { host } = render({
      state: {
        loading: false,
        busy: null,
        status: loggedOutReply({
          error: {
            code: 'vault_unreachable',
            message: 'Vault at https://127.0.0.1:18200 cannot be reached.'
          }
        }),
        error: null
      },
      countdown: { secondsLeft: null, maxSecondsLeft: null }
    });
    expect(host.querySelector('[role="alert"]')).toBeNull();
    expect(field(host, 'state')).toBe('Not logged in (error)');
    expect(field(host, 'ttl')).toBeUndefined();
    expect(field(host, 'token-file')).toBeUndefined();
  });

  it('explains how to configure Vault when it is not', () => {
    const { host } = render({
      state: {
        loading: false,
        busy: null,
        status: loggedOutReply({
          configured: false,
          address: null,
          hint: 'Set c.VaultSession.address or VAULT_ADDR.'
        }),
        error: null
      }
    });
    expect(host.textContent).toContain('Vault is not configured.');
    expect(host.textContent).toContain(
      'Set c.VaultSession.address or VAULT_ADDR.'
    );
    expect(host.querySelectorAll('button')).toHaveLength(0);
    expect(field(host, 'address')).toBeUndefined();
  });

  it('leaves the security notes to the session header (no second copy in the details)', () => {
    const { host } = render({
      state: {
        loading: false,
        busy: null,
        status: {
          ...loggedInReply({ tls_verify: false, token_file_state: 'other' }),
          tls_warning:
            'Vault is reached over plain http:// at vault.example.org'
        },
        error: null
      }
    });
    expect(host.querySelector('[role="note"]')).toBeNull();
    expect(host.textContent).not.toContain('TLS verification');
    expect(host.textContent).not.toContain('plain http');
    expect(host.textContent).not.toContain('did not write');
  });

  it('says it is logging in and when the user logged out', () => {
    const { host } = render({
      state: {
        loading: false,
        busy: 'login',
        status: loggedOutReply({ logged_out_by_user: true }),
        error: null
      }
    });
    expect(host.textContent).toContain('Logging in to Vault…');
    expect(field(host, 'state')).toBe('Logged out (by you)');
  });
});
