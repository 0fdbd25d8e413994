/**
 * What the user is told about a scan: a warning naming each secret and its
 * cell, with an action that clears those outputs; a short note when nothing
 * was found (only when the user asked).
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import {
  INotebookModelLike,
  IRedactionClient,
  clearFindings,
  describeFindings
} from './checker';

/** Options of {@link scanAndWarn}. */
export interface IScanOptions {
  /** The notebook's title, for the message. */
  name: string;
  /** True for the automatic check on opening: silent unless values are found. */
  quiet: boolean;
}

/**
 * Scan `model` and warn when its outputs hold values.
 *
 * @returns the number of cells holding values, or null when the scan failed
 */
export async function scanAndWarn(
  client: IRedactionClient,
  model: INotebookModelLike,
  trans: TranslationBundle,
  options: IScanOptions
): Promise<number | null> {
  let reply;
  try {
    reply = await client.scan(model.toJSON());
  } catch (error) {
    if (!options.quiet) {
      Notification.error(
        trans.__(
          'Could not scan %1 for Vault secrets: %2',
          options.name,
          (error as Error).message
        ),
        { autoClose: 10_000 }
      );
    }
    return null;
  }
  const { findings, unreadable } = reply;
  if (findings.length > 0) {
    const id = Notification.warning(
      trans.__(
        '%1 holds Vault secret values in its outputs:\n%2',
        options.name,
        describeFindings(findings, trans)
      ),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('Clear those outputs'),
            caption: trans.__(
              'Clear the outputs of the cells that hold values (then save the notebook).'
            ),
            callback: () => {
              const cleared = clearFindings(model, findings);
              Notification.dismiss(id);
              Notification.success(
                trans.__('Cleared the outputs of %1 cell(s).', cleared),
                { autoClose: 5_000 }
              );
            }
          }
        ]
      }
    );
  } else if (!options.quiet) {
    const note =
      unreadable.length > 0
        ? trans.__(
            ' (not checked: %1, which could not be read)',
            unreadable.join(', ')
          )
        : '';
    Notification.info(
      trans.__(
        'No Vault secret values in the outputs of %1%2.',
        options.name,
        note
      ),
      { autoClose: 5_000 }
    );
  }
  return findings.length;
}
