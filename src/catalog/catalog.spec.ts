import { Signal } from '@lumino/signaling';

import {
  CATALOG_RETRY_MAX_MS,
  CATALOG_RETRY_MIN_MS,
  CatalogModel,
  ICatalogSession
} from './model';
import {
  ICatalogClient,
  ICatalogIndex,
  ITreeRows,
  buildCatalogIndex,
  displayName,
  filterCatalog,
  narrows,
  parseQuery,
  treeKeyAction,
  visibleRows
} from './tree';
import { ApiError } from '../request';
import { ICatalogReply, ISecretKeysReply } from '../tokens';
import { catalogReply, flush, manyPaths } from '../testing/vaultFixtures';

/** Ids of the rows, in order. */
function ids(index: ICatalogIndex, rows: ITreeRows): string[] {
  return rows.nodes.map(node => index.nodes[node].id);
}

function node(index: ICatalogIndex, id: string) {
  const at = index.byId.get(id);
  if (at === undefined) {
    throw new Error(`no node ${id}`);
  }
  return index.nodes[at];
}

const TWO_MOUNTS = catalogReply([
  {
    path: 'secret/',
    version: 2,
    secrets: ['app/db', 'app/api', 'team/x/y', 'team/x/z', 'top'],
    unlisted: ['app/db', 'exact/only']
  },
  { path: 'kv1/', version: 1, method: 'list', secrets: ['App/Cache', 'zeta'] }
]);

describe('buildCatalogIndex', () => {
  const index = buildCatalogIndex(TWO_MOUNTS);

  it('puts mounts, folders (first) and secrets in pre-order with full-path ids', () => {
    const all = visibleRows(index, () => true, null);
    expect(ids(index, all)).toEqual([
      'secret/',
      'secret/app/',
      'secret/app/api',
      'secret/app/db',
      'secret/exact/',
      'secret/exact/only',
      'secret/team/',
      'secret/team/x/',
      'secret/team/x/y',
      'secret/team/x/z',
      'secret/top',
      'kv1/',
      'kv1/App/',
      'kv1/App/Cache',
      'kv1/zeta'
    ]);
  });

  it('counts readable secrets under each folder and mount', () => {
    expect(index.total).toBe(8);
    expect(node(index, 'secret/').count).toBe(6);
    expect(node(index, 'secret/team/').count).toBe(2);
    expect(node(index, 'secret/team/x/').count).toBe(2);
    expect(node(index, 'kv1/').count).toBe(2);
    expect(node(index, 'kv1/zeta').count).toBe(1);
  });

  it('marks secrets readable by an exact grant only, a listed path wins', () => {
    expect(node(index, 'secret/exact/only').unlisted).toBe(true);
    expect(node(index, 'secret/app/db').unlisted).toBe(false);
  });

  it('gives levels, parents and sibling positions for ARIA', () => {
    const y = node(index, 'secret/team/x/y');
    expect(y.level).toBe(4);
    expect(index.nodes[y.parent].id).toBe('secret/team/x/');
    expect(y.path).toBe('team/x/y');
    expect(index.nodes[y.mount].id).toBe('secret/');
    expect([y.posInSet, y.setSize]).toEqual([1, 2]);
    expect([node(index, 'kv1/').posInSet, node(index, 'kv1/').setSize]).toEqual(
      [2, 2]
    );
  });

  it('keeps a path that is both a secret and a folder as two nodes', () => {
    const both = buildCatalogIndex(
      catalogReply([{ secrets: ['a/b', 'a/b/c'] }])
    );
    expect(node(both, 'secret/a/b/').kind).toBe('folder');
    expect(node(both, 'secret/a/b').kind).toBe('secret');
    expect(both.total).toBe(2);
  });

  it('keeps a mount with an error, beside the others', () => {
    const withError = buildCatalogIndex(
      catalogReply([
        {
          path: 'locked/',
          method: 'none',
          error: {
            code: 'vault_permission_denied',
            message: 'Listing locked/ is not allowed.'
          }
        },
        { path: 'secret/', secrets: ['ok'] }
      ])
    );
    const rows = visibleRows(withError, () => true, null);
    expect(ids(withError, rows)).toEqual(['locked/', 'secret/', 'secret/ok']);
    expect(withError.mounts.get(0)?.error?.message).toBe(
      'Listing locked/ is not allowed.'
    );
    expect(node(withError, 'locked/').count).toBe(0);
  });

  it('treats hostile names as data: quotes, backslashes, newlines, .., %2F, unicode', () => {
    const long = 'L'.repeat(300);
    const hostile = buildCatalogIndex(
      catalogReply([
        {
          secrets: [
            'we"ird/it\'s',
            'back\\slash',
            'line\nbreak',
            '../../etc/passwd',
            'a%2Fb',
            'ünï/日本/🔑',
            long,
            '<img src=x onerror=alert(1)>'
          ]
        }
      ])
    );
    expect(hostile.total).toBe(8);
    expect(node(hostile, 'secret/../').kind).toBe('folder');
    expect(node(hostile, 'secret/../../etc/passwd').level).toBe(5);
    expect(node(hostile, 'secret/a%2Fb').kind).toBe('secret');
    expect(node(hostile, 'secret/ünï/日本/🔑').name).toBe('🔑');
    expect(node(hostile, `secret/${long}`).name).toHaveLength(300);
    expect(node(hostile, 'secret/line\nbreak').name).toBe('line\nbreak');
  });
});

