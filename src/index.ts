import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IConsoleTracker } from '@jupyterlab/console';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  IFormRenderer,
  IFormRendererRegistry
} from '@jupyterlab/ui-components';

import { CatalogModel } from './catalog/model';
import { ILeakNotices } from './redaction/tokens';
import { redactionPlugin } from './redaction/plugin';
import { addCommands } from './commands';
import { plainError } from './session/messages';
import { LazyTemplatesField } from './snippets/lazyTemplatesField';
import { IdentityClient, IdentityModel } from './identity/model';
import {
  IConsoleLike,
  IInsertShell,
  INotebookLike,
  SnippetInserter
} from './snippets/inserter';
import { SecretActions } from './catalog/secretActions';
import { SignInClient, SignInModel } from './signin/model';
import { addSnippetCommands, fillDragData } from './snippets/commands';
import { CommandIDs, IVaultJwtSettings, PLUGIN_ID, STATUS_ID } from './tokens';
import { VaultClient, VaultModel } from './vault/model';
import { addS3Commands } from './s3/commands';
import { S3Client, S3Model } from './s3/model';
import { VaultJwtPanel } from './widgets/panel';
import { SessionStatus } from './widgets/status';

/** The hub's home page when running under JupyterHub, else null. */
function hubHomeUrl(): string | null {
  const prefix = PageConfig.getOption('hubPrefix');
  if (!prefix) {
    return null;
  }
  return URLExt.join(PageConfig.getOption('hubHost') || '', prefix, 'home');
}

