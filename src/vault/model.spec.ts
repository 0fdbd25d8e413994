import { ApiError } from '../request';
import { IVaultReply } from '../tokens';
import { IVaultClient, VAULT_POLL_MS, VaultModel } from './model';
import {
  FakeIdTokenSource,
  T0,
  flush,
  loggedInReply,
  loggedOutReply
} from '../testing/vaultFixtures';

type Scripted = IVaultReply | Error;

/**
 * A fake of the server companion's Vault routes (the REST boundary), scripted
 * per test: each call takes the next reply of its list (the last one repeats).
 */
class FakeVaultClient implements IVaultClient {
  statusReplies: Scripted[] = [];
  loginReplies: Scripted[] = [];
  logoutReplies: Scripted[] = [];
  tokenFileReplies: Scripted[] = [];
  calls: string[] = [];

  async status(): Promise<IVaultReply> {
    this.calls.push('GET vault');
    return this._next(this.statusReplies);
  }

  async login(): Promise<IVaultReply> {
    this.calls.push('POST vault/login');
    return this._next(this.loginReplies);
  }

  async logout(): Promise<IVaultReply> {
    this.calls.push('POST vault/logout');
    return this._next(this.logoutReplies);
  }

  async useTokenFile(): Promise<IVaultReply> {
    this.calls.push('POST vault/token-file');
    return this._next(this.tokenFileReplies);
  }

  count(call: string): number {
    return this.calls.filter(c => c === call).length;
  }

  private _next(replies: Scripted[]): IVaultReply {
    const reply = replies.length > 1 ? replies.shift()! : replies[0];
    if (!reply) {
      throw new Error('FakeVaultClient: no reply scripted');
    }
    if (reply instanceof Error) {
      throw reply;
    }
    return reply;
  }
}

const LOGIN = 'POST vault/login';
const STATUS = 'GET vault';