describe('displayName', () => {
  it('makes control and invisible characters visible, keeps the rest', () => {
    expect(displayName('line\nbreak')).toBe('line↵break');
    expect(displayName('tab\there')).toBe('tab⇥here');
    expect(displayName('nul\u0000x')).toBe('nul\\u{0000}x');
    expect(displayName('rtl\u202eevil')).toBe('rtl\\u{202e}evil');
    expect(displayName('')).toBe('∅');
    expect(displayName('we"ird\\it\'s %2F ..')).toBe('we"ird\\it\'s %2F ..');
    expect(displayName('ünï 日本 👨‍👩‍👧')).toBe('ünï 日本 👨‍👩‍👧');
  });
});

describe('filterCatalog', () => {
  const index = buildCatalogIndex(TWO_MOUNTS);

  it('splits a query into lowercased terms', () => {
    expect(parseQuery('  App   DB ')).toEqual(['app', 'db']);
    expect(parseQuery('   ')).toEqual([]);
  });

  it('matches across every mount, case-insensitively, on mount/path', () => {
    const filter = filterCatalog(index, parseQuery('APP'));
    expect(filter.total).toBe(3);
    const rows = visibleRows(index, () => true, filter);
    expect(ids(index, rows)).toEqual([
      'secret/',
      'secret/app/',
      'secret/app/api',
      'secret/app/db',
      'kv1/',
      'kv1/App/',
      'kv1/App/Cache'
    ]);
    expect(filter.counts[index.byId.get('secret/')!]).toBe(2);
    expect(filter.counts[index.byId.get('kv1/')!]).toBe(1);
  });

  it('requires every term, including the mount name', () => {
    const filter = filterCatalog(index, parseQuery('kv1 app'));
    expect(filter.total).toBe(1);
    expect(
      ids(
        index,
        visibleRows(index, () => true, filter)
      )
    ).toEqual(['kv1/', 'kv1/App/', 'kv1/App/Cache']);
    expect(filterCatalog(index, parseQuery('team z')).total).toBe(1);
    expect(filterCatalog(index, parseQuery('nothing-like-this')).total).toBe(0);
  });

  it('filters 10,000 paths correctly (performance sanity, no timing asserted)', () => {
    const paths = manyPaths(10_000);
    const big = buildCatalogIndex(
      catalogReply([
        { path: 'secret/', secrets: paths.slice(0, 5_000) },
        { path: 'other/', secrets: paths.slice(5_000) }
      ])
    );
    expect(big.total).toBe(10_000);
    // key-00042 and key-05042... : exactly one path holds 'key-00042'.
    const one = filterCatalog(big, parseQuery('KEY-00042'));
    expect(one.total).toBe(1);
    const rows = visibleRows(big, () => false, one);
    // Collapsed or not, a filter shows what it found only when expanded by
    // the caller: here collapsed, so only the mount row.
    expect(ids(big, rows)).toEqual(['secret/']);
    const open = visibleRows(big, () => true, one);
    expect(ids(big, open)).toEqual([
      'secret/',
      'secret/team-2/',
      'secret/team-2/app-4/',
      'secret/team-2/app-4/key-00042'
    ]);
    // i % 10 === 3 and i in the second half: 500 paths under other/team-3/.
    const team = filterCatalog(big, parseQuery('other/ team-3/'));
    expect(team.total).toBe(500);
    expect(team.counts[big.byId.get('other/team-3/')!]).toBe(500);
    expect(team.counts[big.byId.get('secret/')!]).toBe(0);
  });
});

