/**
 * The object storage commands (renew, revoke): what the card's buttons run,
 * also in the palette.
 */
import { CommandRegistry } from '@lumino/commands';
import { DisposableSet, IDisposable } from '@lumino/disposable';
import { TranslationBundle } from '@jupyterlab/translation';

import { S3Model } from './model';
import { CommandIDs } from '../tokens';

/**
 * Register the object storage commands.
 *
 * @param commands the application's command registry
 * @param s3 the object storage model
 * @param trans translations
 * @returns what removes them
 */
export function addS3Commands(
  commands: CommandRegistry,
  s3: S3Model,
  trans: TranslationBundle
): IDisposable {
  const disposables = new DisposableSet();
  disposables.add(
    commands.addCommand(CommandIDs.s3Renew, {
      label: trans.__('Renew the S3 credentials'),
      caption: trans.__(
        'Get new temporary S3 credentials with your identity (STS AssumeRoleWithWebIdentity)'
      ),
      isEnabled: () => s3.canRenew,
      execute: () => s3.renew()
    })
  );
  disposables.add(
    commands.addCommand(CommandIDs.s3Revoke, {
      label: trans.__('Revoke the S3 credentials'),
      caption: trans.__(
        'Remove the S3 credentials from the profile and stop renewing them'
      ),
      isEnabled: () => s3.canRevoke,
      execute: () => s3.revoke()
    })
  );
  // Enabled states follow the model (disconnected when it is disposed).
  s3.stateChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.s3Renew);
    commands.notifyCommandChanged(CommandIDs.s3Revoke);
  });
  return disposables;
}
