import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  DisposableDelegate,
  DisposableSet,
  IDisposable
} from '@lumino/disposable';

import { vaultKeyIcon } from './icons';
import { IdentityModel } from './identity';
import { CommandIDs, PANEL_ID } from './tokens';

/**
 * Register every command of the extension (each is also in the palette).
 *
 * @param app the application
 * @param model the identity model
 * @param trans the translation bundle
 * @returns a disposable that removes the commands
 */
export function addCommands(
  app: JupyterFrontEnd,
  model: IdentityModel,
  trans: TranslationBundle
): IDisposable {
  const { commands } = app;
  const disposables = new DisposableSet();

  disposables.add(
    commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open the Vault JWT panel'),
      caption: trans.__('Show your id_token and Vault session'),
      icon: vaultKeyIcon,
      execute: () => {
        app.shell.activateById(PANEL_ID);
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.refreshToken, {
      label: trans.__('Refresh the id_token now'),
      caption: trans.__('Ask JupyterHub for a fresh id_token'),
      isEnabled: () => !model.state.refreshing && model.state.source !== null,
      execute: () => model.refresh()
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.copyToken, {
      label: trans.__('Copy the id_token to the clipboard'),
      caption: trans.__(
        'Copy the raw id_token for command-line use (it is never shown on screen)'
      ),
      isEnabled: () => model.idToken !== null,
      execute: () => {
        const token = model.idToken;
        if (!token) {
          return;
        }
        Clipboard.copyToSystem(token);
        Notification.info(trans.__('id_token copied to the clipboard.'), {
          autoClose: 3000
        });
      }
    })
  );

  // Keep enabled states (toolbar buttons, palette, menus) in step with the model.
  const refreshStates = () => commands.notifyCommandChanged();
  model.stateChanged.connect(refreshStates);
  disposables.add(
    new DisposableDelegate(() => model.stateChanged.disconnect(refreshStates))
  );
  return disposables;
}
