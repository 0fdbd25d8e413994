import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { IConnectionView } from '../session/connection';
import { ISessionHeaderProps, SessionHeader } from '../session/SessionHeader';

/**
 * Render the session header into the document for a spec: `view` with
 * defaults for the other props (278 s left, the hub's home, details
 * closed) that `patch` overrides; every callback records its call in
 * `calls` ('toggle', 'login', 'logout', 'reload', 'retry:<origin>',
 * 'use-token-file'). The details hold `<p data-testid="inside">`.
 */
export function renderSessionHeader(
  view: IConnectionView,
  patch: Partial<ISessionHeaderProps> = {}
): { host: HTMLElement; calls: string[] } {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  const calls: string[] = [];
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() => {
    root.render(
      <SessionHeader
        view={view}
        secondsLeft={278}
        expanded={false}
        onToggle={() => calls.push('toggle')}
        hubHomeUrl="/hub/home"
        onUseTokenFile={() => calls.push('use-token-file')}
        canReload={true}
        reloading={false}
        trans={nullTranslator.load('test')}
        onLogin={() => calls.push('login')}
        onLogout={() => calls.push('logout')}
        onReload={() => calls.push('reload')}
        onRetry={origin => calls.push(`retry:${origin}`)}
        {...patch}
      >
        <p data-testid="inside">details</p>
      </SessionHeader>
    );
  });
  return { host, calls };
}
