import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { markerText } from './RowMarker';
import { formatAgo, formatExact } from '../components/format';
import { ISecretKeysReply } from '../tokens';

/*
 * The KV v2 details of the selected secret: why its latest version cannot be
 * read (deleted, destroyed, no data), its version count, last update and
 * custom_metadata. Never a value.
 */

/** The details of a secret's key-names reply, or nothing for KV v1. */
export function SecretDetails(props: {
  reply: ISecretKeysReply;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { reply, trans } = props;
  const details = reply.details ?? null;
  const state = reply.state ?? null;
  if (!details && !state) {
    return null;
  }
  const custom = Object.entries(details?.custom_metadata ?? {});
  // In words ("12 min ago"), the exact time in the tooltip.
  const updated = details?.updated_time
    ? formatAgo(details.updated_time, Date.now())
    : null;
  return (
    <div className="jp-VaultJwt-secretDetails" data-testid="vault-jwt-details">
      {state && (
        <p className="jp-VaultJwt-muted" data-field="state" data-state={state}>
          {markerText(state, trans).title}
          {details?.readable_versions
            ? ' ' +
              trans._n(
                '%1 older version is readable.',
                '%1 older versions are readable.',
                details.readable_versions
              )
            : ''}
        </p>
      )}
      {details?.versions !== undefined && (
        <p
          className="jp-VaultJwt-muted"
          data-field="versions"
          title={
            details.updated_time
              ? trans.__('Last updated %1', formatExact(details.updated_time))
              : undefined
          }
        >
          {trans._n('%1 version', '%1 versions', details.versions)}
          {updated ? trans.__(' · last updated %1', updated) : ''}
        </p>
      )}
      {custom.length > 0 && (
        <dl className="jp-VaultJwt-customMetadata" data-field="custom_metadata">
          {custom.map(([key, value]) => (
            <React.Fragment key={key}>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}
