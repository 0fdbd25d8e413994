import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  DisposableDelegate,
  DisposableSet,
  IDisposable
} from '@lumino/disposable';

import { CatalogModel } from '../catalog/model';
import { ICatalogClient } from '../catalog/tree';
import { IInsertTarget, SnippetInserter } from './inserter';
import { ISecretChoice, SecretActions } from '../catalog/secretActions';
import { CommandIDs } from '../tokens';
import { VaultModel } from '../vault/model';

/**
 * CSS selector of the secret rows (tree) and key rows the context menu acts
 * on (one class: Lumino context menu selectors cannot hold commas).
 */
export const SECRET_ROW_SELECTOR = '.jp-VaultJwt-secretItem';

/** What the snippet commands work with. */
export interface ISnippetCommandsOptions {
  /** The Vault session (enabled states). */
  vault: VaultModel;
  /** The catalog (its index, for the picker). */
  catalog: CatalogModel;
  /** Reads key names for the picker. */
  client: Pick<ICatalogClient, 'secretKeys'>;
  /** The actions on a secret. */
  actions: SecretActions;
  /** Where snippets go. */
  inserter: SnippetInserter;
  /** Translations. */
  trans: TranslationBundle;
}

/**
 * The secret a command acts on: its args (`{ id, key? }`), else the tree or
 * key row under the context menu.
 */
export function choiceFrom(
  app: Pick<JupyterFrontEnd, 'contextMenuHitTest'>,
  args: ReadonlyPartialJSONObject
): ISecretChoice | null {
  if (typeof args.id === 'string') {
    return {
      id: args.id,
      key: typeof args.key === 'string' ? args.key : null
    };
  }
  const node = app.contextMenuHitTest(
    element =>
      element.dataset?.secretId !== undefined ||
      (element.dataset?.kind === 'secret' && element.dataset.path !== undefined)
  );
  if (!node) {
    return null;
  }
  return node.dataset.secretId !== undefined
    ? { id: node.dataset.secretId, key: node.dataset.key ?? null }
    : { id: node.dataset.path!, key: null };
}

/**
 * Register the commands that insert or copy snippets, the picker command,
 * and their context menu items on secret rows and key rows.
 */
