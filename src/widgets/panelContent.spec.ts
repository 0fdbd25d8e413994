import { Signal } from '@lumino/signaling';

import { CatalogModel, ICatalogSession } from '../catalog/model';
import { ICatalogClient } from '../catalog/tree';
import { catalogReply, flush } from '../testing/vaultFixtures';
import { ICatalogReply, ISecretKeysReply } from '../tokens';
import { keysShown } from './panelContent';

/** A fake of the catalog routes: two secrets with key names. */
class FakeCatalogClient implements ICatalogClient {
  async catalog(): Promise<ICatalogReply> {
    return catalogReply([{ secrets: ['app/db', 'app/cache'] }]);
  }
  async secretKeys(mount: string, path: string): Promise<ISecretKeysReply> {
    return { mount, path, version: 2, keys: ['password'], metadata: null };
  }
}

/** A logged-in Vault session stand-in. */
class FakeSession implements ICatalogSession {
  catalogKey: string | null = 'default';
  readonly stateChanged = new Signal<this, void>(this);
}

describe('keysShown', () => {
  it('hides the key card while a search leaves its secret out, shows it again after', async () => {
    const model = new CatalogModel({
      client: new FakeCatalogClient(),
      session: new FakeSession()
    });
    await flush();
    model.select('secret/app/db');
    await flush();
    expect(keysShown(model.state)?.id).toBe('secret/app/db');
    model.setQuery('db');
    expect(keysShown(model.state)?.id).toBe('secret/app/db');
    model.setQuery('cache');
    expect(keysShown(model.state)).toBeNull();
    model.setQuery('');
    expect(keysShown(model.state)?.id).toBe('secret/app/db');
    model.dispose();
  });
});
