import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { SecretPicker } from './SecretPicker';
import { TemplatesField } from '../snippets/TemplatesField';
import { IPickerState } from './model';
import { BUILTIN_TEMPLATES, UserTemplate } from '../snippets';

const trans = nullTranslator.load('test');

let host: HTMLElement;
let root: Root;

beforeEach(() => {
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
});

afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

function pickerState(patch: Partial<IPickerState> = {}): IPickerState {
  return {
    query: 'ldap',
    items: [
      { id: 'legacy/ldap/bind', key: null, child: false },
      { id: 'legacy/ldap/bind', key: 'password', child: true },
      { id: 'secret/<img src=x onerror=alert(1)>', key: 'ldap', child: false }
    ],
    matches: 2,
    active: 1,
    keys: new Map(),
    total: 6,
    ...patch
  };
}

describe('SecretPicker', () => {
  function render(state: IPickerState, calls: string[]) {
    act(() =>
      root.render(
        <SecretPicker
          state={state}
          trans={trans}
          destination="Into a.ipynb (python), as a new cell below."
          notice={null}
          templates={[
            { id: 'python', label: 'Python (hvac)' },
            { id: 'python-env', label: 'Python (hvac, into os.environ)' }
          ]}
          template="python"
          onTemplate={id => calls.push(`template ${id}`)}
          onQuery={query => calls.push(`query ${query}`)}
          onMove={delta => calls.push(`move ${delta}`)}
          onHover={row => calls.push(`hover ${row}`)}
          onChoose={row => calls.push(`choose ${row}`)}
        />
      )
    );
  }

  it('is a combobox over a listbox, the highlighted option its active descendant', () => {
    render(pickerState(), []);
    const input = host.querySelector('[role="combobox"]') as HTMLInputElement;
    const options = [
      ...host.querySelectorAll('[role="option"]')
    ] as HTMLElement[];
    expect(options).toHaveLength(3);
    expect(options[1].getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(options[1].id);
    expect(options[1].dataset.key).toBe('password');
    expect(options[1].getAttribute('aria-label')).toBe(
      'key password of legacy/ldap/bind'
    );
    expect(host.textContent).toContain('Into a.ipynb (python)');
    expect(host.querySelector('[data-field="matches"]')!.textContent).toBe(
      '2 matches'
    );
  });

  it('marks the matched characters and shows hostile names as text', () => {
    render(pickerState(), []);
    const marks = [...host.querySelectorAll('mark')].map(m => m.textContent);
    expect(marks).toContain('ldap');
    expect(host.querySelector('img')).toBeNull();
    expect(host.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('moves with the arrows, chooses on click, switches templates', () => {
    const calls: string[] = [];
    render(pickerState(), calls);
    const input = host.querySelector('[role="combobox"]') as HTMLInputElement;
    for (const key of ['ArrowDown', 'ArrowUp', 'PageDown', 'a']) {
      act(() => {
        input.dispatchEvent(
          new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
        );
      });
    }
    act(() =>
      (host.querySelectorAll('[role="option"]')[2] as HTMLElement).click()
    );
    const select = host.querySelector('select') as HTMLSelectElement;
    act(() => {
      select.value = 'python-env';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(calls).toEqual([
      'move 1',
      'move -1',
      'move 10',
      'choose 2',
      'template python-env'
    ]);
  });

  it('says when the results are capped and when nothing is listed', () => {
    render(pickerState({ matches: 120 }), []);
    expect(host.textContent).toContain('(type more to narrow them down)');
    render(pickerState({ total: 0, items: [], matches: 0, active: -1 }), []);
    expect(host.textContent).toContain('No readable secrets are listed yet.');
  });
});

describe('TemplatesField (Settings Editor)', () => {
  function render(
    data: Record<string, UserTemplate>,
    changes: Record<string, UserTemplate>[]
  ) {
    act(() =>
      root.render(
        <TemplatesField
          formData={data}
          onChange={value => changes.push(value)}
          schema={{ title: 'Snippet templates', description: 'Placeholders…' }}
        />
      )
    );
  }

  it('shows each template’s problems as you type', () => {
    render(
      {
        python: 'x = {{path}}',
        julia: { template: 'x = {{nope}}\n{{#key}}' }
      },
      []
    );
    const entries = [
      ...host.querySelectorAll('.jp-VaultJwt-templateEntry')
    ] as HTMLElement[];
    expect(entries.map(e => e.dataset.templateId)).toEqual(['python', 'julia']);
    expect(entries[0].querySelector('[role="alert"]')).toBeNull();
    const problems = entries[1].querySelector('[role="alert"]')!.textContent;
    expect(problems).toContain('{{nope}}');
    expect(problems).toContain('never closed');
    expect(problems).toContain('needs a quoting');
  });

  it('edits, adds from a built-in template, and removes', () => {
    const changes: Record<string, UserTemplate>[] = [];
    render({ python: 'x = {{path}}' }, changes);
    const text = host.querySelector('textarea') as HTMLTextAreaElement;
    act(() => {
      const setter = Object.getOwnPropertyDescriptor(
        HTMLTextAreaElement.prototype,
        'value'
      )!.set!;
      setter.call(text, 'y = {{key}}');
      text.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(changes[0]).toEqual({ python: 'y = {{key}}' });

    const add = [...host.querySelectorAll('button')].find(
      b => b.textContent === 'Add a template'
    )!;
    act(() => add.click());
    // "python" exists: the copy of the built-in one gets its own name and quoting.
    expect(changes[1]).toEqual({
      python: 'x = {{path}}',
      'python-mine': {
        template: BUILTIN_TEMPLATES[0].template,
        quoting: 'python'
      }
    });

    const remove = [...host.querySelectorAll('button')].find(
      b => b.textContent === 'Remove'
    )!;
    act(() => remove.click());
    expect(changes[2]).toEqual({});
  });

  it('refuses to rename a template onto another one', () => {
    const changes: Record<string, UserTemplate>[] = [];
    render({ python: 'a', bash: 'b' }, changes);
    const name = host.querySelectorAll(
      'input[aria-label="Template name"]'
    )[1] as HTMLInputElement;
    act(() => {
      const setter = Object.getOwnPropertyDescriptor(
        HTMLInputElement.prototype,
        'value'
      )!.set!;
      setter.call(name, 'python');
      name.dispatchEvent(new Event('input', { bubbles: true }));
    });
    act(() => {
      name.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
    });
    expect(changes).toEqual([]);
    expect(host.textContent).toContain(
      'There is already a template named "python".'
    );
  });
});
