import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import React from 'react';

import { ICatalogClient, ICatalogIndex } from '../catalog/tree';
import { SecretPicker } from './SecretPicker';
import { PickerModel } from './model';
import { ISecretChoice, SecretActions } from '../catalog/secretActions';
import '../../style/panel.css';
import '../../style/picker.css';
import { Follow } from '../components/Follow';

/** What the user asked the picker for. */
export type PickerAction = 'insert' | 'copy-path' | 'copy-cli' | 'copy-snippet';

/** A copy action of the picker's Copy menu. */
export type CopyAction = Exclude<PickerAction, 'insert'>;

/**
 * The picker's outcome without a secret: the user pressed Log in in the
 * logged-out notice.
 */
export interface IPickerLogin {
  readonly action: 'login';
}

/** The picker's outcome: an action on one secret or key. */
export interface IPickerOutcome {
  readonly action: PickerAction;
  readonly choice: ISecretChoice;
  /** The template chosen in the picker, or null for the language's default. */
  readonly template: string | null;
}

/** Options of {@link pickSecret}. */
export interface IPickSecretOptions {
  /** The catalog's index, or null while it is not loaded. */
  index: ICatalogIndex | null;
  /** Reads the key names of the highlighted secret. */
  client: Pick<ICatalogClient, 'secretKeys'>;
  /** Key names read before, by secret id (kept between openings). */
  keyCache: Map<string, readonly string[]>;
  /** The snippet actions (templates offered, the chosen one). */
  actions: SecretActions;
  /** `Untitled.ipynb` · `python`, or null without a notebook or console. */
  destination: string | null;
  /** Why nothing can be inserted now, or null. */
  notice: string | null;
  /** The notice offers Log in (not logged in to Vault). */
  offerLogin?: boolean;
  /** Whether Insert is offered (a target and a template exist). */
  canInsert: boolean;
  /** Translations. */
  trans: TranslationBundle;
}

/** A Lumino message (the type of `Widget.processMessage`'s argument). */
type Message = Parameters<Widget['processMessage']>[0];

/** The dialog body: the picker, and the value the dialog resolves with. */
class PickerBody extends ReactWidget {
  constructor(
    private readonly _model: PickerModel,
    private readonly _options: IPickSecretOptions,
    private readonly _onChoose: () => void,
    private readonly _onAction: (action: CopyAction | 'login') => void
  ) {
    super();
    this.addClass('jp-VaultJwt-pickerBody');
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // The dialog takes Enter for its default button before the body sees
    // it: Enter on the body's own buttons (the Copy menu, Log in) is
    // handled here first, as a click.
    document.addEventListener('keydown', this._onKeydown, true);
  }

  protected onBeforeDetach(msg: Message): void {
    document.removeEventListener('keydown', this._onKeydown, true);
    super.onBeforeDetach(msg);
  }

  private _onKeydown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (!target || !this.node.contains(target)) {
      return;
    }
    if (event.key === 'Enter' && target instanceof HTMLButtonElement) {
      event.preventDefault();
      event.stopPropagation();
      target.click();
      return;
    }
    // Escape in the open Copy menu closes the menu, not the dialog.
    const menu = target.closest('.jp-VaultJwt-copyMenu');
    const toggle = menu?.querySelector<HTMLButtonElement>('[data-menu-toggle]');
    if (
      event.key === 'Escape' &&
      toggle?.getAttribute('aria-expanded') === 'true'
    ) {
      event.preventDefault();
      event.stopPropagation();
      toggle.click();
      toggle.focus();
    }
  };

  /** The highlighted secret or key (the dialog's value). */
  getValue(): Omit<IPickerOutcome, 'action'> | null {
    const item = this._model.activeItem;
    if (!item) {
      return null;
    }
    const language = this._options.actions.templateChoices().language;
    return {
      choice: { id: item.id, key: item.key },
      template:
        language === null
          ? null
          : this._options.actions.templateChoices(language).chosen
    };
  }

  protected render(): JSX.Element {
    const { actions, trans } = this._options;
    return (
      <Follow signal={actions.templateChanged}>
        {() => (
          <Follow signal={this._model.stateChanged}>
            {() => {
              const templates = actions.templateChoices();
              return (
                <SecretPicker
                  state={this._model.state}
                  trans={trans}
                  destination={this._options.destination}
                  notice={this._options.notice}
                  offerLogin={this._options.offerLogin ?? false}
                  canCopySnippet={this._options.canInsert}
                  onAction={this._onAction}
                  templates={templates.choices}
                  template={templates.chosen}
                  onTemplate={id =>
                    templates.language &&
                    actions.chooseTemplate(templates.language, id)
                  }
                  onQuery={query => this._model.setQuery(query)}
                  onMove={delta => this._model.move(delta)}
                  onHover={row => this._model.setActive(row)}
                  onChoose={row => {
                    this._model.setActive(row);
                    this._onChoose();
                  }}
                />
              );
            }}
          </Follow>
        )}
      </Follow>
    );
  }
}

/**
 * Open the "Insert Vault secret…" picker as a modal dialog and wait for the
 * user: Enter (or a click on a row) inserts the highlighted secret or key
 * (Insert is the one primary button), the Copy menu copies its path, CLI
 * command or snippet, Log in (when logged out) logs in, Escape cancels.
 *
 * @returns the action and its secret, `{ action: 'login' }`, or null when
 *   cancelled or nothing was highlighted
 */
export async function pickSecret(
  options: IPickSecretOptions
): Promise<IPickerOutcome | IPickerLogin | null> {
  const { trans } = options;
  const model = new PickerModel({
    index: options.index,
    client: options.client,
    keyCache: options.keyCache
  });
  const buttons: Dialog.IButton[] = [
    Dialog.cancelButton({ label: trans.__('Cancel') })
  ];
  if (options.canInsert) {
    buttons.push(Dialog.okButton({ label: trans.__('Insert') }));
  }
  // Enter runs Insert; without it, Enter closes.
  const defaultButton = buttons.length - 1;
  let dialog: Dialog<Omit<IPickerOutcome, 'action'> | null> | null = null;
  let chosen: CopyAction | 'login' | null = null;
  const body = new PickerBody(
    model,
    options,
    () => dialog?.resolve(defaultButton),
    action => {
      chosen = action;
      dialog?.resolve(0);
    }
  );
  dialog = new Dialog({
    title: trans.__('Insert Vault secret'),
    body,
    buttons,
    defaultButton,
    focusNodeSelector: 'input[role="combobox"]',
    hasClose: true
  });
  dialog.addClass('jp-VaultJwt-pickerDialog');
  try {
    const result = await dialog.launch();
    if (chosen === 'login') {
      return { action: 'login' };
    }
    const action: PickerAction | null =
      chosen ?? (result.button.accept && options.canInsert ? 'insert' : null);
    if (!action || !result.value) {
      return null;
    }
    return { action, ...result.value };
  } finally {
    model.dispose();
  }
}
