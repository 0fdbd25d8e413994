/**
 * The security notes of the Vault connection, shown under the summary line
 * whether the details are open or not: plain `http://` to a host that is not
 * loopback, TLS verification off, and a token file that holds a token this
 * server did not write (with the action that puts the session's token
 * there). Pure functions, no React.
 */

import { IVaultState } from '../vault/model';

/** Which security note. */
export type SecurityNoteKind = 'plain-http' | 'tls-off' | 'token-file-other';

/** The action a note offers. */
export interface ISecurityNoteAction {
  /** What it does: write the session's token into the token file. */
  readonly kind: 'use-token-file';
  /** Whether it can be pressed now. */
  readonly enabled: boolean;
  /** Whether it is in flight (the label says so). */
  readonly busy: boolean;
}

/** One security note. */
export interface ISecurityNote {
  /** Which note (the sentence and the tooltip follow from it). */
  readonly kind: SecurityNoteKind;
  /** The server's own words, when it sent some (the plain-http warning). */
  readonly detail: string | null;
  /** The token file's path (token-file-other), else null. */
  readonly path: string | null;
  /** The action offered, or null. */
  readonly action: ISecurityNoteAction | null;
}

/**
 * The notes to show for this Vault state, the transport's first. None while
 * Vault is not configured or not read yet. The token file's action is
 * offered only while logged in (there is no session token to write before).
 */
export function securityNotes(
  vault: IVaultState,
  canUseTokenFile: boolean
): ISecurityNote[] {
  const status = vault.status;
  if (!status || !status.configured) {
    return [];
  }
  const notes: ISecurityNote[] = [];
  if (status.tls_warning) {
    notes.push({
      kind: 'plain-http',
      detail: status.tls_warning,
      path: null,
      action: null
    });
  }
  if (!status.tls_verify) {
    notes.push({ kind: 'tls-off', detail: null, path: null, action: null });
  }
  if (status.token_file_state === 'other') {
    notes.push({
      kind: 'token-file-other',
      detail: null,
      path: status.token_file ?? '~/.vault-token',
      action:
        status.state === 'logged_in'
          ? {
              kind: 'use-token-file',
              enabled: canUseTokenFile,
              busy: vault.busy === 'token-file'
            }
          : null
    });
  }
  return notes;
}
