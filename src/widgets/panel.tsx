import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IdentityCard } from '../components/IdentityCard';
import { vaultKeyIcon } from '../icons';
import { IdentityModel } from '../identity';
import { PANEL_ID } from '../tokens';

/** Options of {@link VaultJwtPanel}. */
export interface IVaultJwtPanelOptions {
  /** The identity model. */
  model: IdentityModel;
  /** Translations. */
  trans: TranslationBundle;
  /** The hub's home page, or null outside JupyterHub. */
  hubHomeUrl: string | null;
  /** Run the refresh command. */
  onRefresh: () => void;
  /** Run the copy command. */
  onCopy: () => void;
}

/**
 * The left-sidebar panel. It re-renders when the model's state changes and on
 * every countdown tick.
 */
export class VaultJwtPanel extends ReactWidget {
  /**
   * @param options the model, translations and command callbacks
   */
  constructor(options: IVaultJwtPanelOptions) {
    super();
    this._options = options;
    this.id = PANEL_ID;
    this.addClass('jp-VaultJwt-panel');
    this.title.icon = vaultKeyIcon;
    this.title.caption = options.trans.__('Vault JWT: identity and secrets');
  }

  protected render(): JSX.Element {
    const { model, trans, hubHomeUrl, onRefresh, onCopy } = this._options;
    return (
      <UseSignal signal={model.stateChanged}>
        {() => (
          <UseSignal signal={model.ticked}>
            {() => (
              <IdentityCard
                state={model.state}
                countdown={model.countdown()}
                claims={model.settings.claims}
                hubHomeUrl={hubHomeUrl}
                trans={trans}
                onRefresh={onRefresh}
                onCopy={onCopy}
              />
            )}
          </UseSignal>
        )}
      </UseSignal>
    );
  }

  private _options: IVaultJwtPanelOptions;
}
