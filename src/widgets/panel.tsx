import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { CatalogModel } from '../catalog/model';
import { IdentityCard } from '../identity/IdentityCard';
import { SecretKeys } from '../catalog/SecretKeys';
import { SecretTree } from '../catalog/SecretTree';
import { VaultCard } from '../vault/VaultCard';
import { vaultKeyIcon } from '../icons';
import { IdentityModel } from '../identity/model';
import { SnippetInserter } from '../snippets/inserter';
import { SignInModel } from '../signin/model';
import { SignInSection } from '../signin/SignIn';
import { PANEL_ID } from '../tokens';
import { VaultModel } from '../vault/model';

/** Options of {@link VaultJwtPanel}. */
export interface IVaultJwtPanelOptions {
  /** The identity model. */
  model: IdentityModel;
  /** The Vault session model. */
  vault: VaultModel;
  /** The catalog of readable secrets. */
  catalog: CatalogModel;
  /** Translations. */
  trans: TranslationBundle;
  /** The hub's home page, or null outside JupyterHub. */
  hubHomeUrl: string | null;
  /** Run the refresh command. */
  onRefresh: () => void;
  /** Run the copy command. */
  onCopy: () => void;
  /** Run the Vault log in command. */
  onLogin: () => void;
  /** Run the Vault log out command. */
  onLogout: () => void;
  /** Run the reload catalog command. */
  onReload: () => void;
  /** Run the command that writes the session's token into the token file. */
  onUseTokenFile?: () => void;
  /** The sign-in from the panel (outside JupyterHub), if any. */
  signin?: SignInModel;
  /** Where snippets go (the insert buttons follow it). */
  inserter: SnippetInserter;
  /** Insert a snippet for a secret or key (the insert command). */
  onInsert: (id: string, key: string | null) => void;
  /** A secret or key row is dragged: fill the transfer with its snippet. */
  onDragStart: (id: string, key: string | null, transfer: DataTransfer) => void;
}

/**
 * The left-sidebar panel: the identity card, the Vault card and the tree of
 * readable secrets with the selected secret's key names. Each part re-renders
 * on its own model's signals only (the countdowns tick every second; the
 * tree does not re-render with them).
 */
export class VaultJwtPanel extends ReactWidget {
  /**
   * @param options the models, translations and command callbacks
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
    const { model, vault, catalog, trans, hubHomeUrl } = this._options;
    const { onRefresh, onCopy, onLogin, onLogout, onReload } = this._options;
    const { inserter, onInsert, onDragStart } = this._options;
    return (
      <>
        {this._options.signin && (
          <SignInSection model={this._options.signin} trans={trans} />
        )}
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
        <UseSignal signal={vault.stateChanged}>
          {() => (
            <UseSignal signal={vault.ticked}>
              {() => (
                <UseSignal signal={catalog.stateChanged}>
                  {() => (
                    <VaultCard
                      state={vault.state}
                      countdown={vault.countdown()}
                      canLogin={vault.canLogin}
                      canLogout={vault.canLogout}
                      canReload={catalog.canReload}
                      catalogLoading={catalog.state.loading}
                      trans={trans}
                      onLogin={onLogin}
                      onLogout={onLogout}
                      onReload={onReload}
                      canUseTokenFile={vault.canUseTokenFile}
                      onUseTokenFile={this._options.onUseTokenFile}
                    />
                  )}
                </UseSignal>
              )}
            </UseSignal>
          )}
        </UseSignal>
        <UseSignal signal={inserter.changed}>
          {() => (
            <UseSignal signal={catalog.stateChanged}>
              {() => {
                const disabled = inserter.target
                  ? null
                  : trans.__(
                      'Open a notebook or a code console to insert a snippet.'
                    );
                return (
                  <>
                    <SecretTree
                      state={catalog.state}
                      trans={trans}
                      onQuery={query => catalog.setQuery(query)}
                      onRowClick={id => catalog.click(id)}
                      onKey={key => catalog.handleKey(key)}
                      onInsert={id => onInsert(id, null)}
                      insertDisabledReason={disabled}
                      onDragStart={(id, transfer) =>
                        onDragStart(id, null, transfer)
                      }
                    />
                    <SecretKeys
                      keys={catalog.state.keys}
                      trans={trans}
                      onInsert={onInsert}
                      insertDisabledReason={disabled}
                      onDragStart={onDragStart}
                    />
                  </>
                );
              }}
            </UseSignal>
          )}
        </UseSignal>
      </>
    );
  }

  private _options: IVaultJwtPanelOptions;
}
