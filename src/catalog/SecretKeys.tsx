import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ISecretKeysState } from './model';
import { displayName } from './tree';
import { ErrorNote, ProgressNote } from '../components/Card';
import { formatAgo, formatExact } from '../components/format';
import { PathText } from '../components/PathText';
import { InsertButton } from './SecretTree';
import { SecretDetails } from './SecretDetails';

/** Props of {@link SecretKeys}. */
export interface ISecretKeysProps {
  /** The selected secret's key names, or null when none is selected. */
  keys: ISecretKeysState | null;
  /** Translations. */
  trans: TranslationBundle;
  /** Insert a snippet for the secret (key null) or one key. */
  onInsert: (id: string, key: string | null) => void;
  /** Why nothing can be inserted now, or null. */
  insertDisabledReason: string | null;
  /** A key row is being dragged: put what a drop inserts on the transfer. */
  onDragStart: (id: string, key: string, transfer: DataTransfer) => void;
}

/**
 * The key names of the selected secret (never its values), with its KV v2
 * version when there is one. Each key row inserts a snippet for that key
 * (its button, Enter, the context menu, or dragging it onto a cell).
 */
export function SecretKeys(props: ISecretKeysProps): JSX.Element | null {
  const { keys, trans } = props;
  if (!keys) {
    return null;
  }
  const reply = keys.reply;
  return (
    <section className="jp-VaultJwt-keys" aria-label={trans.__('Key names')}>
      <header className="jp-VaultJwt-sectionHeader">
        <h2 className="jp-VaultJwt-keysTitle">
          <PathText path={keys.id} />
        </h2>
        <InsertButton
          label={trans.__('Insert a snippet that reads %1', keys.id)}
          disabledReason={props.insertDisabledReason}
          onInsert={() => props.onInsert(keys.id, null)}
        />
      </header>
      <ProgressNote>
        {keys.loading && trans.__('Reading the key names…')}
      </ProgressNote>
      {keys.error && <ErrorNote error={keys.error} />}
      {reply && (
        <>
          {reply.metadata && (
            <p
              className="jp-VaultJwt-muted"
              data-field="version"
              title={trans.__(
                'Version %1, written %2',
                reply.metadata.version,
                formatExact(reply.metadata.created_time)
              )}
            >
              {versionLine(
                reply.metadata.version,
                reply.metadata.created_time,
                trans
              )}
            </p>
          )}
          <SecretDetails reply={reply} trans={trans} />
          <ul
            className="jp-VaultJwt-keyList"
            data-testid="vault-jwt-keys"
            aria-label={trans.__('Key names of %1', keys.id)}
          >
            {reply.keys.map(key => (
              <li
                key={key}
                className="jp-VaultJwt-keyRow jp-VaultJwt-secretItem"
                title={key}
                tabIndex={0}
                data-secret-id={keys.id}
                data-key={key}
                draggable={true}
                onDragStart={event => {
                  event.dataTransfer.effectAllowed = 'copy';
                  props.onDragStart(keys.id, key, event.dataTransfer);
                }}
                onKeyDown={event => {
                  if (event.key === 'Enter' && !props.insertDisabledReason) {
                    event.preventDefault();
                    props.onInsert(keys.id, key);
                  }
                }}
              >
                <code>{displayName(key)}</code>
                <InsertButton
                  label={trans.__(
                    'Insert a snippet that reads the key %1',
                    key
                  )}
                  disabledReason={props.insertDisabledReason}
                  onInsert={() => props.onInsert(keys.id, key)}
                />
              </li>
            ))}
          </ul>
          {reply.keys.length === 0 && !reply.state && (
            <p className="jp-VaultJwt-muted">
              {trans.__('This secret has no keys.')}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** `v3 · updated 12 min ago` (the exact time is the tooltip). */
function versionLine(
  version: number,
  createdTime: string,
  trans: TranslationBundle
): string {
  const ago = formatAgo(createdTime, Date.now());
  return ago === null
    ? trans.__('v%1', version)
    : trans.__('v%1 · updated %2', version, ago);
}
