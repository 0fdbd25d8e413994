import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IVaultCountdown, IVaultState } from './model';
import { ProgressNote, Section } from '../components/Card';
import { formatDuration } from '../components/format';

/** Props of {@link VaultCard}. */
export interface IVaultCardProps {
  /** The Vault model's snapshot. */
  state: IVaultState;
  /** The token's countdown at this instant. */
  countdown: IVaultCountdown;
  /** Translations. */
  trans: TranslationBundle;
}

/**
 * The Vault details: which Vault, which role, whether logged in, and the
 * token's TTL counting down on the server's clock (its failures, its
 * security notes and the Log in / Log out button are in the session header).
 * The token itself is never here.
 */
export function VaultCard(props: IVaultCardProps): JSX.Element {
  const { state, countdown, trans } = props;
  const status = state.status;
  const token = status?.state === 'logged_in' ? status.token : null;
  const failed = state.error !== null || (status?.error ?? null) !== null;
  return (
    <Section
      className="jp-VaultJwt-vault"
      title={trans.__('Vault')}
      testId="vault-jwt-vault-card"
    >
      <ProgressNote>
        {state.loading && trans.__('Reading the Vault session…')}
        {state.busy === 'login' && trans.__('Logging in to Vault…')}
        {state.busy === 'logout' && trans.__('Revoking the Vault token…')}
        {state.busy === 'token-file' &&
          trans.__('Writing the session token to the token file…')}
      </ProgressNote>
      {status && !status.configured && (
        <div className="jp-VaultJwt-hint">
          <p>{trans.__('Vault is not configured.')}</p>
          {status.hint && <p>{status.hint}</p>}
        </div>
      )}
      {status && status.configured && (
        <dl className="jp-VaultJwt-claims jp-VaultJwt-vaultFacts">
          <dt>{trans.__('Server')}</dt>
          <dd data-field="address" className="jp-VaultJwt-wrapAnywhere">
            {status.address ?? '—'}
          </dd>
          {status.namespace && (
            <>
              <dt>{trans.__('Namespace')}</dt>
              <dd data-field="namespace">{status.namespace}</dd>
            </>
          )}
          <dt>{trans.__('Auth')}</dt>
          <dd data-field="auth">
            {status.role
              ? trans.__('%1, role %2', status.auth_mount, status.role)
              : trans.__('%1, default role', status.auth_mount)}
          </dd>
          <dt>{trans.__('State')}</dt>
          <dd
            data-field="state"
            className={`jp-VaultJwt-vaultState jp-VaultJwt-vaultState-${
              token ? 'in' : failed ? 'error' : 'out'
            }`}
          >
            {stateLabel(state, failed && !token, trans)}
          </dd>
          {token && (
            <>
              <dt>{trans.__('Token TTL')}</dt>
              <dd data-field="ttl" className="jp-VaultJwt-ttl">
                {ttlLabel(countdown.secondsLeft, trans)}
              </dd>
              <dt>{trans.__('Renewal')}</dt>
              <dd data-field="renewal">
                {renewalLabel(token.renewable, countdown.maxSecondsLeft, trans)}
              </dd>
              <dt>{trans.__('Policies')}</dt>
              <dd data-field="policies">
                {token.policies.length
                  ? token.policies.join(', ')
                  : trans.__('none')}
              </dd>
              {token.entity_id && (
                <>
                  <dt>{trans.__('Entity')}</dt>
                  <dd data-field="entity" className="jp-VaultJwt-wrapAnywhere">
                    {token.entity_id}
                  </dd>
                </>
              )}
              {token.display_name && (
                <>
                  <dt>{trans.__('Name')}</dt>
                  <dd data-field="display-name">{token.display_name}</dd>
                </>
              )}
            </>
          )}
          {status.ca && (
            <>
              <dt>{trans.__('CA')}</dt>
              <dd data-field="ca" className="jp-VaultJwt-wrapAnywhere">
                {status.ca}
              </dd>
            </>
          )}
          {token && (
            <>
              <dt>{trans.__('Token file')}</dt>
              <dd data-field="token-file" className="jp-VaultJwt-wrapAnywhere">
                {status.token_file
                  ? trans.__(
                      '%1 (for kernels and terminals)',
                      status.token_file
                    )
                  : trans.__('not written')}
              </dd>
            </>
          )}
        </dl>
      )}
    </Section>
  );
}

function stateLabel(
  state: IVaultState,
  failed: boolean,
  trans: TranslationBundle
): string {
  const status = state.status!;
  if (status.state === 'logged_in') {
    return trans.__('Logged in');
  }
  if (failed) {
    return trans.__('Not logged in (error)');
  }
  return status.logged_out_by_user
    ? trans.__('Logged out (by you)')
    : trans.__('Logged out');
}

function ttlLabel(
  secondsLeft: number | null,
  trans: TranslationBundle
): string {
  if (secondsLeft === null) {
    return trans.__('no expiry');
  }
  if (secondsLeft <= 0) {
    return trans.__('expired, checking renewal…');
  }
  return trans.__('expires in %1', formatDuration(secondsLeft));
}

function renewalLabel(
  renewable: boolean,
  maxSecondsLeft: number | null,
  trans: TranslationBundle
): string {
  if (!renewable) {
    return trans.__('not renewable');
  }
  if (maxSecondsLeft === null) {
    return trans.__('renewable');
  }
  return trans.__('renewable, max TTL in %1', formatDuration(maxSecondsLeft));
}
