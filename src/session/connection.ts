/**
 * The connection state of the panel, in one place: from the identity, the
 * Vault session and the catalog, which one state the panel shows (logged
 * in, logged out, failing...) and which one problem, so an error is shown
 * where the state is shown and disappears with the next success of the
 * request that failed. Pure functions, no React.
 */

import { IIdentityState } from '../identity/model';
import { IErrorInfo } from '../tokens';
import { IVaultState } from '../vault/model';
import { ITranslate } from './messages';

/** What the Vault session is doing, as the summary line says it. */
export type ConnectionPhase =
  | 'loading'
  | 'not-configured'
  | 'logged-out'
  | 'logging-in'
  | 'logging-out'
  | 'logged-in'
  | 'failing';

/** Where a problem comes from (what Retry does again). */
export type ProblemOrigin = 'identity' | 'vault' | 'catalog';

/** The one problem the panel shows. */
export interface IConnectionProblem {
  /** Which part failed. */
  readonly origin: ProblemOrigin;
  /** The server's error. */
  readonly error: IErrorInfo;
}

/** The one state-following session button. */
export interface ISessionButton {
  /** What it does now. */
  readonly action: 'login' | 'logout';
  /** Whether it can be pressed. */
  readonly enabled: boolean;
  /** Whether that action is in flight (the label says so). */
  readonly busy: boolean;
}

/** The connection as the panel shows it. */
export interface IConnectionView {
  /** The summary's state. */
  readonly phase: ConnectionPhase;
  /** The one problem shown, or null. */
  readonly problem: IConnectionProblem | null;
  /** Who the id_token says you are, or null. */
  readonly who: string | null;
  /** The Vault token's policies while logged in (else empty). */
  readonly policies: readonly string[];
  /** The Log in / Log out button. */
  readonly button: ISessionButton;
}

/** The parts of the catalog's state that count here. */
export interface ICatalogHealth {
  /** The last failure to read the catalog, or null after a success. */
  readonly error: IErrorInfo | null;
}

/** The parts of the Vault model that count here. */
export interface IVaultView {
  /** Its snapshot. */
  readonly state: IVaultState;
  /** The log in command's enabled state. */
  readonly canLogin: boolean;
  /** The log out command's enabled state. */
  readonly canLogout: boolean;
}

/** The name shown for the token's subject. */
export function whoFrom(identity: IIdentityState): string | null {
  const claims = identity.claims;
  if (!claims) {
    // Vault's own OIDC sign-in holds no id_token: the name Vault knows.
    const known = identity.vaultIdentity;
    return known
      ? (known.metadata.username ?? known.display_name ?? null)
      : null;
  }
  return (
    claims.preferred_username ??
    claims.name ??
    claims.email ??
    claims.sub ??
    null
  );
}

/**
 * The one problem to show, most specific first: a failed request to the
 * Vault session (its poll, Log in, Log out), the server's last failed log
 * in while logged out, a failed catalog read while logged in, then the
 * id_token's failure. Each clears on the next success of its own request,
 * so a recovered Vault leaves no stale error behind. The server's stored
 * error is ignored while logged in: a later log in or renewal succeeded.
 */
export function currentProblem(
  identity: IIdentityState,
  vault: IVaultState,
  catalog: ICatalogHealth
): IConnectionProblem | null {
  const status = vault.status;
  if (vault.error) {
    return { origin: 'vault', error: vault.error };
  }
  if (status && status.state === 'logged_out' && status.error) {
    return { origin: 'vault', error: status.error };
  }
  if (status && status.state === 'logged_in' && catalog.error) {
    return { origin: 'catalog', error: catalog.error };
  }
  if (identity.error) {
    return { origin: 'identity', error: identity.error };
  }
  return null;
}

/**
 * The connection as the panel shows it: one phase, one problem, one button.
 */
export function connectionView(
  identity: IIdentityState,
  vault: IVaultView,
  catalog: ICatalogHealth
): IConnectionView {
  const state = vault.state;
  const status = state.status;
  const problem = currentProblem(identity, state, catalog);
  const loggedIn = status?.state === 'logged_in';
  let phase: ConnectionPhase;
  if (state.busy === 'login') {
    phase = 'logging-in';
  } else if (state.busy === 'logout') {
    phase = 'logging-out';
  } else if (status === null) {
    phase = state.error ? 'failing' : 'loading';
  } else if (!status.configured) {
    phase = 'not-configured';
  } else if (problem && problem.origin !== 'identity') {
    phase = 'failing';
  } else {
    phase = loggedIn ? 'logged-in' : 'logged-out';
  }
  const button: ISessionButton = loggedIn
    ? {
        action: 'logout',
        enabled: vault.canLogout,
        busy: state.busy === 'logout'
      }
    : {
        action: 'login',
        enabled: vault.canLogin,
        busy: state.busy === 'login'
      };
  return {
    phase,
    problem,
    who: whoFrom(identity),
    policies: loggedIn && status?.token ? status.token.policies : [],
    button
  };
}

/** The summary's words for a phase. */
export function phaseLabel(phase: ConnectionPhase, trans: ITranslate): string {
  switch (phase) {
    case 'loading':
      return trans.__('Connecting…');
    case 'not-configured':
      return trans.__('Vault not set up');
    case 'logged-out':
      return trans.__('Logged out of Vault');
    case 'logging-in':
      return trans.__('Logging in…');
    case 'logging-out':
      return trans.__('Logging out…');
    case 'logged-in':
      return trans.__('Logged in');
    case 'failing':
      return trans.__('Vault problem');
  }
}