/**
 * The main plugin: sidebar panel, commands, status-bar countdown and settings.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Shows your OIDC id_token, keeps it fresh through JupyterHub, logs in to Vault with it and lists your readable secrets.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ILabShell,
    IStatusBar,
    ITranslator,
    INotebookTracker,
    IConsoleTracker,
    IFormRendererRegistry,
    ILeakNotices
  ],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null,
    formRegistry: IFormRendererRegistry | null,
    leaks: ILeakNotices | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab-vault-jwt');
    const model = new IdentityModel({
      client: new IdentityClient(app.serviceManager.serverSettings)
    });
    const vaultClient = new VaultClient(app.serviceManager.serverSettings);
    const vault = new VaultModel({ client: vaultClient, identity: model });
    const catalog = new CatalogModel({ client: vaultClient, session: vault });
    addCommands(app, model, trans, vault, catalog);
    const s3 = new S3Model({
      client: new S3Client(app.serviceManager.serverSettings)
    });
    addS3Commands(app.commands, s3, trans, {
      language: () => inserter.target?.language,
      insert: code => void inserter.insert(code, vault.settings.insertMode)
    });
    // Sign-in from the panel (outside JupyterHub): the server holds the tokens;
    // once signed in, the identity is read again and Vault logs in with it.
    const signin = new SignInModel({
      client: new SignInClient(app.serviceManager.serverSettings)
    });
    signin.signedIn.connect(async () => {
      await model.refresh();
      if (signin.state.reply?.method === 'vault-oidc') {
        // Vault's own OIDC sign-in: the server already holds the Vault token.
        await vault.load();
      } else {
        await app.commands.execute(CommandIDs.vaultLogin);
      }
    });
    signin.signedOut.connect(() => {
      void model.refresh();
      void vault.load();
    });
    // A Vault OIDC sign-in ends with its Vault token (max TTL): the Sign-in
    // card then offers Sign in again.
    vault.stateChanged.connect((_, state) => {
      if (
        state.status?.error?.code === 'vault_oidc_signin_ended' &&
        signin.state.reply?.state === 'signed_in'
      ) {
        void signin.load();
      }
    });

    // Snippets: where they go, what they read, and their commands.
    const inserter = new SnippetInserter({
      shell: app.shell as unknown as IInsertShell,
      trackers: {
        isNotebook: (widget): widget is INotebookLike =>
          notebooks?.has(widget) ?? false,
        isConsole: (widget): widget is IConsoleLike =>
          consoles?.has(widget) ?? false
      },
      specLanguage: name =>
        app.serviceManager.kernelspecs.specs?.kernelspecs[name]?.language
    });
    const actions = new SecretActions({
      vaultStatus: () => vault.state.status,
      catalogIndex: () => catalog.state.index,
      keyNames: () => catalog.state.keys?.reply ?? null,
      target: () => inserter.target,
      insert: (code, mode) => inserter.insert(code, mode),
      settings: () => vault.settings
    });
    addSnippetCommands(app, {
      vault,
      catalog,
      client: vaultClient,
      actions,
      inserter,
      trans
    });
    const insertSnippet = (id: string, key: string | null) =>
      void app.commands.execute(CommandIDs.insertSnippet, { id, key });
    catalog.insertRequested.connect((_, id) => insertSnippet(id, null));
    // The Settings Editor shows template problems as you type.
    formRegistry?.addRenderer(`${PLUGIN_ID}.snippetTemplates`, {
      fieldRenderer: LazyTemplatesField as unknown as NonNullable<
        IFormRenderer['fieldRenderer']
      >
    });

    const home = hubHomeUrl();
    let lastNotified: string | null = null;
    model.refreshFailed.connect((_, error) => {
      // One notification per distinct failure, not one per retry.
      if (lastNotified === error.code) {
        return;
      }
      lastNotified = error.code;
      if (error.code === 'refresh_rate_limited') {
        // The server's rate limit: the panel asks again by itself when it
        // says; nothing to do at the hub.
        Notification.warning(trans.__('id_token: %1', error.message), {
          autoClose: 10_000
        });
        return;
      }
      const actions = home
        ? [
            {
              label: trans.__('Log in at the hub'),
              callback: () => window.open(home, '_blank', 'noopener')
            }
          ]
        : [];
      // Short enough to show whole; the details are in the panel.
      Notification.error(
        trans.__(
          '%1 See the Vault JWT panel.',
          plainError(error, trans).sentence
        ),
        {
          autoClose: false,
          actions
        }
      );
    });
    model.stateChanged.connect((_, state) => {
      if (!state.error) {
        lastNotified = null;
      }
    });

    const panel = new VaultJwtPanel({
      model,
      trans,
      hubHomeUrl: home,
      onRefresh: () => void app.commands.execute(CommandIDs.refreshToken),
      onCopy: () => void app.commands.execute(CommandIDs.copyToken),
      vault,
      catalog,
      onLogin: () => void app.commands.execute(CommandIDs.vaultLogin),
      onLogout: () => void app.commands.execute(CommandIDs.vaultLogout),
      onReload: () => void app.commands.execute(CommandIDs.reloadCatalog),
      onUseTokenFile: () =>
        void app.commands.execute(CommandIDs.vaultUseTokenFile),
      signin,
      s3,
      onS3Renew: () => void app.commands.execute(CommandIDs.s3Renew),
      onS3Revoke: () => void app.commands.execute(CommandIDs.s3Revoke),
      onS3Insert: (bucket, key) =>
        void app.commands.execute(
          CommandIDs.s3InsertSnippet,
          key ? { bucket, key } : { bucket }
        ),
      leaks,
      inserter,
      onInsert: insertSnippet,
      onDragStart: (id, key, transfer) =>
        fillDragData(actions, { id, key }, transfer),
      ready: () => actions.ready()
    });
    app.shell.add(panel, 'left', { rank: 850 });
    restorer?.add(panel, 'jupyterlab-vault-jwt');

    if (statusBar) {
      const status = new SessionStatus({
        model,
        vault,
        catalog,
        trans,
        onClick: () => void app.commands.execute(CommandIDs.openPanel)
      });
      statusBar.registerStatusItem(STATUS_ID, {
        item: status,
        align: 'left',
        rank: 50
      });
    }

    if (palette) {
      const category = trans.__('Vault JWT');
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.refreshToken,
        CommandIDs.copyToken,
        CommandIDs.vaultLogin,
        CommandIDs.vaultLogout,
        CommandIDs.vaultUseTokenFile,
        CommandIDs.reloadCatalog,
        CommandIDs.openPicker,
        CommandIDs.s3Renew,
        CommandIDs.s3Revoke
      ]) {
        palette.addItem({ command, category });
      }
    }

    // Settings and the first load wait for the app: activate stays fast.
    void app.restored.then(async () => {
      try {
        const settings = await settingRegistry.load(PLUGIN_ID);
        const apply = () => {
          const composite = settings.composite as unknown as IVaultJwtSettings;
          model.configure(composite);
          vault.configure(composite);
        };
        apply();
        settings.changed.connect(apply);
      } catch (error) {
        console.warn('jupyterlab-vault-jwt: settings not loaded', error);
      }
      // The Vault session loads beside the identity; it logs in once both
      // are there (see VaultModel).
      await Promise.all([model.load(), vault.load(), signin.load(), s3.load()]);
    });
  }
};

export default [plugin, redactionPlugin];
