/**
 * The sign-in from the panel where there is no hub to ask (the server's
 * device flow): its state, and the actions Sign in / Cancel / Sign out.
 *
 * Framework-free: state plus Lumino signals. The server runs the flow and
 * holds the tokens; this model only shows the code to type and polls the
 * server's state while a sign-in is pending. No token ever reaches it.
 */
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, requestAPI } from '../request';
import { Timeout } from '../schedule';
import { IdentitySource } from '../tokens';

/**
 * How the panel signs in: a code (device flow), a pop-up (PKCE), or a pop-up
 * through Vault's own OIDC auth method (`vault-oidc`).
 */
export type SignInMethod = 'device' | 'browser' | 'vault-oidc';

/** The methods that open a pop-up to the identity provider. */
export const POPUP_METHODS: ReadonlyArray<SignInMethod> = [
  'browser',
  'vault-oidc'
];

/**
 * A sign-in in progress: a code the user types (or scans) at the identity
 * provider (`device`), or the provider's page open in a pop-up (`browser`).
 */
export interface IPendingSignIn {
  method: SignInMethod;
  user_code?: string;
  verification_uri?: string;
  verification_uri_complete?: string | null;
  /** The provider's page (browser and Vault OIDC sign-in). */
  authorization_url?: string;
  /** Epoch seconds (server clock). */
  expires_at: number;
  /** Seconds between the panel's polls of the server. */
  interval: number;
}

/** An error or warning of the server. */
export interface ISignInProblem {
  code: string;
  message: string;
}

/** The reply of `GET vault-jwt/signin` (and of the sign-in actions). */
export interface ISignInReply {
  /** Whether this server can sign in from the panel. */
  configured: boolean;
  /** How the tokens held were (or will be) obtained; null when not configured. */
  method: SignInMethod | null;
  /** The methods offered (the source chain's `device` / `browser`). */
  methods: SignInMethod[];
  /** The active identity source, or null when none is configured. */
  source: IdentitySource | null;
  issuer?: string;
  client_id?: string;
  state: 'signed_out' | 'pending' | 'signed_in';
  signed_in_at?: number | null;
  pending: IPendingSignIn | null;
  warning: ISignInProblem | null;
  error: ISignInProblem | null;
  server_time: number;
  /** After sign-out: whether the provider revoked the refresh token. */
  revoked?: boolean;
  /** Vault OIDC: the role's callback mode (`client`, `device`, `direct`). */
  mode?: 'client' | 'device' | 'direct';
  /** Whether the sign-in is kept (encrypted) across server restarts. */
  persisted?: boolean;
}

/** The server calls the model makes. */
export interface ISignInClient {
  status(): Promise<ISignInReply>;
  start(method: SignInMethod): Promise<ISignInReply>;
  cancel(): Promise<ISignInReply>;
  signOut(): Promise<ISignInReply>;
}

/** The server companion's sign-in routes. */
export class SignInClient implements ISignInClient {
  /**
   * @param settings the server connection settings
   */
  constructor(private readonly _settings?: ServerConnection.ISettings) {}

  status(): Promise<ISignInReply> {
    return requestAPI<ISignInReply>('signin', {}, this._settings);
  }

  start(method: SignInMethod): Promise<ISignInReply> {
    return this._post(`signin/${method}`);
  }

  cancel(): Promise<ISignInReply> {
    return this._post('signin/cancel');
  }

  signOut(): Promise<ISignInReply> {
    return this._post('signin/signout');
  }

  private _post(endPoint: string): Promise<ISignInReply> {
    return requestAPI<ISignInReply>(
      endPoint,
      { method: 'POST' },
      this._settings
    );
  }
}

/** What the view shows. */
export interface ISignInState {
  /** The last reply, or null before the first one. */
  reply: ISignInReply | null;
  /** An action in flight. */
  busy: 'start' | 'cancel' | 'signout' | null;
  /** The last failed call (the reply's own error is in `reply.error`). */
  error: ISignInProblem | null;
}

/** Options of {@link SignInModel}. */
export interface ISignInModelOptions {
  client: ISignInClient;
  /** The clock (epoch ms); `Date.now` by default. */
  now?: () => number;
}

/** Poll the server at least this often while pending (ms). */
export const MIN_POLL_MS = 1000;

/**
 * The sign-in's state, polled from the server while a code is pending.
 */
export class SignInModel implements IDisposable {
  /**
   * @param options the client and clock
   */
  constructor(options: ISignInModelOptions) {
    this._client = options.client;
    this._poll = new Timeout({ now: options.now });
  }

