import { Signal } from '@lumino/signaling';

import { followedModel, INotebookPanelLike, notebookTarget } from './target';

/** A fake notebook panel: cells with ids and output counts. */
function fakePanel(cells: { id: string; outputs: number | null }[]) {
  const calls: string[] = [];
  const models = cells.map(cell => ({
    id: cell.id,
    type: cell.outputs === null ? 'markdown' : 'code',
    outputs:
      cell.outputs === null ? undefined : { clear: () => (cell.outputs = 0) }
  }));
  const panel: INotebookPanelLike = {
    id: 'nb-1',
    title: { label: 'a.ipynb' },
    model: {
      cells: { length: models.length, get: (i: number) => models[i] }
    },
    content: {
      activeCellIndex: 0,
      deselectAll: () => calls.push('deselect'),
      widgets: cells.map(cell => `widget of ${cell.id}`),
      scrollToCell: async (cell: never) => {
        calls.push(`scroll to ${cell}`);
      }
    }
  };
  return { panel, calls, cells };
}

describe('notebookTarget', () => {
  it('finds cells by id, shows one, clears the outputs of those asked', () => {
    const { panel, calls, cells } = fakePanel([
      { id: 'a', outputs: 2 },
      { id: 'm', outputs: null },
      { id: 'b', outputs: 1 },
      { id: 'c', outputs: 3 }
    ]);
    const activated: string[] = [];
    const target = notebookTarget(panel, id => activated.push(id));
    expect(target.name).toBe('a.ipynb');
    expect(target.indexOf('b')).toBe(2);
    expect(target.indexOf('gone')).toBe(-1);
    target.reveal('b');
    expect(activated).toEqual(['nb-1']);
    expect(panel.content.activeCellIndex).toBe(2);
    expect(calls).toEqual(['deselect', 'scroll to widget of b']);
    target.reveal('gone');
    expect(activated).toEqual(['nb-1']);
    expect(target.clearOutputs(['a', 'm', 'gone', 'c'])).toBe(2);
    expect(cells.map(cell => cell.outputs)).toEqual([0, null, 1, 0]);
  });
});

describe('followedModel', () => {
  it('starts on the current notebook and follows the tracker', () => {
    const changed = new Signal<unknown, { id: string } | null>({});
    const tracker = { currentWidget: { id: 'nb-1' }, currentChanged: changed };
    const model = followedModel(tracker);
    const target = {
      id: 'nb-2',
      name: 'b.ipynb',
      indexOf: () => 0,
      reveal: () => undefined,
      clearOutputs: () => 0
    };
    model.report(target, [{ cellId: 'c0', secrets: ['s#k'] }]);
    expect(model.notice).toBeNull();
    changed.emit({ id: 'nb-2' });
    expect(model.notice?.notebook).toBe('b.ipynb');
    changed.emit(null);
    expect(model.notice).toBeNull();
  });
});
