/**
 * The object storage commands (renew, revoke, insert a bucket's snippet):
 * what the card's buttons run, also in the palette.
 */
import { Notification } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { DisposableSet, IDisposable } from '@lumino/disposable';
import { TranslationBundle } from '@jupyterlab/translation';

import { S3Model } from './model';
import { s3Snippet } from './snippets';
import { CommandIDs } from '../tokens';

/** Where a snippet goes: the kernel language of the target, and the insertion. */
export interface IS3SnippetSink {
  /** The target's kernel language (null: no target, or kernel not known). */
  language: () => string | null | undefined;
  /** Insert code into the target (throws when there is none). */
  insert: (code: string) => void;
}

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
  trans: TranslationBundle,
  sink?: IS3SnippetSink
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
  if (sink) {
    disposables.add(
      commands.addCommand(CommandIDs.s3InsertSnippet, {
        label: trans.__('Insert code that reads this bucket or object'),
        caption: trans.__(
          'Insert code for the kernel (Python, R or Bash) that reads the bucket or one object (args: bucket, key) with the S3 profile'
        ),
        isEnabled: () => s3.active,
        execute: args => {
          const status = s3.state.status;
          const bucket = args.bucket as string | undefined;
          if (!status || !bucket) {
            return;
          }
          try {
            sink.insert(
              s3Snippet(sink.language() ?? null, {
                endpoint: status.s3_endpoint,
                region: status.region,
                profile: status.profile,
                bucket,
                key: (args.key as string | undefined) ?? null
              })
            );
          } catch (error) {
            Notification.error(String((error as Error)?.message ?? error), {
              autoClose: 8000
            });
          }
        }
      })
    );
  }
  // Enabled states follow the model (disconnected when it is disposed).
  s3.stateChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.s3Renew);
    commands.notifyCommandChanged(CommandIDs.s3Revoke);
  });
  return disposables;
}
