/**
 * The redaction plugin: checks every notebook opened for Vault secret values
 * already in its outputs, and the `Scan this notebook for Vault secrets`
 * command; what they find goes to the leak notices (provided to the panel,
 * which shows the current notebook's).
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, PACKAGE_NAME } from '../tokens';
import type { RedactionClient } from './checker';
import type { LeakNoticeModel } from './leaks';
import { ILeakNotices } from './tokens';
import type { IScannable } from './notice';
import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The scan's client, its notice and the leak notices' model, loaded on first
 * use (a notebook opened, the command, a setting sent, the panel shown): they
 * are not part of the start-up bundle.
 */
class LazyChecks implements ILeakNotices {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _notebooks: INotebookTracker
  ) {}

  /** The lazily loaded part (./checks.ts). */
  load(): Promise<typeof import('./checks')> {
    return import('./checks');
  }

  /** The scan route's client (with the lazily loaded part). */
  async client(): Promise<RedactionClient> {
    const module = await this.load();
    return new module.RedactionClient(this._app.serviceManager.serverSettings);
  }

  /** The leak notices' model (it follows the current notebook). */
  model(): Promise<LeakNoticeModel> {
    this._model ??= this.load().then(module =>
      module.followedModel(this._notebooks)
    );
    return this._model;
  }

  /** Scan a notebook; what it holds goes to the leak notices. */
  async scan(
    panel: IScannable,
    trans: TranslationBundle,
    quiet: boolean
  ): Promise<unknown> {
    const [module, client, leaks] = await Promise.all([
      this.load(),
      this.client(),
      this.model()
    ]);
    return module.scanNotebook(
      client,
      panel,
      leaks,
      trans,
      module.appScanOptions(this._app, quiet)
    );
  }

  private _model: Promise<LeakNoticeModel> | null = null;
}

/** The plugin's id (its settings: `schema/redaction.json`). */
const REDACTION_PLUGIN_ID = `${PACKAGE_NAME}:redaction`;

/** The plugin (see the module's description). */
export const redactionPlugin: JupyterFrontEndPlugin<ILeakNotices> = {
  id: REDACTION_PLUGIN_ID,
  description:
    'Finds Vault secret values in notebook outputs; offers to clear them.',
  autoStart: true,
  provides: ILeakNotices,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ): ILeakNotices => {
    const trans = (translator ?? nullTranslator).load('jupyterlab-vault-jwt');
    const checks = new LazyChecks(app, notebooks);

    app.commands.addCommand(CommandIDs.scanNotebook, {
      label: trans.__('Scan this notebook for Vault secrets'),
      isEnabled: () => !!notebooks.currentWidget?.model,
      execute: async () => {
        const panel = notebooks.currentWidget;
        if (!panel?.model) {
          return null;
        }
        return checks.scan(panel, trans, false);
      }
    });
    palette?.addItem({
      command: CommandIDs.scanNotebook,
      category: trans.__('Vault JWT')
    });

    // The user's settings, once the app is restored (see ./settings.ts).
    let checkOnOpen = true;
    void app.restored.then(async () => {
      if (settingRegistry) {
        const module = await checks.load();
        await module.followSettings(
          settingRegistry,
          checks.client(),
          trans,
          check => (checkOnOpen = check)
        );
      }
    });

    // Every notebook opened is checked once it is loaded (no await here).
    notebooks.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(() => {
        if (panel.model && checkOnOpen) {
          void checks.scan(panel, trans, true);
        }
      });
    });
    return checks;
  }
};
