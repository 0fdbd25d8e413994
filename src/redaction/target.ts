/**
 * A notebook as the leak notice acts on it: its cells found by id, a cell
 * shown (the notebook activated, the cell selected and scrolled into view),
 * outputs cleared; and the leak notices' model following the current
 * notebook. Loaded with the checks (not part of the start-up bundle).
 */

import { ILeakTarget, LeakNoticeModel } from './leaks';

/** The part of a NotebookPanel the target uses (a fake in specs). */
export interface INotebookPanelLike {
  readonly id: string;
  /** Emitted when the notebook is closed. */
  readonly disposed?: { connect(slot: () => void): unknown };
  readonly title: { readonly label: string };
  readonly model: {
    readonly cells: {
      readonly length: number;
      get(index: number): {
        readonly id: string;
        readonly type: string;
        readonly outputs?: { clear(): void };
      };
    };
  } | null;
  readonly content: {
    activeCellIndex: number;
    deselectAll(): void;
    readonly widgets: readonly unknown[];
    scrollToCell(cell: never, align?: 'center'): Promise<void>;
  };
}

/** `panel` as a leak target; `activate` brings the notebook to the front. */
export function notebookTarget(
  panel: INotebookPanelLike,
  activate: (id: string) => void
): ILeakTarget {
  const indexOf = (cellId: string): number => {
    const cells = panel.model?.cells;
    for (let i = 0; cells && i < cells.length; i++) {
      if (cells.get(i).id === cellId) {
        return i;
      }
    }
    return -1;
  };
  return {
    id: panel.id,
    get name() {
      return panel.title.label;
    },
    indexOf,
    reveal: cellId => {
      const index = indexOf(cellId);
      if (index < 0) {
        return;
      }
      activate(panel.id);
      const notebook = panel.content;
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      void notebook.scrollToCell(notebook.widgets[index] as never, 'center');
    },
    clearOutputs: cellIds => {
      let cleared = 0;
      for (const cellId of cellIds) {
        const index = indexOf(cellId);
        const outputs =
          index < 0 ? null : panel.model!.cells.get(index).outputs;
        if (outputs) {
          outputs.clear();
          cleared++;
        }
      }
      return cleared;
    }
  };
}

/** The part of the notebook tracker {@link followedModel} uses. */
export interface INotebookTrackerLike {
  readonly currentWidget: { readonly id: string } | null;
  readonly currentChanged: {
    connect(
      slot: (sender: unknown, panel: { id: string } | null) => void
    ): unknown;
  };
}

/** A leak notices' model that follows the tracker's current notebook. */
export function followedModel(
  notebooks: INotebookTrackerLike
): LeakNoticeModel {
  const model = new LeakNoticeModel();
  model.setCurrent(notebooks.currentWidget?.id ?? null);
  notebooks.currentChanged.connect((_, panel) =>
    model.setCurrent(panel?.id ?? null)
  );
  return model;
}
