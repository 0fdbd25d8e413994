import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { S3Browser } from './browser';
import { IS3State, S3Model } from './model';
import { S3BucketItem } from './S3Objects';
import {
  CardButton,
  ErrorNote,
  ProgressNote,
  Section
} from '../components/Card';
import { formatDuration } from '../components/format';
import { Follow } from '../components/Follow';

/** Props of {@link S3Card}. */
export interface IS3CardProps {
  /** The object storage model's snapshot. */
  state: IS3State;
  /** Seconds until the credentials expire, or null without them. */
  secondsLeft: number | null;
  /** Translations. */
  trans: TranslationBundle;
  /** Run the renew command. */
  onRenew: () => void;
  /** Run the revoke command. */
  onRevoke: () => void;
  /** Insert code that reads a bucket, or one object of it (no button without it). */
  onInsert?: (bucket: string, key?: string | null) => void;
  /** Opens buckets one level at a time (without it, buckets do not open). */
  browser?: S3Browser;
}

/**
 * The object storage details: which STS and role, the credentials' expiry
 * counting down, the profile kernels use, the buckets the credentials can
 * list (each opening one level at a time, with Insert on every bucket and
 * object), and the server's last failure. The keys themselves are never here;
 * the transport's security notes (plain http, TLS verification off) show
 * under the panel's summary line (session/securityNotes.ts).
 */
export function S3Card(props: IS3CardProps): JSX.Element | null {
  const { state, secondsLeft, trans } = props;
  const status = state.status;
  if (status === null || !status.configured) {
    return null; // off unless the administrator configured an STS
  }
  const error = state.error ?? status.error;
  const busy = state.busy !== null;
  return (
    <Section
      className="jp-VaultJwt-s3"
      title={trans.__('Object storage')}
      testId="vault-jwt-s3-card"
      actions={
        <>
          <CardButton
            accept={!status.active}
            onClick={props.onRenew}
            disabled={busy}
            title={trans.__('Get new S3 credentials with your identity')}
          >
            {trans.__('Renew')}
          </CardButton>
          <CardButton
            onClick={props.onRevoke}
            disabled={busy || !status.active}
            title={trans.__(
              'Remove the credentials from the profile and stop renewing them'
            )}
          >
            {trans.__('Revoke')}
          </CardButton>
        </>
      }
    >
      <ProgressNote>
        {state.busy === 'renew' && trans.__('Getting S3 credentials…')}
        {state.busy === 'revoke' && trans.__('Removing the S3 credentials…')}
      </ProgressNote>
      <dl className="jp-VaultJwt-claims">
        <dt>{trans.__('Endpoint')}</dt>
        <dd data-field="endpoint">{status.s3_endpoint}</dd>
        <dt>{trans.__('Role')}</dt>
        <dd data-field="role">{status.role_arn}</dd>
        <dt>{trans.__('Profile')}</dt>
        <dd data-field="profile">
          {status.profile} ({status.credentials_file})
        </dd>
        <dt>{trans.__('Expires in')}</dt>
        <dd data-field="expires">
          {status.active && secondsLeft !== null
            ? formatDuration(secondsLeft)
            : status.revoked_by_user
              ? trans.__('revoked')
              : trans.__('no credentials')}
        </dd>
      </dl>
      {error && <ErrorNote error={error} />}
      {status.active && state.buckets !== null && (
        <div data-field="buckets">
          <p>{trans.__('Buckets')}</p>
          {state.buckets.length === 0 ? (
            <p>{trans.__('None can be listed.')}</p>
          ) : (
            <ul className="jp-VaultJwt-buckets">
              {state.buckets.map(name =>
                props.browser ? (
                  <S3BucketItem
                    key={name}
                    bucket={name}
                    browser={props.browser}
                    trans={trans}
                    onInsert={props.onInsert}
                  />
                ) : (
                  <li key={name}>
                    <span className="jp-VaultJwt-bucketName">{name}</span>
                    {props.onInsert && (
                      <button
                        type="button"
                        className="jp-mod-styled jp-VaultJwt-button"
                        title={trans.__('Insert code that reads %1', name)}
                        aria-label={trans.__('Insert code that reads %1', name)}
                        onClick={() => props.onInsert?.(name)}
                      >
                        {trans.__('Insert')}
                      </button>
                    )}
                  </li>
                )
              )}
            </ul>
          )}
        </div>
      )}
      {status.active && state.bucketsError && (
        <p className="jp-VaultJwt-hint" data-field="buckets-error">
          {state.bucketsError.message}
        </p>
      )}
    </Section>
  );
}

/** {@link S3Card} following a model (its state and countdown). */
export function S3Section(props: {
  model: S3Model;
  trans: TranslationBundle;
  onRenew: () => void;
  onRevoke: () => void;
  onInsert?: (bucket: string, key?: string | null) => void;
}): JSX.Element {
  const { model } = props;
  return (
    <Follow signal={model.stateChanged}>
      {() => (
        <Follow signal={model.ticked}>
          {() => (
            <S3Card
              state={model.state}
              secondsLeft={model.secondsLeft()}
              trans={props.trans}
              onRenew={props.onRenew}
              onRevoke={props.onRevoke}
              onInsert={props.onInsert}
              browser={model.browser}
            />
          )}
        </Follow>
      )}
    </Follow>
  );
}
