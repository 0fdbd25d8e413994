import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { decodeIdToken, normaliseClaims } from './jwt';
import { ApiError, requestAPI } from '../request';
import { Backoff, Interval, Timeout } from '../schedule';
import {
  DEFAULT_SETTINGS,
  ICopyPolicy,
  IIdTokenClaims,
  IIdentityReply,
  IVaultJwtSettings,
  ITokenCopyReply,
  IVaultIdentity,
  IdentitySource,
  TokenPhase
} from '../tokens';

/** Fetches the identity from the server companion (`request.ts` in the app). */
export interface IIdentityClient {
  /** `GET vault-jwt/identity` */
  current(): Promise<IIdentityReply>;
  /** `POST vault-jwt/identity/refresh` */
  refresh(): Promise<IIdentityReply>;
  /** `POST vault-jwt/identity/token`: the raw token, for the copy action only. */
  token(): Promise<ITokenCopyReply>;
}

/** {@link IIdentityClient} over the server companion's REST API. */
export class IdentityClient implements IIdentityClient {
  /**
   * @param serverSettings the app's server connection settings
   */
  constructor(private readonly serverSettings?: ServerConnection.ISettings) {}

  /** `GET vault-jwt/identity` */
  current(): Promise<IIdentityReply> {
    return requestAPI<IIdentityReply>('identity', {}, this.serverSettings);
  }

  /** `POST vault-jwt/identity/refresh` */
  refresh(): Promise<IIdentityReply> {
    return requestAPI<IIdentityReply>(
      'identity/refresh',
      { method: 'POST' },
      this.serverSettings
    );
  }

  /** `POST vault-jwt/identity/token` */
  token(): Promise<ITokenCopyReply> {
    return requestAPI<ITokenCopyReply>(
      'identity/token',
      { method: 'POST' },
      this.serverSettings
    );
  }
}

/** A failure the card shows; the last good identity is kept beside it. */
export interface IIdentityError {
  /** Machine-readable code from the server (`login_required`, ...). */
  readonly code: string;
  /** Human-readable, actionable message. */
  readonly message: string;
}

/**
 * Everything the views need, as one immutable snapshot.
 */
export interface IIdentityState {
  /** True until the first answer from the server. */
  readonly loading: boolean;
  /** True while a refresh is in flight. */
  readonly refreshing: boolean;
  /** Where the token came from, or null. */
  readonly source: IdentitySource | null;
  /** Human description of the source. */
  readonly sourceDetail: string | null;
  /** How to configure a source when there is none. */
  readonly hint: string | null;
  /** Claims of the current token, or null. */
  readonly claims: IIdTokenClaims | null;
  /** When the server read the token (epoch ms, server clock). */
  readonly fetchedAt: number | null;
  /** Whether the raw token may be copied, and why not. */
  readonly copy: ICopyPolicy;
  /** The last failure, or null after a success. */
  readonly error: IIdentityError | null;
  /** Vault's own OIDC sign-in (no id_token): what Vault knows, else null. */
  readonly vaultIdentity: IVaultIdentity | null;
}

/** What the countdown shows at one instant. */
export interface ICountdown {
  /** Phase of the token. */
  readonly phase: TokenPhase;
  /** Seconds until `exp` (negative once expired), or null without a token. */
  readonly secondsLeft: number | null;
  /** Remaining fraction of the token's lifetime, 0..1. */
  readonly fraction: number;
}

/** Options of {@link IdentityModel}. */
export interface IIdentityModelOptions {
  /** The server companion. */
  client: IIdentityClient;
  /** The local clock (ms); `Date.now` by default, replaceable in tests. */
  now?: () => number;
}

/**
 * Back-off of the automatic refresh (ms): after a failed refresh, and after a
 * refresh that brought no later `exp` (the source handed back the same token),
 * the next one waits this long, doubled each time up to the max. No automatic
 * refresh comes sooner than the minimum after any answer, whatever the expiry.
 */
export const REFRESH_BACKOFF_MIN_MS = 15_000;
/** The longest back-off of the automatic refresh (ms). */
export const REFRESH_BACKOFF_MAX_MS = 5 * 60_000;
/** Retry delay while the hub wants a new login (the user may log in elsewhere). */
const LOGIN_RETRY_MS = 60_000;

/** Copying allowed (until the server says otherwise). */
const COPY_ALLOWED: ICopyPolicy = { allowed: true, reason: null };

/**
 * The id_token model: holds the token's claims (never the raw token), keeps a countdown on the
 * server's clock, and refreshes the token before it expires.
 *
 * It knows nothing of React; views subscribe to {@link stateChanged} and
 * {@link ticked}.
 */
export class IdentityModel implements IDisposable {
  /**
   * @param options the client and clock
   */
  constructor(options: IIdentityModelOptions) {
    this._client = options.client;
    this._now = options.now ?? Date.now;
    this._refreshTimer = new Timeout({ now: this._now });
  }

