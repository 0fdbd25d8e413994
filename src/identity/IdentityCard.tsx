import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ICountdown, IIdentityState } from './model';
import { IVaultIdentity, TokenPhase } from '../tokens';
import { CardButton, ProgressNote, Section } from '../components/Card';
import { formatDuration, formatTime } from '../components/format';

/** Props of {@link IdentityCard}. */
export interface IIdentityCardProps {
  /** The model's snapshot. */
  state: IIdentityState;
  /** The countdown at this instant. */
  countdown: ICountdown;
  /** Claims to show, in order (from the settings). */
  claims: string[];
  /** Extra components shown at the top (e.g. a sign-in), or nothing. */
  slot?: React.ReactNode;
  /** Translations. */
  trans: TranslationBundle;
  /** Refresh now (the refresh command). */
  onRefresh: () => void;
  /** Copy the token (the copy command). */
  onCopy: () => void;
}

/**
 * The identity details: who the id_token says you are, where it came from,
 * a live countdown to its expiry, and its Refresh and Copy buttons. Its
 * failures are shown by the session header (one place for every problem).
 */
export function IdentityCard(props: IIdentityCardProps): JSX.Element {
  const { state, countdown, trans } = props;
  const sourceLabel = describeSource(state, trans);
  return (
    <Section
      className="jp-VaultJwt-identity"
      testId="vault-jwt-identity-card"
      title={trans.__('Identity')}
      actions={
        <>
          <CardButton
            onClick={props.onRefresh}
            disabled={state.refreshing || state.source === null}
            title={trans.__('Ask JupyterHub for a fresh id_token now')}
          >
            {state.refreshing ? trans.__('Refreshing…') : trans.__('Refresh')}
          </CardButton>
          <CardButton
            onClick={props.onCopy}
            disabled={state.claims === null || !state.copy.allowed}
            title={
              state.copy.allowed
                ? trans.__(
                    'Copy the raw id_token to the clipboard for command-line use'
                  )
                : (state.copy.reason ??
                  trans.__('Copying the id_token is turned off.'))
            }
          >
            {trans.__('Copy token')}
          </CardButton>
        </>
      }
    >
      {props.slot}
      {sourceLabel && (
        <p className="jp-VaultJwt-source jp-VaultJwt-wrapAnywhere">
          {sourceLabel}
        </p>
      )}
      <ProgressNote>
        {state.loading && trans.__('Loading the id_token…')}
        {state.refreshing && trans.__('Refreshing the id_token…')}
      </ProgressNote>
      {!state.loading && state.source === null && !state.error && (
        <div className="jp-VaultJwt-hint">
          <p>{trans.__('No id_token source is configured.')}</p>
          {state.hint && <p>{state.hint}</p>}
        </div>
      )}
      {!state.copy.allowed && state.claims !== null && (
        <p className="jp-VaultJwt-note" data-testid="vault-jwt-copy-off">
          {state.copy.reason ?? trans.__('Copying the id_token is turned off.')}
        </p>
      )}
      {state.vaultIdentity ? (
        <VaultIdentity identity={state.vaultIdentity} trans={trans} />
      ) : (
        <Countdown countdown={countdown} trans={trans} />
      )}
      {state.claims && (
        <dl className="jp-VaultJwt-claims">
          {props.claims.map(name => {
            const value = claimValue(state.claims!.raw, name);
            if (value === null) {
              return null;
            }
            return (
              <React.Fragment key={name}>
                <dt title={name}>{claimLabel(name, trans)}</dt>
                <dd
                  data-claim={name}
                  className={
                    name === 'iss' ? 'jp-VaultJwt-wrapAnywhere' : undefined
                  }
                >
                  {value}
                </dd>
              </React.Fragment>
            );
          })}
        </dl>
      )}
    </Section>
  );
}

/**
 * What Vault knows of a user signed in with its OIDC auth method (no id_token:
 * the token's display name, metadata and entity).
 */
