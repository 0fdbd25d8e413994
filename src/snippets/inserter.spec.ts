import { CodeEditor } from '@jupyterlab/codeeditor';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  IConsoleLike,
  ICodeCellLike,
  IInsertShell,
  INotebookLike,
  NoInsertTargetError,
  SnippetInserter,
  insertAtCursor
} from './inserter';

/*
 * Fakes of JupyterLab's notebook, console, cell editor and shell (the
 * boundary the inserter talks to); the galata tests run the real ones.
 */

/** A fake cell: a source string and an editor with a selection over it. */
class FakeCell implements ICodeCellLike {
  constructor(
    public source = '',
    public type = 'code'
  ) {}
  selection = { start: 0, end: 0 };
  cursor = -1;
  rendered = true;

  get model() {
    return {
      type: this.type,
      sharedModel: {
        getSource: () => this.source,
        updateSource: (start: number, end: number, value: string) => {
          this.source =
            this.source.slice(0, start) + value + this.source.slice(end);
        }
      }
    };
  }

  get editor(): CodeEditor.IEditor | null {
    if (!this.rendered) {
      return null;
    }
    const position = (offset: number) => ({ line: 0, column: offset });
    return {
      getSelection: () => ({
        uuid: 'x',
        start: position(this.selection.start),
        end: position(this.selection.end)
      }),
      getOffsetAt: (p: CodeEditor.IPosition) => p.column,
      getPositionAt: (offset: number) => position(offset),
      setCursorPosition: (p: CodeEditor.IPosition) => {
        this.cursor = p.column;
      },
      focus: () => undefined
    } as unknown as CodeEditor.IEditor;
  }
}

/** A fake session context whose kernel reports a kernelspec language. */
function fakeSession(language: string | null) {
  const context = {
    kernelChanged: new Signal<unknown, unknown>({}),
    session: {
      kernel:
        language === null
          ? null
          : {
              spec: Promise.resolve({ language }),
              info: Promise.resolve({ language_info: { name: language } })
            }
    },
    setLanguage(next: string) {
      context.session.kernel = {
        spec: Promise.resolve({ language: next }),
        info: Promise.resolve({ language_info: { name: next } })
      };
      context.kernelChanged.emit(undefined);
    }
  };
  return context;
}

class FakeNotebook extends Widget {
  constructor(label: string, language: string | null, cells: FakeCell[]) {
    super();
    this.id = `nb-${label}`;
    this.title.label = label;
    this.cells = cells;
    this.session = fakeSession(language);
  }
  cells: FakeCell[];
  session: ReturnType<typeof fakeSession>;
  activated = 0;
  get sessionContext() {
    return this.session as unknown as INotebookLike['sessionContext'];
  }
  content = {
    activeCellIndex: 0,
    mode: 'edit' as 'command' | 'edit',
    activate: () => {
      this.activated++;
    },
    get activeCell(): FakeCell | null {
      return null;
    },
    model: {
      sharedModel: {
        insertCell: (
          index: number,
          cell: { cell_type: 'code'; source: string }
        ) => {
          this.cells.splice(index, 0, new FakeCell(cell.source));
        }
      },
      metadata: {} as Record<string, unknown>
    } as INotebookLike['content']['model']
  };
}

function notebook(
  label: string,
  language: string | null,
  sources: string[] = ['x = 1']
): FakeNotebook {
  const nb = new FakeNotebook(
    label,
    language,
    sources.map(source => new FakeCell(source))
  );
  Object.defineProperty(nb.content, 'activeCell', {
    get: () => nb.cells[nb.content.activeCellIndex] ?? null
  });
  return nb;
}

class FakeConsole extends Widget {
  constructor(language: string) {
    super();
    this.id = 'console-1';
    this.title.label = 'Console 1';
    this.session = fakeSession(language);
  }
  session: ReturnType<typeof fakeSession>;
  prompt: FakeCell | null = new FakeCell('');
  get sessionContext() {
    return this.session as unknown as IConsoleLike['sessionContext'];
  }
  get console() {
    return { promptCell: this.prompt };
  }
}

