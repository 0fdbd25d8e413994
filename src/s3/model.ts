/**
 * The object storage model: mirrors the server's S3 credentials (STS
 * `AssumeRoleWithWebIdentity` with the id_token), asks for them once when
 * they are configured and missing, and keeps an expiry countdown.
 *
 * It knows nothing of React; views subscribe to {@link S3Model.stateChanged}
 * and {@link S3Model.ticked}. The keys never reach the browser: the server
 * answers the endpoint, the role and the expiry only.
 */
import { ServerConnection } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IS3Listing, IS3ObjectsClient, S3Browser } from './browser';
import { ApiError, requestAPI } from '../request';
import { Interval, Timeout } from '../schedule';
import { IErrorInfo } from '../tokens';

/** Reply of `GET vault-jwt/s3`, `POST s3/renew` and `POST s3/revoke`. */
export interface IS3Reply {
  /** False when no STS endpoint is configured. */
  configured: boolean;
  /** The STS endpoint. */
  endpoint: string;
  /** The S3 API the credentials are for. */
  s3_endpoint: string;
  /** The role assumed. */
  role_arn: string;
  /** The region used for signing. */
  region: string;
  /** The profile written to the credentials file. */
  profile: string;
  /** The credentials file. */
  credentials_file: string;
  /** Whether TLS certificates are verified. */
  tls_verify: boolean;
  /** A warning about a plain http:// endpoint, or null. */
  tls_warning: string | null;
  /** Whether there are credentials that have not expired. */
  active: boolean;
  /** When they expire (epoch seconds), or null. */
  expiration: number | null;
  /** When they were issued (epoch seconds), or null. */
  issued_at: number | null;
  /** The assumed role session's ARN, when the STS says it. */
  assumed_role_arn: string | null;
  /** Whether the user dropped them (no renewal until the next renew). */
  revoked_by_user: boolean;
  /** The server's last failure, or null. */
  error: IErrorInfo | null;
  /** How to configure object storage, when it is not configured. */
  hint: string | null;
}

/** The REST boundary of {@link S3Model} (faked in its tests). */
export interface IS3Client extends IS3ObjectsClient {
  /** `GET vault-jwt/s3`. */
  status(): Promise<IS3Reply>;
  /** `POST vault-jwt/s3/renew`. */
  renew(): Promise<IS3Reply>;
  /** `POST vault-jwt/s3/revoke`. */
  revoke(): Promise<IS3Reply>;
  /** `GET vault-jwt/s3/buckets`. */
  buckets(): Promise<{ buckets: string[] }>;
}

/** {@link IS3Client} over the server companion's REST API. */
export class S3Client implements IS3Client {
  /**
   * @param settings the server connection settings
   */
  constructor(private readonly _settings?: ServerConnection.ISettings) {}

  status(): Promise<IS3Reply> {
    return requestAPI<IS3Reply>('s3', {}, this._settings);
  }

  renew(): Promise<IS3Reply> {
    return requestAPI<IS3Reply>('s3/renew', { method: 'POST' }, this._settings);
  }

  revoke(): Promise<IS3Reply> {
    return requestAPI<IS3Reply>(
      's3/revoke',
      { method: 'POST' },
      this._settings
    );
  }

  buckets(): Promise<{ buckets: string[] }> {
    return requestAPI<{ buckets: string[] }>('s3/buckets', {}, this._settings);
  }

  objects(bucket: string, prefix: string): Promise<IS3Listing> {
    const query =
      `bucket=${encodeURIComponent(bucket)}` +
      `&prefix=${encodeURIComponent(prefix)}`;
    return requestAPI<IS3Listing>(`s3/objects?${query}`, {}, this._settings);
  }
}

/** A snapshot of {@link S3Model}. */
export interface IS3State {
  /** The server's last reply, or null before the first. */
  readonly status: IS3Reply | null;
  /** The buckets the credentials can list, or null when not known. */
  readonly buckets: string[] | null;
  /** Why the bucket list failed (the role may not list), or null. */
  readonly bucketsError: IErrorInfo | null;
  /** The action in progress, or null. */
  readonly busy: 'renew' | 'revoke' | null;
  /** The last failed request, or null after a success. */
  readonly error: IErrorInfo | null;
}

/** How often the state is read again while credentials are held (ms). */
export const S3_POLL_MS = 30_000;

/** Options of {@link S3Model}. */
export interface IS3ModelOptions {
  /** The server companion. */
  client: IS3Client;
  /** The local clock (ms); `Date.now` by default. */
  now?: () => number;
}

/** The object storage credentials, as the server holds them. */
export class S3Model implements IDisposable {
  /**
   * @param options the client and the clock
   */
  constructor(options: IS3ModelOptions) {
    this._client = options.client;
    this._now = options.now ?? Date.now;
    this._poll = new Timeout({ now: this._now });
    this.browser = new S3Browser(this._client);
  }