  /** Emitted on every change of {@link state}. */
  get stateChanged(): ISignal<this, ISignInState> {
    return this._stateChanged;
  }

  /** Emitted when the server reports a new sign-in (after pending). */
  get signedIn(): ISignal<this, void> {
    return this._signedIn;
  }

  /** Emitted after the user signed out. */
  get signedOut(): ISignal<this, void> {
    return this._signedOut;
  }

  /** The current state. */
  get state(): ISignInState {
    return this._state;
  }

  /** Whether the panel offers signing in at all. */
  get available(): boolean {
    return this._state.reply?.configured === true;
  }

  /** Whether Sign in can be clicked. */
  get canSignIn(): boolean {
    const reply = this._state.reply;
    return (
      reply?.configured === true &&
      reply.state === 'signed_out' &&
      this._state.busy === null
    );
  }

  /** Whether Sign out can be clicked. */
  get canSignOut(): boolean {
    const reply = this._state.reply;
    return reply?.state === 'signed_in' && this._state.busy === null;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Read the server's state (once at start). */
  async load(): Promise<void> {
    await this._call(null, () => this._client.status());
  }

  /**
   * Start a sign-in: the server answers the code to show (device) or the
   * provider's page to open in a pop-up (browser).
   *
   * @param method how; the first method the server offers by default
   * @returns the server's reply, or null when the call failed
   */
  async signIn(method?: SignInMethod): Promise<ISignInReply | null> {
    const how = method ?? this._state.reply?.methods[0] ?? 'device';
    return this._call('start', () => this._client.start(how));
  }

  /** Emitted when the sign-in stops being pending (signed in, failed, cancelled). */
  get settled(): ISignal<this, void> {
    return this._settled;
  }

  /** Stop the sign-in in progress. */
  async cancel(): Promise<void> {
    await this._call('cancel', () => this._client.cancel());
  }

  /** Sign out: the server revokes the refresh token and forgets the tokens. */
  async signOut(): Promise<void> {
    await this._call('signout', () => this._client.signOut());
    // The server forgets the tokens even when the provider could not revoke.
    this._signedOut.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _call(
    busy: ISignInState['busy'],
    call: () => Promise<ISignInReply>
  ): Promise<ISignInReply | null> {
    if (busy !== null) {
      this._set({ busy, error: null });
    }
    try {
      const reply = await call();
      this._accept(reply, busy);
      return reply;
    } catch (error) {
      const problem =
        error instanceof ApiError
          ? { code: error.code, message: error.message }
          : { code: 'internal', message: String(error) };
      this._set({ busy: null, error: problem });
      if (busy === 'signout') {
        void this.load(); // signed out on the server all the same: show it
      } else if (busy === null && this._state.reply?.state === 'pending') {
        // A poll that failed (a busy server, a network blip): the sign-in
        // may still finish, so keep asking (its error shows until then).
        this._pollFailed = true;
        this._schedulePoll(this._state.reply);
      }
      return null;
    }
  }

  private _accept(reply: ISignInReply, busy: ISignInState['busy']): void {
    if (this._isDisposed) {
      return;
    }
    const before = this._state.reply?.state;
    this._set({
      reply,
      busy: null,
      error: busy === null && !this._pollFailed ? this._state.error : null
    });
    this._pollFailed = false;
    if (reply.state === 'pending') {
      this._schedulePoll(reply);
    } else {
      this._poll.cancel();
    }
    if (before === 'pending' && reply.state !== 'pending') {
      this._settled.emit();
    }
    if (before === 'pending' && reply.state === 'signed_in') {
      this._signedIn.emit();
    }
  }

  /** Ask the server again after the pending sign-in's interval. */
  private _schedulePoll(reply: ISignInReply): void {
    const interval = Math.max(
      MIN_POLL_MS,
      (reply.pending?.interval ?? 0) * 1000
    );
    this._poll.set(interval, () => void this.load());
  }

  private _set(patch: Partial<ISignInState>): void {
    this._state = { ...this._state, ...patch };
    this._stateChanged.emit(this._state);
  }

  private _client: ISignInClient;
  private _poll: Timeout;
  private _pollFailed = false;
  private _state: ISignInState = { reply: null, busy: null, error: null };
  private _isDisposed = false;
  private _stateChanged = new Signal<this, ISignInState>(this);
  private _signedIn = new Signal<this, void>(this);
  private _signedOut = new Signal<this, void>(this);
  private _settled = new Signal<this, void>(this);
}
