import { UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { Card, CardButton, ErrorNote, ProgressNote } from '../components/Card';
import { formatTime } from '../components/format';
import { ISignInState, SignInModel } from './model';
import { qrPath } from './qr';

/** Props of {@link SignIn}. */
export interface ISignInProps {
  /** The model's snapshot. */
  state: ISignInState;
  /** Translations. */
  trans: TranslationBundle;
  /** Start a device sign-in. */
  onSignIn: () => void;
  /** Stop the sign-in in progress. */
  onCancel: () => void;
  /** Sign out (revokes at the provider). */
  onSignOut: () => void;
}

/**
 * Sign in from the panel (device flow): Sign in, then the code to enter at
 * the identity provider with its link and QR code, then Sign out. Renders
 * nothing when the server has no sign-in configured (e.g. under JupyterHub).
 */
export function SignIn(props: ISignInProps): JSX.Element | null {
  const { state, trans } = props;
  const reply = state.reply;
  if (!reply?.configured) {
    return null;
  }
  const issuer = reply.issuer ?? '';
  const pending = reply.state === 'pending' ? reply.pending : null;
  const problem = state.error ?? reply.error;
  let actions: JSX.Element;
  if (reply.state === 'signed_in') {
    actions = (
      <CardButton
        onClick={props.onSignOut}
        disabled={state.busy !== null}
        title={trans.__(
          'Sign out: the server forgets your tokens, revokes the sign-in at %1 and logs out of Vault',
          issuer
        )}
      >
        {state.busy === 'signout'
          ? trans.__('Signing out…')
          : trans.__('Sign out')}
      </CardButton>
    );
  } else if (pending) {
    actions = (
      <CardButton
        onClick={props.onCancel}
        disabled={state.busy !== null}
        title={trans.__('Stop waiting for this code')}
      >
        {trans.__('Cancel')}
      </CardButton>
    );
  } else {
    actions = (
      <CardButton
        accept
        onClick={props.onSignIn}
        disabled={state.busy !== null}
        title={trans.__('Sign in at %1 with a code', issuer)}
      >
        {state.busy === 'start' ? trans.__('Starting…') : trans.__('Sign in')}
      </CardButton>
    );
  }
  return (
    <Card
      className="jp-VaultJwt-signin"
      testId="vault-jwt-signin"
      title={trans.__('Sign-in')}
      actions={actions}
    >
      <p className="jp-VaultJwt-signinStatus" data-state={reply.state}>
        {reply.state === 'signed_in'
          ? trans.__('Signed in at %1.', issuer)
          : pending
            ? trans.__('Waiting for you to approve at %1…', issuer)
            : trans.__(
                'Not signed in. Sign in at %1 to see your secrets.',
                issuer
              )}
      </p>
      {pending && <DeviceCode pending={pending} trans={trans} />}
      <ProgressNote>
        {state.busy === 'start' && trans.__('Asking %1 for a code…', issuer)}
      </ProgressNote>
      {pending && reply.warning && (
        <div
          className="jp-VaultJwt-warning"
          role="status"
          data-code={reply.warning.code}
        >
          {reply.warning.message}
        </div>
      )}
      {problem && <ErrorNote error={problem} />}
    </Card>
  );
}

/** The code to enter, where to enter it, and the QR code of the link. */
function DeviceCode(props: {
  pending: NonNullable<NonNullable<ISignInState['reply']>['pending']>;
  trans: TranslationBundle;
}): JSX.Element {
  const { pending, trans } = props;
  const link = pending.verification_uri_complete ?? pending.verification_uri;
  const qr = qrPath(link);
  return (
    <div className="jp-VaultJwt-deviceCode">
      <p>
        {trans.__('Open')}{' '}
        <a href={link} target="_blank" rel="noopener noreferrer">
          {pending.verification_uri}
        </a>{' '}
        {trans.__('and enter the code')}
      </p>
      <p className="jp-VaultJwt-userCode" data-testid="vault-jwt-user-code">
        {pending.user_code}
      </p>
      <svg
        className="jp-VaultJwt-qr"
        viewBox={`0 0 ${qr.size} ${qr.size}`}
        role="img"
        aria-label={trans.__('QR code of the sign-in link')}
        shapeRendering="crispEdges"
      >
        <rect width={qr.size} height={qr.size} fill="#fff" />
        <path d={qr.path} fill="#000" />
      </svg>
      <p className="jp-VaultJwt-codeExpiry">
        {trans.__('The code expires at %1.', formatTime(pending.expires_at))}
      </p>
    </div>
  );
}

/**
 * {@link SignIn} bound to its model (re-renders on the model's changes only):
 * the panel's insertion point.
 */
export function SignInSection(props: {
  model: SignInModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  return (
    <UseSignal signal={model.stateChanged}>
      {() => (
        <SignIn
          state={model.state}
          trans={trans}
          onSignIn={() => void model.signIn()}
          onCancel={() => void model.cancel()}
          onSignOut={() => void model.signOut()}
        />
      )}
    </UseSignal>
  );
}