describe('VaultModel', () => {
  let client: FakeVaultClient;
  let identity: FakeIdTokenSource;
  let model: VaultModel;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(T0 * 1000);
    client = new FakeVaultClient();
    identity = new FakeIdTokenSource();
    identity.tokenId = 'id-token-1';
    model = new VaultModel({ client, identity });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  describe('automatic log in', () => {
    it('logs in once the state says configured and logged out', async () => {
      client.statusReplies = [loggedOutReply()];
      client.loginReplies = [loggedInReply()];
      expect(model.state.loading).toBe(true);

      await model.load();
      await flush();

      expect(client.calls).toEqual([STATUS, LOGIN]);
      expect(model.loggedIn).toBe(true);
      expect(model.state.status?.token?.policies).toEqual([
        'default',
        'team-a'
      ]);
      expect(model.catalogKey).toBe('default\nteam-a');
      expect(model.canLogin).toBe(false);
      expect(model.canLogout).toBe(true);
    });

    it('does not log in after the user logged out', async () => {
      client.statusReplies = [loggedOutReply({ logged_out_by_user: true })];
      await model.load();
      await flush();
      expect(client.count(LOGIN)).toBe(0);
      expect(model.canLogin).toBe(true);

      // Not even when the id_token is refreshed.
      identity.setToken('id-token-2');
      await flush();
      expect(client.count(LOGIN)).toBe(0);
    });

    it('does not log in when the setting is off, and does once it is on', async () => {
      model.configure({ autoLogin: false });
      client.statusReplies = [loggedOutReply()];
      client.loginReplies = [loggedInReply()];
      await model.load();
      await flush();
      expect(client.count(LOGIN)).toBe(0);

      model.configure({ autoLogin: true });
      await flush();
      expect(client.count(LOGIN)).toBe(1);
      expect(model.loggedIn).toBe(true);
    });

    it('does not log in when Vault is not configured', async () => {
      client.statusReplies = [
        loggedOutReply({
          configured: false,
          address: null,
          hint: 'Set c.VaultSession.address.'
        })
      ];
      await model.load();
      await flush();
      expect(client.count(LOGIN)).toBe(0);
      expect(model.state.status?.hint).toBe('Set c.VaultSession.address.');
      expect(model.canLogin).toBe(false);
    });

    it('waits for the id_token, then logs in', async () => {
      identity.tokenId = null;
      client.statusReplies = [loggedOutReply()];
      client.loginReplies = [loggedInReply()];
      await model.load();
      await flush();
      expect(client.count(LOGIN)).toBe(0);

      identity.setToken('id-token-1');
      await flush();
      expect(client.count(LOGIN)).toBe(1);
      expect(model.loggedIn).toBe(true);
    });

    it('keeps the last good state and the error when log in fails; retries only with a new id_token', async () => {
      client.statusReplies = [loggedOutReply()];
      client.loginReplies = [
        new ApiError(
          'vault_permission_denied',
          'Vault refused the log in: role "jupyter" does not accept this id_token.',
          403
        ),
        loggedInReply()
      ];
      await model.load();
      await flush();

      expect(model.loggedIn).toBe(false);
      expect(model.state.status?.address).toBe('https://127.0.0.1:18200');
      expect(model.state.error).toEqual({
        code: 'vault_permission_denied',
        message:
          'Vault refused the log in: role "jupyter" does not accept this id_token.'
      });

      // A poll or a settings change does not hammer Vault with the same token.
      model.configure({ autoLogin: true });
      await flush();
      expect(client.count(LOGIN)).toBe(1);

      identity.setToken('id-token-2');
      await flush();
      expect(client.count(LOGIN)).toBe(2);
      expect(model.loggedIn).toBe(true);
      expect(model.state.error).toBeNull();
    });
  });

  describe('id_token changes', () => {
    it('logs in again when the id_token changes while logged in', async () => {
      client.statusReplies = [loggedInReply()];
      client.loginReplies = [loggedInReply({ token: { accessor: 'acc-2' } })];
      await model.load();
      expect(client.count(LOGIN)).toBe(0);

      identity.stateChanged.emit(); // same token: nothing to do
      await flush();
      expect(client.count(LOGIN)).toBe(0);

      identity.setToken('id-token-2');
      await flush();
      expect(client.count(LOGIN)).toBe(1);
      expect(model.state.status?.token?.accessor).toBe('acc-2');
    });
  });

  describe('countdown', () => {
    it('counts the TTL down every second on the server clock (browser 2 min ahead)', async () => {
      jest.setSystemTime((T0 + 120) * 1000);
      client.statusReplies = [loggedInReply({ serverTime: T0, ttl: 3600 })];
      await model.load();
      let ticks = 0;
      model.ticked.connect(() => ticks++);

      expect(model.countdown().secondsLeft).toBeCloseTo(3600, 0);
      expect(model.countdown().maxSecondsLeft).toBeCloseTo(8 * 3600, 0);

      jest.advanceTimersByTime(10_000);
      expect(ticks).toBe(10);
      expect(model.countdown().secondsLeft).toBeCloseTo(3590, 0);
    });

    it('has no countdown while logged out', async () => {
      client.statusReplies = [loggedOutReply({ logged_out_by_user: true })];
      await model.load();
      expect(model.countdown()).toEqual({
        secondsLeft: null,
        maxSecondsLeft: null
      });
    });
  });

  describe('keeping up with the server', () => {
    it('reads the state again every 30 s while logged in', async () => {
      client.statusReplies = [
        loggedInReply({ ttl: 3600 }),
        loggedInReply({ serverTime: T0 + 30, ttl: 3600 })
      ];
      await model.load();
      expect(client.count(STATUS)).toBe(1);

      jest.advanceTimersByTime(VAULT_POLL_MS - 1);
      await flush();
      expect(client.count(STATUS)).toBe(1);
      jest.advanceTimersByTime(1);
      await flush();
      expect(client.count(STATUS)).toBe(2);
      // The renewed token (expires 30 s later) is shown.
      expect(model.countdown().secondsLeft).toBeCloseTo(3600, 0);
      jest.advanceTimersByTime(VAULT_POLL_MS);
      await flush();
      expect(client.count(STATUS)).toBe(3);
    });

    it('reads the state again when the TTL reaches 0, once per expiry', async () => {
      client.statusReplies = [loggedInReply({ ttl: 5 })];
      await model.load();
      jest.advanceTimersByTime(5_000);
      await flush();
      expect(client.count(STATUS)).toBe(2);
      // Same expiry in the reply: no re-read every second, only the 30 s poll.
      jest.advanceTimersByTime(10_000);
      await flush();
      expect(client.count(STATUS)).toBe(2);
    });

    it('keeps the last good state when a poll fails, and recovers', async () => {
      client.statusReplies = [
        loggedInReply(),
        new ApiError('network', 'The Jupyter server could not be reached.', 0),
        loggedInReply({ serverTime: T0 + 60 })
      ];
      await model.load();
      jest.advanceTimersByTime(VAULT_POLL_MS);
      await flush();
      expect(model.loggedIn).toBe(true);
      expect(model.state.error?.code).toBe('network');
      expect(model.state.status?.token?.accessor).toBe('acc-1');

      jest.advanceTimersByTime(VAULT_POLL_MS);
      await flush();
      expect(model.state.error).toBeNull();
    });

    it('keeps reading the state while the server is logged out by a failure, and sees it come back', async () => {
      const down = {
        code: 'vault_unreachable',
        message: 'Vault at https://127.0.0.1:18200 cannot be reached.'
      };
      client.statusReplies = [
        loggedOutReply({ error: down }),
        loggedOutReply({ error: down }),
        loggedInReply({ serverTime: T0 + 60 })
      ];
      model.configure({ autoLogin: false });
      await model.load();
      expect(model.loggedIn).toBe(false);
      jest.advanceTimersByTime(VAULT_POLL_MS);
      await flush();
      expect(client.count(STATUS)).toBe(2);
      jest.advanceTimersByTime(VAULT_POLL_MS);
      await flush();
      expect(model.loggedIn).toBe(true);
      expect(model.state.status?.error).toBeNull();
    });

    it('stops polling after log out and does not log in again by itself', async () => {
      client.statusReplies = [loggedInReply()];
      client.logoutReplies = [loggedOutReply({ logged_out_by_user: true })];
      await model.load();

      await model.logout();
      expect(model.loggedIn).toBe(false);
      expect(model.state.status?.logged_out_by_user).toBe(true);
      expect(model.catalogKey).toBeNull();

      jest.advanceTimersByTime(5 * VAULT_POLL_MS);
      identity.setToken('id-token-2');
      await flush();
      expect(client.calls).toEqual([STATUS, 'POST vault/logout']);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('does not let a slow poll undo a log out', async () => {
      client.statusReplies = [loggedInReply()];
      await model.load();
      let release: (reply: IVaultReply) => void = () => undefined;
      client.status = () =>
        new Promise<IVaultReply>(resolve => {
          release = resolve;
        });
      jest.advanceTimersByTime(VAULT_POLL_MS); // poll in flight
      client.logoutReplies = [loggedOutReply({ logged_out_by_user: true })];
      await model.logout();
      release(loggedInReply());
      await flush();
      expect(model.loggedIn).toBe(false);
    });

    it('says it is logging in while the request is in flight, one at a time', async () => {
      client.statusReplies = [loggedOutReply({ logged_out_by_user: true })];
      client.loginReplies = [loggedInReply()];
      await model.load();
      const busy: Array<string | null> = [];
      model.stateChanged.connect((_, state) => busy.push(state.busy));
      await Promise.all([model.login(), model.login()]);
      expect(client.count(LOGIN)).toBe(1);
      expect(busy[0]).toBe('login');
      expect(busy[busy.length - 1]).toBeNull();
    });
  });

  describe('the token file', () => {
    it('offers the session token only while logged in over a file it did not write', async () => {
      client.statusReplies = [loggedInReply({ token_file_state: 'session' })];
      await model.load();
      expect(model.canUseTokenFile).toBe(false);
      client.statusReplies = [loggedOutReply({ token_file_state: 'other' })];
      await model.load();
      expect(model.canUseTokenFile).toBe(false);
      client.statusReplies = [loggedInReply({ token_file_state: 'other' })];
      await model.load();
      expect(model.canUseTokenFile).toBe(true);
    });

    it('writes it on request, busy meanwhile, and follows the reply', async () => {
      client.statusReplies = [loggedInReply({ token_file_state: 'other' })];
      await model.load();
      let answer: (reply: IVaultReply) => void = () => undefined;
      client.useTokenFile = () => {
        client.calls.push('POST vault/token-file');
        return new Promise(resolve => (answer = resolve));
      };
      const done = model.useTokenFile();
      expect(model.state.busy).toBe('token-file');
      expect(model.canUseTokenFile).toBe(false);
      expect(model.canLogout).toBe(false);
      answer(loggedInReply({ token_file_state: 'session' }));
      await done;
      expect(model.state.busy).toBeNull();
      expect(model.state.status?.token_file_state).toBe('session');
      expect(model.canUseTokenFile).toBe(false);
      expect(client.count('POST vault/token-file')).toBe(1);
    });

    it('keeps the state and shows the error when writing fails', async () => {
      client.statusReplies = [loggedInReply({ token_file_state: 'other' })];
      await model.load();
      client.tokenFileReplies = [
        new ApiError('vault_not_logged_in', 'You are not logged in.', 409)
      ];
      await model.useTokenFile();
      expect(model.state.error?.code).toBe('vault_not_logged_in');
      expect(model.state.status?.token_file_state).toBe('other');
    });
  });

  it('stops its timers when disposed', async () => {
    client.statusReplies = [loggedInReply()];
    await model.load();
    expect(jest.getTimerCount()).toBe(2); // ticker + poll
    let ticks = 0;
    model.ticked.connect(() => ticks++);
    model.dispose();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5 * VAULT_POLL_MS);
    await flush();
    expect(ticks).toBe(0);
    expect(client.count(STATUS)).toBe(1);

    // It no longer listens to the identity either.
    identity.setToken('id-token-2');
    await flush();
    expect(client.count(LOGIN)).toBe(0);
  });

  it('never keeps a token string in its state', async () => {
    client.statusReplies = [loggedInReply()];
    await model.load();
    expect(JSON.stringify(model.state)).not.toContain('id-token-1');
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });
});
