import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IWireCatalogReply, decodeCatalogReply } from '../catalog/compact';
import { ICatalogClient } from '../catalog/tree';
import { ApiError, requestAPI } from '../request';
import { Interval, Timeout } from '../schedule';
import {
  DEFAULT_SETTINGS,
  ICatalogReply,
  IErrorInfo,
  ISecretKeysReply,
  IVaultJwtSettings,
  IVaultReply
} from '../tokens';

/** The Vault session routes of the server companion (`request.ts` in the app). */
export interface IVaultClient {
  /** `GET vault-jwt/vault` */
  status(): Promise<IVaultReply>;
  /** `POST vault-jwt/vault/login` */
  login(): Promise<IVaultReply>;
  /** `POST vault-jwt/vault/logout` */
  logout(): Promise<IVaultReply>;
  /** `POST vault-jwt/vault/token-file`: the session's token into the file. */
  useTokenFile(): Promise<IVaultReply>;
}

/**
 * {@link IVaultClient} and {@link ICatalogClient} over the server companion's
 * REST API. The Vault token never reaches the browser; only its description.
 */
export class VaultClient implements IVaultClient, ICatalogClient {
  /**
   * @param serverSettings the app's server connection settings
   */
  constructor(private readonly serverSettings?: ServerConnection.ISettings) {}

  /** `GET vault-jwt/vault` */
  status(): Promise<IVaultReply> {
    return requestAPI<IVaultReply>('vault', {}, this.serverSettings);
  }

  /** `POST vault-jwt/vault/login` */
  login(): Promise<IVaultReply> {
    return requestAPI<IVaultReply>(
      'vault/login',
      { method: 'POST' },
      this.serverSettings
    );
  }

  /** `POST vault-jwt/vault/logout` */
  logout(): Promise<IVaultReply> {
    return requestAPI<IVaultReply>(
      'vault/logout',
      { method: 'POST' },
      this.serverSettings
    );
  }

  /** `POST vault-jwt/vault/token-file`: the session's token into the file. */
  useTokenFile(): Promise<IVaultReply> {
    return requestAPI<IVaultReply>(
      'vault/token-file',
      { method: 'POST' },
      this.serverSettings
    );
  }

  /** `GET vault-jwt/vault/catalog`, with `?refresh=true` to bypass the cache. */
  catalog(refresh: boolean): Promise<ICatalogReply> {
    return requestAPI<IWireCatalogReply>(
      refresh ? 'vault/catalog?refresh=true' : 'vault/catalog',
      {},
      this.serverSettings
    ).then(decodeCatalogReply);
  }

  /** `POST vault-jwt/vault/catalog/manual?mount=…&path=…`: add a path by hand. */
  addManualPath(mount: string, path: string): Promise<unknown> {
    return requestAPI<unknown>(
      `vault/catalog/manual?${pathQuery(mount, path)}`,
      { method: 'POST' },
      this.serverSettings
    );
  }

