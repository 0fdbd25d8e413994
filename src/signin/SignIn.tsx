import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { Card, CardButton, ErrorNote, ProgressNote } from '../components/Card';
import { formatTime } from '../components/format';
import {
  IPendingSignIn,
  ISignInState,
  POPUP_METHODS,
  SignInMethod,
  SignInModel
} from './model';
import { SignInPopup } from './popup';
import { qrPath } from './qr';
import { Follow } from '../components/Follow';

/** Props of {@link SignIn}. */
export interface ISignInProps {
  /** The model's snapshot. */
  state: ISignInState;
  /** Translations. */
  trans: TranslationBundle;
  /** Start a sign-in: a code (device) or a pop-up (browser). */
  onSignIn: (method: SignInMethod) => void;
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
    const methods: SignInMethod[] = reply.methods?.length
      ? reply.methods
      : ['device'];
    actions = (
      <>
        {methods.map((method, index) => (
          <CardButton
            key={method}
            accept={index === 0}
            onClick={() => props.onSignIn(method)}
            disabled={state.busy !== null}
            title={
              method === 'vault-oidc'
                ? trans.__(
                    'Sign in through Vault (%1) in a pop-up window',
                    issuer
                  )
                : method === 'browser'
                  ? trans.__('Sign in at %1 in a pop-up window', issuer)
                  : trans.__('Sign in at %1 with a code', issuer)
            }
          >
            {index === 0
              ? state.busy === 'start'
                ? trans.__('Starting…')
                : trans.__('Sign in')
              : method === 'device'
                ? trans.__('Use a code')
                : trans.__('Use a pop-up')}
          </CardButton>
        ))}
      </>
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
            ? pending.method === 'device'
              ? trans.__('Waiting for you to approve at %1…', issuer)
              : trans.__(
                  'Finish signing in at %1 in the pop-up window…',
                  issuer
                )
            : trans.__(
                'Not signed in. Sign in at %1 to see your secrets.',
                issuer
              )}
      </p>
      {pending?.method === 'device' && (
        <DeviceCode pending={pending} trans={trans} />
      )}
      {pending?.method === 'vault-oidc' && pending.user_code && (
        <p className="jp-VaultJwt-userCode" data-testid="vault-jwt-user-code">
          {pending.user_code}
        </p>
      )}
      {pending?.method !== 'device' && pending?.authorization_url && (
        <p className="jp-VaultJwt-hint">
          {trans.__('No pop-up?')}{' '}
          <a
            href={pending.authorization_url}
            target="_blank"
            rel="noopener noreferrer"
          >
            {trans.__('Open the sign-in page')}
          </a>
        </p>
      )}
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
  pending: IPendingSignIn;
  trans: TranslationBundle;
}): JSX.Element {
  const { pending, trans } = props;
  const link =
    pending.verification_uri_complete ?? pending.verification_uri ?? '';
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
    <Follow signal={model.stateChanged}>
      {() => (
        <SignIn
          state={model.state}
          trans={trans}
          onSignIn={method => void signIn(model, method)}
          onCancel={() => void model.cancel()}
          onSignOut={() => void model.signOut()}
        />
      )}
    </Follow>
  );
}

/**
 * Start a sign-in; for the browser method, open the pop-up now (in the
 * click) and send it to the provider once the server answers.
 */
async function signIn(model: SignInModel, method: SignInMethod): Promise<void> {
  if (!POPUP_METHODS.includes(method)) {
    await model.signIn(method);
    return;
  }
  const popup = new SignInPopup();
  const close = () => {
    popup.close();
    model.settled.disconnect(close);
  };
  model.settled.connect(close);
  const reply = await model.signIn(method);
  const url = reply?.pending?.authorization_url;
  if (url) {
    popup.navigate(url);
  } else {
    close();
  }
}
