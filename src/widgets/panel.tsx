import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import {
  CatalogModel,
  ICatalogState,
  ISecretKeysState
} from '../catalog/model';
import { IdentityCard } from '../identity/IdentityCard';
import { SecretKeys } from '../catalog/SecretKeys';
import { SecretTree } from '../catalog/SecretTree';
import { VaultCard } from '../vault/VaultCard';
import { vaultKeyIcon } from '../icons';
import { IdentityModel } from '../identity/model';
import { SnippetInserter } from '../snippets/inserter';
import { PANEL_ID } from '../tokens';
import { VaultModel } from '../vault/model';
import { connectionView, ProblemOrigin } from '../session/connection';
import { SessionHeader } from '../session/SessionHeader';
import { ISignal } from '@lumino/signaling';

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
  /** Where snippets go (the insert buttons follow it). */
  inserter: SnippetInserter;
  /** Insert a snippet for a secret or key (the insert command). */
  onInsert: (id: string, key: string | null) => void;
  /** A secret or key row is dragged: fill the transfer with its snippet. */
  onDragStart: (id: string, key: string | null, transfer: DataTransfer) => void;
}

/**
 * The left-sidebar panel, secrets first: a toolbar and one summary line of
 * the session (details on demand), the one current problem, then the tree
 * of readable secrets filling the rest of the height, and the selected
 * secret's key names. Each part re-renders on its own models' signals only
 * (the countdowns tick every second; the tree does not re-render with them).
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

  /**
   * Extra content of the identity details (a slot for other features, e.g.
   * a sign-in): rendered at the top of the details, which open by
   * themselves while there is no id_token.
   */
  get identitySlot(): React.ReactNode {
    return this._identitySlot;
  }
  set identitySlot(slot: React.ReactNode) {
    this._identitySlot = slot;
    this.update();
  }

  protected render(): JSX.Element {
    return (
      <>
        {this._renderSession()}
        {this._renderSecrets()}
      </>
    );
  }

  /** The session header: toolbar, summary, problem, details. */
  private _renderSession(): JSX.Element {
    const { model, vault, catalog, trans, hubHomeUrl } = this._options;
    const { onRefresh, onCopy, onLogin, onLogout, onReload } = this._options;
    const signals = [
      model.stateChanged,
      model.ticked,
      vault.stateChanged,
      vault.ticked,
      catalog.stateChanged
    ];
    const render = () => {
      const view = connectionView(model.state, vault, catalog.state);
      const vaultLeft = vault.countdown().secondsLeft;
      const idLeft = model.countdown().secondsLeft;
      const expanded =
        this._expanded ?? (!model.state.loading && model.state.claims === null);
      return (
        <SessionHeader
          view={view}
          secondsLeft={vault.loggedIn ? vaultLeft : idLeft}
          expanded={expanded}
          onToggle={() => {
            this._expanded = !expanded;
            this.update();
          }}
          hubHomeUrl={hubHomeUrl}
          canReload={catalog.canReload}
          reloading={catalog.state.loading}
          trans={trans}
          onLogin={onLogin}
          onLogout={onLogout}
          onReload={onReload}
          onRetry={origin => this._retry(origin)}
        >
          <IdentityCard
            state={model.state}
            countdown={model.countdown()}
            claims={model.settings.claims}
            trans={trans}
            onRefresh={onRefresh}
            onCopy={onCopy}
            slot={this._identitySlot}
          />
          <VaultCard
            state={vault.state}
            countdown={vault.countdown()}
            trans={trans}
            canUseTokenFile={vault.canUseTokenFile}
            onUseTokenFile={this._options.onUseTokenFile}
          />
        </SessionHeader>
      );
    };
    return signals.reduceRight<() => JSX.Element>(
      (inner, signal) => () => (
        <UseSignal signal={signal as ISignal<unknown, unknown>}>
          {() => inner()}
        </UseSignal>
      ),
      render
    )();
  }

  /** The tree and the selected secret's keys. */
  private _renderSecrets(): JSX.Element {
    const { catalog, trans, inserter, onInsert, onDragStart } = this._options;
    return (
      <UseSignal signal={inserter.changed}>
        {() => (
          <UseSignal signal={catalog.stateChanged}>
            {() => {
              const disabled = inserter.target
                ? null
                : trans.__(
                    'Open a notebook or a code console to insert a snippet.'
                  );
              const state = catalog.state;
              return (
                <>
                  <SecretTree
                    state={state}
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
                    keys={keysShown(state)}
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
    );
  }

  /** Retry what failed: the id_token, the Vault session or the catalog. */
  private _retry(origin: ProblemOrigin): void {
    const { onRefresh, onReload, vault } = this._options;
    switch (origin) {
      case 'identity':
        onRefresh();
        break;
      case 'catalog':
        onReload();
        break;
      case 'vault':
        void vault.load();
        break;
    }
  }

  private _options: IVaultJwtPanelOptions;
  private _expanded: boolean | null = null;
  private _identitySlot: React.ReactNode = null;
}

/**
 * The selected secret's keys, unless a search is on and the secret does not
 * match it (its key card goes away with its row).
 */
export function keysShown(state: ICatalogState): ISecretKeysState | null {
  const keys = state.keys;
  if (!keys || !state.matchCounts || !state.index) {
    return keys;
  }
  const node = state.index.byId.get(keys.id);
  return node !== undefined && state.matchCounts[node] > 0 ? keys : null;
}
