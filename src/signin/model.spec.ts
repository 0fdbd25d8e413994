import { ApiError } from '../request';
import {
  ISignInClient,
  ISignInReply,
  SignInMethod,
  SignInModel
} from './model';

function reply(patch: Partial<ISignInReply> = {}): ISignInReply {
  return {
    configured: true,
    method: 'device',
    methods: ['device'],
    source: 'device',
    issuer: 'https://idp.example/realms/main',
    client_id: 'jupyterlab-device',
    state: 'signed_out',
    pending: null,
    warning: null,
    error: null,
    server_time: 1_800_000_000,
    ...patch
  };
}

const PENDING = reply({
  state: 'pending',
  pending: {
    method: 'device',
    user_code: 'ABCD-EFGH',
    verification_uri: 'https://idp.example/realms/main/device',
    verification_uri_complete:
      'https://idp.example/realms/main/device?user_code=ABCD-EFGH',
    expires_at: 1_800_000_600,
    interval: 5
  }
});

/** A fake of the server's sign-in routes: answers what the test queues. */
class FakeSignInClient implements ISignInClient {
  calls: string[] = [];
  statusReplies: Array<ISignInReply | Error> = [];
  startReply: ISignInReply | Error = PENDING;
  signOutReply: ISignInReply | Error = reply();

  status(): Promise<ISignInReply> {
    this.calls.push('status');
    return this._answer(this.statusReplies.shift() ?? reply());
  }
  start(method: SignInMethod): Promise<ISignInReply> {
    this.calls.push(`start:${method}`);
    return this._answer(this.startReply);
  }
  cancel(): Promise<ISignInReply> {
    this.calls.push('cancel');
    return this._answer(reply());
  }
  signOut(): Promise<ISignInReply> {
    this.calls.push('signout');
    return this._answer(this.signOutReply);
  }
  private _answer(value: ISignInReply | Error): Promise<ISignInReply> {
    return value instanceof Error
      ? Promise.reject(value)
      : Promise.resolve(value);
  }
}

describe('SignInModel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('is unavailable where the server has no sign-in', async () => {
    const client = new FakeSignInClient();
    client.statusReplies = [
      reply({ configured: false, method: null, methods: [], source: 'hub' })
    ];
    const model = new SignInModel({ client });
    await model.load();
    expect(model.available).toBe(false);
    expect(model.canSignIn).toBe(false);
    model.dispose();
  });

  it('polls while pending, at the interval the server uses, and says when signed in', async () => {
    const client = new FakeSignInClient();
    const model = new SignInModel({ client });
    let signedIn = 0;
    model.signedIn.connect(() => signedIn++);
    await model.load();
    expect(model.canSignIn).toBe(true);
    await model.signIn();
    expect(model.state.reply?.pending?.user_code).toBe('ABCD-EFGH');
    expect(model.canSignIn).toBe(false);

    client.statusReplies = [PENDING, reply({ state: 'signed_in' })];
    jest.advanceTimersByTime(4999);
    expect(client.calls).toEqual(['status', 'start:device']);
    jest.advanceTimersByTime(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(client.calls).toEqual(['status', 'start:device', 'status']);
    expect(signedIn).toBe(0);
    jest.advanceTimersByTime(5000);
    await Promise.resolve();
    await Promise.resolve();
    expect(model.state.reply?.state).toBe('signed_in');
    expect(signedIn).toBe(1);
    expect(model.canSignOut).toBe(true);
    // Signed in: no more polling.
    jest.advanceTimersByTime(60_000);
    expect(client.calls.filter(c => c === 'status')).toHaveLength(3);
    model.dispose();
  });

  it('keeps polling after a poll fails while pending, and gets there', async () => {
    const client = new FakeSignInClient();
    const model = new SignInModel({ client });
    await model.load();
    await model.signIn();
    client.statusReplies = [
      new ApiError('unreachable', 'The server did not answer.', 0),
      reply({ state: 'signed_in' })
    ];
    jest.advanceTimersByTime(5000);
    await Promise.resolve();
    await Promise.resolve();
    expect(model.state.error?.code).toBe('unreachable');
    expect(model.state.reply?.state).toBe('pending');
    jest.advanceTimersByTime(5000);
    await Promise.resolve();
    await Promise.resolve();
    expect(model.state.reply?.state).toBe('signed_in');
    expect(model.state.error).toBeNull();
    expect(client.calls.filter(c => c === 'status')).toHaveLength(3);
    model.dispose();
  });

  it('keeps the server error of a failed start and the flow outcome', async () => {
    const client = new FakeSignInClient();
    client.startReply = new ApiError(
      'idp_client_rejected',
      "The identity provider refused the client 'x'",
      502
    );
    const model = new SignInModel({ client });
    await model.signIn();
    expect(model.state.error?.code).toBe('idp_client_rejected');
    expect(model.state.busy).toBeNull();
    model.dispose();
  });

  it('signs out and says so even when the provider could not revoke', async () => {
    const client = new FakeSignInClient();
    client.statusReplies = [reply({ state: 'signed_in' })];
    const model = new SignInModel({ client });
    let signedOut = 0;
    model.signedOut.connect(() => signedOut++);
    await model.load();
    client.signOutReply = new ApiError(
      'idp_unreachable',
      'Signed out on this server, but the refresh token could not be revoked',
      502
    );
    await model.signOut();
    expect(signedOut).toBe(1);
    expect(model.state.error?.code).toBe('idp_unreachable');
    expect(client.calls).toContain('signout');
    model.dispose();
  });

  it('starts the method asked for, and says when a pending sign-in settles', async () => {
    const client = new FakeSignInClient();
    client.statusReplies = [reply({ methods: ['browser', 'device'] })];
    client.startReply = reply({
      state: 'pending',
      method: 'browser',
      methods: ['browser', 'device'],
      pending: {
        method: 'browser',
        authorization_url: 'https://idp.example/auth?state=s',
        expires_at: 1_800_000_600,
        interval: 2
      }
    });
    const model = new SignInModel({ client });
    let settled = 0;
    model.settled.connect(() => settled++);
    await model.load();
    const started = await model.signIn(); // the first method offered
    expect(client.calls).toEqual(['status', 'start:browser']);
    expect(started?.pending?.authorization_url).toContain('state=s');
    client.statusReplies = [
      reply({ error: { code: 'signin_denied', message: 'declined' } })
    ];
    jest.advanceTimersByTime(2000);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(1);
    expect(model.state.reply?.error?.code).toBe('signin_denied');
    model.dispose();
  });
});
