import { IIdentityClient, IdentityModel } from './model';
import { ApiError } from '../request';
import { IIdentityReply, ITokenCopyReply } from '../tokens';
import { hubReply, makeJwt, testClaims } from '../testing/fixtures';

/**
 * A fake of the server companion (the REST boundary), scripted per test.
 */
class FakeIdentityClient implements IIdentityClient {
  currentReplies: Array<IIdentityReply | Error> = [];
  refreshReplies: Array<IIdentityReply | Error> = [];
  tokenReply: ITokenCopyReply | Error = new Error('no token scripted');
  currentCalls = 0;
  refreshCalls = 0;
  tokenCalls = 0;

  async token(): Promise<ITokenCopyReply> {
    this.tokenCalls++;
    if (this.tokenReply instanceof Error) {
      throw this.tokenReply;
    }
    return this.tokenReply;
  }

  async current(): Promise<IIdentityReply> {
    this.currentCalls++;
    return this._next(this.currentReplies);
  }

  async refresh(): Promise<IIdentityReply> {
    this.refreshCalls++;
    return this._next(this.refreshReplies);
  }

  private _next(replies: Array<IIdentityReply | Error>): IIdentityReply {
    const reply = replies.length > 1 ? replies.shift()! : replies[0];
    if (!reply) {
      throw new Error('FakeIdentityClient: no reply scripted');
    }
    if (reply instanceof Error) {
      throw reply;
    }
    return reply;
  }
}

