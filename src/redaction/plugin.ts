/**
 * The redaction plugin: checks every notebook opened for Vault secret values
 * already in its outputs, and the `Scan this notebook for Vault secrets`
 * command.
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs, PACKAGE_NAME } from '../tokens';
import { RedactionClient } from './checker';
import { scanAndWarn } from './notice';

/** The plugin (see the module's description). */
export const redactionPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE_NAME}:redaction`,
  description:
    'Warns when a notebook holds Vault secret values in its outputs and offers to clear them.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab-vault-jwt');
    const client = new RedactionClient(app.serviceManager.serverSettings);

    app.commands.addCommand(CommandIDs.scanNotebook, {
      label: trans.__('Scan this notebook for Vault secrets'),
      isEnabled: () => !!notebooks.currentWidget?.model,
      execute: async () => {
        const panel = notebooks.currentWidget;
        if (!panel?.model) {
          return null;
        }
        return scanAndWarn(client, panel.model, trans, {
          name: panel.title.label,
          quiet: false
        });
      }
    });
    palette?.addItem({
      command: CommandIDs.scanNotebook,
      category: trans.__('Vault JWT')
    });

    // Every notebook opened is checked once it is loaded (no await here).
    notebooks.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(() => {
        if (panel.model) {
          void scanAndWarn(client, panel.model, trans, {
            name: panel.title.label,
            quiet: true
          });
        }
      });
    });
  }
};
