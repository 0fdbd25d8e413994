/**
 * What the user is told about a scan: the cells whose outputs hold values go
 * to the panel's leak notice (the model); a notebook opened while the panel
 * is hidden also gets a short notification pointing to the panel (it goes
 * with the notice); a scan asked for opens the panel, or says that nothing
 * was found.
 */

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { CommandIDs, PANEL_ID } from '../tokens';
import { IRedactionClient } from './checker';
import { LeakNoticeModel } from './leaks';
import { INotebookPanelLike, notebookTarget } from './target';

/** Options of {@link scanNotebook}. */
export interface IScanOptions {
  /** True for the automatic check on opening: silent unless values are found. */
  quiet: boolean;
  /** Whether the Vault JWT panel is visible now. */
  panelVisible: () => boolean;
  /** Open the Vault JWT panel. */
  openPanel: () => void;
  /** Bring a notebook to the front (by widget id). */
  activate: (id: string) => void;
}

/** The part of the app {@link appScanOptions} uses. */
export interface IAppLike {
  readonly shell: {
    widgets(area: 'left'): Iterable<{ id: string; isVisible: boolean }>;
    activateById(id: string): void;
  };
  readonly commands: { execute(id: string): Promise<unknown> };
}

/** The scan options of the app: its Vault JWT panel and notebooks. */
export function appScanOptions(app: IAppLike, quiet: boolean): IScanOptions {
  return {
    quiet,
    panelVisible: () =>
      Array.from(app.shell.widgets('left')).some(
        widget => widget.id === PANEL_ID && widget.isVisible
      ),
    openPanel: () => void app.commands.execute(CommandIDs.openPanel),
    activate: id => app.shell.activateById(id)
  };
}

/** A notebook panel whose model can be sent to the scan. */
export interface IScannable extends INotebookPanelLike {
  readonly model:
    (NonNullable<INotebookPanelLike['model']> & { toJSON(): unknown }) | null;
}

/**
 * Scan `panel`'s notebook and put what it holds into `leaks`.
 *
 * @returns the number of cells holding values, or null when the scan failed
 */
export async function scanNotebook(
  client: IRedactionClient,
  panel: IScannable,
  leaks: LeakNoticeModel,
  trans: TranslationBundle,
  options: IScanOptions
): Promise<number | null> {
  const model = panel.model;
  if (!model) {
    return null;
  }
  // The cells' ids as sent: a finding names a cell by its index in the JSON.
  const ids: string[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    ids.push(model.cells.get(i).id);
  }
  let reply;
  try {
    reply = await client.scan(model.toJSON());
  } catch (error) {
    if (!options.quiet) {
      Notification.error(
        trans.__(
          'Could not scan %1 for Vault secrets: %2',
          panel.title.label,
          (error as Error).message
        ),
        { autoClose: 10_000 }
      );
    }
    return null;
  }
  const found = reply.findings.flatMap(finding =>
    ids[finding.cell] === undefined
      ? []
      : [{ cellId: ids[finding.cell], secrets: finding.secrets }]
  );
  follow(panel, leaks);
  leaks.report(notebookTarget(panel, options.activate), found);
  if (found.length > 0) {
    if (!options.quiet) {
      options.openPanel();
    } else if (!options.panelVisible()) {
      point(panel, leaks, trans, found.length, options);
    }
  } else if (!options.quiet) {
    const note =
      reply.unreadable.length > 0
        ? trans.__(
            ' (not checked: %1, which could not be read)',
            reply.unreadable.join(', ')
          )
        : '';
    Notification.info(
      trans.__(
        'No Vault secret values in the outputs of %1%2.',
        panel.title.label,
        note
      ),
      { autoClose: 5_000 }
    );
  }
  return found.length;
}

/** Panels whose cell changes already update the notice. */
const followed = new WeakSet<object>();

/** The notice follows the notebook's cells (moved, deleted), and goes with it. */
function follow(panel: IScannable, leaks: LeakNoticeModel): void {
  if (followed.has(panel)) {
    return;
  }
  followed.add(panel);
  const cells = panel.model?.cells as {
    changed?: { connect(slot: () => void): unknown };
  };
  cells?.changed?.connect(() => leaks.refresh(panel.id));
  panel.disposed?.connect(() => leaks.forget(panel.id));
}

/**
 * A short notification pointing to the panel (the panel is hidden); it goes
 * when the notebook's notice goes (cleared, dismissed, the notebook closed).
 */
function point(
  panel: IScannable,
  leaks: LeakNoticeModel,
  trans: TranslationBundle,
  cells: number,
  options: IScanOptions
): void {
  const id = Notification.warning(
    trans._n(
      '%2 holds Vault secret values in the outputs of %1 cell: see the Vault JWT panel.',
      '%2 holds Vault secret values in the outputs of %1 cells: see the Vault JWT panel.',
      cells,
      panel.title.label
    ),
    {
      autoClose: false,
      actions: [
        {
          label: trans.__('Show in the panel'),
          caption: trans.__(
            'Open the Vault JWT panel: which secret is in which cell, and clearing those outputs.'
          ),
          callback: () => {
            options.activate(panel.id);
            options.openPanel();
          }
        }
      ]
    }
  );
  const gone = () => {
    if (!leaks.has(panel.id)) {
      Notification.dismiss(id);
      leaks.changed.disconnect(gone);
    }
  };
  leaks.changed.connect(gone);
}
