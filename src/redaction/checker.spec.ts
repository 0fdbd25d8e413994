import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import {
  IFinding,
  INotebookModelLike,
  IRedactionClient,
  IScanReply,
  clearFindings,
  describeFindings
} from './checker';
import { scanAndWarn } from './notice';

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

/** A notebook model of `outputs[i]` outputs per cell (markdown when null). */
function notebook(outputs: (number | null)[]): INotebookModelLike & {
  counts: (number | null)[];
} {
  const counts = [...outputs];
  const cells = counts.map((_, index) =>
    counts[index] === null
      ? { type: 'markdown' }
      : { type: 'code', outputs: { clear: () => (counts[index] = 0) } }
  );
  return {
    counts,
    toJSON: () => ({ cells: counts.map(n => ({ outputs: n })) }),
    cells: { length: cells.length, get: (i: number) => cells[i] }
  };
}

const FINDINGS: IFinding[] = [
  { cell: 1, secrets: ['secret/apps/db#password'] },
  { cell: 3, secrets: ['secret/a#x', 'secret/b#y'] }
];

describe('describeFindings', () => {
  it('names each cell (from 1) and its secrets', () => {
    expect(describeFindings(FINDINGS, trans)).toBe(
      'Cell 2: secret/apps/db#password\nCell 4: secret/a#x, secret/b#y'
    );
  });
});

describe('clearFindings', () => {
  it('clears the outputs of the cells found, no other', () => {
    const model = notebook([2, 3, null, 1, 4]);
    expect(clearFindings(model, FINDINGS)).toBe(2);
    expect(model.counts).toEqual([2, 0, null, 0, 4]);
  });

  it('skips indexes the notebook no longer has and cells without outputs', () => {
    const model = notebook([null, 1]);
    expect(
      clearFindings(model, [
        { cell: 0, secrets: ['s#k'] },
        { cell: 7, secrets: ['s#k'] }
      ])
    ).toBe(0);
    expect(model.counts).toEqual([null, 1]);
  });
});

describe('scanAndWarn', () => {
  afterEach(() => jest.restoreAllMocks());

  it('warns with the secrets and cells, and its action clears those outputs', async () => {
    const warning = jest.spyOn(Notification, 'warning');
    const model = notebook([1, 2, 1, 5]);
    const client = new FakeRedactionClient({
      findings: FINDINGS,
      unreadable: []
    });
    expect(
      await scanAndWarn(client, model, trans, { name: 'a.ipynb', quiet: true })
    ).toBe(2);
    expect(client.sent).toEqual([model.toJSON()]);
    const [message, options] = warning.mock.calls[0];
    expect(message).toContain('a.ipynb holds Vault secret values');
    expect(message).toContain('Cell 2: secret/apps/db#password');
    const action = options!.actions![0];
    expect(action.label).toBe('Clear those outputs');
    action.callback(new MouseEvent('click'));
    expect(model.counts).toEqual([1, 0, 1, 0]);
  });

  it('is silent on opening when nothing is found, says so when asked', async () => {
    const info = jest.spyOn(Notification, 'info');
    const warning = jest.spyOn(Notification, 'warning');
    const client = new FakeRedactionClient({
      findings: [],
      unreadable: ['secret/gone']
    });
    const model = notebook([1]);
    await scanAndWarn(client, model, trans, { name: 'a.ipynb', quiet: true });
    expect(info).not.toHaveBeenCalled();
    await scanAndWarn(client, model, trans, { name: 'a.ipynb', quiet: false });
    expect(info.mock.calls[0][0]).toBe(
      'No Vault secret values in the outputs of a.ipynb (not checked: secret/gone, which could not be read).'
    );
    expect(warning).not.toHaveBeenCalled();
  });

  it('reports a failed scan only when asked', async () => {
    const error = jest.spyOn(Notification, 'error');
    const client = new FakeRedactionClient(new Error('no server'));
    const model = notebook([1]);
    expect(
      await scanAndWarn(client, model, trans, { name: 'n', quiet: true })
    ).toBeNull();
    expect(error).not.toHaveBeenCalled();
    await scanAndWarn(client, model, trans, { name: 'n', quiet: false });
    expect(error.mock.calls[0][0]).toBe(
      'Could not scan n for Vault secrets: no server'
    );
  });
});
