/**
 * The leak notice's state (no React): for each open notebook the last scan
 * that found Vault secret values in its outputs (which secret in which
 * cell), and which notebook is current. The panel shows the current
 * notebook's notice; the plugin reports scans and follows the notebooks.
 * Loaded on first use (see ./tokens.ts).
 */

import { ISignal, Signal } from '@lumino/signaling';

/** A notebook the notice can act on (the plugin wraps a NotebookPanel). */
export interface ILeakTarget {
  /** The notebook widget's id (stable while it is open). */
  readonly id: string;
  /** The notebook's title, for the notice. */
  readonly name: string;
  /** The index of the cell with this id now, or -1 when it is gone. */
  indexOf(cellId: string): number;
  /** Show the notebook, select the cell and scroll it into view. */
  reveal(cellId: string): void;
  /** Clear the outputs of these cells; how many were cleared. */
  clearOutputs(cellIds: readonly string[]): number;
}

/** One cell whose outputs hold values, as the panel shows it. */
export interface ILeak {
  /** The cell's id (stays right when cells move). */
  cellId: string;
  /** The cell's index now (from 0). */
  index: number;
  /** `mount/path#key` of each secret found (never a value). */
  secrets: readonly string[];
}

/** What the panel shows for the current notebook. */
export interface ILeakNotice {
  /** The notebook's id and title. */
  notebookId: string;
  notebook: string;
  /** The cells that hold values, in notebook order. */
  leaks: readonly ILeak[];
}

/** The result of one scan of a notebook. */
interface IEntry {
  target: ILeakTarget;
  leaks: { cellId: string; secrets: readonly string[] }[];
}

/** Open notebooks' leaks and the current notebook (see the module's description). */
export class LeakNoticeModel {
  /** Emitted when the notice shown may have changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The current notebook's notice, or null (none found, cleared, dismissed). */
  get notice(): ILeakNotice | null {
    const entry = this._current ? this._entries.get(this._current) : undefined;
    if (!entry) {
      return null;
    }
    const leaks = entry.leaks
      .map(leak => ({ ...leak, index: entry.target.indexOf(leak.cellId) }))
      .filter(leak => leak.index >= 0)
      .sort((a, b) => a.index - b.index);
    return leaks.length
      ? { notebookId: entry.target.id, notebook: entry.target.name, leaks }
      : null;
  }

  /**
   * The result of a scan of `target`: the cells (by id) whose outputs hold
   * values. An empty list removes the notebook's notice.
   */
  report(
    target: ILeakTarget,
    leaks: readonly { cellId: string; secrets: readonly string[] }[]
  ): void {
    if (leaks.length) {
      this._entries.set(target.id, { target, leaks: [...leaks] });
    } else {
      this._entries.delete(target.id);
    }
    this._changed.emit();
  }

  /** Whether the notebook `id` has a notice (shown or not). */
  has(id: string): boolean {
    return this._entries.has(id);
  }

  /** The notebook now current (null: none). */
  setCurrent(id: string | null): void {
    if (id !== this._current) {
      this._current = id;
      this._changed.emit();
    }
  }

  /** The notebook's cells moved or changed: the notice is shown again. */
  refresh(id: string): void {
    if (this._entries.has(id)) {
      this._changed.emit();
    }
  }

  /** A notebook was closed: its notice goes. */
  forget(id: string): void {
    if (this._entries.delete(id)) {
      this._changed.emit();
    }
  }

  /** Show a cell of the current notice in its notebook. */
  reveal(cellId: string): void {
    this._currentEntry()?.target.reveal(cellId);
  }

  /**
   * Clear the outputs of the current notice's cells (the notice goes).
   *
   * @returns how many cells were cleared
   */
  clearOutputs(): number {
    const entry = this._currentEntry();
    if (!entry) {
      return 0;
    }
    this._entries.delete(entry.target.id);
    const cleared = entry.target.clearOutputs(entry.leaks.map(l => l.cellId));
    this._changed.emit();
    return cleared;
  }

  /** Hide the current notice (until the notebook is scanned again). */
  dismiss(): void {
    if (this._current) {
      this.forget(this._current);
    }
  }

  private _currentEntry(): IEntry | undefined {
    return this._current ? this._entries.get(this._current) : undefined;
  }

  private _changed = new Signal<this, void>(this);
  private _entries = new Map<string, IEntry>();
  private _current: string | null = null;
}
