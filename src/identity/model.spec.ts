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
  /** When set, answers every refresh (instead of `refreshReplies`). */
  onRefresh: (() => IIdentityReply) | null = null;
  /** When each refresh was asked for (Date.now()). */
  refreshTimes: number[] = [];
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
    this.refreshTimes.push(Date.now());
    if (this.onRefresh) {
      return this.onRefresh();
    }
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

describe('IdentityModel refresh schedule over a simulated hour', () => {
  const HOUR_MS = 3_600_000;
  const DAY = 24 * 3600;
  let client: FakeIdentityClient;
  let model: IdentityModel;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(T0 * 1000);
    client = new FakeIdentityClient();
    model = new IdentityModel({ client });
    // The defaults: automatic refresh, 60 s before exp.
    model.configure({ autoRefresh: true, refreshLeadSeconds: 60 });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  /**
   * Let `ms` of fake time pass. The 1-second countdown tick would make
   * `advanceTimersByTimeAsync` crawl through an hour, so time moves on
   * synchronously up to each refresh the model has scheduled, and the
   * promises of the refresh settle there. Any other timer that fired a
   * refresh would be counted as well (the fake client records the call when
   * it is made).
   */
  async function runFor(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const due = model.nextRefreshAt;
      const step =
        due === null || due > end ? end - Date.now() : due - Date.now();
      jest.advanceTimersByTime(Math.max(0, step));
      await flush();
      await flush();
      if (step <= 0 && model.nextRefreshAt === due) {
        jest.advanceTimersByTime(1); // nothing moved: do not loop in place
      }
    }
  }

  /** Seconds after T0 of each refresh asked for. */
  function refreshedAt(): number[] {
    return client.refreshTimes.map(t => (t - T0 * 1000) / 1000);
  }

  /** Replies as the server's clock reads now (no skew). */
  function now(): number {
    return Date.now() / 1000;
  }

  /** A source that hands back the very token it was loaded with. */
  function sameTokenSource(lifetime: number, iat = T0): void {
    const reply = hubReply({ iat, lifetime, serverTime: T0 });
    client.currentReplies = [reply];
    client.onRefresh = () => ({ ...reply, server_time: now() });
  }

  /** A source (an IdP) that issues a new token of the same lifetime each time. */
  function renewingSource(lifetime: number): void {
    client.currentReplies = [hubReply({ iat: T0, lifetime })];
    client.onRefresh = () => hubReply({ iat: now(), lifetime });
  }

  // Back-off after a refresh that brought no later exp: 15 s, 30 s, 60 s,
  // 120 s, 240 s, then 300 s (the max) each time.
  const SAME_TOKEN_BACKOFF = [15, 30, 60, 120, 240];
  function backedOff(first: number, until: number): number[] {
    const times = [first];
    for (let i = 0; ; i++) {
      const next = times[times.length - 1] + (SAME_TOKEN_BACKOFF[i] ?? 300);
      if (next > until) {
        return times;
      }
      times.push(next);
    }
  }

  it('exp in 1 minute, the IdP issuing 1-minute tokens: one refresh every 30 s (the lead is capped at half the lifetime)', async () => {
    renewingSource(60);
    await model.load();
    await runFor(HOUR_MS);
    const expected = Array.from({ length: 120 }, (_, i) => 30 * (i + 1));
    expect(refreshedAt()).toEqual(expected);
    expect(model.countdown().phase).not.toBe('expired');
  });

  it('exp in 1 minute, the source handing back the same token: 30 s, then backing off', async () => {
    sameTokenSource(60);
    await model.load();
    await runFor(HOUR_MS);
    // 30, 45, 75, 135, 255, 495, 795, 1095, ... 3495: 16 refreshes.
    expect(refreshedAt()).toEqual(backedOff(30, 3600));
    expect(client.refreshCalls).toBe(16);
  });

  // A 1-second countdown tick runs all along, so the long waits are checked
  // on the pending timer (schedule.spec.ts runs such timers to their end).

  it('exp in 1 day: no refresh in the hour; the next one is due at exp - 60 s', async () => {
    renewingSource(DAY);
    await model.load();
    await runFor(HOUR_MS);
    expect(client.refreshCalls).toBe(0);
    expect(model.nextRefreshAt).toBe((T0 + DAY - 60) * 1000);
  });

  it('exp in 30 days (beyond what setTimeout holds): no refresh in the hour; the next one is due at exp - 60 s', async () => {
    renewingSource(30 * DAY);
    await model.load();
    await runFor(HOUR_MS);
    expect(client.refreshCalls).toBe(0);
    expect(model.nextRefreshAt).toBe((T0 + 30 * DAY - 60) * 1000);
  });

  it('exp in 100 years: no refresh in the hour; a click refreshes once and starts no series', async () => {
    sameTokenSource(100 * 365 * DAY);
    await model.load();
    await runFor(HOUR_MS);
    expect(client.refreshCalls).toBe(0);
    expect(model.nextRefreshAt).toBe((T0 + 100 * 365 * DAY - 60) * 1000);

    // Until the user asks: one refresh, and the same token does not start
    // a series of automatic ones.
    await model.refresh();
    await runFor(HOUR_MS);
    expect(client.refreshCalls).toBe(1);
  });

  it('exp in 2100, the issue 17 token: no refresh at all, and no timer spinning', async () => {
    const exp = Date.UTC(2100, 0, 1) / 1000;
    sameTokenSource(exp - T0);
    const armed = jest.spyOn(global, 'setTimeout');
    await model.load();
    await runFor(HOUR_MS);
    expect(client.refreshCalls).toBe(0);
    expect(model.countdown().phase).toBe('fresh');
    // The countdown's 3,600 ticks and the one refresh timer (a delay that
    // overflowed would fire every millisecond: millions).
    expect(armed.mock.calls.length).toBeLessThan(3_700);
    armed.mockRestore();
  });

  it('exp 10 minutes ago, the source handing back the same token: 15 s after loading, then backing off', async () => {
    sameTokenSource(300, T0 - 900);
    await model.load();
    expect(model.countdown().phase).toBe('expired');
    await runFor(HOUR_MS);
    // 15, 30, 60, 120, 240, 480, 780, ... 3480: 16 refreshes.
    expect(refreshedAt()).toEqual(backedOff(15, 3600));
    expect(client.refreshCalls).toBe(16);
  });

  it('an undecodable token from the source is retried backing off, not every 15 s', async () => {
    sameTokenSource(3 * 3600);
    await model.load();
    // Claims without a numeric exp: the token cannot be used.
    client.onRefresh = () => ({
      ...hubReply({ iat: now(), lifetime: 300 }),
      claims: { sub: 'garbage', exp: 'never' }
    });
    await model.refresh();
    expect(model.state.error?.code).toBe('malformed_token');
    await runFor(HOUR_MS);
    // The click at 0, then 15, 30, 60, 120, 240 s later, then every 300 s.
    const expected = [0, 15, 45, 105, 225, 465];
    while (expected[expected.length - 1] + 300 <= 3600) {
      expected.push(expected[expected.length - 1] + 300);
    }
    expect(refreshedAt()).toEqual(expected);
  });

  it('a rate-limited refresh shows the server message and waits as long as it says', async () => {
    sameTokenSource(300);
    const limited = new ApiError(
      'refresh_rate_limited',
      'Too many id_token refreshes: try again in 42 s.',
      429,
      42_000
    );
    const failures: string[] = [];
    model.refreshFailed.connect((_, error) => failures.push(error.message));
    await model.load();
    const good = client.onRefresh!;
    client.onRefresh = () => {
      throw limited;
    };

    await model.refresh();
    expect(model.state.error).toEqual({
      code: 'refresh_rate_limited',
      message: limited.message
    });
    expect(failures).toEqual([limited.message]);
    expect(model.state.claims?.preferred_username).toBe('alice');

    client.onRefresh = good;
    await jest.advanceTimersByTimeAsync(41_999);
    expect(client.refreshCalls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(client.refreshCalls).toBe(2);
    expect(model.state.error).toBeNull();
  });
});