/** Let pending promise callbacks run under fake timers. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

const T0 = 1_800_000_000; // epoch seconds

describe('IdentityModel', () => {
  let client: FakeIdentityClient;
  let model: IdentityModel;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(T0 * 1000);
    client = new FakeIdentityClient();
    model = new IdentityModel({ client });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  it('loads the identity and exposes its claims, not the raw token', async () => {
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    expect(model.state.loading).toBe(true);
    expect(model.countdown().phase).toBe('unavailable');

    await model.load();

    expect(model.state.loading).toBe(false);
    expect(model.state.source).toBe('hub');
    expect(model.state.claims?.preferred_username).toBe('alice');
    expect(model.state.claims?.groups).toEqual(['management']);
    const reply = client.currentReplies[0] as IIdentityReply;
    expect(model.tokenId).toBe(reply.token_id);
    expect(model.canCopy).toBe(true);
    // The raw token was never asked for.
    expect(client.tokenCalls).toBe(0);
  });

  it('fetches the raw token only for copying, and checks it is a JWT', async () => {
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    await model.load();
    const token = makeJwt(testClaims({ iat: T0, lifetime: 300 }));
    client.tokenReply = { id_token: token, token_id: model.tokenId! };
    await expect(model.fetchTokenForCopy()).resolves.toBe(token);
    expect(JSON.stringify(model.state)).not.toContain(token);
    client.tokenReply = { id_token: 'garbage', token_id: 'x' };
    await expect(model.fetchTokenForCopy()).rejects.toMatchObject({
      code: 'malformed_token'
    });
  });

  it('follows the admin setting that turns copying off', async () => {
    client.currentReplies = [
      hubReply({ iat: T0, lifetime: 300, copyAllowed: false })
    ];
    await model.load();
    expect(model.state.copy.allowed).toBe(false);
    expect(model.state.copy.reason).toMatch(/administrator/);
    expect(model.canCopy).toBe(false);
  });

  it('counts down every second and changes phase', async () => {
    model.configure({ autoRefresh: false, refreshLeadSeconds: 60 });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    await model.load();
    let ticks = 0;
    model.ticked.connect(() => ticks++);

    expect(model.countdown()).toMatchObject({
      phase: 'fresh',
      secondsLeft: 300
    });
    expect(model.countdown().fraction).toBeCloseTo(1);

    jest.advanceTimersByTime(10_000);
    expect(ticks).toBe(10);
    expect(model.countdown().secondsLeft).toBe(290);

    // 20% of 300 s = 60 s = the lead: "expiring soon" from there on.
    jest.advanceTimersByTime(231_000);
    expect(model.countdown().phase).toBe('expiring');
    expect(model.countdown().fraction).toBeCloseTo(59 / 300);

    jest.advanceTimersByTime(60_000);
    expect(model.countdown().phase).toBe('expired');
    expect(model.countdown().secondsLeft).toBe(-1);
    expect(model.countdown().fraction).toBe(0);
  });

  it('computes the countdown on the server clock (browser clock skewed)', async () => {
    model.configure({ autoRefresh: false });
    // The browser is 2 minutes ahead of the server.
    jest.setSystemTime((T0 + 120) * 1000);
    client.currentReplies = [
      hubReply({ iat: T0, lifetime: 300, serverTime: T0 })
    ];
    await model.load();
    expect(model.countdown().secondsLeft).toBeCloseTo(300, 0);
    expect(model.countdown().phase).toBe('fresh');
  });

  it('refreshes automatically the lead time before expiry', async () => {
    model.configure({ autoRefresh: true, refreshLeadSeconds: 60 });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    client.refreshReplies = [
      hubReply({ iat: T0 + 240, lifetime: 300, serverTime: T0 + 240 })
    ];
    await model.load();

    jest.advanceTimersByTime(239_000);
    expect(client.refreshCalls).toBe(0);
    jest.advanceTimersByTime(1_000);
    await flush();
    expect(client.refreshCalls).toBe(1);
    expect(model.state.claims?.exp).toBe(T0 + 540);
    expect(model.countdown().phase).toBe('fresh');
  });

  it('does not refresh automatically when switched off', async () => {
    model.configure({ autoRefresh: false });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    await model.load();
    jest.advanceTimersByTime(400_000);
    await flush();
    expect(client.refreshCalls).toBe(0);
  });

  it('reschedules when the lead time setting changes', async () => {
    model.configure({ autoRefresh: true, refreshLeadSeconds: 60 });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    client.refreshReplies = [
      hubReply({ iat: T0 + 200, lifetime: 300, serverTime: T0 + 200 })
    ];
    await model.load();
    model.configure({ autoRefresh: true, refreshLeadSeconds: 100 });
    jest.advanceTimersByTime(200_000);
    await flush();
    expect(client.refreshCalls).toBe(1);
  });

  it('keeps the last good state when a refresh fails, and says why', async () => {
    model.configure({ autoRefresh: false });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    client.refreshReplies = [
      new ApiError('login_required', 'Log in again at the hub.', 401)
    ];
    const failures: string[] = [];
    model.refreshFailed.connect((_, error) => failures.push(error.code));
    await model.load();

    await model.refresh();

    expect(model.state.claims?.preferred_username).toBe('alice');
    expect(model.state.error).toEqual({
      code: 'login_required',
      message: 'Log in again at the hub.'
    });
    expect(model.state.refreshing).toBe(false);
    expect(failures).toEqual(['login_required']);
  });

  it('says it is refreshing while the request is in flight', async () => {
    model.configure({ autoRefresh: false });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    client.refreshReplies = [hubReply({ iat: T0 + 5, lifetime: 300 })];
    await model.load();
    const seen: boolean[] = [];
    model.stateChanged.connect((_, state) => seen.push(state.refreshing));
    await model.refresh();
    expect(seen).toEqual([true, false]);
  });

  it('retries a failed automatic refresh with back-off and recovers', async () => {
    model.configure({ autoRefresh: true, refreshLeadSeconds: 60 });
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    client.refreshReplies = [
      new ApiError('hub_unreachable', 'The hub cannot be reached.', 502),
      hubReply({ iat: T0 + 255, lifetime: 300, serverTime: T0 + 255 })
    ];
    await model.load();
    jest.advanceTimersByTime(240_000);
    await flush();
    expect(client.refreshCalls).toBe(1);
    expect(model.state.error?.code).toBe('hub_unreachable');

    jest.advanceTimersByTime(15_000);
    await flush();
    expect(client.refreshCalls).toBe(2);
    expect(model.state.error).toBeNull();
    expect(model.state.claims?.exp).toBe(T0 + 555);
  });

  it('does not spin when the source hands back the same token', async () => {
    model.configure({ autoRefresh: true, refreshLeadSeconds: 60 });
    const same = hubReply({ iat: T0, lifetime: 300 });
    client.currentReplies = [same];
    client.refreshReplies = [{ ...same, server_time: T0 + 240 }];
    await model.load();
    jest.advanceTimersByTime(240_000);
    await flush();
    expect(client.refreshCalls).toBe(1);
    jest.advanceTimersByTime(4_000);
    await flush();
    expect(client.refreshCalls).toBe(1);
    jest.advanceTimersByTime(15_000);
    await flush();
    expect(client.refreshCalls).toBe(2);
  });

  it('explains how to configure a source when there is none', async () => {
    client.currentReplies = [
      {
        source: null,
        source_detail: null,
        claims: null,
        token_id: null,
        fetched_at: null,
        server_time: T0,
        hint: 'Set OIDC_ID_TOKEN.',
        copy: { allowed: true, reason: null }
      }
    ];
    await model.load();
    expect(model.state.source).toBeNull();
    expect(model.state.hint).toBe('Set OIDC_ID_TOKEN.');
    expect(model.state.error).toBeNull();
    expect(model.countdown().phase).toBe('unavailable');
  });

  it('reports claims without a numeric exp as malformed_token', async () => {
    client.currentReplies = [
      { ...hubReply({ iat: T0, lifetime: 300 }), claims: { exp: 'soon' } }
    ];
    await model.load();
    expect(model.state.error?.code).toBe('malformed_token');
    expect(model.tokenId).toBeNull();
  });

  it('shares one request between concurrent calls', async () => {
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    await Promise.all([model.load(), model.load(), model.load()]);
    expect(client.currentCalls).toBe(1);
  });

  it('stops its timers when disposed', async () => {
    client.currentReplies = [hubReply({ iat: T0, lifetime: 300 })];
    await model.load();
    let ticks = 0;
    model.ticked.connect(() => ticks++);
    model.dispose();
    jest.advanceTimersByTime(400_000);
    await flush();
    expect(ticks).toBe(0);
    expect(client.refreshCalls).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
