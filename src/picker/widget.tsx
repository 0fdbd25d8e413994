import { Dialog, ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ICatalogClient, ICatalogIndex } from '../catalog/tree';
import { SecretPicker } from './SecretPicker';
import { PickerModel } from './model';
import { ISecretChoice, SecretActions } from '../catalog/secretActions';

/** What the user asked the picker for. */
export type PickerAction = 'insert' | 'copy-path' | 'copy-cli' | 'copy-snippet';

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
  /** Whether Insert is offered (a target and a template exist). */
  canInsert: boolean;
  /** Translations. */
  trans: TranslationBundle;
}

/** The dialog body: the picker, and the value the dialog resolves with. */
class PickerBody extends ReactWidget {
  constructor(
    private readonly _model: PickerModel,
    private readonly _options: IPickSecretOptions,
    private readonly _onChoose: () => void
  ) {
    super();
    this.addClass('jp-VaultJwt-pickerBody');
  }

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
      <UseSignal signal={actions.templateChanged}>
        {() => (
          <UseSignal signal={this._model.stateChanged}>
            {() => {
              const templates = actions.templateChoices();
              return (
                <SecretPicker
                  state={this._model.state}
                  trans={trans}
                  destination={this._options.destination}
                  notice={this._options.notice}
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
          </UseSignal>
        )}
      </UseSignal>
    );
  }
}

/**
 * Open the "Insert Vault secret…" picker as a modal dialog and wait for the
 * user: Enter (or a click on a row) inserts the highlighted secret or key,
 * the buttons copy its path, CLI command or snippet, Escape cancels.
 *
 * @returns the action and its secret, or null when cancelled or nothing was
 *   highlighted
 */
export async function pickSecret(
  options: IPickSecretOptions
): Promise<IPickerOutcome | null> {
  const { trans } = options;
  const model = new PickerModel({
    index: options.index,
    client: options.client,
    keyCache: options.keyCache
  });
  const buttons: { button: Dialog.IButton; action: PickerAction | null }[] = [
    {
      button: Dialog.cancelButton({ label: trans.__('Cancel') }),
      action: null
    },
    {
      button: Dialog.createButton({
        label: trans.__('Copy path'),
        displayType: 'default'
      }),
      action: 'copy-path'
    },
    {
      button: Dialog.createButton({
        label: trans.__('Copy CLI command'),
        displayType: 'default'
      }),
      action: 'copy-cli'
    }
  ];
  if (options.canInsert) {
    buttons.push(
      {
        button: Dialog.createButton({
          label: trans.__('Copy snippet'),
          displayType: 'default'
        }),
        action: 'copy-snippet'
      },
      {
        button: Dialog.okButton({ label: trans.__('Insert') }),
        action: 'insert'
      }
    );
  }
  // Enter runs the last button: Insert, or Copy CLI command without a target.
  const defaultButton = buttons.length - 1;
  let dialog: Dialog<Omit<IPickerOutcome, 'action'> | null> | null = null;
  const body = new PickerBody(model, options, () =>
    dialog?.resolve(defaultButton)
  );
  dialog = new Dialog({
    title: trans.__('Insert Vault secret'),
    body,
    buttons: buttons.map(entry => entry.button),
    defaultButton,
    focusNodeSelector: 'input[role="combobox"]',
    hasClose: true
  });
  dialog.addClass('jp-VaultJwt-pickerDialog');
  try {
    const result = await dialog.launch();
    const index = buttons.findIndex(
      entry => entry.button.label === result.button.label
    );
    const action = index < 0 ? null : buttons[index].action;
    if (!action || !result.value) {
      return null;
    }
    return { action, ...result.value };
  } finally {
    model.dispose();
  }
}
