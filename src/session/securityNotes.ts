/**
 * The security notes of the connections, shown under the summary line
 * whether the details are open or not: plain `http://` to a host that is not
 * loopback and TLS verification off (for Vault and for the object storage
 * STS), and a token file that holds a token this server did not write (with
 * the action that puts the session's token there). Pure functions, no React.
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

/** Which connection a note is about: Vault, or the object storage STS. */
export type SecurityNoteService = 'vault' | 'sts';

/** One security note. */
export interface ISecurityNote {
  /** Which note (the sentence and the tooltip follow from it). */
  readonly kind: SecurityNoteKind;
  /** Which connection. */
  readonly service: SecurityNoteService;
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
  const notes = transportNotes('vault', {
    configured: true,
    tls_verify: status.tls_verify,
    tls_warning: status.tls_warning ?? null
  });
  if (status.token_file_state === 'other') {
    notes.push({
      kind: 'token-file-other',
      service: 'vault',
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

/** What {@link stsSecurityNotes} reads of the object storage status. */
export interface ITransportStatus {
  /** Whether the administrator configured the service. */
  readonly configured: boolean;
  /** Whether TLS certificates are verified. */
  readonly tls_verify: boolean;
  /** The server's words about plain http to a host that is not loopback. */
  readonly tls_warning: string | null;
}

/**
 * The notes of the object storage STS connection (plain http, TLS
 * verification off); none while it is not configured or not read yet.
 */
export function stsSecurityNotes(
  status: ITransportStatus | null
): ISecurityNote[] {
  return transportNotes('sts', status);
}

/** A connection's transport notes: plain http first, then TLS off. */
function transportNotes(
  service: SecurityNoteService,
  status: ITransportStatus | null
): ISecurityNote[] {
  if (!status || !status.configured) {
    return [];
  }
  const notes: ISecurityNote[] = [];
  const note = (kind: SecurityNoteKind, detail: string | null) =>
    notes.push({ kind, service, detail, path: null, action: null });
  if (status.tls_warning) {
    note('plain-http', status.tls_warning);
  }
  if (!status.tls_verify) {
    note('tls-off', null);
  }
  return notes;
}