  /** Emitted whenever {@link state} changes. */
  get stateChanged(): ISignal<this, IIdentityState> {
    return this._stateChanged;
  }

  /** Emitted every second while a token is shown (drives the countdown). */
  get ticked(): ISignal<this, void> {
    return this._ticked;
  }

  /** Emitted when a refresh fails (the UI raises a notification). */
  get refreshFailed(): ISignal<this, IIdentityError> {
    return this._refreshFailed;
  }

  /** The current snapshot. */
  get state(): IIdentityState {
    return this._state;
  }

  /**
   * A fingerprint of the current id_token (tells one token from the next), or
   * null. The raw token is not kept in the browser.
   */
  get tokenId(): string | null {
    return this._tokenId;
  }

  /** Whether the copy action can run now (a token, and copying allowed). */
  get canCopy(): boolean {
    return this._tokenId !== null && this._state.copy.allowed;
  }

  /**
   * Fetch the raw id_token for the copy action (`POST identity/token`,
   * XSRF-checked). It is not kept: the caller puts it on the clipboard.
   *
   * @returns the raw token
   * @throws ApiError when copying is off (`copy_disabled`) or it is not a JWT
   */
  async fetchTokenForCopy(): Promise<string> {
    const reply = await this._client.token();
    try {
      decodeIdToken(reply.id_token);
    } catch (error) {
      throw new ApiError(
        'malformed_token',
        `The id_token from ${this._state.sourceDetail ?? 'the server'} cannot be decoded: ${(error as Error).message}`,
        0
      );
    }
    return reply.id_token;
  }

  /** The settings in force. */
  get settings(): IVaultJwtSettings {
    return this._settings;
  }

  /** The server's clock, estimated from the last reply (epoch ms). */
  serverNow(): number {
    return this._now() + this._clockOffsetMs;
  }

  /**
   * The countdown at this instant, computed on the server's clock so a skewed
   * browser clock does not distort it.
   */
  countdown(): ICountdown {
    const claims = this._state.claims;
    if (!claims) {
      return { phase: 'unavailable', secondsLeft: null, fraction: 0 };
    }
    const now = this.serverNow() / 1000;
    const secondsLeft = claims.exp - now;
    const issued = claims.iat ?? (this._state.fetchedAt ?? now * 1000) / 1000;
    const lifetime = Math.max(1, claims.exp - issued);
    const fraction = Math.min(1, Math.max(0, secondsLeft / lifetime));
    let phase: TokenPhase = 'fresh';
    if (secondsLeft <= 0) {
      phase = 'expired';
    } else if (secondsLeft <= this._expiringThreshold(lifetime)) {
      phase = 'expiring';
    }
    return { phase, secondsLeft, fraction };
  }

