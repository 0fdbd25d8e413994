import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { SecretMarker } from './tree';

/*
 * The marker of a secret row: deleted, destroyed, metadata only (KV v2),
 * unchecked (read access not checked) or added by hand. Data only: the
 * badge's look is the tree's (jp-VaultJwt-badge).
 */

/**
 * The label and the explanation of a marker.
 *
 * @param marker the row's marker
 * @param trans translations
 */
export function markerText(
  marker: SecretMarker,
  trans: TranslationBundle
): { label: string; title: string } {
  switch (marker) {
    case 'deleted':
      return {
        label: trans.__('deleted'),
        title: trans.__(
          'The latest version is deleted: reading it fails (an older version may be readable, or it can be undeleted).'
        )
      };
    case 'destroyed':
      return {
        label: trans.__('destroyed'),
        title: trans.__(
          'The latest version is destroyed: reading it fails (an older version may be readable).'
        )
      };
    case 'metadata-only':
      return {
        label: trans.__('no data'),
        title: trans.__(
          'This secret has metadata but no version: there is nothing to read yet.'
        )
      };
    case 'unchecked':
      return {
        label: '?',
        title: trans.__(
          'Listed, but your read access could not be checked: reading it may be denied.'
        )
      };
    case 'manual':
      return {
        label: trans.__('added'),
        title: trans.__('Added by hand (readable, but no listing reaches it).')
      };
  }
}

/** A secret row's marker badge, or nothing. */
export function RowMarker(props: {
  marker: SecretMarker | null;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (!props.marker) {
    return null;
  }
  const { label, title } = markerText(props.marker, props.trans);
  return (
    <span
      className="jp-VaultJwt-badge jp-VaultJwt-marker"
      data-marker={props.marker}
      title={title}
    >
      {label}
    </span>
  );
}