  /** The open levels of the buckets (one at a time, asked for lazily). */
  readonly browser: S3Browser;

  /** Emitted whenever {@link state} changes. */
  get stateChanged(): ISignal<this, IS3State> {
    return this._stateChanged;
  }

  /** Emitted every second while credentials are held (the countdown). */
  get ticked(): ISignal<this, void> {
    return this._ticked;
  }

  /** The current snapshot. */
  get state(): IS3State {
    return this._state;
  }

  /** Whether object storage is configured on the server. */
  get configured(): boolean {
    return this._state.status?.configured ?? false;
  }

  /** Whether the server holds credentials that have not expired. */
  get active(): boolean {
    return this._state.status?.active ?? false;
  }

  /** Whether {@link renew} may run now. */
  get canRenew(): boolean {
    return this.configured && this._state.busy === null;
  }

  /** Whether {@link revoke} may run now. */
  get canRevoke(): boolean {
    return this.active && this._state.busy === null;
  }

  /** Seconds until the credentials expire, or null without them. */
  secondsLeft(): number | null {
    const expiration = this._state.status?.expiration;
    if (!this.active || expiration === null || expiration === undefined) {
      return null;
    }
    return Math.max(0, Math.round(expiration - this._now() / 1000));
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Read the server's state; the first time, ask for credentials when they
   * are configured and missing (and the user did not drop them).
   */
  async load(): Promise<void> {
    try {
      const status = await this._client.status();
      this._apply(status, null);
      if (
        !this._autoRenewed &&
        status.configured &&
        !status.active &&
        !status.revoked_by_user &&
        status.error === null
      ) {
        this._autoRenewed = true;
        await this.renew();
        return;
      }
      this._autoRenewed = true;
      await this._loadBuckets();
    } catch (error) {
      this._update({ error: toErrorInfo(error) });
    }
  }

  /** Assume the role again now (`POST s3/renew`). */
  async renew(): Promise<void> {
    await this._act('renew', () => this._client.renew());
  }

  /** Drop the credentials and the profile (`POST s3/revoke`). */
  async revoke(): Promise<void> {
    await this._act('revoke', () => this._client.revoke());
  }

  /** Stop the timers. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    this._ticker.stop();
    this.browser.dispose();
    Signal.clearData(this);
  }

  private async _act(
    busy: 'renew' | 'revoke',
    call: () => Promise<IS3Reply>
  ): Promise<void> {
    if (this._state.busy !== null) {
      return;
    }
    this._update({ busy });
    try {
      const status = await call();
      this._apply(status, null);
      await this._loadBuckets();
    } catch (error) {
      this._update({ error: toErrorInfo(error) });
      // The server keeps its own last error: show it with the failure.
      try {
        this._apply(await this._client.status(), this._state.error);
      } catch {
        // the failure above is what the card shows
      }
    } finally {
      this._update({ busy: null });
    }
  }

  private async _loadBuckets(): Promise<void> {
    if (!this.active) {
      this.browser.clear();
      this._update({ buckets: null, bucketsError: null });
      return;
    }
    try {
      const reply = await this._client.buckets();
      this._update({ buckets: reply.buckets, bucketsError: null });
    } catch (error) {
      this._update({ buckets: null, bucketsError: toErrorInfo(error) });
    }
  }

  private _apply(status: IS3Reply, error: IErrorInfo | null): void {
    this._update({ status, error });
    this._schedule();
  }

  private _schedule(): void {
    if (this._isDisposed) {
      return;
    }
    const status = this._state.status;
    const watching =
      status !== null &&
      status.configured &&
      (status.active || (status.error !== null && !status.revoked_by_user));
    if (watching) {
      this._poll.set(S3_POLL_MS, () => void this.load());
    } else {
      this._poll.cancel();
    }
    if (this.active && !this._ticker.running) {
      this._ticker.start(1000, () => this._ticked.emit());
    } else if (!this.active) {
      this._ticker.stop();
    }
  }

  private _update(patch: Partial<IS3State>): void {
    this._state = { ...this._state, ...patch };
    this._stateChanged.emit(this._state);
  }

  private _client: IS3Client;
  private _now: () => number;
  private _state: IS3State = {
    status: null,
    buckets: null,
    bucketsError: null,
    busy: null,
    error: null
  };
  private _autoRenewed = false;
  private _isDisposed = false;
  private _poll: Timeout;
  private _ticker = new Interval();
  private _stateChanged = new Signal<this, IS3State>(this);
  private _ticked = new Signal<this, void>(this);
}

function toErrorInfo(error: unknown): IErrorInfo {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message };
  }
  return { code: 'internal', message: String(error) };
}
