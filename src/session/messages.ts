/**
 * Plain sentences for the server's error codes: what a user reads in the
 * panel (one sentence and one action), while the server's own message,
 * written for administrators (which setting to change), goes under
 * "Details for your administrator" with the code. No React here.
 */

import { IErrorInfo } from '../tokens';

/** What the user can do about a failure. */
export type ErrorAction =
  /** Try the same thing again (Vault or the hub may be back). */
  | 'retry'
  /** Log in to Vault again (with the current id_token). */
  | 'login'
  /** Log in again at JupyterHub (the sign-in there has ended). */
  | 'hub'
  /** Nothing to do here: an administrator has to act. */
  | null;

/** A failure as the panel shows it. */
export interface IPlainError {
  /** One plain sentence, no configuration names. */
  readonly sentence: string;
  /** The action offered beside it. */
  readonly action: ErrorAction;
  /** The server's code (for the administrator). */
  readonly code: string;
  /** The server's message (for the administrator). */
  readonly details: string;
}

/** Minimal translation interface (`TranslationBundle.__`). */
export interface ITranslate {
  __(msgid: string, ...args: unknown[]): string;
}

type Entry = [string, ErrorAction];

/**
 * The plain sentence and action of an error code (unknown codes get a
 * generic sentence and Retry).
 */
function entryFor(code: string, trans: ITranslate): Entry {
  switch (code) {
    case 'vault_unreachable':
      return [trans.__('Vault cannot be reached right now.'), 'retry'];
    case 'vault_timeout':
    case 'vault_deadline':
      return [trans.__('Vault is not answering in time.'), 'retry'];
    case 'vault_error':
    case 'vault_reply_too_large':
      return [trans.__('Vault answered with an error.'), 'retry'];
    case 'vault_sealed':
      return [
        trans.__('Vault is sealed: it serves no secrets until it is unsealed.'),
        'retry'
      ];
    case 'vault_tls':
      return [
        trans.__('The connection to Vault is not trusted (certificate).'),
        'retry'
      ];
    case 'vault_not_configured':
      return [trans.__('Vault is not set up for this server.'), null];
    case 'vault_not_logged_in':
      return [trans.__('You are not logged in to Vault.'), 'login'];
    case 'vault_id_token_expired':
      return [trans.__('Your sign-in expired before Vault saw it.'), 'login'];
    case 'vault_login_refused':
    case 'vault_auth_mount_not_found':
    case 'vault_role_missing':
    case 'vault_role_not_found':
    case 'vault_role_type_oidc':
    case 'vault_audience_not_bound':
    case 'vault_issuer_rejected':
    case 'vault_signature_rejected':
    case 'vault_claims_rejected':
      return [trans.__('Vault did not accept your sign-in.'), 'login'];
    case 'vault_login_rate_limited':
      return [
        trans.__('Too many log-in attempts: wait a moment, then retry.'),
        'retry'
      ];
    case 'vault_revoke_failed':
      return [
        trans.__('Log out did not finish: Vault kept the token.'),
        'retry'
      ];
    case 'vault_permission_denied':
      return [trans.__('Vault refused: your access does not allow it.'), null];
    case 'vault_token_file_off':
      return [trans.__('Writing the token file is turned off here.'), null];
    case 'login_required':
    case 'stale_id_token':
      return [trans.__('Your sign-in at JupyterHub has ended.'), 'hub'];
    case 'hub_unreachable':
    case 'hub_timeout':
    case 'hub_deadline':
    case 'hub_error':
    case 'hub_reply_too_large':
      return [
        trans.__('JupyterHub cannot renew your sign-in right now.'),
        'retry'
      ];
    case 'refresh_rate_limited':
      return [
        trans.__('Your sign-in was renewed very often: it retries shortly.'),
        null
      ];
    case 'hub_misconfigured':
    case 'no_id_token':
    case 'source_unreadable':
    case 'malformed_token':
      return [trans.__('Your sign-in token cannot be read.'), 'retry'];
    default:
      return [trans.__('Something went wrong.'), 'retry'];
  }
}

/**
 * A server failure as the panel shows it: a plain sentence, an action, and
 * the server's code and message for the administrator.
 *
 * @param error the server's error (code and message)
 * @param trans translations
 */
export function plainError(error: IErrorInfo, trans: ITranslate): IPlainError {
  const [sentence, action] = entryFor(error.code, trans);
  return { sentence, action, code: error.code, details: error.message };
}
