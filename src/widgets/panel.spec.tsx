import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { act } from 'react';

import { flush } from '../testing/vaultFixtures';
import { IVaultJwtPanelOptions, VaultJwtPanel } from './panel';

/*
 * The panel's views are a chunk of their own, fetched when the panel is
 * first shown. A FAKE panelContent module records when it is loaded (its
 * factory runs on the first import, as a chunk's fetch would).
 */
const mockLoads: string[] = [];
jest.mock('./panelContent', () => {
  mockLoads.push('panelContent');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const React = require('react');
  return {
    PanelContent: () =>
      React.createElement('p', { 'data-testid': 'fake-content' }, 'views')
  };
});

describe('VaultJwtPanel', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  it('fetches its views only when first shown, not when the sidebar attaches it hidden', async () => {
    let readyCalls = 0;
    const options = {
      trans: nullTranslator.load('test'),
      ready: async () => {
        readyCalls++;
      }
    } as unknown as IVaultJwtPanelOptions;
    const panel = new VaultJwtPanel(options);
    panel.hide();
    await act(async () => {
      Widget.attach(panel, document.body);
      panel.update();
      await flush();
    });
    expect(mockLoads).toEqual([]);
    expect(readyCalls).toBe(0);
    expect(panel.node.querySelector('[data-testid="fake-content"]')).toBeNull();

    await act(async () => {
      panel.show();
      await flush();
    });
    expect(mockLoads).toEqual(['panelContent']);
    expect(readyCalls).toBe(1);
    expect(
      panel.node.querySelector('[data-testid="fake-content"]')?.textContent
    ).toBe('views');

    // Hidden again: the views stay (nothing fetched twice).
    await act(async () => {
      panel.hide();
      panel.update();
      await flush();
    });
    expect(mockLoads).toEqual(['panelContent']);
    expect(
      panel.node.querySelector('[data-testid="fake-content"]')
    ).not.toBeNull();
    act(() => {
      Widget.detach(panel);
      panel.dispose();
    });
  });
});
