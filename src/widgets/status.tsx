import { ReactWidget } from '@jupyterlab/apputils';
import { GroupItem, TextItem } from '@jupyterlab/statusbar';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { CatalogModel } from '../catalog/model';
import { formatDuration } from '../components/format';
import { statusKeyIcon } from '../icons';
import { IdentityModel } from '../identity/model';
import { connectionView, phaseLabel } from '../session/connection';
import { VaultModel } from '../vault/model';
import { Follow } from '../components/Follow';

/** Options of {@link SessionStatus}. */
export interface ISessionStatusOptions {
  /** The identity model. */
  model: IdentityModel;
  /** The Vault session model. */
  vault: VaultModel;
  /** The catalog (its failures count as the session's). */
  catalog: CatalogModel;
  /** Translations. */
  trans: TranslationBundle;
  /** Open the panel (the open command). */
  onClick: () => void;
}

/**
 * The status-bar item: the Vault session's state (as the panel's summary
 * says it), with the id_token countdown only when it matters (automatic
 * refresh off, or refreshing failed); a key icon, unlike JupyterLab's
 * "trusted" shield. A button: a click, Enter or Space opens the panel.
 */
export class SessionStatus extends ReactWidget {
  /**
   * @param options the models, translations and click action
   */
  constructor(options: ISessionStatusOptions) {
    super();
    this._options = options;
    this.addClass('jp-VaultJwt-statusBar');
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'button');
    this.node.addEventListener('click', options.onClick);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        options.onClick();
      }
    });
  }

  protected render(): JSX.Element {
    const { model, vault, catalog } = this._options;
    return (
      <Follow signal={model.stateChanged}>
        {() => (
          <Follow signal={vault.stateChanged}>
            {() => (
              <Follow signal={catalog.stateChanged}>
                {() => (
                  <Follow signal={model.ticked}>
                    {() => this._renderItem()}
                  </Follow>
                )}
              </Follow>
            )}
          </Follow>
        )}
      </Follow>
    );
  }

  private _renderItem(): JSX.Element {
    const { model, vault, catalog, trans } = this._options;
    const view = connectionView(model.state, vault, catalog.state);
    let text = trans.__('Vault: %1', phaseLabel(view.phase, trans));
    const { phase, secondsLeft } = model.countdown();
    const showCountdown =
      secondsLeft !== null &&
      (!model.settings.autoRefresh || model.state.error !== null);
    if (showCountdown) {
      text +=
        secondsLeft > 0
          ? ' · ' + trans.__('id_token %1', formatDuration(secondsLeft))
          : ' · ' + trans.__('id_token expired');
    }
    const label = trans.__('%1. Open the Vault JWT panel.', text);
    // The button's name follows its text (set outside React: the node is the
    // widget's own).
    this.node.setAttribute('aria-label', label);
    this.node.title = label;
    return (
      <GroupItem
        spacing={4}
        className={`jp-VaultJwt-statusItem jp-VaultJwt-statusPhase-${view.phase}${
          showCountdown ? ` jp-VaultJwt-phase-${phase}` : ''
        }`}
      >
        <statusKeyIcon.react tag="span" stylesheet="statusBar" />
        <TextItem source={text} />
      </GroupItem>
    );
  }

  private _options: ISessionStatusOptions;
}
