/**
 * The user's redaction settings (`schema/redaction.json`), followed as they
 * change: whether to mask (sent to the server, which refuses to stop when
 * the administrator made masking mandatory) and whether to check notebooks
 * on opening. Loaded after start-up.
 */

import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { TranslationBundle } from '@jupyterlab/translation';

import { PACKAGE_NAME } from '../tokens';
import { RedactionClient } from './checker';

/** The plugin's id (its settings: `schema/redaction.json`). */
export const REDACTION_PLUGIN_ID = `${PACKAGE_NAME}:redaction`;

/** Load the settings, apply them now and on every change. */
export async function followSettings(
  registry: Pick<ISettingRegistry, 'load'>,
  client: Promise<Pick<RedactionClient, 'setEnabled'>>,
  trans: TranslationBundle,
  setCheckOnOpen: (check: boolean) => void
): Promise<void> {
  let settings: ISettingRegistry.ISettings;
  let sender: Pick<RedactionClient, 'setEnabled'>;
  try {
    [settings, sender] = await Promise.all([
      registry.load(REDACTION_PLUGIN_ID),
      client
    ]);
  } catch (error) {
    console.warn('jupyterlab-vault-jwt: redaction settings not loaded', error);
    return;
  }
  let sent: boolean | null = null;
  const apply = () => {
    setCheckOnOpen(settings.composite.checkOnOpen !== false);
    const enabled = settings.composite.enabled !== false;
    if (enabled === sent) {
      return;
    }
    sent = enabled;
    sender.setEnabled(enabled).catch((error: Error) => {
      Notification.warning(
        trans.__('Masking of Vault secret values: %1', error.message),
        { autoClose: 10_000 }
      );
    });
  };
  apply();
  settings.changed.connect(apply);
}
