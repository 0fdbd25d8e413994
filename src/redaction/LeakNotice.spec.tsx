import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { ILeakTarget, LeakNoticeModel } from './leaks';
import { LeakNotice } from './LeakNotice';

const trans = nullTranslator.load('test');

/** A fake notebook: records what the notice asked of it. */
class FakeTarget implements ILeakTarget {
  calls: string[] = [];
  constructor(
    readonly id: string,
    readonly cellIds: string[]
  ) {}
  readonly name = 'leaking.ipynb';
  indexOf(cellId: string): number {
    return this.cellIds.indexOf(cellId);
  }
  reveal(cellId: string): void {
    this.calls.push(`reveal ${cellId}`);
  }
  clearOutputs(cellIds: readonly string[]): number {
    this.calls.push(`clear ${cellIds.join(' ')}`);
    return cellIds.length;
  }
}

async function mount(model: LeakNoticeModel): Promise<HTMLElement> {
  const host = document.createElement('div');
  document.body.appendChild(host);
  await act(async () => {
    createRoot(host).render(
      <LeakNotice notices={{ model: async () => model }} trans={trans} />
    );
  });
  return host;
}

function button(host: HTMLElement, name: string): HTMLButtonElement {
  const found = [...host.querySelectorAll('button')].find(
    b => b.textContent === name
  );
  if (!found) {
    throw new Error(`no button ${name}`);
  }
  return found;
}

describe('LeakNotice', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  it('names each secret and cell; a cell shows it; clearing removes the notice', async () => {
    const model = new LeakNoticeModel();
    const target = new FakeTarget('nb', ['c0', 'c1', 'c2']);
    const host = await mount(model);
    expect(host.textContent).toBe('');
    act(() => {
      model.setCurrent('nb');
      model.report(target, [
        { cellId: 'c1', secrets: ['secret/apps/db#password'] },
        { cellId: 'c2', secrets: ['secret/a#x', 'secret/%3Cb%3E#y'] }
      ]);
    });
    const notice = host.querySelector('[data-testid="vault-jwt-leaks"]')!;
    expect(notice.getAttribute('aria-labelledby')).toBe(
      notice.querySelector('p')!.id
    );
    expect(notice.querySelector('p')!.textContent).toBe(
      'The outputs of 2 cells hold Vault secrets'
    );
    expect(notice.textContent).toContain('In leaking.ipynb');
    expect(
      [...notice.querySelectorAll('li')].map(li => li.textContent)
    ).toEqual([
      'Cell 2: secret/apps/db#password',
      'Cell 3: secret/a#x, secret/%3Cb%3E#y'
    ]);
    act(() => button(host, 'Cell 3').click());
    expect(target.calls).toEqual(['reveal c2']);
    act(() => button(host, 'Clear those outputs').click());
    expect(target.calls).toEqual(['reveal c2', 'clear c1 c2']);
    expect(host.querySelector('[data-testid="vault-jwt-leaks"]')).toBeNull();
  });

  it('goes when dismissed, and with another notebook current', async () => {
    const model = new LeakNoticeModel();
    const host = await mount(model);
    act(() => {
      model.setCurrent('nb');
      model.report(new FakeTarget('nb', ['c0']), [
        { cellId: 'c0', secrets: ['s#k'] }
      ]);
    });
    expect(host.textContent).toContain('The outputs of 1 cell hold');
    act(() => model.setCurrent('other'));
    expect(host.textContent).toBe('');
    act(() => model.setCurrent('nb'));
    act(() => button(host, 'Dismiss').click());
    expect(host.textContent).toBe('');
  });
});
