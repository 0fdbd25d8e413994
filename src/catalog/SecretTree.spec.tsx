import { Follow } from '../components/Follow';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { CatalogModel, ICatalogSession } from './model';
import { ICatalogClient } from './tree';
import { SecretKeys } from './SecretKeys';
import {
  DEFAULT_VIEWPORT,
  OVERSCAN,
  ROW_HEIGHT,
  SecretTree
} from './SecretTree';
import { ICatalogReply, ISecretKeysReply } from '../tokens';
import { catalogReply, flush, manyPaths } from '../testing/vaultFixtures';

const trans = nullTranslator.load('test');

/** A fake of the server companion's catalog routes. */
class FakeCatalogClient implements ICatalogClient {
  constructor(
    public reply: ICatalogReply,
    public keys: Record<string, string[]> = {}
  ) {}

  keyCalls: Array<[string, string]> = [];

  async catalog(): Promise<ICatalogReply> {
    return this.reply;
  }

  async secretKeys(mount: string, path: string): Promise<ISecretKeysReply> {
    this.keyCalls.push([mount, path]);
    return {
      mount,
      path,
      version: 2,
      keys: this.keys[mount + path] ?? [],
      metadata: { version: 1, created_time: '2027-01-01T00:00:00Z' }
    };
  }
}

/** A logged-in Vault session stand-in. */
class FakeSession implements ICatalogSession {
  catalogKey: string | null = 'default';
  readonly stateChanged = new Signal<this, void>(this);
}

interface IMounted {
  host: HTMLElement;
  /** What the insert actions and drags asked for, as `id|key`. */
  inserts: string[];
  drags: string[];
  model: CatalogModel;
  client: FakeCatalogClient;
  root: Root;
  tree: () => HTMLElement;
  rows: () => HTMLElement[];
  row: (path: string) => HTMLElement | undefined;
}

async function mount(
  reply: ICatalogReply,
  keys: Record<string, string[]> = {},
  insertDisabledReason: string | null = null
): Promise<IMounted> {
  const inserts: string[] = [];
  const drags: string[] = [];
  const onInsert = (id: string, key: string | null) =>
    inserts.push(`${id}|${key ?? ''}`);
  const onDragStart = (
    id: string,
    key: string | null,
    transfer: DataTransfer
  ) => {
    drags.push(`${id}|${key ?? ''}`);
    transfer.setData('text/plain', `snippet for ${id}`);
  };
  const client = new FakeCatalogClient(reply, keys);
  const model = new CatalogModel({ client, session: new FakeSession() });
  await act(async () => {
    await flush();
  });
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() => {
    root.render(
      <Follow signal={model.stateChanged}>
        {() => (
          <>
            <SecretTree
              state={model.state}
              trans={trans}
              onQuery={query => model.setQuery(query)}
              onRowClick={id => model.click(id)}
              onKey={key => model.handleKey(key)}
              onInsert={id => onInsert(id, null)}
              insertDisabledReason={insertDisabledReason}
              onDragStart={(id, transfer) => onDragStart(id, null, transfer)}
            />
            <SecretKeys
              keys={model.state.keys}
              trans={trans}
              onInsert={onInsert}
              insertDisabledReason={insertDisabledReason}
              onDragStart={onDragStart}
            />
          </>
        )}
      </Follow>
    );
  });
  const tree = () =>
    host.querySelector('[data-testid="vault-jwt-tree"]') as HTMLElement;
  const rows = () =>
    [...host.querySelectorAll('[role="treeitem"]')] as HTMLElement[];
  return {
    host,
    inserts,
    drags,
    model,
    client,
    root,
    tree,
    rows,
    row: path => rows().find(r => r.getAttribute('data-path') === path)
  };
}

function press(target: HTMLElement, key: string): void {
  act(() => {
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
    );
  });
}

