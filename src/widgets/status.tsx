import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { GroupItem, TextItem } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { formatDuration } from '../components/format';
import { vaultKeyIcon } from '../icons';
import { IdentityModel } from '../identity/model';

/** Options of {@link CountdownStatus}. */
export interface ICountdownStatusOptions {
  /** The identity model. */
  model: IdentityModel;
  /** Translations. */
  trans: TranslationBundle;
  /** Open the panel (the open command). */
  onClick: () => void;
}

/**
 * The status-bar item: the id_token countdown; a click opens the panel.
 */
export class CountdownStatus extends ReactWidget {
  /**
   * @param options the model, translations and click action
   */
  constructor(options: ICountdownStatusOptions) {
    super();
    this._options = options;
    this.addClass('jp-VaultJwt-statusBar');
    this.addClass('jp-mod-highlighted');
    this.node.title = options.trans.__(
      'id_token expiry: click to open the panel'
    );
    this.node.addEventListener('click', options.onClick);
  }

  protected render(): JSX.Element {
    const { model, trans } = this._options;
    return (
      <UseSignal signal={model.stateChanged}>
        {() => (
          <UseSignal signal={model.ticked}>
            {() => {
              const { phase, secondsLeft } = model.countdown();
              let text = trans.__('id_token: none');
              if (secondsLeft !== null) {
                text =
                  secondsLeft > 0
                    ? trans.__('id_token %1', formatDuration(secondsLeft))
                    : trans.__('id_token expired');
              }
              return (
                <GroupItem
                  spacing={4}
                  className={`jp-VaultJwt-statusItem jp-VaultJwt-phase-${phase}`}
                >
                  <vaultKeyIcon.react tag="span" stylesheet="statusBar" />
                  <TextItem source={text} />
                </GroupItem>
              );
            }}
          </UseSignal>
        )}
      </UseSignal>
    );
  }

  private _options: ICountdownStatusOptions;
}