  /**
   * When the next automatic refresh (or retry) is due (local clock, epoch
   * ms), or null when none is scheduled.
   */
  get nextRefreshAt(): number | null {
    return this._refreshTimer.dueAt;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Apply new settings and reschedule the automatic refresh.
   *
   * @param settings the new settings (missing keys keep their defaults)
   */
  configure(settings: Partial<IVaultJwtSettings>): void {
    this._settings = { ...DEFAULT_SETTINGS, ...settings };
    this._schedule();
    this._stateChanged.emit(this._state);
  }

  /** Read the current identity from the server (served from its memory). */
  async load(): Promise<void> {
    await this._run(() => this._client.current(), false);
  }

  /** Ask the server for a fresh id_token now. */
  async refresh(): Promise<void> {
    await this._run(() => this._client.refresh(), true);
  }

  /** Stop the timers and disconnect every listener. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._refreshTimer.dispose();
    this._ticker.dispose();
    Signal.clearData(this);
  }

  private async _run(
    call: () => Promise<IIdentityReply>,
    isRefresh: boolean
  ): Promise<void> {
    if (this._pending) {
      return this._pending;
    }
    this._setState({ refreshing: isRefresh });
    const sentAt = this._now();
    this._pending = (async () => {
      try {
        const reply = await call();
        if (this._accept(reply, sentAt)) {
          this._retry.reset();
        }
      } catch (error) {
        this._fail(error);
      } finally {
        this._pending = null;
        this._schedule();
      }
    })();
    return this._pending;
  }

  /** Take a reply in; false when it carried an undecodable token. */
  private _accept(reply: IIdentityReply, sentAt: number): boolean {
    if (this._isDisposed) {
      return false;
    }
    const receivedAt = this._now();
    this._clockOffsetMs = reply.server_time * 1000 - (sentAt + receivedAt) / 2;
    const previousExp = this._state.claims?.exp ?? null;
    let claims: IIdTokenClaims | null = null;
    if (reply.claims) {
      try {
        claims = normaliseClaims(reply.claims);
      } catch (error) {
        this._fail(
          new ApiError(
            'malformed_token',
            `The id_token from ${reply.source_detail ?? 'the server'} cannot be decoded: ${(error as Error).message}`,
            0
          )
        );
        return false;
      }
    }
    this._tokenId = claims ? reply.token_id : null;
    // A refresh that brought no later expiry did not help: back off.
    const unchanged =
      claims !== null && previousExp !== null && claims.exp <= previousExp;
    if (!unchanged) {
      this._unchanged.reset();
    }
    this._notBefore =
      receivedAt +
      (unchanged ? this._unchanged.next() : REFRESH_BACKOFF_MIN_MS);
    this._setState({
      loading: false,
      refreshing: false,
      source: reply.source,
      sourceDetail: reply.source_detail,
      hint: reply.hint,
      claims,
      fetchedAt: reply.fetched_at === null ? null : reply.fetched_at * 1000,
      copy: reply.copy ?? COPY_ALLOWED,
      error: null,
      vaultIdentity: reply.vault_identity ?? null
    });
    this._updateTicker();
    return true;
  }

  private _fail(error: unknown): void {
    if (this._isDisposed) {
      return;
    }
    const failure: IIdentityError =
      error instanceof ApiError
        ? { code: error.code, message: error.message }
        : {
            code: 'internal',
            message: String((error as Error)?.message ?? error)
          };
    // Keep the last good identity; only the error and the flags change.
    const backoff = this._retry.next();
    // The server's rate limit says when it answers again (Retry-After).
    const retryAfterMs =
      error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0;
    this._retryDelayMs =
      failure.code === 'login_required'
        ? LOGIN_RETRY_MS
        : Math.max(backoff, retryAfterMs);
    this._setState({ loading: false, refreshing: false, error: failure });
    this._updateTicker();
    this._refreshFailed.emit(failure);
  }

  /**
   * Schedule the next automatic refresh (or retry) from the current state:
   * the lead time before `exp` (at most half the token's lifetime, so a
   * short-lived token is not refreshed as soon as it arrives), never sooner
   * than the back-off allows. A far-future `exp` simply waits (the timer
   * holds any delay).
   */
  private _schedule(): void {
    this._refreshTimer.cancel();
    if (this._isDisposed || !this._settings.autoRefresh) {
      return;
    }
    const { claims, error, source } = this._state;
    const refresh = () => void this.refresh();
    if (error) {
      // A failed refresh: try again later (backing off), so the panel
      // recovers by itself once the cause is gone.
      this._refreshTimer.set(this._retryDelayMs, refresh);
      return;
    }
    if (!claims || source === null) {
      return;
    }
    const issued = claims.iat ?? (this._state.fetchedAt ?? 0) / 1000;
    const lead = Math.max(
      0,
      Math.min(this._settings.refreshLeadSeconds, (claims.exp - issued) / 2)
    );
    // `exp` is on the server's clock; the timer runs on ours.
    const dueAt = (claims.exp - lead) * 1000 - this._clockOffsetMs;
    this._refreshTimer.setAt(Math.max(dueAt, this._notBefore), refresh);
  }

  private _updateTicker(): void {
    if (this._state.claims && !this._ticker.running) {
      this._ticker.start(1000, () => this._ticked.emit());
    } else if (!this._state.claims) {
      this._ticker.stop();
    }
  }

  private _expiringThreshold(lifetime: number): number {
    return Math.max(this._settings.refreshLeadSeconds, lifetime * 0.2);
  }

  private _setState(patch: Partial<IIdentityState>): void {
    this._state = { ...this._state, ...patch };
    this._stateChanged.emit(this._state);
  }

  private _client: IIdentityClient;
  private _now: () => number;
  private _settings: IVaultJwtSettings = DEFAULT_SETTINGS;
  private _state: IIdentityState = {
    loading: true,
    refreshing: false,
    source: null,
    sourceDetail: null,
    hint: null,
    claims: null,
    fetchedAt: null,
    copy: COPY_ALLOWED,
    error: null,
    vaultIdentity: null
  };
  private _tokenId: string | null = null;
  private _clockOffsetMs = 0;
  private _pending: Promise<void> | null = null;
  private _retry = new Backoff(REFRESH_BACKOFF_MIN_MS, REFRESH_BACKOFF_MAX_MS);
  private _unchanged = new Backoff(
    REFRESH_BACKOFF_MIN_MS,
    REFRESH_BACKOFF_MAX_MS
  );
  private _retryDelayMs = REFRESH_BACKOFF_MIN_MS;
  /** No automatic refresh before this (local clock, ms). */
  private _notBefore = 0;
  private _refreshTimer: Timeout;
  private _ticker = new Interval();
  private _isDisposed = false;
  private _stateChanged = new Signal<this, IIdentityState>(this);
  private _ticked = new Signal<this, void>(this);
  private _refreshFailed = new Signal<this, IIdentityError>(this);
}
