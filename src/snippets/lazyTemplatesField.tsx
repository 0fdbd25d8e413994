import React, { Suspense } from 'react';

/*
 * The Settings Editor's snippet-templates field, loaded on first use (a
 * separate chunk): only people who open the Settings Editor need it.
 */

const TemplatesField = React.lazy(() =>
  import('./TemplatesField').then(module => ({
    default: module.TemplatesField
  }))
);

/** The templates field, fetched when the Settings Editor first shows it. */
export function LazyTemplatesField(
  props: React.ComponentProps<typeof TemplatesField>
): JSX.Element {
  return (
    <Suspense fallback={null}>
      <TemplatesField {...props} />
    </Suspense>
  );
}