class FakeShell implements IInsertShell {
  currentWidget: Widget | null = null;
  currentChanged = new Signal<this, void>(this);
  activated: string[] = [];
  show(widget: Widget | null) {
    this.currentWidget = widget;
    this.currentChanged.emit();
  }
  activateById(id: string) {
    this.activated.push(id);
  }
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('SnippetInserter', () => {
  let shell: FakeShell;
  let inserter: SnippetInserter;

  beforeEach(() => {
    shell = new FakeShell();
    inserter = new SnippetInserter({
      shell,
      trackers: {
        isNotebook: (w): w is INotebookLike => w instanceof FakeNotebook,
        isConsole: (w): w is IConsoleLike => w instanceof FakeConsole
      }
    });
  });

  afterEach(() => inserter.dispose());

  it('has no target before any notebook or console, and says why', () => {
    expect(inserter.target).toBeNull();
    shell.show(new Widget());
    expect(inserter.target).toBeNull();
    expect(() => inserter.insert('x', 'new-cell-below')).toThrow(
      NoInsertTargetError
    );
    expect(inserter.noTargetReason).toMatch(/notebook or a code console/);
  });

  it('follows the main area and reads the kernel language from its kernelspec', async () => {
    const changes: (string | null)[] = [];
    inserter.changed.connect((_, target) =>
      changes.push(target ? `${target.label}:${target.language}` : null)
    );
    const nb = notebook('a.ipynb', 'Python');
    shell.show(nb);
    expect(inserter.target).toEqual({
      kind: 'notebook',
      label: 'a.ipynb',
      language: null,
      current: true
    });
    await flush();
    expect(inserter.target?.language).toBe('python');

    nb.session.setLanguage('R');
    await flush();
    expect(inserter.target?.language).toBe('r');

    // Another tab (the Launcher, Settings): still the last notebook, no
    // longer current.
    shell.show(new Widget());
    expect(inserter.target).toMatchObject({ label: 'a.ipynb', current: false });
    expect(changes).toEqual([
      'a.ipynb:null',
      'a.ipynb:python',
      'a.ipynb:r',
      'a.ipynb:r'
    ]);
    // It is still where snippets go (brought to the front).
    const result = inserter.insert('y = 2', 'new-cell-below');
    expect(result.target.label).toBe('a.ipynb');
    expect(nb.cells.map(cell => cell.source)).toEqual(['x = 1', 'y = 2']);
    expect(shell.activated).toEqual([nb.id]);
    shell.show(nb);
    expect(inserter.target?.current).toBe(true);
  });

  it('takes the language from the notebook metadata before a kernel runs', () => {
    const nb = notebook('b.ipynb', null);
    nb.content.model!.metadata!.kernelspec = { language: 'bash' };
    shell.show(nb);
    expect(inserter.target?.language).toBe('bash');
  });

  it('takes the language of the kernelspec a starting kernel will run', () => {
    inserter.dispose();
    inserter = new SnippetInserter({
      shell,
      trackers: {
        isNotebook: (w): w is INotebookLike => w instanceof FakeNotebook,
        isConsole: (w): w is IConsoleLike => w instanceof FakeConsole
      },
      specLanguage: name => (name === 'ir' ? 'R' : undefined)
    });
    const nb = notebook('c.ipynb', null);
    Object.assign(nb.session, { kernelPreference: { name: 'ir' } });
    shell.show(nb);
    expect(inserter.target?.language).toBe('r');
  });

  it('inserts a new code cell below the active cell and activates it', () => {
    const nb = notebook('a.ipynb', 'python', ['a = 1', 'b = 2']);
    shell.show(nb);
    nb.content.activeCellIndex = 0;
    const result = inserter.insert('print(1)', 'new-cell-below');
    expect(result.where).toBe('new-cell');
    expect(nb.cells.map(cell => cell.source)).toEqual([
      'a = 1',
      'print(1)',
      'b = 2'
    ]);
    expect(nb.content.activeCellIndex).toBe(1);
    expect(nb.content.mode).toBe('command');
    expect(shell.activated).toEqual(['nb-a.ipynb']);
    expect(nb.activated).toBe(1);
  });

  it('inserts at the cursor of the active code cell, on lines of its own', () => {
    const nb = notebook('a.ipynb', 'python', ['ab']);
    shell.show(nb);
    nb.cells[0].selection = { start: 1, end: 1 };
    const result = inserter.insert('X', 'cursor');
    expect(result.where).toBe('cursor');
    expect(nb.cells[0].source).toBe('a\nX\nb');
    expect(nb.cells[0].cursor).toBe(3);
    expect(nb.cells).toHaveLength(1);
  });

  it('replaces the selection at the cursor', () => {
    const cell = new FakeCell('one\nTWO\nthree');
    cell.selection = { start: 8, end: 4 }; // backwards selection of TWO
    insertAtCursor(cell, 'two');
    expect(cell.source).toBe('one\ntwo\nthree');
  });

  it('appends when the cell has no rendered editor', () => {
    const cell = new FakeCell('a = 1');
    cell.rendered = false;
    insertAtCursor(cell, 'b = 2');
    expect(cell.source).toBe('a = 1\nb = 2');
  });

  it('falls back to a new cell below when the active cell is not code', () => {
    const nb = notebook('a.ipynb', 'python', ['# title']);
    nb.cells[0].type = 'markdown';
    shell.show(nb);
    expect(inserter.insert('X', 'cursor').where).toBe('new-cell');
    expect(nb.cells.map(cell => cell.source)).toEqual(['# title', 'X']);
  });

  it('puts the code at the console prompt', () => {
    const console = new FakeConsole('python');
    shell.show(console);
    console.prompt!.source = 'x = 1';
    console.prompt!.selection = { start: 5, end: 5 };
    const result = inserter.insert('y = 2', 'new-cell-below');
    expect(result).toEqual({
      where: 'prompt',
      target: {
        kind: 'console',
        label: 'Console 1',
        language: null,
        current: true
      }
    });
    expect(console.prompt!.source).toBe('x = 1\ny = 2');
    expect(shell.activated).toEqual(['console-1']);

    console.prompt = null;
    expect(() => inserter.insert('z', 'cursor')).toThrow(/no prompt yet/);
  });

  it('forgets a target that is disposed', () => {
    const nb = notebook('a.ipynb', 'python');
    shell.show(nb);
    const changes: unknown[] = [];
    inserter.changed.connect((_, target) => changes.push(target));
    nb.dispose();
    expect(inserter.target).toBeNull();
    expect(changes).toEqual([null]);
  });
});
