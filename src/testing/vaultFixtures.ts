import { Signal } from '@lumino/signaling';

import type { ICatalogClient } from '../catalog/tree';
import {
  ICatalogReply,
  ISecretKeysReply,
  IVaultReply,
  IVaultTokenInfo
} from '../tokens';
import { IIdTokenSource, IVaultClient } from '../vault/model';

/** Epoch seconds used as "now" on the server in the Vault specs. */
export const T0 = 1_800_000_000;

/** A `GET vault/` reply: configured, logged out, as the server sends it. */
export function loggedOutReply(patch: Partial<IVaultReply> = {}): IVaultReply {
  return {
    configured: true,
    hint: null,
    address: 'https://127.0.0.1:18200',
    namespace: null,
    auth_mount: 'jwt',
    role: 'jupyter',
    tls_verify: true,
    tls_warning: null,
    ca: '/etc/ssl/vault-ca.pem',
    token_file: '/home/alice/.vault-token',
    token_file_state: 'absent',
    cli: 'vault',
    state: 'logged_out',
    logged_out_by_user: false,
    token: null,
    error: null,
    server_time: T0,
    ...patch
  };
}

/** A reply while logged in with a token that lives `ttl` seconds from `serverTime`. */
export function loggedInReply(
  options: {
    serverTime?: number;
    ttl?: number;
    policies?: string[];
    token?: Partial<IVaultTokenInfo>;
    namespace?: string | null;
    tls_verify?: boolean;
    error?: IVaultReply['error'];
    token_file_state?: IVaultReply['token_file_state'];
  } = {}
): IVaultReply {
  const {
    serverTime = T0,
    ttl = 3600,
    policies = ['default', 'team-a']
  } = options;
  return loggedOutReply({
    state: 'logged_in',
    server_time: serverTime,
    namespace: options.namespace ?? null,
    tls_verify: options.tls_verify ?? true,
    token_file_state: options.token_file_state ?? 'session',
    token: {
      accessor: 'acc-1',
      display_name: 'jwt-alice',
      policies,
      entity_id: 'ent-42',
      renewable: true,
      ttl,
      expire_time: serverTime + ttl,
      issue_time: serverTime - 10,
      max_expire_time: serverTime + 8 * 3600,
      ...options.token
    },
    error: options.error ?? null
  });
}

/** A stand-in for the identity model: only the token's fingerprint and its signal. */
export class FakeIdTokenSource implements IIdTokenSource {
  tokenId: string | null = null;
  readonly stateChanged = new Signal<this, void>(this);

  /** Change the token's fingerprint and tell the listeners (like a refresh does). */
  setToken(token: string | null): void {
    this.tokenId = token;
    this.stateChanged.emit();
  }
}

/** A catalog reply with the given mounts (v2, listed, no error by default). */
export function catalogReply(
  mounts: Array<Partial<ICatalogReply['mounts'][number]>>
): ICatalogReply {
  return {
    generated_at: T0,
    server_time: T0,
    cached: false,
    requests: 3,
    duration_ms: 12,
    mounts: mounts.map(mount => ({
      path: 'secret/',
      version: 2,
      description: '',
      method: 'scan',
      error: null,
      secrets: [],
      unlisted: [],
      ...mount
    }))
  };
}

/** `count` secret paths spread over folders, e.g. `team-3/app-17/key-0042`. */
export function manyPaths(count: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    paths.push(
      `team-${i % 10}/app-${Math.floor(i / 10) % 50}/key-${String(i).padStart(5, '0')}`
    );
  }
  return paths;
}

/** Let pending promise callbacks run (works under fake timers). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/**
 * A FAKE of the server companion's Vault and catalog routes: logged in
 * whatever is asked, listing the given mounts (see {@link catalogReply});
 * key names are not read.
 */
export class LoggedInVaultClient implements IVaultClient, ICatalogClient {
  constructor(
    private readonly _mounts: Array<
      Partial<ICatalogReply['mounts'][number]>
    > = [{ path: 'secret/', secrets: ['apps/billing/db'] }]
  ) {}
  async status(): Promise<IVaultReply> {
    return loggedInReply();
  }
  async login(): Promise<IVaultReply> {
    return loggedInReply();
  }
  async logout(): Promise<IVaultReply> {
    return loggedInReply();
  }
  async useTokenFile(): Promise<IVaultReply> {
    return loggedInReply();
  }
  async catalog(): Promise<ICatalogReply> {
    return catalogReply(this._mounts);
  }
  async secretKeys(): Promise<ISecretKeysReply> {
    throw new Error('not used');
  }
}
