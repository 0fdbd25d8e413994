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
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, PACKAGE_NAME, PANEL_ID } from '../tokens';
import type { RedactionClient } from './checker';
import { ILeakNotices, LeakNoticeModel } from './leaks';
import type { IScannable, IScanOptions } from './notice';
import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The scan's client and warning, loaded on first use (a notebook opened, the
 * command, a setting sent): they are not part of the start-up bundle.
 */
class LazyChecks {
  constructor(
    private readonly _settings: JupyterFrontEnd['serviceManager']['serverSettings']
  ) {}

  /** The scan route's client. */
  client(): Promise<RedactionClient> {
    this._client ??= import('./checker').then(
      module => new module.RedactionClient(this._settings)
    );
    return this._client;
  }

  /** Scan a notebook; what it holds goes to `leaks`. */
  async scan(
    panel: IScannable,
    leaks: LeakNoticeModel,
    trans: TranslationBundle,
    options: IScanOptions
  ): Promise<unknown> {
    const [client, notice] = await Promise.all([
      this.client(),
      import('./notice')
    ]);
    return notice.scanNotebook(client, panel, leaks, trans, options);
  }

  private _client: Promise<RedactionClient> | null = null;
}

/** The plugin's id (its settings: `schema/redaction.json`). */
export const REDACTION_PLUGIN_ID = `${PACKAGE_NAME}:redaction`;

/** The plugin (see the module's description). */
export const redactionPlugin: JupyterFrontEndPlugin<LeakNoticeModel> = {
  id: REDACTION_PLUGIN_ID,
  description:
    'Tells which Vault secret values a notebook holds in its outputs (in the panel) and offers to clear them.',
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
  ): LeakNoticeModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab-vault-jwt');
    const checks = new LazyChecks(app.serviceManager.serverSettings);
    const leaks = new LeakNoticeModel();
    const scanOptions = (quiet: boolean): IScanOptions => ({
      quiet,
      panelVisible: () =>
        Array.from(app.shell.widgets('left')).some(
          widget => widget.id === PANEL_ID && widget.isVisible
        ),
      openPanel: () => void app.commands.execute(CommandIDs.openPanel),
      activate: id => app.shell.activateById(id)
    });
    // The notice follows the current notebook; a closed one's goes.
    notebooks.currentChanged.connect((_, panel) =>
      leaks.setCurrent(panel?.id ?? null)
    );

    app.commands.addCommand(CommandIDs.scanNotebook, {
      label: trans.__('Scan this notebook for Vault secrets'),
      isEnabled: () => !!notebooks.currentWidget?.model,
      execute: async () => {
        const panel = notebooks.currentWidget;
        if (!panel?.model) {
          return null;
        }
        return checks.scan(panel, leaks, trans, scanOptions(false));
      }
    });
    palette?.addItem({
      command: CommandIDs.scanNotebook,
      category: trans.__('Vault JWT')
    });

    // The user's settings, once the app is restored: the server is told
    // whether to mask (it refuses to stop when the administrator forbids).
    let checkOnOpen = true;
    void app.restored.then(async () => {
      if (!settingRegistry) {
        return;
      }
      try {
        const settings = await settingRegistry.load(REDACTION_PLUGIN_ID);
        let sent: boolean | null = null;
        const apply = () => {
          checkOnOpen = settings.composite.checkOnOpen !== false;
          const enabled = settings.composite.enabled !== false;
          if (enabled === sent) {
            return;
          }
          sent = enabled;
          void checks
            .client()
            .then(client => client.setEnabled(enabled))
            .catch((error: Error) => {
              Notification.warning(
                trans.__('Masking of Vault secret values: %1', error.message),
                { autoClose: 10_000 }
              );
            });
        };
        apply();
        settings.changed.connect(apply);
      } catch (error) {
        console.warn(
          'jupyterlab-vault-jwt: redaction settings not loaded',
          error
        );
      }
    });

    // Every notebook opened is checked once it is loaded (no await here).
    notebooks.widgetAdded.connect((_, panel) => {
      panel.disposed.connect(() => leaks.forget(panel.id));
      void panel.context.ready.then(() => {
        if (panel.model && checkOnOpen) {
          void checks.scan(panel, leaks, trans, scanOptions(true));
        }
      });
    });
    leaks.setCurrent(notebooks.currentWidget?.id ?? null);
    return leaks;
  }
};