function type(input: HTMLInputElement, text: string): void {
  act(() => {
    const setter = Object.getOwnPropertyDescriptor(
      HTMLInputElement.prototype,
      'value'
    )!.set!;
    setter.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const HOSTILE = [
  'line\nbreak',
  'we"ird\\it\'s',
  '../../etc/passwd',
  'a%2Fb',
  'ünï/日本/🔑',
  'L'.repeat(300),
  '<img src=x onerror="window.__pwned=1">'
];

describe('SecretTree', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('renders mounts, folders and secrets with ARIA and stable data attributes', async () => {
    const { tree, row, host } = await mount(
      catalogReply([
        {
          path: 'secret/',
          version: 2,
          secrets: ['app/db', 'app/api', 'top'],
          unlisted: ['exact']
        },
        { path: 'kv1/', version: 1, secrets: ['zeta'] }
      ])
    );
    expect(tree().getAttribute('role')).toBe('tree');
    const mountRow = row('secret/')!;
    expect(mountRow.getAttribute('aria-level')).toBe('1');
    expect(mountRow.getAttribute('aria-expanded')).toBe('true');
    expect(mountRow.querySelector('.jp-VaultJwt-badge')?.textContent).toBe(
      'v2'
    );
    expect(mountRow.querySelector('.jp-VaultJwt-count')?.textContent).toBe('4');
    expect(row('kv1/')?.querySelector('.jp-VaultJwt-badge')?.textContent).toBe(
      'v1'
    );
    const folder = row('secret/app/')!;
    expect(folder.getAttribute('aria-level')).toBe('2');
    expect(folder.getAttribute('aria-expanded')).toBe('false');
    expect(folder.querySelector('.jp-VaultJwt-count')?.textContent).toBe('2');
    const exact = row('secret/exact')!;
    expect(exact.getAttribute('aria-expanded')).toBeNull();
    expect(exact.getAttribute('data-unlisted')).toBe('true');
    expect(exact.querySelector('.jp-VaultJwt-unlisted')?.textContent).toBe(
      'not listed'
    );
    expect(row('secret/top')?.getAttribute('data-unlisted')).toBeNull();
    expect(host.querySelector('[data-field="summary"]')?.textContent).toBe(
      '5 secrets · 2 mounts'
    );
  });

  it('shows a mount error on its row and still lists the other mounts', async () => {
    const { row } = await mount(
      catalogReply([
        {
          path: 'locked/',
          method: 'none',
          error: {
            code: 'vault_permission_denied',
            message: 'You may not list locked/.'
          }
        },
        { path: 'secret/', secrets: ['ok'] }
      ])
    );
    const locked = row('locked/')!;
    expect(locked.querySelector('.jp-VaultJwt-rowError')?.textContent).toBe(
      'You may not list locked/.'
    );
    expect(row('secret/ok')).toBeDefined();
  });

  it('renders hostile names as text, with control characters visible and the exact path as title', async () => {
    const { host, row, model } = await mount(
      catalogReply([{ secrets: HOSTILE }])
    );
    act(() => {
      model.setExpanded('secret/../', true);
      model.setExpanded('secret/../../', true);
      model.setExpanded('secret/../../etc/', true);
      model.setExpanded('secret/ünï/', true);
      model.setExpanded('secret/ünï/日本/', true);
    });
    expect(host.querySelector('img')).toBeNull();
    expect((window as any).__pwned).toBeUndefined();

    const newline = row('secret/line\nbreak')!;
    expect(newline.querySelector('.jp-VaultJwt-rowName')?.textContent).toBe(
      'line↵break'
    );
    expect(newline.getAttribute('title')).toBe('secret/line\nbreak');

    const img = row('secret/<img src=x onerror="window.__pwned=1">')!;
    expect(img.querySelector('.jp-VaultJwt-rowName')?.textContent).toBe(
      '<img src=x onerror="window.__pwned=1">'
    );
    expect(
      row('secret/we"ird\\it\'s')?.querySelector('.jp-VaultJwt-rowName')
        ?.textContent
    ).toBe('we"ird\\it\'s');
    expect(row('secret/../../etc/passwd')?.getAttribute('aria-level')).toBe(
      '5'
    );
    expect(row('secret/a%2Fb')?.textContent).toContain('a%2Fb');
    expect(row('secret/ünï/日本/🔑')?.textContent).toContain('🔑');
    const long = row(`secret/${'L'.repeat(300)}`)!;
    expect(
      long.querySelector('.jp-VaultJwt-rowName')?.textContent
    ).toHaveLength(300);
  });

  it('renders only a window of rows for 10,000 secrets', async () => {
    const { rows, tree, model } = await mount(
      catalogReply([{ path: 'secret/', secrets: manyPaths(10_000) }])
    );
    // Open everything: 1 mount + 10 teams + 500 apps + 10,000 secrets.
    act(() => {
      for (const node of model.state.index!.nodes) {
        if (node.kind !== 'secret') {
          model.setExpanded(node.id, true);
        }
      }
    });
    expect(model.state.rows.nodes).toHaveLength(10_511);
    const spacer = tree().firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${10_511 * ROW_HEIGHT}px`);
    const windowSize = Math.ceil(DEFAULT_VIEWPORT / ROW_HEIGHT) + OVERSCAN;
    expect(rows()).toHaveLength(windowSize);
    expect(rows()[0].getAttribute('data-path')).toBe('secret/');

    // Scroll to the middle: the window moves with it.
    act(() => {
      tree().scrollTop = 5_000 * ROW_HEIGHT;
      tree().dispatchEvent(new Event('scroll'));
    });
    const shown = rows();
    expect(shown.length).toBeLessThanOrEqual(windowSize + OVERSCAN);
    expect(shown[0].style.top).toBe(`${(5_000 - OVERSCAN) * ROW_HEIGHT}px`);
  });

  it('filters 10,000 paths from the search box, then restores the tree', async () => {
    const { host, rows, model } = await mount(
      catalogReply([{ path: 'secret/', secrets: manyPaths(10_000) }])
    );
    const input = host.querySelector(
      'input[aria-label="Search secrets"]'
    ) as HTMLInputElement;
    expect(rows().map(r => r.getAttribute('data-path'))).toHaveLength(11);

    type(input, 'team-7 KEY-0001');
    expect(model.state.matches).toBe(1);
    expect(host.textContent).toContain('1 match');
    expect(rows().map(r => r.getAttribute('data-path'))).toEqual([
      'secret/',
      'secret/team-7/',
      'secret/team-7/app-1/',
      'secret/team-7/app-1/key-00017'
    ]);
    // The terms are marked in the names they occur in (any case).
    const marks = (path: string) =>
      [
        ...(host
          .querySelector(`[data-path="${path}"]`)
          ?.querySelectorAll('mark') ?? [])
      ].map(mark => mark.textContent);
    expect(marks('secret/team-7/')).toEqual(['team-7']);
    expect(marks('secret/team-7/app-1/key-00017')).toEqual(['key-0001']);
    expect(marks('secret/team-7/app-1/')).toEqual([]);

    press(input, 'Escape');
    expect(input.value).toBe('');
    expect(rows()).toHaveLength(11);
  });

  it('moves the focus with the keyboard, keeps it on the tree, and shows the key names', async () => {
    const { tree, row, host, client } = await mount(
      catalogReply([{ secrets: ['app/db', 'top'] }]),
      { 'secret/app/db': ['password', 'user\nname'] }
    );
    tree().focus();
    press(tree(), 'ArrowDown');
    press(tree(), 'ArrowDown');
    const active = tree().getAttribute('aria-activedescendant');
    expect(active).toBe(row('secret/app/')?.id);
    press(tree(), 'ArrowRight');
    press(tree(), 'ArrowRight');
    expect(tree().getAttribute('aria-activedescendant')).toBe(
      row('secret/app/db')?.id
    );
    press(tree(), 'Enter');
    await act(async () => {
      await flush();
    });
    expect(client.keyCalls).toEqual([['secret/', 'app/db']]);
    expect(row('secret/app/db')?.getAttribute('aria-selected')).toBe('true');
    const list = host.querySelector('[data-testid="vault-jwt-keys"]');
    expect([...list!.querySelectorAll('li')].map(li => li.textContent)).toEqual(
      ['password', 'user↵name']
    );
    expect(document.activeElement).toBe(tree());
  });

  it('opens the focused row’s context menu with Shift+F10 or the Menu key', async () => {
    const { tree, row } = await mount(catalogReply([{ secrets: ['top'] }]));
    const menus: string[] = [];
    const listener = (event: Event) =>
      menus.push((event.target as HTMLElement).getAttribute('data-path')!);
    document.addEventListener('contextmenu', listener);
    tree().focus();
    press(tree(), 'ArrowDown');
    press(tree(), 'ArrowDown');
    expect(tree().getAttribute('aria-activedescendant')).toBe(
      row('secret/top')?.id
    );
    act(() => {
      tree().dispatchEvent(
        new KeyboardEvent('keydown', {
          key: 'F10',
          shiftKey: true,
          bubbles: true,
          cancelable: true
        })
      );
    });
    press(tree(), 'ContextMenu');
    document.removeEventListener('contextmenu', listener);
    expect(menus).toEqual(['secret/top', 'secret/top']);
  });

  it('toggles a folder on click', async () => {
    const { row } = await mount(catalogReply([{ secrets: ['app/db'] }]));
    expect(row('secret/app/db')).toBeUndefined();
    act(() => row('secret/app/')!.click());
    expect(row('secret/app/db')).toBeDefined();
    expect(row('secret/app/')?.getAttribute('aria-expanded')).toBe('true');
  });

  it('inserts from a secret row (its button), from a key row (button or Enter), never for a folder', async () => {
    const mounted = await mount(
      catalogReply([{ path: 'secret/', secrets: ['app/db', 'top'] }]),
      { 'secret/app/db': ['username', 'password'] }
    );
    act(() => mounted.model.setExpanded('secret/app/', true));
    const folder = mounted.row('secret/app/')!;
    expect(folder.querySelector('.jp-VaultJwt-rowInsert')).toBeNull();
    expect(folder.getAttribute('draggable')).toBe('false');
    const row = mounted.row('secret/app/db')!;
    expect(row.classList).toContain('jp-VaultJwt-secretItem');
    const button = row.querySelector(
      '.jp-VaultJwt-rowInsert'
    ) as HTMLButtonElement;
    expect(button.getAttribute('aria-label')).toBe(
      'Insert a snippet that reads secret/app/db'
    );
    act(() => button.click());
    expect(mounted.inserts).toEqual(['secret/app/db|']);
    // The button does not also select the row.
    expect(mounted.model.state.selected).toBeNull();

    act(() => row.click());
    await act(async () => {
      await flush();
    });
    const keyRows = [
      ...mounted.host.querySelectorAll('.jp-VaultJwt-keyRow')
    ] as HTMLElement[];
    expect(keyRows.map(r => r.dataset.key)).toEqual(['username', 'password']);
    expect(keyRows[1].dataset.secretId).toBe('secret/app/db');
    press(keyRows[1], 'Enter');
    act(() =>
      (
        keyRows[0].querySelector('.jp-VaultJwt-rowInsert') as HTMLElement
      ).click()
    );
    expect(mounted.inserts).toEqual([
      'secret/app/db|',
      'secret/app/db|password',
      'secret/app/db|username'
    ]);
    act(() => mounted.root.unmount());
  });

  it('disables the insert actions and says why when there is nowhere to insert', async () => {
    const mounted = await mount(
      catalogReply([{ path: 'secret/', secrets: ['top'] }]),
      { 'secret/top': ['k'] },
      'Open a notebook or a code console to insert a snippet.'
    );
    const button = mounted
      .row('secret/top')!
      .querySelector('.jp-VaultJwt-rowInsert') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe(
      'Open a notebook or a code console to insert a snippet.'
    );
    act(() => mounted.row('secret/top')!.click());
    await act(async () => {
      await flush();
    });
    const keyRow = mounted.host.querySelector(
      '.jp-VaultJwt-keyRow'
    ) as HTMLElement;
    press(keyRow, 'Enter');
    expect(mounted.inserts).toEqual([]);
    act(() => mounted.root.unmount());
  });

  it('puts the snippet on the drag of a secret or key row', async () => {
    const mounted = await mount(
      catalogReply([{ path: 'secret/', secrets: ['top'] }])
    );
    const data = new Map<string, string>();
    const transfer = {
      effectAllowed: 'all',
      setData: (type: string, value: string) => data.set(type, value)
    };
    const event = new Event('dragstart', { bubbles: true });
    Object.defineProperty(event, 'dataTransfer', { value: transfer });
    const row = mounted.row('secret/top')!;
    expect(row.getAttribute('draggable')).toBe('true');
    act(() => {
      row.dispatchEvent(event);
    });
    expect(mounted.drags).toEqual(['secret/top|']);
    expect(transfer.effectAllowed).toBe('copy');
    expect(data.get('text/plain')).toBe('snippet for secret/top');
    act(() => mounted.root.unmount());
  });
});
