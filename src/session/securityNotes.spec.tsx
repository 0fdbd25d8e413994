import { act } from 'react';

import { connectionView, IVaultView } from './connection';
import { securityNotes, stsSecurityNotes } from './securityNotes';
import { IIdentityState } from '../identity/model';
import { renderSessionHeader } from '../testing/sessionHeader';
import { loggedInReply, loggedOutReply } from '../testing/vaultFixtures';
import { IVaultReply } from '../tokens';
import { IVaultState } from '../vault/model';

const plainHttp =
  'Vault is reached over plain http:// at vault.example.org: the id_token and the Vault token cross the network unencrypted. Use an https:// address (VAULT_ADDR / c.VaultSession.address).';

function state(
  status: IVaultReply | null,
  busy: IVaultState['busy'] = null
): IVaultState {
  return { loading: false, busy, status, error: null };
}

const noIdentity: IIdentityState = {
  loading: false,
  refreshing: false,
  source: 'hub',
  sourceDetail: null,
  hint: null,
  claims: null,
  fetchedAt: null,
  copy: { allowed: true, reason: null },
  error: null,
  vaultIdentity: null
};

describe('securityNotes', () => {
  it('none for a verified https Vault whose token file is the session’s', () => {
    expect(securityNotes(state(loggedInReply()), true)).toEqual([]);
  });

  it('none while Vault is not read yet or not configured', () => {
    expect(securityNotes(state(null), true)).toEqual([]);
    expect(
      securityNotes(
        state(loggedOutReply({ configured: false, tls_verify: false })),
        true
      )
    ).toEqual([]);
  });

  it('plain http first (with the server’s words), then TLS off, then the token file', () => {
    const status = {
      ...loggedInReply({ tls_verify: false, token_file_state: 'other' }),
      tls_warning: plainHttp
    };
    const notes = securityNotes(state(status), true);
    expect(notes.map(note => note.kind)).toEqual([
      'plain-http',
      'tls-off',
      'token-file-other'
    ]);
    expect(notes[0].detail).toBe(plainHttp);
    expect(notes[2].path).toBe('/home/alice/.vault-token');
  });

  it('offers "use ours" only while logged in, enabled as the command is, busy while writing', () => {
    const other = loggedInReply({ token_file_state: 'other' });
    expect(securityNotes(state(other), true)[0].action).toEqual({
      kind: 'use-token-file',
      enabled: true,
      busy: false
    });
    expect(securityNotes(state(other, 'token-file'), false)[0].action).toEqual({
      kind: 'use-token-file',
      enabled: false,
      busy: true
    });
    const out = securityNotes(
      state(loggedOutReply({ token_file_state: 'other' })),
      false
    );
    expect(out.map(note => note.kind)).toEqual(['token-file-other']);
    expect(out[0].action).toBeNull();
  });
});

describe('stsSecurityNotes', () => {
  const sts = {
    configured: true,
    tls_verify: true,
    tls_warning: null as string | null
  };

  it('none while object storage is not read yet, not configured, or verified https', () => {
    expect(stsSecurityNotes(null)).toEqual([]);
    expect(
      stsSecurityNotes({ ...sts, configured: false, tls_verify: false })
    ).toEqual([]);
    expect(stsSecurityNotes(sts)).toEqual([]);
  });

  it('plain http (with the server’s words), then TLS off, both about the STS', () => {
    const notes = stsSecurityNotes({
      configured: true,
      tls_verify: false,
      tls_warning: 'plain http to sts.example.org'
    });
    expect(notes.map(note => [note.service, note.kind])).toEqual([
      ['sts', 'plain-http'],
      ['sts', 'tls-off']
    ]);
    expect(notes[0].detail).toBe('plain http to sts.example.org');
    expect(notes.every(note => note.action === null)).toBe(true);
  });
});