  /** `DELETE vault-jwt/vault/catalog/manual?mount=…&path=…`: forget one. */
  removeManualPath(mount: string, path: string): Promise<unknown> {
    return requestAPI<unknown>(
      `vault/catalog/manual?${pathQuery(mount, path)}`,
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  /** `GET vault-jwt/vault/secret/keys?mount=…&path=…`: key names only. */
  secretKeys(mount: string, path: string): Promise<ISecretKeysReply> {
    const query =
      `mount=${encodeURIComponent(mount)}` +
      `&path=${encodeURIComponent(path)}`;
    return requestAPI<ISecretKeysReply>(
      `vault/secret/keys?${query}`,
      {},
      this.serverSettings
    );
  }
}

function pathQuery(mount: string, path: string): string {
  return `mount=${encodeURIComponent(mount)}&path=${encodeURIComponent(path)}`;
}

/**
 * Where the Vault model learns about the id_token (the identity model).
 * Only whether and when it changes matters: the browser holds a fingerprint
 * of it, never the token.
 */
export interface IIdTokenSource {
  /** The current id_token's fingerprint, or null. */
  readonly tokenId: string | null;
  /** Emitted when the identity changes (the token may have changed). */
  readonly stateChanged: ISignal<unknown, unknown>;
}

/** What the Vault model is doing right now. */
export type VaultBusy = 'login' | 'logout' | 'token-file' | null;

/**
 * Everything the views need, as one immutable snapshot.
 */
export interface IVaultState {
  /** True until the first answer from the server. */
  readonly loading: boolean;
  /** A log in or log out in flight. */
  readonly busy: VaultBusy;
  /** The last good reply of the server, or null before the first one. */
  readonly status: IVaultReply | null;
  /**
   * The last failed request (network, server error), or null after a success.
   * The server's own last log in or renewal failure is `status.error`.
   */
  readonly error: IErrorInfo | null;
}

/** The Vault token's countdown at one instant (server clock). */
export interface IVaultCountdown {
  /** Seconds until the token expires, or null without a token or expiry. */
  readonly secondsLeft: number | null;
  /** Seconds until the max TTL (no renewal past it), or null. */
  readonly maxSecondsLeft: number | null;
}

/** Options of {@link VaultModel}. */
export interface IVaultModelOptions {
  /** The server companion. */
  client: IVaultClient;
  /** The id_token holder (drives automatic log in and re-login). */
  identity: IIdTokenSource;
  /** The local clock (ms); `Date.now` by default, replaceable in tests. */
  now?: () => number;
}

/** How often the state is read again while logged in (ms). */
export const VAULT_POLL_MS = 30_000;

/**
 * The Vault session model: mirrors the server's Vault session, logs in
 * automatically with the id_token, logs in again when the id_token changes,
 * and keeps a TTL countdown on the server's clock.
 *
 * It knows nothing of React; views subscribe to {@link stateChanged} and
 * {@link ticked}.
 */
export class VaultModel implements IDisposable {
  /**
   * @param options the client, the id_token source and the clock
   */
  constructor(options: IVaultModelOptions) {
    this._client = options.client;
    this._identity = options.identity;
    this._now = options.now ?? Date.now;
    this._lastIdToken = this._identity.tokenId;
    this._identity.stateChanged.connect(this._onIdentityChanged, this);
  }

  /** Emitted whenever {@link state} changes. */
  get stateChanged(): ISignal<this, IVaultState> {
    return this._stateChanged;
  }

  /** Emitted every second while logged in (drives the TTL countdown). */
  get ticked(): ISignal<this, void> {
    return this._ticked;
  }

  /** The current snapshot. */
  get state(): IVaultState {
    return this._state;
  }

  /** Whether the server holds a Vault token (as last seen). */
  get loggedIn(): boolean {
    return this._state.status?.state === 'logged_in';
  }

  /** Whether Log in makes sense now (the log in command's enabled state). */
  get canLogin(): boolean {
    const status = this._state.status;
    return (
      status !== null &&
      status.configured &&
      status.state === 'logged_out' &&
      this._state.busy === null
    );
  }

  /** Whether Log out makes sense now (the log out command's enabled state). */
  get canLogout(): boolean {
    return this.loggedIn && this._state.busy === null;
  }

  /**
   * Whether the token file holds a token the server did not write while
   * logged in: the user may put the session's token there instead.
   */
  get canUseTokenFile(): boolean {
    return (
      this.loggedIn &&
      this._state.status?.token_file_state === 'other' &&
      this._state.busy === null
    );
  }

  /**
   * The token's sorted policies while logged in, else null: the catalog is
   * loaded when it becomes non-null and reloaded when it changes.
   */
  get catalogKey(): string | null {
    const token = this._state.status?.token;
    if (!this.loggedIn || !token) {
      return null;
    }
    return [...token.policies].sort().join('\n');
  }

  /** The settings in force. */
  get settings(): IVaultJwtSettings {
    return this._settings;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The server's clock, estimated from the last reply (epoch ms). */
  serverNow(): number {
    return this._now() + this._clockOffsetMs;
  }

  /** The token's countdown at this instant, on the server's clock. */
  countdown(): IVaultCountdown {
    const token = this._state.status?.token;
    if (!this.loggedIn || !token) {
      return { secondsLeft: null, maxSecondsLeft: null };
    }
    const now = this.serverNow() / 1000;
    return {
      secondsLeft:
        this._expireAt === null ? null : Math.max(0, this._expireAt - now),
      maxSecondsLeft:
        token.max_expire_time === null
          ? null
          : Math.max(0, token.max_expire_time - now)
    };
  }

  /**
   * Apply new settings; switching `autoLogin` on may log in right away.
   *
   * @param settings the new settings (missing keys keep their defaults)
   */
  configure(settings: Partial<IVaultJwtSettings>): void {
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
    this._stateChanged.emit(this._state);
    this._maybeAutoLogin();
  }

  /** Read the session's state (`GET vault/`), then log in if due. */
  async load(): Promise<void> {
    if (this._loading) {
      return this._loading;
    }
    this._loading = (async () => {
      try {
        await this._request(() => this._client.status());
      } finally {
        this._loading = null;
      }
    })();
    await this._loading;
    this._maybeAutoLogin();
  }

  /** Log in with the id_token (`POST vault/login`); one at a time. */
  async login(): Promise<void> {
    await this._operation('login', () => this._client.login());
  }

  /** Revoke the Vault token (`POST vault/logout`); no auto log in after it. */
  async logout(): Promise<void> {
    await this._operation('logout', () => this._client.logout());
  }

  /**
   * Write the session's token into the token file, over a token the server
   * did not write (`POST vault/token-file`); only when the user asks.
   */
  async useTokenFile(): Promise<void> {
    await this._operation('token-file', () => this._client.useTokenFile());
  }

  /** Stop the timers and disconnect every listener. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearPoll();
    this._stopTicker();
    this._identity.stateChanged.disconnect(this._onIdentityChanged, this);
    Signal.clearData(this);
  }

  private async _operation(
    busy: Exclude<VaultBusy, null>,
    call: () => Promise<IVaultReply>
  ): Promise<void> {
    if (this._busyPromise) {
      return this._busyPromise;
    }
    this._setState({ busy });
    this._busyPromise = (async () => {
      try {
        await this._request(call);
      } finally {
        this._busyPromise = null;
        this._setState({ busy: null });
      }
    })();
    return this._busyPromise;
  }

  /**
   * Run one request and apply its reply, unless a request started later has
   * already been applied (a slow poll must not undo a log out).
   *
   * @returns whether the request succeeded
   */
  private async _request(call: () => Promise<IVaultReply>): Promise<boolean> {
    const seq = ++this._sequence;
    const sentAt = this._now();
    try {
      const reply = await call();
      if (this._isDisposed || seq < this._applied) {
        return true;
      }
      this._applied = seq;
      this._accept(reply, sentAt);
      return true;
    } catch (error) {
      if (this._isDisposed) {
        return false;
      }
      this._fail(error);
      return false;
    } finally {
      this._schedulePoll();
    }
  }

  private _accept(reply: IVaultReply, sentAt: number): void {
    const receivedAt = this._now();
    this._clockOffsetMs = reply.server_time * 1000 - (sentAt + receivedAt) / 2;
    const token = reply.token;
    const expireAt =
      token === null
        ? null
        : (token.expire_time ??
          (token.ttl > 0 ? reply.server_time + token.ttl : null));
    if (expireAt !== this._expireAt) {
      // Look again at the next expiry only (not every second past this one).
      this._expireAt = expireAt;
      this._expiryChecked = false;
    }
    if (reply.state === 'logged_in') {
      this._failedAutoLoginFor = undefined;
    }
    this._setState({ loading: false, status: reply, error: null });
    this._updateTicker();
  }

  private _fail(error: unknown): void {
    const failure: IErrorInfo =
      error instanceof ApiError
        ? { code: error.code, message: error.message }
        : {
            code: 'internal',
            message: String((error as Error)?.message ?? error)
          };
    // Keep the last good state; only the error and the flags change.
    this._setState({ loading: false, error: failure });
  }

  private _onIdentityChanged(): void {
    const idToken = this._identity.tokenId;
    const changed = idToken !== this._lastIdToken;
    this._lastIdToken = idToken;
    if (!this.loggedIn) {
      this._maybeAutoLogin();
    } else if (changed && idToken) {
      // A fresh id_token: the server logs in with it (or answers at once when
      // it already did; it single-flights concurrent tabs).
      void this.login();
    }
  }

  /** Log in when configured, logged out (not by the user) and allowed. */
  private _maybeAutoLogin(): void {
    const status = this._state.status;
    const idToken = this._identity.tokenId;
    if (
      this._isDisposed ||
      !this._settings.autoLogin ||
      status === null ||
      !status.configured ||
      status.state !== 'logged_out' ||
      status.logged_out_by_user ||
      !idToken ||
      this._state.busy !== null ||
      this._loading !== null ||
      // A failed automatic log in is not retried with the same id_token.
      this._failedAutoLoginFor === idToken
    ) {
      return;
    }
    void this.login().then(() => {
      if (!this.loggedIn) {
        this._failedAutoLoginFor = idToken;
      }
    });
  }

  /**
   * Read the state again in {@link VAULT_POLL_MS} while logged in, and while
   * the server is logged out by a failure (not by the user): it logs in
   * again by itself once Vault answers, and the card follows.
   */
  private _schedulePoll(): void {
    this._clearPoll();
    const status = this._state.status;
    const recovering =
      status !== null &&
      status.configured &&
      !status.logged_out_by_user &&
      status.error !== null;
    if (this._isDisposed || !(this.loggedIn || recovering)) {
      return;
    }
    this._pollTimer.set(VAULT_POLL_MS, () => void this.load());
  }

  private _clearPoll(): void {
    this._pollTimer.cancel();
  }

  private _updateTicker(): void {
    if (this.loggedIn && !this._ticker.running) {
      this._ticker.start(1000, () => this._tick());
    } else if (!this.loggedIn) {
      this._stopTicker();
    }
  }

  private _tick(): void {
    this._ticked.emit();
    const { secondsLeft } = this.countdown();
    if (secondsLeft !== null && secondsLeft <= 0 && !this._expiryChecked) {
      // The server renews in the background: see what it did.
      this._expiryChecked = true;
      void this.load();
    }
  }

  private _stopTicker(): void {
    this._ticker.stop();
  }

  private _setState(patch: Partial<IVaultState>): void {
    if (this._isDisposed) {
      return;
    }
    this._state = { ...this._state, ...patch };
    this._stateChanged.emit(this._state);
  }

  private _client: IVaultClient;
  private _identity: IIdTokenSource;
  private _now: () => number;
  private _settings: IVaultJwtSettings = DEFAULT_SETTINGS;
  private _state: IVaultState = {
    loading: true,
    busy: null,
    status: null,
    error: null
  };
  private _lastIdToken: string | null;
  private _failedAutoLoginFor: string | undefined = undefined;
  private _clockOffsetMs = 0;
  private _expireAt: number | null = null;
  private _expiryChecked = false;
  private _sequence = 0;
  private _applied = 0;
  private _loading: Promise<void> | null = null;
  private _busyPromise: Promise<void> | null = null;
  private _pollTimer = new Timeout();
  private _ticker = new Interval();
  private _isDisposed = false;
  private _stateChanged = new Signal<this, IVaultState>(this);
  private _ticked = new Signal<this, void>(this);
}
