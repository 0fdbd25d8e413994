import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ISecurityNote } from './securityNotes';

/** Props of {@link SecurityNoteList}. */
export interface ISecurityNoteListProps {
  /** The notes to show (none: nothing is rendered). */
  notes: readonly ISecurityNote[];
  /** Translations. */
  trans: TranslationBundle;
  /** Write the session's token into the token file (its command). */
  onUseTokenFile: () => void;
}

/**
 * The security notes under the summary line, shown with the details closed
 * too: one short plain sentence each, the longer explanation in the
 * tooltip, and the action where there is one.
 */
export function SecurityNoteList(
  props: ISecurityNoteListProps
): JSX.Element | null {
  const { notes, trans } = props;
  if (notes.length === 0) {
    return null;
  }
  return (
    <div
      className="jp-VaultJwt-securityNotes"
      data-testid="vault-jwt-security-notes"
    >
      {notes.map(note => (
        <div
          key={`${note.service}-${note.kind}`}
          className="jp-VaultJwt-securityNote"
          role="note"
          data-kind={note.kind}
          data-service={note.service}
          title={noteTooltip(note, trans)}
        >
          <span className="jp-VaultJwt-securityNoteText">
            {noteSentence(note, trans)}
          </span>
          {note.action && (
            <button
              type="button"
              className="jp-mod-styled jp-VaultJwt-button"
              disabled={!note.action.enabled}
              title={trans.__(
                'Replace the token in %1 with this session’s token (kept fresh from then on)',
                note.path
              )}
              onClick={props.onUseTokenFile}
            >
              {note.action.busy
                ? trans.__('Writing…')
                : trans.__('Use ours instead')}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

/** The note's one short sentence. */
function noteSentence(note: ISecurityNote, trans: TranslationBundle): string {
  if (note.service === 'sts') {
    return note.kind === 'plain-http'
      ? trans.__(
          'Object storage is reached over plain http: your identity and S3 keys cross the network unencrypted.'
        )
      : trans.__(
          'TLS verification is off for object storage: its STS is not checked to be the real one.'
        );
  }
  switch (note.kind) {
    case 'plain-http':
      return trans.__(
        'Vault is reached over plain http: tokens cross the network unencrypted.'
      );
    case 'tls-off':
      return trans.__(
        'TLS verification is off: this Vault is not checked to be the real one.'
      );
    case 'token-file-other':
      return trans.__(
        'Kernels use the token already in %1, not this session’s.',
        note.path
      );
  }
}

/** The longer explanation in the note's tooltip. */
function noteTooltip(note: ISecurityNote, trans: TranslationBundle): string {
  if (note.service === 'sts') {
    return note.kind === 'plain-http'
      ? (note.detail ?? '')
      : trans.__(
          'TLS verification OFF: the connection to the STS is not authenticated. Your administrator can set c.S3Credentials.ca_cert instead of turning verification off.'
        );
  }
  switch (note.kind) {
    case 'plain-http':
      return note.detail ?? '';
    case 'tls-off':
      return trans.__(
        'TLS verification OFF: the connection to Vault is not authenticated. Your administrator can set VAULT_CACERT instead of VAULT_SKIP_VERIFY.'
      );
    case 'token-file-other':
      return trans.__(
        '%1 holds a Vault token this server did not write (yours, or another server’s of yours): it is left as is, and kernels and terminals use that token, not this session’s.',
        note.path
      );
  }
}