describe('treeKeyAction', () => {
  const index = buildCatalogIndex(TWO_MOUNTS);
  const expanded = new Set(['secret/', 'secret/app/']);
  const rows = visibleRows(index, n => expanded.has(index.nodes[n].id), null);
  const rowOf = (id: string) => ids(index, rows).indexOf(id);

  it('lists the expected rows for this expansion', () => {
    expect(ids(index, rows)).toEqual([
      'secret/',
      'secret/app/',
      'secret/app/api',
      'secret/app/db',
      'secret/exact/',
      'secret/team/',
      'secret/top',
      'kv1/'
    ]);
  });

  it('moves with the arrows, Home and End, and stops at the ends', () => {
    expect(treeKeyAction('ArrowDown', index, rows, 0)).toEqual({
      type: 'focus',
      row: 1
    });
    expect(treeKeyAction('ArrowUp', index, rows, 0)).toEqual({
      type: 'focus',
      row: 0
    });
    expect(treeKeyAction('ArrowDown', index, rows, 7)).toEqual({
      type: 'focus',
      row: 7
    });
    expect(treeKeyAction('End', index, rows, 2)).toEqual({
      type: 'focus',
      row: 7
    });
    expect(treeKeyAction('Home', index, rows, 5)).toEqual({
      type: 'focus',
      row: 0
    });
    expect(treeKeyAction('ArrowDown', index, rows, -1)).toEqual({
      type: 'focus',
      row: 0
    });
  });

  it('expands, enters, collapses and goes to the parent', () => {
    expect(
      treeKeyAction('ArrowRight', index, rows, rowOf('secret/team/'))
    ).toEqual({ type: 'expand', node: index.byId.get('secret/team/') });
    expect(
      treeKeyAction('ArrowRight', index, rows, rowOf('secret/app/'))
    ).toEqual({
      type: 'focus',
      row: rowOf('secret/app/api')
    });
    expect(
      treeKeyAction('ArrowLeft', index, rows, rowOf('secret/app/'))
    ).toEqual({
      type: 'collapse',
      node: index.byId.get('secret/app/')
    });
    expect(
      treeKeyAction('ArrowLeft', index, rows, rowOf('secret/app/db'))
    ).toEqual({ type: 'focus', row: rowOf('secret/app/') });
    expect(
      treeKeyAction('ArrowLeft', index, rows, rowOf('secret/team/'))
    ).toEqual({
      type: 'focus',
      row: 0
    });
    expect(treeKeyAction('ArrowLeft', index, rows, 0)).toEqual({
      type: 'collapse',
      node: 0
    });
  });

  it('inserts a secret with Enter, selects it with Space, toggles a folder with either', () => {
    expect(treeKeyAction('Enter', index, rows, rowOf('secret/top'))).toEqual({
      type: 'insert',
      node: index.byId.get('secret/top')
    });
    expect(treeKeyAction(' ', index, rows, rowOf('secret/top'))).toEqual({
      type: 'select',
      node: index.byId.get('secret/top')
    });
    for (const key of ['Enter', ' ']) {
      expect(treeKeyAction(key, index, rows, rowOf('secret/team/'))).toEqual({
        type: 'toggle',
        node: index.byId.get('secret/team/')
      });
    }
  });

  it('leaves other keys alone', () => {
    expect(treeKeyAction('a', index, rows, 0)).toBeNull();
    expect(treeKeyAction('Tab', index, rows, 0)).toBeNull();
  });
});

