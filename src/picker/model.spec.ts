import { buildCatalogIndex } from '../catalog/tree';
import {
  KEYS_DELAY_MS,
  MAX_RESULTS,
  PickerModel,
  fuzzyScore,
  matchPositions,
  termsScore
} from './model';
import { ISecretKeysReply } from '../tokens';
import { catalogReply, flush, manyPaths } from '../testing/vaultFixtures';

/** A fake of the key-names route: replies from a map, counts calls. */
class FakeKeysClient {
  replies = new Map<string, string[]>();
  calls: string[] = [];
  failing = new Set<string>();

  async secretKeys(mount: string, path: string): Promise<ISecretKeysReply> {
    const id = mount + path;
    this.calls.push(id);
    if (this.failing.has(id)) {
      throw Object.assign(new Error('permission denied'), {
        code: 'vault_permission_denied'
      });
    }
    return {
      mount,
      path,
      version: 2,
      keys: this.replies.get(id) ?? [],
      metadata: null
    };
  }
}

const REPLY = catalogReply([
  {
    path: 'secret/',
    secrets: [
      'apps/billing/db',
      'apps/billing/stripe',
      'apps/portal/oauth',
      'shared/it\'s "quoted" ünïcode'
    ]
  },
  { path: 'legacy/', version: 1, secrets: ['ldap/bind', 'ci/deploy-token'] }
]);

describe('fuzzyScore', () => {
  it('matches subsequences only', () => {
    expect(fuzzyScore('ldb', 'legacy/ldap/bind')).toBeGreaterThan(0);
    expect(fuzzyScore('bdl', 'legacy/ldap/bind')).toBe(-1);
    expect(fuzzyScore('', 'anything')).toBe(0);
  });

  it('ranks a contiguous match above a scattered one, and at a segment start above the middle', () => {
    const contiguous = fuzzyScore('bind', 'legacy/ldap/bind');
    const scattered = fuzzyScore('bind', 'secret/apps/billing/db-node');
    const middle = fuzzyScore('ind', 'legacy/ldap/bind');
    const start = fuzzyScore('bin', 'legacy/ldap/bind');
    expect(contiguous).toBeGreaterThan(scattered);
    expect(start).toBeGreaterThan(middle);
  });

  it('prefers shorter texts on ties', () => {
    expect(fuzzyScore('db', 'secret/db')).toBeGreaterThan(
      fuzzyScore('db', 'secret/db-with-a-much-longer-name')
    );
  });

  it('needs every term (AND), in any order', () => {
    expect(termsScore(['bind', 'ldap'], 'legacy/ldap/bind')).toBeGreaterThan(0);
    expect(termsScore(['bind', 'stripe'], 'legacy/ldap/bind')).toBe(-1);
  });

  it('marks the matched characters term by term', () => {
    expect(matchPositions('ldap bind', 'legacy/ldap/bind')).toEqual([
      7, 8, 9, 10, 12, 13, 14, 15
    ]);
    expect(matchPositions('lb', 'legacy/bind')).toEqual([0, 7]);
  });
});