export function addSnippetCommands(
  app: JupyterFrontEnd,
  options: ISnippetCommandsOptions
): IDisposable {
  const { commands } = app;
  const { vault, catalog, actions, inserter, trans } = options;
  const disposables = new DisposableSet();
  const keyCache = new Map<string, readonly string[]>();

  const fail = (error: unknown) => {
    Notification.error(String((error as Error)?.message ?? error), {
      autoClose: 8000
    });
  };
  const copy = (text: string, what: string) => {
    Clipboard.copyToSystem(text);
    Notification.info(trans.__('%1 copied to the clipboard.', what), {
      autoClose: 3000
    });
  };
  const template = (args: ReadonlyPartialJSONObject) =>
    typeof args.template === 'string' ? args.template : undefined;
  const noTarget = () =>
    trans.__('Open a notebook or a code console to insert a snippet.');

  // A secret whose latest version cannot be read (or whose access is
  // unchecked): say so before inserting code that would fail when it runs.
  const confirmInsert = async (choice: ISecretChoice): Promise<boolean> => {
    const warning = actions.warningFor(choice);
    if (!warning) {
      return true;
    }
    const result = await showDialog({
      title: trans.__('Insert a snippet for %1?', choice.id),
      body: warning,
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Insert anyway') })
      ]
    });
    return result.button.accept;
  };

  const insert = async (choice: ISecretChoice, templateId?: string) => {
    try {
      await actions.ready();
      if (await confirmInsert(choice)) {
        actions.insert(choice, templateId);
      }
    } catch (error) {
      fail(error);
    }
  };

  disposables.add(
    commands.addCommand(CommandIDs.openPicker, {
      label: trans.__('Insert Vault secret…'),
      caption: () =>
        inserter.target
          ? trans.__(
              'Find a readable secret by name and insert code that reads it when the cell runs'
            )
          : trans.__(
              'Find a readable secret by name; open a notebook or a code console to insert it'
            ),
      // Always enabled: the palette hides disabled commands, so the picker
      // itself says what is missing (and still copies paths and commands).
      execute: async () => {
        // The snippet renderer and the picker: loaded on first use, together.
        const [{ pickSecret }] = await Promise.all([
          import('../picker/widget'),
          actions.ready()
        ]);
        const target = inserter.target;
        const templates = actions.templateChoices();
        let notice: string | null = null;
        if (!vault.loggedIn) {
          notice = trans.__('You are not logged in to Vault.');
        } else if (!target) {
          notice = trans.__(
            'Open a notebook or a code console to insert a snippet; you can copy a path or a CLI command meanwhile.'
          );
        } else if (!target.language) {
          notice = trans.__('The kernel is not known yet: start it first.');
        } else if (templates.chosen === null) {
          notice = trans.__(
            'No snippet template is defined for %1 kernels: copy the path or the CLI command, or add a template for "%1" in Settings › Vault JWT.',
            target.language
          );
        }
        const outcome = await pickSecret({
          index: catalog.state.index,
          client: options.client,
          keyCache,
          actions,
          destination: target ? destinationOf(target, actions, trans) : null,
          notice,
          offerLogin: !vault.loggedIn && vault.canLogin,
          canInsert: notice === null,
          trans
        });
        if (!outcome) {
          return;
        }
        if (outcome.action === 'login') {
          // Log in, wait for the list of secrets, and open the picker again.
          await commands.execute(CommandIDs.vaultLogin);
          if (vault.loggedIn) {
            await catalogSettled(catalog);
            await commands.execute(CommandIDs.openPicker);
          }
          return;
        }
        const templateId = outcome.template ?? undefined;
        try {
          switch (outcome.action) {
            case 'insert':
              if (await confirmInsert(outcome.choice)) {
                actions.insert(outcome.choice, templateId);
              }
              break;
            case 'copy-path':
              copy(actions.path(outcome.choice), trans.__('Path'));
              break;
            case 'copy-cli':
              copy(actions.cli(outcome.choice), trans.__('CLI command'));
              break;
            case 'copy-snippet':
              copy(
                actions.snippet(outcome.choice, templateId).code,
                trans.__('Snippet')
              );
              break;
          }
        } catch (error) {
          fail(error);
        }
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.insertSnippet, {
      label: trans.__('Insert snippet'),
      caption: () =>
        inserter.target
          ? trans.__(
              'Insert code that reads this secret when the cell runs (never its value)'
            )
          : noTarget(),
      isEnabled: () => inserter.target !== null && vault.loggedIn,
      execute: args => {
        const choice = choiceFrom(app, args);
        return choice ? insert(choice, template(args)) : undefined;
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.copySnippet, {
      label: trans.__('Copy snippet'),
      caption: trans.__('Copy the code that reads this secret'),
      isEnabled: () =>
        (inserter.target?.language ?? null) !== null && vault.loggedIn,
      execute: async args => {
        const choice = choiceFrom(app, args);
        if (!choice) {
          return;
        }
        try {
          await actions.ready();
          copy(
            actions.snippet(choice, template(args)).code,
            trans.__('Snippet')
          );
        } catch (error) {
          fail(error);
        }
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.copyCli, {
      label: () =>
        trans.__('Copy %1 kv get command', vault.state.status?.cli ?? 'vault'),
      caption: trans.__(
        'Copy the command line that prints this secret (or key) with the Vault/OpenBao CLI'
      ),
      isEnabled: () => vault.loggedIn,
      execute: async args => {
        const choice = choiceFrom(app, args);
        if (!choice) {
          return;
        }
        try {
          await actions.ready();
          copy(actions.cli(choice), trans.__('CLI command'));
        } catch (error) {
          fail(error);
        }
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.copyPath, {
      label: trans.__('Copy path'),
      caption: trans.__('Copy the secret’s path (mount and path)'),
      execute: async args => {
        const choice = choiceFrom(app, args);
        if (!choice) {
          return;
        }
        try {
          await actions.ready();
          copy(actions.path(choice), trans.__('Path'));
        } catch (error) {
          fail(error);
        }
      }
    })
  );

  [
    CommandIDs.insertSnippet,
    CommandIDs.copySnippet,
    CommandIDs.copyCli,
    CommandIDs.copyPath
  ].forEach((command, rank) => {
    disposables.add(
      app.contextMenu.addItem({
        command,
        selector: SECRET_ROW_SELECTOR,
        rank: 10 + rank
      })
    );
  });

  // Keep enabled states and labels in step with the target and the session.
  const changed = () => {
    for (const id of [
      CommandIDs.openPicker,
      CommandIDs.insertSnippet,
      CommandIDs.copySnippet,
      CommandIDs.copyCli
    ]) {
      commands.notifyCommandChanged(id);
    }
  };
  inserter.changed.connect(changed);
  vault.stateChanged.connect(changed);
  disposables.add(
    new DisposableDelegate(() => {
      inserter.changed.disconnect(changed);
      vault.stateChanged.disconnect(changed);
    })
  );
  return disposables;
}

/**
 * Fill a drag's transfer for a secret or key row: `text/plain` is the
 * snippet for the target's kernel (what a drop on a cell's editor inserts),
 * or the path when no snippet can be made; the secret itself goes as JSON
 * under `application/x-vault-jwt-secret`. Never a value or a token.
 * Synchronous (a drag start cannot wait): the panel's views wait for
 * `actions.ready()` before they show the tree; without the renderer (never
 * expected) only the JSON is set.
 */
export function fillDragData(
  actions: SecretActions,
  choice: ISecretChoice,
  transfer: DataTransfer
): void {
  let text: string | null;
  try {
    text = actions.snippet(choice).code;
  } catch {
    try {
      text = actions.path(choice);
    } catch {
      text = null;
    }
  }
  if (text !== null) {
    transfer.setData('text/plain', text);
  }
  transfer.setData(
    'application/x-vault-jwt-secret',
    JSON.stringify({ id: choice.id, key: choice.key })
  );
}

/**
 * Where the picker inserts: `Into Untitled.ipynb (python), as a new cell
 * below.`, saying when it is the last notebook used rather than the tab in
 * front.
 */
function destinationOf(
  target: IInsertTarget,
  actions: SecretActions,
  trans: TranslationBundle
): string {
  const mode =
    target.kind === 'console'
      ? trans.__('at the prompt')
      : actions.insertMode === 'cursor'
        ? trans.__('at the cursor')
        : trans.__('as a new cell below');
  const language = target.language ?? trans.__('kernel not started');
  if (target.current) {
    return trans.__('Into %1 (%2), %3.', target.label, language, mode);
  }
  return target.kind === 'console'
    ? trans.__(
        'Into %1 (%2), the last console you used, %3.',
        target.label,
        language,
        mode
      )
    : trans.__(
        'Into %1 (%2), the last notebook you used, %3.',
        target.label,
        language,
        mode
      );
}

/**
 * Resolves once the catalog is loaded or has failed (after a log in).
 */
function catalogSettled(catalog: CatalogModel): Promise<void> {
  const settled = () =>
    !catalog.state.available ||
    (!catalog.state.loading &&
      (catalog.state.index !== null || catalog.state.error !== null));
  if (settled()) {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    const check = () => {
      if (settled() || catalog.isDisposed) {
        catalog.stateChanged.disconnect(check);
        resolve();
      }
    };
    catalog.stateChanged.connect(check);
  });
}
