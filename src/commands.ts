import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  DisposableDelegate,
  DisposableSet,
  IDisposable
} from '@lumino/disposable';

import { CatalogModel } from './catalog/model';
import { vaultKeyIcon } from './icons';
import { IdentityModel } from './identity/model';
import { Timeout } from './schedule';
import { plainError } from './session/messages';
import { CommandIDs, PANEL_ID } from './tokens';

/**
 * How long the panel waits before taking the focus when opened (ms): the
 * command palette gives the focus back to where it was as it closes.
 */
const FOCUS_DELAY_MS = 100;
import { VaultModel } from './vault/model';

/**
 * Register every command of the extension (each is also in the palette).
 *
 * @param app the application
 * @param model the identity model
 * @param trans the translation bundle
 * @param vault the Vault session model
 * @param catalog the catalog of readable secrets
 * @returns a disposable that removes the commands
 */
export function addCommands(
  app: JupyterFrontEnd,
  model: IdentityModel,
  trans: TranslationBundle,
  vault: VaultModel,
  catalog: CatalogModel
): IDisposable {
  const { commands } = app;
  const disposables = new DisposableSet();
  const focusLater = new Timeout();
  disposables.add(new DisposableDelegate(() => focusLater.cancel()));

  disposables.add(
    commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Open the Vault JWT panel'),
      caption: trans.__('Show your id_token and Vault session'),
      icon: vaultKeyIcon,
      execute: async () => {
        app.shell.activateById(PANEL_ID);
        // After the command palette (if it ran this) has put the focus back
        // where it was: the search box (or the panel, until its views load).
        await new Promise<void>(resolve =>
          focusLater.set(FOCUS_DELAY_MS, resolve)
        );
        // Unless the user has moved on to something modal meanwhile (the
        // palette again, a dialog, a menu).
        const active = document.activeElement;
        if (active?.closest('.lm-CommandPalette, .jp-Dialog, .lm-Menu')) {
          return;
        }
        const panel = document.getElementById(PANEL_ID);
        (
          panel?.querySelector<HTMLElement>('.jp-VaultJwt-search') ?? panel
        )?.focus();
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
      isEnabled: () => model.canCopy,
      execute: async () => {
        if (!model.canCopy) {
          return;
        }
        // The browser does not hold the raw token: ask the server for it
        // (POST, XSRF-checked), put it on the clipboard and forget it.
        let token: string;
        try {
          token = await model.fetchTokenForCopy();
        } catch (error) {
          Notification.error(
            trans.__(
              'The id_token could not be copied: %1',
              (error as Error).message
            ),
            { autoClose: 8000 }
          );
          return;
        }
        Clipboard.copyToSystem(token);
        Notification.info(trans.__('id_token copied to the clipboard.'), {
          autoClose: 3000
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.vaultLogin, {
      label: trans.__('Log in to Vault'),
      caption: trans.__('Log in to Vault with your id_token'),
      isEnabled: () => vault.canLogin,
      execute: async () => {
        await vault.login();
        const error = vault.state.error ?? vault.state.status?.error;
        if (!vault.loggedIn && error) {
          // Short enough to show whole; the details are in the panel.
          Notification.error(
            trans.__(
              'Vault log in failed: %1 See the Vault JWT panel.',
              plainError(error, trans).sentence
            ),
            { autoClose: 8000 }
          );
        }
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.vaultLogout, {
      label: trans.__('Log out of Vault'),
      caption: trans.__(
        'Revoke the Vault token; no automatic log in until you log in again'
      ),
      isEnabled: () => vault.canLogout,
      execute: () => vault.logout()
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.vaultUseTokenFile, {
      label: trans.__('Use the session’s Vault token in the token file'),
      caption: trans.__(
        'Replace the token in the token file (e.g. ~/.vault-token), which this server did not write, with the session’s token'
      ),
      isEnabled: () => vault.canUseTokenFile,
      execute: async () => {
        await vault.useTokenFile();
        const error = vault.state.error;
        if (error) {
          Notification.error(
            trans.__(
              'Writing the token file failed: %1 See the Vault JWT panel.',
              plainError(error, trans).sentence
            ),
            { autoClose: 8000 }
          );
        }
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.reloadCatalog, {
      label: trans.__('Reload the catalog of Vault secrets'),
      caption: trans.__(
        'List your readable secrets again, bypassing the server cache'
      ),
      isEnabled: () => catalog.canReload,
      execute: () => catalog.reload()
    })
  );

  // Keep enabled states (toolbar buttons, palette, menus) in step with the
  // models. The catalog emits on every keystroke in the tree: only a change
  // of whether it can reload matters here.
  const refreshStates = () => commands.notifyCommandChanged();
  let couldReload = catalog.canReload;
  const catalogChanged = () => {
    if (catalog.canReload !== couldReload) {
      couldReload = catalog.canReload;
      refreshStates();
    }
  };
  model.stateChanged.connect(refreshStates);
  vault.stateChanged.connect(refreshStates);
  catalog.stateChanged.connect(catalogChanged);
  disposables.add(
    new DisposableDelegate(() => {
      model.stateChanged.disconnect(refreshStates);
      vault.stateChanged.disconnect(refreshStates);
      catalog.stateChanged.disconnect(catalogChanged);
    })
  );
  return disposables;
}
