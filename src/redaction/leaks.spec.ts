import { ILeakTarget, LeakNoticeModel } from './leaks';

/** A fake notebook: cells by id, records what the notice asked of it. */
class FakeTarget implements ILeakTarget {
  revealed: string[] = [];
  cleared: string[][] = [];
  constructor(
    readonly id: string,
    public cellIds: string[],
    readonly name = `${id}.ipynb`
  ) {}
  indexOf(cellId: string): number {
    return this.cellIds.indexOf(cellId);
  }
  reveal(cellId: string): void {
    this.revealed.push(cellId);
  }
  clearOutputs(cellIds: readonly string[]): number {
    this.cleared.push([...cellIds]);
    return cellIds.length;
  }
}

const DB = 'secret/apps/db#password';

describe('LeakNoticeModel', () => {
  it("shows the current notebook's leaks by cell number, in notebook order", () => {
    const model = new LeakNoticeModel();
    const a = new FakeTarget('a', ['c0', 'c1', 'c2', 'c3']);
    let changes = 0;
    model.changed.connect(() => changes++);
    model.report(a, [
      { cellId: 'c3', secrets: ['secret/x#y'] },
      { cellId: 'c1', secrets: [DB] }
    ]);
    expect(model.notice).toBeNull(); // not the current notebook
    model.setCurrent('a');
    expect(model.notice).toEqual({
      notebookId: 'a',
      notebook: 'a.ipynb',
      leaks: [
        { cellId: 'c1', index: 1, secrets: [DB] },
        { cellId: 'c3', index: 3, secrets: ['secret/x#y'] }
      ]
    });
    expect(changes).toBe(2);
    // A cell inserted above: the numbers follow; a cell deleted: it goes.
    a.cellIds = ['new', 'c0', 'c1', 'c2'];
    model.refresh('a');
    expect(model.notice?.leaks).toEqual([
      { cellId: 'c1', index: 2, secrets: [DB] }
    ]);
    expect(changes).toBe(3);
  });

  it('follows the current notebook: another one has its own notice or none', () => {
    const model = new LeakNoticeModel();
    const a = new FakeTarget('a', ['c0']);
    const b = new FakeTarget('b', ['d0', 'd1']);
    model.report(a, [{ cellId: 'c0', secrets: [DB] }]);
    model.report(b, [{ cellId: 'd1', secrets: [DB] }]);
    model.setCurrent('b');
    expect(model.notice?.notebook).toBe('b.ipynb');
    model.setCurrent('c');
    expect(model.notice).toBeNull();
    model.setCurrent('a');
    expect(model.notice?.leaks[0].cellId).toBe('c0');
    model.forget('a'); // closed
    expect(model.notice).toBeNull();
    expect(model.has('a')).toBe(false);
    model.setCurrent(null);
    expect(model.notice).toBeNull();
  });

  it("clears the current notice's cells only, and the notice goes", () => {
    const model = new LeakNoticeModel();
    const a = new FakeTarget('a', ['c0', 'c1', 'c2']);
    const b = new FakeTarget('b', ['d0']);
    model.report(a, [
      { cellId: 'c0', secrets: [DB] },
      { cellId: 'c2', secrets: [DB] }
    ]);
    model.report(b, [{ cellId: 'd0', secrets: [DB] }]);
    model.setCurrent('a');
    model.reveal('c2');
    expect(a.revealed).toEqual(['c2']);
    expect(model.clearOutputs()).toBe(2);
    expect(a.cleared).toEqual([['c0', 'c2']]);
    expect(b.cleared).toEqual([]);
    expect(model.notice).toBeNull();
    expect(model.has('b')).toBe(true);
    expect(model.clearOutputs()).toBe(0);
  });

  it('dismisses until the next scan; a scan that finds nothing removes the notice', () => {
    const model = new LeakNoticeModel();
    const a = new FakeTarget('a', ['c0']);
    model.setCurrent('a');
    model.report(a, [{ cellId: 'c0', secrets: [DB] }]);
    model.dismiss();
    expect(model.notice).toBeNull();
    model.report(a, [{ cellId: 'c0', secrets: [DB] }]);
    expect(model.notice).not.toBeNull();
    model.report(a, []);
    expect(model.notice).toBeNull();
  });
});
