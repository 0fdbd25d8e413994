import { ISessionContext } from '@jupyterlab/apputils';
import { CodeEditor } from '@jupyterlab/codeeditor';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { InsertMode } from '../tokens';

/*
 * Where snippets go: the notebook or code console in the main area, its
 * kernel's language, and the insertion itself (a new code cell below the
 * active cell, or the cursor of the active code cell / the console prompt).
 * No React, no Vault: it only moves text into cells.
 */

/** The parts of a code cell the inserter edits. */
export interface ICodeCellLike {
  /** The cell's editor (null while the cell is not rendered). */
  readonly editor: CodeEditor.IEditor | null;
  /** The cell's model (its shared source). */
  readonly model: {
    readonly type: string;
    readonly sharedModel: {
      getSource(): string;
      updateSource(start: number, end: number, value: string): void;
    };
  };
}

/** The parts of a notebook panel the inserter uses (`NotebookPanel`). */
export interface INotebookLike extends Widget {
  readonly sessionContext: ISessionContext;
  readonly content: {
    activeCellIndex: number;
    readonly activeCell: ICodeCellLike | null;
    mode: 'command' | 'edit';
    readonly model: {
      readonly sharedModel: {
        insertCell(
          index: number,
          cell: { cell_type: 'code'; source: string; metadata: object }
        ): unknown;
      };
      readonly metadata?: Record<string, unknown>;
    } | null;
    activate(): void;
  };
}

/** The parts of a code console panel the inserter uses (`ConsolePanel`). */
export interface IConsoleLike extends Widget {
  readonly sessionContext: ISessionContext;
  readonly console: {
    readonly promptCell: ICodeCellLike | null;
  };
}

/** Which notebooks and consoles exist (the app's trackers). */
export interface IInsertTrackers {
  /** `INotebookTracker.has`, or null without notebooks. */
  isNotebook(widget: Widget): widget is INotebookLike;
  /** `IConsoleTracker.has`, or null without consoles. */
  isConsole(widget: Widget): widget is IConsoleLike;
}

/** The main area (the app shell). */
export interface IInsertShell {
  /** The main area's current widget. */
  readonly currentWidget: Widget | null;
  /** Emitted when it changes. */
  readonly currentChanged?: ISignal<unknown, unknown>;
  /** Bring a widget to the front and focus it. */
  activateById(id: string): void;
}

/** Where a snippet would go right now. */
export interface IInsertTarget {
  /** A notebook or a code console. */
  readonly kind: 'notebook' | 'console';
  /** Its title, for messages (`Untitled.ipynb`). */
  readonly label: string;
  /**
   * Its kernel's language (kernelspec `language`, lowercased: `python`,
   * `r`, `bash`), or null while no kernel is known.
   */
  readonly language: string | null;
  /**
   * Whether it is the main area's current tab; false when another kind of
   * tab (the Launcher, Settings) is in front and this is the last notebook
   * or console used.
   */
  readonly current: boolean;
}

/** What an insertion did. */
export interface IInsertResult {
  /** Where the code went. */
  readonly where: 'new-cell' | 'cursor' | 'prompt';
  /** The notebook or console. */
  readonly target: IInsertTarget;
}

/** Thrown when there is nowhere to insert; the message is for the user. */
export class NoInsertTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoInsertTargetError';
  }
}

/** Options of {@link SnippetInserter}. */
export interface ISnippetInserterOptions {
  /** The app shell (its main area). */
  shell: IInsertShell;
  /** Which widgets are notebooks and consoles. */
  trackers: IInsertTrackers;
  /**
   * The `language` of an installed kernelspec by name (the kernel spec
   * manager), for a kernel that has not started yet.
   */
  specLanguage?: (name: string) => string | undefined;
}

/**
 * Follows the notebook or code console in the main area and its kernel's
 * language, and inserts code into it.
 *
 * The target is the main area's current widget when it is a notebook or a
 * console, else the last notebook or console that was (until it is
 * closed); clicking in the sidebar does not change it.
 */
