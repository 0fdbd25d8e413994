import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { IRedactionClient, IScanReply } from './checker';
import { LeakNoticeModel } from './leaks';
import { IScannable, IScanOptions, scanNotebook } from './notice';

const trans = nullTranslator.load('jupyterlab-vault-jwt');

/** A fake of the scan route: answers `reply`, records what it was sent. */
class FakeRedactionClient implements IRedactionClient {
  sent: unknown[] = [];
  constructor(
    private readonly _reply: IScanReply | Error = {
      findings: [],
      unreadable: []
    }
  ) {}
  async scan(notebook: unknown): Promise<IScanReply> {
    this.sent.push(notebook);
    if (this._reply instanceof Error) {
      throw this._reply;
    }
    return this._reply;
  }
}

/** A fake notebook panel of code cells `c0`, `c1`...; its cells can change. */
function fakePanel(count: number) {
  const ids = Array.from({ length: count }, (_, i) => `c${i}`);
  const cleared: string[] = [];
  const changed = new Signal<object, void>({});
  const panel: IScannable = {
    id: 'nb-1',
    title: { label: 'a.ipynb' },
    model: {
      toJSON: () => ({ cells: ids.map(id => ({ id })) }),
      cells: {
        get length() {
          return ids.length;
        },
        get: (i: number) => ({
          id: ids[i],
          type: 'code',
          outputs: { clear: () => cleared.push(ids[i]) }
        }),
        changed
      } as IScannable['model'] extends infer M
        ? M extends { cells: infer C }
          ? C
          : never
        : never
    },
    content: {
      activeCellIndex: 0,
      deselectAll: () => undefined,
      widgets: [],
      scrollToCell: async () => undefined
    }
  };
  return { panel, ids, cleared, changed };
}

/** Scan options recording what the notice asked of the app. */
function options(quiet: boolean, panelVisible = false) {
  const calls: string[] = [];
  const value: IScanOptions = {
    quiet,
    panelVisible: () => panelVisible,
    openPanel: () => calls.push('open panel'),
    activate: id => calls.push(`activate ${id}`)
  };
  return { value, calls };
}

const FOUND: IScanReply = {
  findings: [
    { cell: 1, secrets: ['secret/apps/db#password'] },
    { cell: 3, secrets: ['secret/a#x', 'secret/b#y'] }
  ],
  unreadable: []
};

describe('scanNotebook', () => {
  afterEach(() => jest.restoreAllMocks());

  it('puts the cells found into the notice, by cell id', async () => {
    const { panel, ids, cleared, changed } = fakePanel(5);
    const client = new FakeRedactionClient(FOUND);
    const leaks = new LeakNoticeModel();
    leaks.setCurrent('nb-1');
    const { value } = options(true, true);
    expect(await scanNotebook(client, panel, leaks, trans, value)).toBe(2);
    expect(client.sent).toEqual([panel.model!.toJSON()]);
    expect(leaks.notice?.leaks.map(l => [l.index, l.secrets])).toEqual([
      [1, ['secret/apps/db#password']],
      [3, ['secret/a#x', 'secret/b#y']]
    ]);
    // A cell inserted at the top: the notice follows the cells.
    ids.unshift('new');
    let shown = 0;
    leaks.changed.connect(() => shown++);
    changed.emit();
    expect(shown).toBe(1);
    expect(leaks.notice?.leaks.map(l => l.index)).toEqual([2, 4]);
    expect(leaks.clearOutputs()).toBe(2);
    expect(cleared).toEqual(['c1', 'c3']);
  });

  it('on opening with the panel hidden: a short pointer to the panel that goes with the notice', async () => {
    const warning = jest.spyOn(Notification, 'warning');
    const dismiss = jest.spyOn(Notification, 'dismiss');
    const { panel } = fakePanel(4);
    const leaks = new LeakNoticeModel();
    const { value, calls } = options(true, false);
    await scanNotebook(
      new FakeRedactionClient(FOUND),
      panel,
      leaks,
      trans,
      value
    );
    const [message, settings] = warning.mock.calls[0];
    expect(message).toBe(
      'a.ipynb holds Vault secret values in the outputs of 2 cells: see the Vault JWT panel.'
    );
    expect(message).not.toContain('secret/apps/db');
    const action = settings!.actions![0];
    expect(action.label).toBe('Show in the panel');
    action.callback(new MouseEvent('click'));
    expect(calls).toEqual(['activate nb-1', 'open panel']);
    expect(dismiss).not.toHaveBeenCalled();
    leaks.forget('nb-1');
    expect(dismiss).toHaveBeenCalledWith(warning.mock.results[0].value);
  });

  it('on opening with the panel visible: the panel only', async () => {
    const warning = jest.spyOn(Notification, 'warning');
    const { panel } = fakePanel(4);
    const leaks = new LeakNoticeModel();
    await scanNotebook(
      new FakeRedactionClient(FOUND),
      panel,
      leaks,
      trans,
      options(true, true).value
    );
    expect(warning).not.toHaveBeenCalled();
    expect(leaks.has('nb-1')).toBe(true);
  });

  it('asked for: opens the panel when something is found, says so when nothing is', async () => {
    const info = jest.spyOn(Notification, 'info');
    const warning = jest.spyOn(Notification, 'warning');
    const { panel } = fakePanel(4);
    const leaks = new LeakNoticeModel();
    const found = options(false);
    await scanNotebook(
      new FakeRedactionClient(FOUND),
      panel,
      leaks,
      trans,
      found.value
    );
    expect(found.calls).toEqual(['open panel']);
    expect(warning).not.toHaveBeenCalled();
    // Scanned again after clearing by hand: nothing, the notice goes.
    const none = options(false);
    await scanNotebook(
      new FakeRedactionClient({ findings: [], unreadable: ['secret/gone'] }),
      panel,
      leaks,
      trans,
      none.value
    );
    expect(leaks.has('nb-1')).toBe(false);
    expect(none.calls).toEqual([]);
    expect(info.mock.calls[0][0]).toBe(
      'No Vault secret values in the outputs of a.ipynb (not checked: secret/gone, which could not be read).'
    );
  });

  it('is silent on opening when nothing is found, and reports a failure only when asked', async () => {
    const info = jest.spyOn(Notification, 'info');
    const error = jest.spyOn(Notification, 'error');
    const { panel } = fakePanel(1);
    const leaks = new LeakNoticeModel();
    await scanNotebook(
      new FakeRedactionClient(),
      panel,
      leaks,
      trans,
      options(true).value
    );
    expect(info).not.toHaveBeenCalled();
    const failing = new FakeRedactionClient(new Error('no server'));
    expect(
      await scanNotebook(failing, panel, leaks, trans, options(true).value)
    ).toBeNull();
    expect(error).not.toHaveBeenCalled();
    await scanNotebook(failing, panel, leaks, trans, options(false).value);
    expect(error.mock.calls[0][0]).toBe(
      'Could not scan a.ipynb for Vault secrets: no server'
    );
  });
});
