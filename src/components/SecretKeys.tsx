import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ISecretKeysState, displayName } from '../catalog';
import { ErrorNote, ProgressNote } from './Card';

/** Props of {@link SecretKeys}. */
export interface ISecretKeysProps {
  /** The selected secret's key names, or null when none is selected. */
  keys: ISecretKeysState | null;
  /** Translations. */
  trans: TranslationBundle;
}

/**
 * The key names of the selected secret (never its values), with its KV v2
 * version when there is one.
 */
export function SecretKeys(props: ISecretKeysProps): JSX.Element | null {
  const { keys, trans } = props;
  if (!keys) {
    return null;
  }
  const reply = keys.reply;
  return (
    <section
      className="jp-VaultJwt-card jp-VaultJwt-keys"
      aria-label={trans.__('Key names')}
    >
      <h2
        className="jp-VaultJwt-cardTitle jp-VaultJwt-keysTitle"
        title={keys.id}
      >
        {displayName(keys.id)}
      </h2>
      <ProgressNote>
        {keys.loading && trans.__('Reading the key names…')}
      </ProgressNote>
      {keys.error && <ErrorNote error={keys.error} />}
      {reply && (
        <>
          {reply.metadata && (
            <p className="jp-VaultJwt-muted" data-field="version">
              {trans.__(
                'Version %1, created %2',
                reply.metadata.version,
                reply.metadata.created_time
              )}
            </p>
          )}
          <ul
            className="jp-VaultJwt-keyList"
            data-testid="vault-jwt-keys"
            aria-label={trans.__('Key names of %1', keys.id)}
          >
            {reply.keys.map(key => (
              <li key={key} title={key}>
                <code>{displayName(key)}</code>
              </li>
            ))}
          </ul>
          {reply.keys.length === 0 && (
            <p className="jp-VaultJwt-muted">
              {trans.__('This secret has no keys.')}
            </p>
          )}
        </>
      )}
    </section>
  );
}
