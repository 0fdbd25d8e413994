/**
 * Browsing buckets one level at a time: which buckets and folders are open,
 * and the folders and objects the server listed under each (`GET
 * vault-jwt/s3/objects?bucket=&prefix=`, S3 `ListObjectsV2` with delimiter
 * `/`). A level is asked for the first time it is opened (lazily) and kept
 * until {@link S3Browser.clear}.
 *
 * It knows nothing of React; views subscribe to {@link S3Browser.changed}.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError } from '../request';
import { IErrorInfo } from '../tokens';

/** An object of a listing. */
export interface IS3ObjectEntry {
  /** Its full key. */
  key: string;
  /** Its size in bytes. */
  size: number;
  /** When it last changed (ISO 8601, as the S3 server says). */
  last_modified: string;
}

/** Reply of `GET vault-jwt/s3/objects?bucket=&prefix=`. */
export interface IS3Listing {
  /** The bucket. */
  bucket: string;
  /** The folder listed (`''`: the bucket's top). */
  prefix: string;
  /** The folders right under it (full prefixes, ending with `/`). */
  folders: string[];
  /** The objects right under it. */
  objects: IS3ObjectEntry[];
  /** Whether the server stopped before the end (page or size limit). */
  truncated: boolean;
}

/** The REST boundary of {@link S3Browser} (faked in its tests). */
export interface IS3ObjectsClient {
  /** `GET vault-jwt/s3/objects?bucket=&prefix=`. */
  objects(bucket: string, prefix: string): Promise<IS3Listing>;
}

/** One level of a bucket, as far as it is known. */
export interface IS3Level {
  /** Whether its listing is being asked for. */
  readonly loading: boolean;
  /** Its listing, once answered. */
  readonly listing: IS3Listing | null;
  /** Why listing it failed, or null. */
  readonly error: IErrorInfo | null;
}

/** Which levels of which buckets are open, and what they hold. */
export class S3Browser implements IDisposable {
  /**
   * @param client the server companion's objects route
   */
  constructor(client: IS3ObjectsClient) {
    this._client = client;
  }

  /** Emitted whenever a level opens, closes, loads or fails. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether the level `prefix` of `bucket` is open. */
  isOpen(bucket: string, prefix = ''): boolean {
    return this._open.has(levelId(bucket, prefix));
  }

  /** What is known of the level `prefix` of `bucket`, or null. */
  level(bucket: string, prefix = ''): IS3Level | null {
    return this._levels.get(levelId(bucket, prefix)) ?? null;
  }

  /**
   * Open a closed level (listing it the first time, or again after a
   * failure), or close an open one.
   */
  async toggle(bucket: string, prefix = ''): Promise<void> {
    const id = levelId(bucket, prefix);
    if (this._open.delete(id)) {
      this._changed.emit();
      return;
    }
    this._open.add(id);
    const known = this._levels.get(id);
    if (known && (known.loading || known.listing)) {
      this._changed.emit();
      return;
    }
    await this.reload(bucket, prefix);
  }

  /** Ask the server for the level again. */
  async reload(bucket: string, prefix = ''): Promise<void> {
    const id = levelId(bucket, prefix);
    const generation = this._generation;
    const previous = this._levels.get(id);
    this._set(id, {
      loading: true,
      listing: previous?.listing ?? null,
      error: null
    });
    let level: IS3Level;
    try {
      const listing = await this._client.objects(bucket, prefix);
      level = { loading: false, listing, error: null };
    } catch (error) {
      level = { loading: false, listing: null, error: toErrorInfo(error) };
    }
    if (generation === this._generation && !this._isDisposed) {
      this._set(id, level); // not after clear(): those credentials are gone
    }
  }

  /** Forget every level and close them all (new or no credentials). */
  clear(): void {
    if (this._open.size === 0 && this._levels.size === 0) {
      return;
    }
    this._generation += 1;
    this._open.clear();
    this._levels.clear();
    this._changed.emit();
  }

  /** Forget everything and disconnect the views. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._open.clear();
    this._levels.clear();
    Signal.clearData(this);
  }

  private _set(id: string, level: IS3Level): void {
    this._levels.set(id, level);
    this._changed.emit();
  }

  private _client: IS3ObjectsClient;
  private _open = new Set<string>();
  private _levels = new Map<string, IS3Level>();
  private _generation = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/** The name of a level (bucket names hold no `/`). */
function levelId(bucket: string, prefix: string): string {
  return `${bucket}/${prefix}`;
}

function toErrorInfo(error: unknown): IErrorInfo {
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message };
  }
  return { code: 'internal', message: String(error) };
}
