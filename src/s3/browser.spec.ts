import { ApiError } from '../request';
import { IS3Listing, IS3ObjectsClient, S3Browser } from './browser';

/**
 * A fake of the server companion's objects route (the REST boundary): each
 * call waits until the test answers it, so the order of events is the
 * test's.
 */
class FakeObjectsClient implements IS3ObjectsClient {
  pending: {
    bucket: string;
    prefix: string;
    resolve: (listing: IS3Listing) => void;
    reject: (error: Error) => void;
  }[] = [];

  objects(bucket: string, prefix: string): Promise<IS3Listing> {
    return new Promise((resolve, reject) =>
      this.pending.push({ bucket, prefix, resolve, reject })
    );
  }

  answer(folders: string[], keys: string[]): void {
    const call = this.pending.shift()!;
    call.resolve({
      bucket: call.bucket,
      prefix: call.prefix,
      folders,
      objects: keys.map(key => ({ key, size: 1, last_modified: '' })),
      truncated: false
    });
  }
}

describe('S3Browser', () => {
  it('lists a level the first time it opens, and keeps it when reopened', async () => {
    const client = new FakeObjectsClient();
    const browser = new S3Browser(client);
    let changes = 0;
    browser.changed.connect(() => (changes += 1));

    const opening = browser.toggle('reader-data');
    expect(browser.isOpen('reader-data')).toBe(true);
    expect(browser.level('reader-data')?.loading).toBe(true);
    expect(client.pending.map(c => [c.bucket, c.prefix])).toEqual([
      ['reader-data', '']
    ]);
    client.answer(['team/'], ['team.csv']);
    await opening;
    expect(browser.level('reader-data')?.listing?.folders).toEqual(['team/']);

    await browser.toggle('reader-data'); // close
    expect(browser.isOpen('reader-data')).toBe(false);
    await browser.toggle('reader-data'); // open again: no new request
    expect(client.pending).toEqual([]);
    expect(browser.level('reader-data')?.listing?.objects[0].key).toBe(
      'team.csv'
    );

    const folder = browser.toggle('reader-data', 'team/');
    expect(client.pending.map(c => c.prefix)).toEqual(['team/']);
    client.answer([], ['team/a.csv']);
    await folder;
    expect(browser.isOpen('reader-data', 'team/')).toBe(true);
    expect(changes).toBeGreaterThanOrEqual(6);
  });

  it('keeps a refusal for the level, and asks again when reopened', async () => {
    const client = new FakeObjectsClient();
    const browser = new S3Browser(client);
    const opening = browser.toggle('management-data');
    client.pending
      .shift()!
      .reject(new ApiError('s3_access_denied', 'refused to list', 403));
    await opening;
    expect(browser.level('management-data')?.error).toEqual({
      code: 's3_access_denied',
      message: 'refused to list'
    });
    await browser.toggle('management-data'); // close
    const again = browser.toggle('management-data');
    expect(client.pending).toHaveLength(1);
    client.answer([], []);
    await again;
    expect(browser.level('management-data')?.error).toBeNull();
  });

  it('drops a listing that answers after clear (credentials gone)', async () => {
    const client = new FakeObjectsClient();
    const browser = new S3Browser(client);
    const opening = browser.toggle('reader-data');
    browser.clear();
    client.answer([], ['team.csv']);
    await opening;
    expect(browser.isOpen('reader-data')).toBe(false);
    expect(browser.level('reader-data')).toBeNull();
  });
});