export class SnippetInserter implements IDisposable {
  /**
   * @param options the shell and the trackers
   */
  constructor(options: ISnippetInserterOptions) {
    this._shell = options.shell;
    this._trackers = options.trackers;
    this._specLanguage = options.specLanguage ?? (() => undefined);
    this._shell.currentChanged?.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
  }

  /** Emitted when the target or its kernel language changes. */
  get changed(): ISignal<this, IInsertTarget | null> {
    return this._changed;
  }

  /** Where a snippet would go now, or null (see {@link noTargetReason}). */
  get target(): IInsertTarget | null {
    const widget = this._widget;
    if (!widget) {
      return null;
    }
    return {
      kind: this._trackers.isNotebook(widget) ? 'notebook' : 'console',
      label: widget.title.label,
      language: this._language ?? this._pendingLanguage(widget),
      current: this._shell.currentWidget === widget
    };
  }

  /** Why there is no target (for disabled commands and buttons). */
  get noTargetReason(): string {
    return 'Open a notebook or a code console to insert a snippet.';
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Look at the main area again (also called on its `currentChanged`).
   * Exposed for shells without that signal.
   */
  update(): void {
    this._onCurrentChanged();
  }

  /**
   * Insert code into the target and bring it to the front.
   *
   * In a notebook, `new-cell-below` adds a code cell below the active cell
   * and makes it active (in command mode, so Shift+Enter runs it);
   * `cursor` inserts at the cursor (replacing the selection) of the active
   * cell when it is a code cell, else falls back to a new cell below. In a
   * console the code goes to the prompt at its cursor, on a line of its own.
   *
   * @param code the code to insert
   * @param mode where it goes in a notebook
   * @throws NoInsertTargetError when there is no notebook or console
   */
  insert(code: string, mode: InsertMode): IInsertResult {
    const widget = this._widget;
    const target = this.target;
    if (!widget || !target) {
      throw new NoInsertTargetError(this.noTargetReason);
    }
    let where: IInsertResult['where'];
    if (this._trackers.isNotebook(widget)) {
      const notebook = widget.content;
      const active = notebook.activeCell;
      if (mode === 'cursor' && active && active.model.type === 'code') {
        insertAtCursor(active, code);
        where = 'cursor';
      } else {
        const model = notebook.model;
        if (!model) {
          throw new NoInsertTargetError(
            `${target.label} is still loading; try again in a moment.`
          );
        }
        const index = notebook.activeCellIndex + 1;
        model.sharedModel.insertCell(index, {
          cell_type: 'code',
          source: code,
          metadata: {}
        });
        notebook.activeCellIndex = index;
        notebook.mode = 'command';
        where = 'new-cell';
      }
      this._shell.activateById(widget.id);
      notebook.activate();
    } else if (this._trackers.isConsole(widget)) {
      const prompt = widget.console.promptCell;
      if (!prompt) {
        throw new NoInsertTargetError(
          `${target.label} has no prompt yet; try again in a moment.`
        );
      }
      insertAtCursor(prompt, code);
      where = 'prompt';
      this._shell.activateById(widget.id);
      prompt.editor?.focus();
    } else {
      throw new NoInsertTargetError(this.noTargetReason);
    }
    return { where, target };
  }

  /** Stop following the shell. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._shell.currentChanged?.disconnect(this._onCurrentChanged, this);
    this._watch(null);
    Signal.clearData(this);
  }

  private _onCurrentChanged(): void {
    const current = this._shell.currentWidget;
    const isTarget =
      current !== null &&
      (this._trackers.isNotebook(current) || this._trackers.isConsole(current));
    if (isTarget && current !== this._widget) {
      this._watch(current);
    }
    // Another kind of tab keeps the last notebook or console as the target
    // (no longer current: the picker says so).
    const isCurrent = this._widget !== null && this._widget === current;
    if (isTarget || isCurrent !== this._wasCurrent) {
      this._wasCurrent = isCurrent;
      this._changed.emit(this.target);
    }
  }

  /** Follow a widget's kernel (and its disposal). */
  private _watch(widget: INotebookLike | IConsoleLike | null): void {
    const previous = this._widget;
    if (previous) {
      previous.sessionContext.kernelChanged.disconnect(this._onKernel, this);
      previous.disposed.disconnect(this._onDisposed, this);
    }
    this._widget = widget;
    this._language = null;
    if (widget) {
      widget.sessionContext.kernelChanged.connect(this._onKernel, this);
      widget.disposed.connect(this._onDisposed, this);
      this._onKernel();
    }
  }

  /**
   * Before the kernel tells its language: the notebook's metadata, else the
   * kernelspec the session will start (or has started).
   */
  private _pendingLanguage(
    widget: INotebookLike | IConsoleLike
  ): string | null {
    const fromMetadata = languageFromMetadata(widget);
    if (fromMetadata) {
      return fromMetadata;
    }
    const context = widget.sessionContext;
    const name =
      context.session?.kernel?.name ?? context.kernelPreference?.name ?? null;
    const language = name ? this._specLanguage(name) : undefined;
    return language ? language.trim().toLowerCase() : null;
  }

  private _onDisposed(): void {
    this._watch(null);
    this._changed.emit(null);
  }

  /** Read the kernel's language from its kernelspec (async). */
  private _onKernel(): void {
    const widget = this._widget;
    const kernel = widget?.sessionContext.session?.kernel;
    const seq = ++this._languageSeq;
    if (!widget || !kernel) {
      return;
    }
    void kernel.spec
      .then(spec => spec?.language)
      .catch(() => undefined)
      .then(async language => {
        if (language) {
          return language;
        }
        // A kernelspec without a language: ask the kernel itself.
        const info = await kernel.info.catch(() => undefined);
        return info?.language_info?.name;
      })
      .then(language => {
        if (seq !== this._languageSeq || this._widget !== widget) {
          return;
        }
        const next = language ? language.trim().toLowerCase() : null;
        if (next && next !== this._language) {
          this._language = next;
          this._changed.emit(this.target);
        }
      });
  }

  private _shell: IInsertShell;
  private _trackers: IInsertTrackers;
  private _specLanguage: (name: string) => string | undefined;
  private _widget: INotebookLike | IConsoleLike | null = null;
  private _language: string | null = null;
  private _languageSeq = 0;
  private _wasCurrent = false;
  private _isDisposed = false;
  private _changed = new Signal<this, IInsertTarget | null>(this);
}

/**
 * Insert code at a cell's cursor, replacing the selection, on lines of its
 * own (a newline is added before it when the cursor is not at the start of a
 * line, and after it when text follows on the line); the cursor ends after
 * the code. Without a rendered editor the code is appended.
 */
export function insertAtCursor(cell: ICodeCellLike, code: string): void {
  const source = cell.model.sharedModel.getSource();
  const editor = cell.editor;
  let start = source.length;
  let end = source.length;
  if (editor) {
    const selection = editor.getSelection();
    const a = editor.getOffsetAt(selection.start);
    const b = editor.getOffsetAt(selection.end);
    start = Math.min(a, b);
    end = Math.max(a, b);
  }
  const before = start > 0 && source[start - 1] !== '\n' ? '\n' : '';
  const after = end < source.length && source[end] !== '\n' ? '\n' : '';
  const text = before + code + after;
  cell.model.sharedModel.updateSource(start, end, text);
  if (editor) {
    const position = editor.getPositionAt(start + before.length + code.length);
    if (position) {
      editor.setCursorPosition(position);
    }
  }
}

/** The language a notebook's saved metadata names, before its kernel runs. */
function languageFromMetadata(
  widget: INotebookLike | IConsoleLike
): string | null {
  const metadata = (widget as INotebookLike).content?.model?.metadata;
  const kernelspec = metadata?.kernelspec as { language?: unknown } | undefined;
  const info = metadata?.language_info as { name?: unknown } | undefined;
  const language = kernelspec?.language ?? info?.name;
  return typeof language === 'string' && language.trim()
    ? language.trim().toLowerCase()
    : null;
}