function VaultIdentity(props: {
  identity: IVaultIdentity;
  trans: TranslationBundle;
}): JSX.Element {
  const { identity, trans } = props;
  const rows: [string, string, string][] = [
    ['display_name', trans.__('Vault name'), identity.display_name],
    ...Object.entries(identity.metadata)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]): [string, string, string] => [
        `meta-${key}`,
        key,
        value
      ]),
    ['entity_id', trans.__('Entity'), identity.entity_id ?? ''],
    ['policies', trans.__('Policies'), identity.policies.join(', ')]
  ];
  return (
    <dl className="jp-VaultJwt-claims" data-testid="vault-jwt-vault-identity">
      {rows
        .filter(([, , value]) => value !== '')
        .map(([key, label, value]) => (
          <React.Fragment key={key}>
            <dt>{label}</dt>
            <dd data-claim={key} className="jp-VaultJwt-wrapAnywhere">
              {value}
            </dd>
          </React.Fragment>
        ))}
    </dl>
  );
}

/** Props of {@link Countdown}. */
interface ICountdownProps {
  countdown: ICountdown;
  trans: TranslationBundle;
}

/** The expiry countdown: a phase label, the time left and a bar. */
function Countdown({ countdown, trans }: ICountdownProps): JSX.Element {
  const { phase, secondsLeft, fraction } = countdown;
  let text: string;
  if (secondsLeft === null) {
    text = trans.__('No token');
  } else if (secondsLeft > 0) {
    text = trans.__('Expires in %1', formatDuration(secondsLeft));
  } else {
    text = trans.__('Expired %1 ago', formatDuration(secondsLeft));
  }
  const percent = Math.round(fraction * 100);
  return (
    <div className={`jp-VaultJwt-countdown jp-VaultJwt-phase-${phase}`}>
      <div className="jp-VaultJwt-countdownText">
        <span className="jp-VaultJwt-phaseLabel">
          {phaseLabel(phase, trans)}
        </span>
        <span className="jp-VaultJwt-timeLeft">{text}</span>
      </div>
      <div
        className="jp-VaultJwt-bar"
        role="progressbar"
        aria-label={trans.__('Remaining token lifetime')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="jp-VaultJwt-barFill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function describeSource(
  state: IIdentityState,
  trans: TranslationBundle
): string | null {
  switch (state.source) {
    case 'hub':
      return trans.__('From JupyterHub (%1)', state.sourceDetail ?? '');
    case 'device':
    case 'browser':
      return trans.__(
        'Signed in from this panel (%1)',
        state.sourceDetail ?? ''
      );
    case 'vault-oidc':
      return trans.__(
        'Vault OIDC: signed in through Vault (%1). This server holds no id_token; below is what Vault knows of you.',
        state.sourceDetail ?? ''
      );
    case 'env':
      return trans.__('From %1', state.sourceDetail ?? '');
    case 'file':
      return trans.__('From %1', state.sourceDetail ?? '');
    default:
      return null;
  }
}

function phaseLabel(phase: TokenPhase, trans: TranslationBundle): string {
  switch (phase) {
    case 'fresh':
      return trans.__('Valid');
    case 'expiring':
      return trans.__('Expiring soon');
    case 'expired':
      return trans.__('Expired');
    default:
      return trans.__('Unavailable');
  }
}

function claimLabel(name: string, trans: TranslationBundle): string {
  const labels: Record<string, string> = {
    preferred_username: trans.__('Username'),
    name: trans.__('Name'),
    email: trans.__('Email'),
    groups: trans.__('Groups'),
    iss: trans.__('Issuer'),
    aud: trans.__('Audience'),
    iat: trans.__('Issued at'),
    exp: trans.__('Expires at'),
    sub: trans.__('Subject')
  };
  return labels[name] ?? name;
}

/** Render one claim as text (React escapes it), or null when absent. */
function claimValue(raw: Record<string, unknown>, name: string): string | null {
  const value = raw[name];
  if (value === undefined || value === null) {
    return null;
  }
  if (
    (name === 'iat' || name === 'exp' || name === 'nbf') &&
    typeof value === 'number'
  ) {
    return formatTime(value);
  }
  if (Array.isArray(value)) {
    return value.map(item => String(item)).join(', ');
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}
