import React from 'react';

import { displayName } from '../catalog/tree';

/**
 * A path cut in the middle when it does not fit: the head (mount and
 * folders) shrinks with an ellipsis, the leaf (the secret's name) always
 * shows whole; the full path is the tooltip.
 */
export function PathText(props: {
  /** The full path as received (`secret/apps/billing/db`). */
  path: string;
  /** Extra class. */
  className?: string;
}): JSX.Element {
  const { path } = props;
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const cut = trimmed.lastIndexOf('/') + 1;
  const head = path.slice(0, cut);
  const leaf = path.slice(cut);
  return (
    <span
      className={`jp-VaultJwt-path ${props.className ?? ''}`}
      title={displayName(path)}
    >
      {head && (
        <span className="jp-VaultJwt-pathHead">{displayName(head)}</span>
      )}
      <span className="jp-VaultJwt-pathLeaf">{displayName(leaf)}</span>
    </span>
  );
}
