import { decodeCatalogReply, joinPaths } from './compact';
import { catalogReply } from '../testing/vaultFixtures';

describe('the compact catalog reply', () => {
  it('joins paths grouped by folder, in the order sent', () => {
    expect(
      joinPaths({ 'a/b/': ['c', 'd'], '': ['top'], 'ü/': ['ключ 😀'] })
    ).toEqual(['a/b/c', 'a/b/d', 'top', 'ü/ключ 😀']);
    expect(joinPaths(['x/y'])).toEqual(['x/y']);
    expect(joinPaths(undefined)).toEqual([]);
  });

  it('decodes every path list of every mount', () => {
    const plain = catalogReply([{ path: 'secret/' }]);
    const reply = decodeCatalogReply({
      ...plain,
      format: 'by-folder',
      mounts: [
        {
          ...plain.mounts[0],
          secrets: { 'app/': ['db', 'web'] },
          unlisted: { 'x/': ['y'] },
          unchecked: {},
          manual: { '': ['top'] }
        }
      ]
    });
    expect(reply.mounts[0].secrets).toEqual(['app/db', 'app/web']);
    expect(reply.mounts[0].unlisted).toEqual(['x/y']);
    expect(reply.mounts[0].unchecked).toEqual([]);
    expect(reply.mounts[0].manual).toEqual(['top']);
    expect(reply.generated_at).toBe(plain.generated_at);
  });
});