describe('SessionHeader: the security notes show with the details closed', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  function render(
    status: IVaultReply,
    canUseTokenFile = true,
    extra: ReturnType<typeof stsSecurityNotes> = []
  ) {
    const vaultState = state(status);
    const vault: IVaultView = {
      state: vaultState,
      canLogin: status.state !== 'logged_in',
      canLogout: status.state === 'logged_in'
    };
    return renderSessionHeader(
      connectionView(noIdentity, vault, { error: null }),
      {
        secondsLeft: null,
        hubHomeUrl: null,
        notes: [...securityNotes(vaultState, canUseTokenFile), ...extra]
      }
    );
  }

  /** The notes shown: outside the hidden details, one sentence each. */
  function shownNotes(host: HTMLElement): HTMLElement[] {
    return [...host.querySelectorAll<HTMLElement>('[role="note"]')].filter(
      note => note.closest('[hidden]') === null
    );
  }

  it('plain http to another host: one short sentence, the server’s words in the tooltip', () => {
    const { host } = render({
      ...loggedInReply(),
      address: 'http://vault.example.org:8200',
      tls_warning: plainHttp
    });
    const notes = shownNotes(host);
    expect(notes).toHaveLength(1);
    expect(notes[0].dataset.kind).toBe('plain-http');
    expect(notes[0].textContent).toBe(
      'Vault is reached over plain http: tokens cross the network unencrypted.'
    );
    expect(notes[0].title).toBe(plainHttp);
    expect(notes[0].querySelector('button')).toBeNull();
  });

  it('TLS verification off', () => {
    const { host } = render(loggedInReply({ tls_verify: false }));
    const notes = shownNotes(host);
    expect(notes.map(note => note.dataset.kind)).toEqual(['tls-off']);
    expect(notes[0].textContent).toContain('TLS verification is off');
    expect(notes[0].title).toContain('VAULT_CACERT');
  });

  it('a token file not ours: says kernels use it, and "Use ours instead" writes the session’s', () => {
    const { host, calls } = render(
      loggedInReply({ token_file_state: 'other' })
    );
    const notes = shownNotes(host);
    expect(notes.map(note => note.dataset.kind)).toEqual(['token-file-other']);
    expect(notes[0].textContent).toContain(
      'Kernels use the token already in /home/alice/.vault-token, not this session’s.'
    );
    expect(notes[0].title).toContain('did not write');
    const use = notes[0].querySelector('button')!;
    expect(use.textContent).toBe('Use ours instead');
    expect(use.disabled).toBe(false);
    act(() => use.click());
    expect(calls).toEqual(['use-token-file']);
  });

  it('the action is disabled when the command is; logged out the note has none', () => {
    const off = render(loggedInReply({ token_file_state: 'other' }), false);
    expect(shownNotes(off.host)[0].querySelector('button')?.disabled).toBe(
      true
    );
    const out = render(loggedOutReply({ token_file_state: 'other' }));
    const notes = shownNotes(out.host);
    expect(notes).toHaveLength(1);
    expect(notes[0].querySelector('button')).toBeNull();
  });

  it('object storage over plain http without TLS verification: two notes of their own beside Vault’s', () => {
    const { host } = render(
      loggedInReply({ tls_verify: false }),
      true,
      stsSecurityNotes({
        configured: true,
        tls_verify: false,
        tls_warning: 'plain http to sts.example.org'
      })
    );
    const notes = shownNotes(host);
    expect(
      notes.map(note => `${note.dataset.service}:${note.dataset.kind}`)
    ).toEqual(['vault:tls-off', 'sts:plain-http', 'sts:tls-off']);
    expect(notes[1].textContent).toBe(
      'Object storage is reached over plain http: your identity and S3 keys cross the network unencrypted.'
    );
    expect(notes[1].title).toBe('plain http to sts.example.org');
    expect(notes[2].textContent).toContain(
      'TLS verification is off for object storage'
    );
    expect(notes[2].title).toContain('c.S3Credentials.ca_cert');
  });

  it('nothing when there is nothing to say', () => {
    const { host } = render(loggedInReply());
    expect(shownNotes(host)).toEqual([]);
    expect(
      host.querySelector('[data-testid="vault-jwt-security-notes"]')
    ).toBeNull();
  });
});
