import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { AddPathForm, IManualPathActions } from './AddPathForm';
import { ICatalogReply } from '../tokens';

/*
 * What the catalog could not find out: notices about the whole catalog
 * (e.g. a token without OpenBao's default policy), the parts of mounts that
 * failed after their retries, and the read grants no listing reaches. Data
 * only; the look is the panel's (muted notes).
 */

/** The notices of a catalog reply, or nothing when it is complete. */
export function CatalogNotices(props: {
  reply: ICatalogReply | null;
  trans: TranslationBundle;
  /** Add and forget paths by hand (the form is shown when given). */
  manual?: IManualPathActions;
}): JSX.Element | null {
  const { reply, trans, manual } = props;
  if (!reply) {
    return null;
  }
  const added = reply.mounts.flatMap(mount =>
    (mount.manual ?? []).map(path => mount.path + path)
  );
  const form = manual ? (
    <AddPathForm actions={manual} added={added} trans={trans} />
  ) : null;
  const missing = reply.mounts.flatMap(mount =>
    (mount.missing ?? []).map(part => ({ mount: mount.path, ...part }))
  );
  const unbrowsable = reply.mounts.flatMap(mount =>
    mount.error ? [] : (mount.unbrowsable ?? [])
  );
  const notices = reply.notices ?? [];
  const closed = reply.mounts.some(mount => mount.error);
  if (!notices.length && !missing.length && !unbrowsable.length) {
    // Paths can still be added when a mount shows nothing, or some were.
    return form && (closed || added.length) ? (
      <details className="jp-VaultJwt-catalogNotices" data-field="manual">
        <summary>{trans.__('Add a secret path by hand')}</summary>
        {form}
      </details>
    ) : null;
  }
  return (
    <div className="jp-VaultJwt-catalogNotices" data-testid="vault-jwt-notices">
      {notices.map(notice => (
        <p key={notice} className="jp-VaultJwt-muted" data-field="notice">
          {notice}
        </p>
      ))}
      {missing.length > 0 && (
        <details data-field="missing">
          <summary>
            {trans._n(
              '%1 part of the catalog could not be read',
              '%1 parts of the catalog could not be read',
              missing.length
            )}
          </summary>
          <ul>
            {missing.map(part => (
              <li
                key={`${part.mount}${part.path}\u0000${part.what}`}
                data-path={part.mount + part.path}
              >
                <code>{part.mount + part.path}</code>
                {` (${part.what}): ${part.reason}`}
              </li>
            ))}
          </ul>
        </details>
      )}
      {unbrowsable.length > 0 && (
        <details data-field="unbrowsable">
          <summary>
            {trans._n(
              '%1 read grant cannot be browsed (no listing reaches it): add a path by hand',
              '%1 read grants cannot be browsed (no listing reaches them): add a path by hand',
              unbrowsable.length
            )}
          </summary>
          <ul>
            {unbrowsable.map(grant => (
              <li key={grant}>
                <code>{grant}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {form}
    </div>
  );
}