/**
 * A fake of the server companion's catalog routes, scripted per test.
 */
class FakeCatalogClient implements ICatalogClient {
  catalogReplies: Array<ICatalogReply | Error> = [];
  keyReplies = new Map<string, ISecretKeysReply | Error>();
  catalogCalls: boolean[] = [];
  keyCalls: Array<[string, string]> = [];

  async catalog(refresh: boolean): Promise<ICatalogReply> {
    this.catalogCalls.push(refresh);
    const reply =
      this.catalogReplies.length > 1
        ? this.catalogReplies.shift()!
        : this.catalogReplies[0];
    if (!reply || reply instanceof Error) {
      throw reply ?? new Error('FakeCatalogClient: no reply scripted');
    }
    return reply;
  }

  async secretKeys(mount: string, path: string): Promise<ISecretKeysReply> {
    this.keyCalls.push([mount, path]);
    const reply = this.keyReplies.get(mount + path);
    if (!reply || reply instanceof Error) {
      throw reply ?? new ApiError('secret_not_found', 'No secret there.', 404);
    }
    return reply;
  }
}

/** A stand-in for the Vault model: only the catalog key and its signal. */
class FakeSession implements ICatalogSession {
  catalogKey: string | null = null;
  readonly stateChanged = new Signal<this, void>(this);

  set(key: string | null): void {
    this.catalogKey = key;
    this.stateChanged.emit();
  }
}

