import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React, { Suspense } from 'react';

import { CatalogModel } from '../catalog/model';
import { vaultKeyIcon } from '../icons';
import { IdentityModel } from '../identity/model';
import type { S3Model } from '../s3/model';
import type { ILeakNotices } from '../redaction/tokens';
import type { SignInModel } from '../signin/model';
import { SnippetInserter } from '../snippets/inserter';
import { PANEL_ID } from '../tokens';
import { VaultModel } from '../vault/model';

/** A Lumino message (the type of `Widget.processMessage`'s argument). */
type Message = Parameters<ReactWidget['processMessage']>[0];

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
  /** The current notebook's Vault secret values in outputs (redaction). */
  leaks?: ILeakNotices | null;
  /** Signing in from the panel (outside a hub), when the server offers it. */
  signin?: SignInModel;
  /** Object storage credentials (shown when the server configures them). */
  s3?: S3Model;
  /** Run the S3 renew command. */
  onS3Renew?: () => void;
  /** Run the S3 revoke command. */
  onS3Revoke?: () => void;
  /** Insert code that reads a bucket (its command). */
  onS3Insert?: (bucket: string, key?: string | null) => void;
  /** Where snippets go (the insert buttons follow it). */
  inserter: SnippetInserter;
  /** Insert a snippet for a secret or key (the insert command). */
  onInsert: (id: string, key: string | null) => void;
  /** A secret or key row is dragged: fill the transfer with its snippet. */
  onDragStart: (id: string, key: string | null, transfer: DataTransfer) => void;
  /**
   * What the views need loaded before they show, fetched beside them (the
   * snippet renderer: a drag start fills its data synchronously).
   */
  ready?: () => Promise<void>;
}

/**
 * The left-sidebar panel, secrets first: a toolbar and one summary line of
 * the session (details on demand), the one current problem, then the tree
 * of readable secrets filling the rest of the height, and the selected
 * secret's key names (see panelContent.tsx, loaded when the panel is first
 * shown, so the views are not part of JupyterLab's start-up).
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
    this.node.tabIndex = -1;
    // The views, fetched when the panel is first shown (a chunk), together
    // with what they need loaded (whose failure the commands report: the
    // views show regardless).
    this._content = React.lazy(() =>
      Promise.all([
        import('./panelContent'),
        options.ready?.().catch(() => undefined)
      ]).then(([module]) => ({ default: module.PanelContent }))
    );
  }

  /** Opening the panel (from the keyboard too) puts the focus in its search box. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    const search = this.node.querySelector<HTMLElement>('.jp-VaultJwt-search');
    (search ?? this.node).focus();
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

  /** Shown for the first time: render (and so fetch) the views. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  protected render(): JSX.Element | null {
    // The sidebar attaches the panel hidden at start-up: nothing to fetch
    // until it is first shown.
    if (!this._shown) {
      if (!this.isVisible) {
        return null;
      }
      this._shown = true;
    }
    const PanelContent = this._content;
    return (
      <Suspense fallback={null}>
        <PanelContent
          options={this._options}
          expanded={this._expanded}
          onExpanded={expanded => {
            this._expanded = expanded;
            this.update();
          }}
          identitySlot={this._identitySlot}
        />
      </Suspense>
    );
  }

  private _options: IVaultJwtPanelOptions;
  private _content: React.LazyExoticComponent<
    (typeof import('./panelContent'))['PanelContent']
  >;
  private _expanded: boolean | null = null;
  private _shown = false;
  private _identitySlot: React.ReactNode = null;
}