describe('PickerModel', () => {
  let client: FakeKeysClient;

  beforeEach(() => {
    jest.useFakeTimers();
    client = new FakeKeysClient();
    client.replies.set('legacy/ldap/bind', ['dn', 'password']);
    client.replies.set('secret/apps/billing/db', ['username', 'password']);
  });

  afterEach(() => jest.useRealTimers());

  function model(keyCache = new Map<string, readonly string[]>()) {
    return new PickerModel({
      index: buildCatalogIndex(REPLY),
      client,
      keyCache
    });
  }

  it('lists the secrets in tree order before anything is typed', () => {
    const picker = model();
    expect(picker.state.total).toBe(6);
    expect(picker.state.matches).toBe(6);
    expect(picker.state.items.map(item => item.id)).toEqual([
      'secret/apps/billing/db',
      'secret/apps/billing/stripe',
      'secret/apps/portal/oauth',
      'secret/shared/it\'s "quoted" ünïcode',
      'legacy/ci/deploy-token',
      'legacy/ldap/bind'
    ]);
    expect(picker.state.active).toBe(0);
  });

  it('ranks fuzzy matches, best first, and highlights the first', () => {
    const picker = model();
    picker.setQuery('ldap bind');
    expect(picker.state.items.map(item => item.id)).toEqual([
      'legacy/ldap/bind'
    ]);
    picker.setQuery('bil');
    expect(picker.state.items.map(item => item.id)).toEqual([
      'secret/apps/billing/db',
      'secret/apps/billing/stripe'
    ]);
    picker.setQuery('zzz');
    expect(picker.state.items).toEqual([]);
    expect(picker.state.active).toBe(-1);
    expect(picker.activeItem).toBeNull();
  });

  it('reads the keys of the highlighted secret once the highlight rests, and shows them under it', async () => {
    const picker = model();
    picker.setQuery('ldap');
    expect(client.calls).toEqual([]);
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    expect(picker.state.keys.get('legacy/ldap/bind')?.loading).toBe(true);
    await flush();
    expect(client.calls).toEqual(['legacy/ldap/bind']);
    expect(
      picker.state.items.map(item => [item.id, item.key, item.child])
    ).toEqual([
      ['legacy/ldap/bind', null, false],
      ['legacy/ldap/bind', 'dn', true],
      ['legacy/ldap/bind', 'password', true]
    ]);

    // Down into the keys; Up wraps around to the last row.
    picker.move(2);
    expect(picker.activeItem).toEqual({
      id: 'legacy/ldap/bind',
      key: 'password',
      child: true
    });
    picker.move(1);
    expect(picker.state.active).toBe(0);
    picker.move(-1);
    expect(picker.activeItem?.key).toBe('password');
  });

  it('finds key names read before, and searches them too', async () => {
    const cache = new Map<string, readonly string[]>([
      ['secret/apps/billing/db', ['username', 'password']]
    ]);
    const picker = model(cache);
    picker.setQuery('db password');
    expect(
      picker.state.items
        .filter(item => !item.child)
        .map(item => [item.id, item.key])
    ).toContainEqual(['secret/apps/billing/db', 'password']);
    // Keys read in this picker land in the shared cache for the next one.
    picker.setQuery('bind');
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(cache.get('legacy/ldap/bind')).toEqual(['dn', 'password']);
    picker.setQuery('bind dn');
    expect(picker.state.items[0]).toEqual({
      id: 'legacy/ldap/bind',
      key: 'dn',
      child: false
    });
    // A key that matches through its path alone is not a result of its own.
    expect(
      picker.state.items.filter(item => !item.child && item.key === 'password')
    ).toEqual([]);
  });

  it('reads the keys of the best matches, so a query can go on into a key name', async () => {
    const picker = model();
    picker.setQuery('billing db pass');
    expect(picker.state.items).toEqual([]);
    // Nothing matches: the secrets matching "billing db" have their keys read.
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(client.calls).toContain('secret/apps/billing/db');
    expect(picker.state.items[0]).toEqual({
      id: 'secret/apps/billing/db',
      key: 'password',
      child: false
    });
    expect(picker.state.active).toBe(0);
  });

  it('scores every match above zero, however scattered', () => {
    const long = 'x'.repeat(5000) + 'a' + 'y'.repeat(5000) + 'b';
    expect(fuzzyScore('ab', long)).toBeGreaterThan(0);
  });

  it('does not read keys while the highlight moves on quickly', async () => {
    const picker = model();
    picker.move(1);
    picker.move(1);
    jest.advanceTimersByTime(KEYS_DELAY_MS - 1);
    picker.move(1);
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(client.calls).toEqual(['secret/shared/it\'s "quoted" ünïcode']);
  });

  it('keeps a failure to read keys beside the secret', async () => {
    client.failing.add('legacy/ldap/bind');
    const picker = model();
    picker.setQuery('bind');
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(picker.state.keys.get('legacy/ldap/bind')?.error?.code).toBe(
      'vault_permission_denied'
    );
    // No key rows under it.
    expect(picker.state.items.filter(item => item.child)).toEqual([]);
  });

  it('caps the results and counts every match over 10,000 paths', () => {
    const picker = new PickerModel({
      index: buildCatalogIndex(
        catalogReply([{ path: 'secret/', secrets: manyPaths(10_000) }])
      ),
      client
    });
    picker.setQuery('key-0');
    expect(picker.state.matches).toBe(10_000);
    expect(picker.state.items).toHaveLength(MAX_RESULTS);
    // A longer query searches the previous matches only, same answer as fresh.
    picker.setQuery('key-00042');
    expect(picker.state.items.map(item => item.id)).toEqual([
      'secret/team-2/app-4/key-00042'
    ]);
    const fresh = new PickerModel({
      index: buildCatalogIndex(
        catalogReply([{ path: 'secret/', secrets: manyPaths(10_000) }])
      ),
      client
    });
    fresh.setQuery('key-00042');
    expect(fresh.state.items).toEqual(picker.state.items);
  });

  it('answers Backspace from the results it kept, the same as a fresh search', () => {
    const reply = catalogReply([
      { path: 'secret/', secrets: manyPaths(2_000) }
    ]);
    const typed = new PickerModel({ index: buildCatalogIndex(reply), client });
    for (const query of ['k', 'ke', 'key-0', 'key-004', 'key-0042']) {
      typed.setQuery(query);
    }
    for (const query of ['key-004', 'key-0', 'ke', 'k']) {
      typed.setQuery(query);
      const fresh = new PickerModel({
        index: buildCatalogIndex(reply),
        client
      });
      fresh.setQuery(query);
      expect(typed.state.items).toEqual(fresh.state.items);
      expect(typed.state.matches).toBe(fresh.state.matches);
    }
    // Another branch: the same as fresh too.
    typed.setQuery('key-01');
    const fresh = new PickerModel({ index: buildCatalogIndex(reply), client });
    fresh.setQuery('key-01');
    expect(typed.state.items).toEqual(fresh.state.items);
  });

  it('forgets kept results when key names arrive: Backspace finds the new keys', async () => {
    const picker = model();
    picker.setQuery('billing db');
    picker.setQuery('billing db pass');
    expect(picker.state.items).toEqual([]);
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(picker.state.matches).toBe(1); // billing/db's key "password"
    picker.setQuery('billing db');
    // The secret, and its key rows (matching through the path) under it.
    expect(picker.state.matches).toBe(1);
    picker.setQuery('billing db passw');
    expect(picker.state.items[0]).toEqual({
      id: 'secret/apps/billing/db',
      key: 'password',
      child: false
    });
  });

  it('adds key names that arrive to the kept results: a longer query finds them', async () => {
    const picker = model();
    picker.setQuery('bil');
    picker.setQuery('billing');
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    await flush();
    expect(client.calls).toContain('secret/apps/billing/db');
    // "billing" was kept with the new key candidates in its pool
    picker.setQuery('billing usern');
    expect(picker.state.items[0]).toEqual({
      id: 'secret/apps/billing/db',
      key: 'username',
      child: false
    });
    picker.setQuery('bil');
    expect(picker.state.items.map(item => item.id)).toContain(
      'secret/apps/billing/db'
    );
  });

  it('is empty without a catalog, and ignores late replies once disposed', async () => {
    const empty = new PickerModel({ index: null, client });
    expect(empty.state.total).toBe(0);
    expect(empty.state.items).toEqual([]);

    const picker = model();
    picker.setQuery('bind');
    jest.advanceTimersByTime(KEYS_DELAY_MS);
    picker.dispose();
    await flush();
    expect(picker.isDisposed).toBe(true);
    expect(picker.state.keys.get('legacy/ldap/bind')?.keys ?? null).toBeNull();
  });
});