describe('CatalogModel', () => {
  let client: FakeCatalogClient;
  let session: FakeSession;
  let model: CatalogModel;
  const shown = () => ids(model.state.index!, model.state.rows);

  beforeEach(() => {
    client = new FakeCatalogClient();
    client.catalogReplies = [TWO_MOUNTS];
    session = new FakeSession();
    model = new CatalogModel({ client, session });
  });

  afterEach(() => model.dispose());

  it('loads when a session starts, reloads on other policies, clears on log out', async () => {
    expect(model.state.available).toBe(false);
    expect(client.catalogCalls).toEqual([]);

    session.set('default\nteam-a');
    await flush();
    expect(client.catalogCalls).toEqual([false]);
    expect(model.state.index?.total).toBe(8);

    session.set('default\nteam-a'); // same policies: nothing to do
    await flush();
    expect(client.catalogCalls).toEqual([false]);

    session.set('default\nteam-b');
    await flush();
    expect(client.catalogCalls).toEqual([false, false]);

    session.set(null);
    expect(model.state.available).toBe(false);
    expect(model.state.index).toBeNull();
    expect(model.canReload).toBe(false);
  });

  it('reloads bypassing the cache, and keeps the last catalog when that fails', async () => {
    session.set('default');
    await flush();
    client.catalogReplies = [
      new ApiError(
        'vault_unreachable',
        'Vault at https://vault:8200 is unreachable.',
        502
      )
    ];
    await model.reload();
    expect(client.catalogCalls).toEqual([false, true]);
    expect(model.state.error).toEqual({
      code: 'vault_unreachable',
      message: 'Vault at https://vault:8200 is unreachable.'
    });
    expect(model.state.index?.total).toBe(8);
    expect(model.state.loading).toBe(false);
  });

  it('starts with mounts expanded, folders collapsed', async () => {
    session.set('default');
    await flush();
    expect(shown()).toEqual([
      'secret/',
      'secret/app/',
      'secret/exact/',
      'secret/team/',
      'secret/top',
      'kv1/',
      'kv1/App/',
      'kv1/zeta'
    ]);
  });

  it('expands every folder with a match while searching and restores the expansion after', async () => {
    session.set('default');
    await flush();
    model.setExpanded('secret/team/', true);
    model.setExpanded('kv1/', false);
    const before = shown();

    model.setQuery('ap');
    expect(model.state.matches).toBe(3);
    expect(shown()).toEqual([
      'secret/',
      'secret/app/',
      'secret/app/api',
      'secret/app/db',
      'kv1/',
      'kv1/App/',
      'kv1/App/Cache'
    ]);
    expect(model.state.matchCounts![model.state.index!.byId.get('kv1/')!]).toBe(
      1
    );

    // Collapsing while searching does not touch the user's own expansion.
    model.setExpanded('secret/app/', false);
    expect(shown()).not.toContain('secret/app/db');
    model.setQuery('ap d');
    expect(shown()).toEqual(['secret/', 'secret/app/', 'secret/app/db']);

    model.setQuery('');
    expect(model.state.matches).toBeNull();
    expect(shown()).toEqual(before);
    expect(shown()).toContain('secret/team/x/');
    expect(shown()).not.toContain('kv1/App/');
  });

  it('navigates with the keyboard, reads the key names on Enter and asks to insert', async () => {
    client.keyReplies.set('secret/app/api', {
      mount: 'secret/',
      path: 'app/api',
      version: 2,
      keys: ['password', 'username'],
      metadata: { version: 3, created_time: '2027-01-01T00:00:00Z' }
    });
    session.set('default');
    await flush();

    expect(model.handleKey('ArrowDown')).toBe(true);
    expect(model.state.active).toBe('secret/');
    model.handleKey('ArrowDown');
    expect(model.state.active).toBe('secret/app/');
    model.handleKey('ArrowRight'); // expand
    expect(shown()).toContain('secret/app/api');
    model.handleKey('ArrowRight'); // first child
    expect(model.state.active).toBe('secret/app/api');
    expect(model.state.activeRow).toBe(2);
    const inserts: string[] = [];
    model.insertRequested.connect((_, id) => inserts.push(id));
    model.handleKey(' ');
    expect(inserts).toEqual([]);
    model.handleKey('Enter');
    expect(inserts).toEqual(['secret/app/api']);
    expect(model.state.selected).toBe('secret/app/api');
    expect(model.state.keys?.loading).toBe(true);
    await flush();
    expect(client.keyCalls).toEqual([['secret/', 'app/api']]);
    expect(model.state.keys?.reply?.keys).toEqual(['password', 'username']);

    model.handleKey('ArrowLeft'); // to the parent
    expect(model.state.active).toBe('secret/app/');
    model.handleKey('ArrowLeft'); // collapse
    expect(shown()).not.toContain('secret/app/api');
    model.handleKey('End');
    expect(model.state.active).toBe('kv1/zeta');
    expect(model.handleKey('x')).toBe(false);
  });

  it('shows the error when the key names cannot be read, and drops late replies', async () => {
    session.set('default');
    await flush();
    model.select('secret/top');
    await flush();
    expect(model.state.keys?.error).toEqual({
      code: 'secret_not_found',
      message: 'No secret there.'
    });

    const releases: Array<(reply: ISecretKeysReply) => void> = [];
    client.secretKeys = () =>
      new Promise(resolve => {
        releases.push(resolve);
      });
    model.select('secret/app/db');
    model.select('kv1/zeta');
    expect(releases).toHaveLength(2);
    // The first request answers last: its reply is dropped.
    releases[1]({
      mount: 'kv1/',
      path: 'zeta',
      version: 1,
      keys: ['token'],
      metadata: null
    });
    await flush();
    releases[0]({
      mount: 'secret/',
      path: 'app/db',
      version: 2,
      keys: ['late'],
      metadata: null
    });
    await flush();
    expect(model.state.keys?.id).toBe('kv1/zeta');
    expect(model.state.keys?.reply?.keys).toEqual(['token']);
  });

  it('toggles a folder and selects a secret on click', async () => {
    session.set('default');
    await flush();
    model.click('secret/team/');
    expect(shown()).toContain('secret/team/x/');
    expect(model.state.active).toBe('secret/team/');
    model.click('secret/top');
    expect(model.state.selected).toBe('secret/top');
    expect(client.keyCalls).toEqual([['secret/', 'top']]);
  });

  it('reads the catalog again by itself after a failure, waiting longer each time', async () => {
    jest.useFakeTimers();
    try {
      const down = new ApiError(
        'vault_unreachable',
        'Vault cannot be reached.',
        502
      );
      client.catalogReplies = [down, down, down, TWO_MOUNTS];
      session.set('default');
      await flush();
      expect(model.state.error?.code).toBe('vault_unreachable');
      expect(client.catalogCalls).toHaveLength(1);
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS - 1);
      await flush();
      expect(client.catalogCalls).toHaveLength(1);
      jest.advanceTimersByTime(1);
      await flush();
      expect(client.catalogCalls).toHaveLength(2);
      // Then twice as long.
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS);
      await flush();
      expect(client.catalogCalls).toHaveLength(2);
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS);
      await flush();
      expect(client.catalogCalls).toHaveLength(3);
      jest.advanceTimersByTime(CATALOG_RETRY_MAX_MS);
      await flush();
      expect(client.catalogCalls).toHaveLength(4);
      expect(model.state.error).toBeNull();
      expect(model.state.index?.total).toBeGreaterThan(0);
      // A failed first read is retried as a read, not a reload.
      expect(client.catalogCalls).toEqual([false, false, false, false]);
      // Recovered: no more reads.
      jest.advanceTimersByTime(10 * CATALOG_RETRY_MAX_MS);
      await flush();
      expect(client.catalogCalls).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a failed reload as a reload', async () => {
    jest.useFakeTimers();
    try {
      session.set('default');
      await flush();
      client.catalogReplies = [
        new ApiError('vault_timeout', 'Vault did not answer.', 504),
        TWO_MOUNTS
      ];
      await model.reload();
      expect(model.state.error?.code).toBe('vault_timeout');
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS);
      await flush();
      expect(client.catalogCalls).toEqual([false, true, true]);
      expect(model.state.error).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  // The orders of session changes a new id_token can cause (re-login: the
  // policies may go and come back, or change), with replies landing late and
  // in any order: the newest load's reply is the one shown, and loading ends.
  describe('with replies held until the test lets them land', () => {
    const OLD = catalogReply([{ path: 'old/', version: 2, secrets: ['x'] }]);
    let held: Array<{ reply: () => void; key: string }>;

    beforeEach(() => {
      held = [];
      const replies: Record<string, ICatalogReply> = {
        a: OLD,
        b: TWO_MOUNTS
      };
      jest.spyOn(client, 'catalog').mockImplementation(
        () =>
          new Promise<ICatalogReply>(resolve => {
            const key = session.catalogKey!;
            held.push({ reply: () => resolve(replies[key]), key });
          })
      );
    });

    const orders: Array<{
      name: string;
      keys: Array<string | null>;
      land: number[];
    }> = [
      {
        name: 'a, logged out, b; a lands first',
        keys: ['a', null, 'b'],
        land: [0, 1]
      },
      {
        name: 'a, logged out, b; b lands first',
        keys: ['a', null, 'b'],
        land: [1, 0]
      },
      { name: 'a, then b; a lands first', keys: ['a', 'b'], land: [0, 1] },
      { name: 'a, then b; b lands first', keys: ['a', 'b'], land: [1, 0] },
      {
        name: 'b, logged out, b again; in order',
        keys: ['b', null, 'b'],
        land: [0, 1]
      },
      {
        name: 'b, logged out, b again; reversed',
        keys: ['b', null, 'b'],
        land: [1, 0]
      }
    ];
    for (const order of orders) {
      it(`shows the newest load's catalog: ${order.name}`, async () => {
        for (const key of order.keys) {
          session.set(key);
        }
        expect(held.map(h => h.key)).toEqual(
          order.keys.filter(k => k !== null)
        );
        expect(model.state.loading).toBe(true);
        for (const at of order.land) {
          held[at].reply();
          await flush();
        }
        expect(model.state.loading).toBe(false);
        expect(model.state.error).toBeNull();
        expect(model.state.reply).toBe(TWO_MOUNTS);
      });
    }
  });

  // A reply the tree cannot be built from (here a mount without its
  // `unlisted` list) once left `loading` true for good: no error, no retry,
  // "Listing your readable secrets…" forever.
  const UNREADABLE: ICatalogReply = {
    ...TWO_MOUNTS,
    mounts: [
      { ...TWO_MOUNTS.mounts[0], unlisted: undefined as unknown as string[] }
    ]
  };

  it('treats a reply it cannot show as a failure: shown, then retried', async () => {
    jest.useFakeTimers();
    try {
      client.catalogReplies = [UNREADABLE, TWO_MOUNTS];
      session.set('default');
      await flush();
      expect(model.state.loading).toBe(false);
      expect(model.state.error?.code).toBe('internal');
      expect(model.state.index).toBeNull();
      expect(model.canReload).toBe(true);
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS);
      await flush();
      expect(client.catalogCalls).toEqual([false, false]);
      expect(model.state.loading).toBe(false);
      expect(model.state.error).toBeNull();
      expect(model.state.index?.total).toBe(8);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps the last good tree when a reload cannot be shown', async () => {
    jest.useFakeTimers();
    try {
      session.set('default');
      await flush();
      const rows = shown();
      client.catalogReplies = [UNREADABLE, TWO_MOUNTS];
      await model.reload();
      expect(model.state.loading).toBe(false);
      expect(model.state.error?.code).toBe('internal');
      expect(model.state.reply).toBe(TWO_MOUNTS);
      expect(shown()).toEqual(rows);
      jest.advanceTimersByTime(CATALOG_RETRY_MIN_MS);
      await flush();
      expect(client.catalogCalls).toEqual([false, true, true]);
      expect(model.state.error).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops retrying when the session ends', async () => {
    jest.useFakeTimers();
    try {
      client.catalogReplies = [
        new ApiError('vault_sealed', 'Vault is sealed.', 503)
      ];
      session.set('default');
      await flush();
      session.set(null);
      jest.advanceTimersByTime(10 * CATALOG_RETRY_MAX_MS);
      await flush();
      expect(client.catalogCalls).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('filterCatalog narrowing', () => {
  const big = buildCatalogIndex(
    catalogReply([{ path: 'secret/', secrets: manyPaths(3000) }])
  );

  it('gives what a fresh filter gives, typing on or not', () => {
    let previous = null;
    for (const query of [
      'k',
      'ke',
      'key-0',
      'key-00',
      'key-00 team-3',
      'app',
      'a'
    ]) {
      const terms = parseQuery(query);
      const narrowed = filterCatalog(big, terms, previous);
      const fresh = filterCatalog(big, terms);
      expect(narrowed.total).toBe(fresh.total);
      expect(Array.from(narrowed.counts)).toEqual(Array.from(fresh.counts));
      expect(Array.from(narrowed.matched)).toEqual(Array.from(fresh.matched));
      previous = narrowed;
    }
  });

  it('knows when new terms narrow old ones', () => {
    expect(narrows(['ke'], ['key'])).toBe(true);
    expect(narrows(['ke', 'te'], ['team', 'key'])).toBe(true);
    expect(narrows(['key'], ['ke'])).toBe(false);
    expect(narrows([], ['x'])).toBe(true);
  });
});
