import { ApiError } from '../request';
import { IS3Listing } from './browser';
import { IS3Client, IS3Reply, S3Model } from './model';

type Scripted<T> = T | Error;

/**
 * A fake of the server companion's object storage routes (the REST
 * boundary), scripted per test: each call takes the next reply of its list
 * (the last one repeats).
 */
class FakeS3Client implements IS3Client {
  statusReplies: Scripted<IS3Reply>[] = [];
  renewReplies: Scripted<IS3Reply>[] = [];
  revokeReplies: Scripted<IS3Reply>[] = [];
  bucketReplies: Scripted<{ buckets: string[] }>[] = [{ buckets: [] }];
  calls: string[] = [];

  async status(): Promise<IS3Reply> {
    this.calls.push('GET s3');
    return next(this.statusReplies);
  }
  async renew(): Promise<IS3Reply> {
    this.calls.push('POST s3/renew');
    return next(this.renewReplies);
  }
  async revoke(): Promise<IS3Reply> {
    this.calls.push('POST s3/revoke');
    return next(this.revokeReplies);
  }
  async buckets(): Promise<{ buckets: string[] }> {
    this.calls.push('GET s3/buckets');
    return next(this.bucketReplies);
  }
  async objects(bucket: string, prefix: string): Promise<IS3Listing> {
    this.calls.push(`GET s3/objects ${bucket} ${prefix}`);
    return { bucket, prefix, folders: [], objects: [], truncated: false };
  }
}

function next<T>(list: Scripted<T>[]): T {
  const reply = list.length > 1 ? list.shift()! : list[0];
  if (reply instanceof Error) {
    throw reply;
  }
  return reply;
}

const NOW = 1_800_000_000_000;

function reply(patch: Partial<IS3Reply> = {}): IS3Reply {
  return {
    configured: true,
    endpoint: 'http://127.0.0.1:18300',
    s3_endpoint: 'http://127.0.0.1:18300',
    role_arn: 'arn:aws:iam::role/jupyter-reader',
    region: 'us-east-1',
    profile: 'jupyter',
    credentials_file: '/home/alice/.aws/credentials',
    tls_verify: true,
    tls_warning: null,
    active: false,
    expiration: null,
    issued_at: null,
    assumed_role_arn: null,
    revoked_by_user: false,
    error: null,
    hint: null,
    ...patch
  };
}

const active = (patch: Partial<IS3Reply> = {}) =>
  reply({ active: true, expiration: NOW / 1000 + 900, ...patch });

describe('S3Model', () => {
  let client: FakeS3Client;
  let model: S3Model;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    client = new FakeS3Client();
    model = new S3Model({ client, now: () => Date.now() });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  it('asks for credentials once when they are configured and missing', async () => {
    client.statusReplies = [reply()];
    client.renewReplies = [active()];
    client.bucketReplies = [{ buckets: ['reader-data'] }];
    await model.load();
    expect(client.calls).toEqual(['GET s3', 'POST s3/renew', 'GET s3/buckets']);
    expect(model.active).toBe(true);
    expect(model.state.buckets).toEqual(['reader-data']);
    expect(model.secondsLeft()).toBe(900);
    await model.load(); // never twice by itself
    expect(client.calls.filter(c => c === 'POST s3/renew')).toHaveLength(1);
  });

  it('does not ask when off, dropped by the user, or failing', async () => {
    for (const status of [
      reply({ configured: false }),
      reply({ revoked_by_user: true }),
      reply({ error: { code: 'sts_unreachable', message: 'down' } })
    ]) {
      const c = new FakeS3Client();
      c.statusReplies = [status];
      const m = new S3Model({ client: c });
      await m.load();
      expect(c.calls).toEqual(['GET s3']);
      m.dispose();
    }
  });

  it('counts down on the clock and reads the state again while holding credentials', async () => {
    client.statusReplies = [active()];
    await model.load();
    let ticks = 0;
    model.ticked.connect(() => ticks++);
    jest.advanceTimersByTime(5_000);
    expect(ticks).toBe(5);
    expect(model.secondsLeft()).toBe(895);
    const before = client.calls.length;
    jest.advanceTimersByTime(30_000);
    expect(client.calls.slice(before)).toContain('GET s3');
  });

  it('shows a refusal with the server state, and revokes', async () => {
    client.statusReplies = [
      active(),
      active({ error: { code: 'sts_role_not_trusted', message: 'no trust' } })
    ];
    await model.load();
    client.renewReplies = [
      new ApiError('sts_role_not_trusted', 'The role does not trust you', 403)
    ];
    await model.renew();
    expect(model.state.error?.code).toBe('sts_role_not_trusted');
    expect(model.state.busy).toBeNull();
    client.revokeReplies = [reply({ revoked_by_user: true })];
    await model.revoke();
    expect(model.active).toBe(false);
    expect(model.state.buckets).toBeNull();
    expect(model.secondsLeft()).toBeNull();
  });

  it('keeps the bucket list failure apart', async () => {
    client.statusReplies = [active()];
    client.bucketReplies = [
      new ApiError('s3_access_denied', 'may not list', 403)
    ];
    await model.load();
    expect(model.state.bucketsError?.code).toBe('s3_access_denied');
    expect(model.state.error).toBeNull();
  });
});
