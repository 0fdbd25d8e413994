/**
 * Shared identifiers, interfaces and the REST contract of jupyterlab-vault-jwt.
 */

/** The npm package name, used as the prefix of plugin ids. */
export const PACKAGE_NAME = 'jupyterlab-vault-jwt';

/** The id of the main plugin (also the id of its settings schema). */
export const PLUGIN_ID = `${PACKAGE_NAME}:plugin`;

/** The stable id of the sidebar panel (galata and `shell.activateById` use it). */
export const PANEL_ID = 'jp-vault-jwt-panel';

/** The stable id of the status-bar item. */
export const STATUS_ID = `${PACKAGE_NAME}:status`;

/**
 * Command ids, one namespace for every command of the extension.
 */
export namespace CommandIDs {
  /** Open (and focus) the sidebar panel. */
  export const openPanel = 'vault-jwt:open-panel';
  /** Ask the server for a fresh id_token now. */
  export const refreshToken = 'vault-jwt:refresh-token';
  /** Copy the raw id_token to the system clipboard (never shown on screen). */
  export const copyToken = 'vault-jwt:copy-token';
  /** Log in to Vault with the id_token (the server keeps the Vault token). */
  export const vaultLogin = 'vault-jwt:vault-login';
  /** Revoke the Vault token and stay logged out until the next log in. */
  export const vaultLogout = 'vault-jwt:vault-logout';
  /** Write the session's token into the token file, over one the server did not write. */
  export const vaultUseTokenFile = 'vault-jwt:vault-use-token-file';
  /** Rebuild the catalog of readable secrets, bypassing the server's cache. */
  export const reloadCatalog = 'vault-jwt:reload-catalog';
  /** Scan the current notebook's outputs for values of the secrets it reads. */
  export const scanNotebook = 'vault-jwt:scan-notebook';
  /** Open the fuzzy picker over every readable secret and its keys. */
  export const openPicker = 'vault-jwt:insert-secret';
  /**
   * Insert a snippet for a secret (args `{ id, key?, template? }`, `id` as in
   * the tree: `secret/app/db`; without `id`: the tree row under the context
   * menu).
   */
  export const insertSnippet = 'vault-jwt:insert-snippet';
  /** Copy a secret's path (same args as {@link insertSnippet}). */
  export const copyPath = 'vault-jwt:copy-path';
  /** Copy the `vault kv get` / `bao kv get` command (same args). */
  export const copyCli = 'vault-jwt:copy-cli';
  /** Copy the snippet instead of inserting it (same args). */
  export const copySnippet = 'vault-jwt:copy-snippet';
  /** Get new temporary S3 credentials with the id_token (object storage). */
  export const s3Renew = 'vault-jwt:s3-renew';
  /** Drop the S3 credentials and their profile; no renewal until renewed. */
  export const s3Revoke = 'vault-jwt:s3-revoke';
  /** Insert code that reads a bucket (args `{ bucket, key? }`) with the S3 profile. */
  export const s3InsertSnippet = 'vault-jwt:s3-insert-snippet';
}

/**
 * Where the server companion found the id_token (`vault-oidc`: Vault's own
 * OIDC sign-in, which holds no id_token).
 */
export type IdentitySource =
  'hub' | 'device' | 'browser' | 'vault-oidc' | 'env' | 'file';

/**
 * What Vault knows of the user signed in with its OIDC auth method (there is
 * no id_token then): from the Vault token, never the token itself.
 */
export interface IVaultIdentity {
  /** The token's display name, e.g. `oidc-alice`. */
  display_name: string;
  /** The identity entity, or null. */
  entity_id: string | null;
  /** The token's policies. */
  policies: string[];
  /** The token's metadata (the role, claims the role maps). */
  metadata: Record<string, string>;
}

/**
 * Reply of `GET vault-jwt/identity` and `POST vault-jwt/identity/refresh`.
 */
export interface IIdentityReply {
  /** The source used, or null when none is configured. */
  source: IdentitySource | null;
  /** Human description of the source (hub endpoint, env var name, file path). */
  source_detail: string | null;
  /**
   * The id_token's claims as decoded by the server, or null when there is no
   * source. The raw token is not sent here: the copy action asks for it with
   * `POST vault-jwt/identity/token` ({@link ITokenCopyReply}).
   */
  claims: Record<string, unknown> | null;
  /** A short fingerprint of the token (tells one token from the next), or null. */
  token_id: string | null;
  /** When the server read the token (epoch seconds, server clock). */
  fetched_at: number | null;
  /** The server's clock when it answered (epoch seconds). */
  server_time: number;
  /** How to configure a source, when there is none. */
  hint: string | null;
  /** Vault's own OIDC sign-in: what Vault knows of the user, else null. */
  vault_identity?: IVaultIdentity | null;
  /** Whether the administrator lets the owner copy the raw token, and why not. */
  copy: ICopyPolicy;
}

/** Whether the raw id_token may be copied (`c.IdTokenService.allow_copy`). */
export interface ICopyPolicy {
  /** Copying is allowed. */
  allowed: boolean;
  /** Why not (shown in the panel), or null. */
  reason: string | null;
}

/** Reply of `POST vault-jwt/identity/token` (the copy action only). */
export interface ITokenCopyReply {
  /** The raw id_token. */
  id_token: string;
  /** Its fingerprint, as in {@link IIdentityReply.token_id}. */
  token_id: string;
}

/** A failure as the server companion describes it. */
export interface IErrorInfo {
  /** Machine-readable code (`vault_unreachable`, `secret_not_found`, ...). */
  code: string;
  /** Human-readable, actionable message (shown as is). */
  message: string;
}

/** Body of every error reply of the server companion. */
export interface IErrorReply {
  error: IErrorInfo;
}

/**
 * What the server tells about its Vault token (never the token itself).
 * Times are epoch seconds on the server's clock.
 */
export interface IVaultTokenInfo {
  /** The token's accessor (safe to show; it cannot be used to read secrets). */
  accessor: string;
  /** Vault's display name of the token (e.g. `jwt-alice`). */
  display_name: string;
  /** The token's policies. */
  policies: string[];
  /** The Vault identity entity, when there is one. */
  entity_id: string | null;
  /** Whether the server can renew it. */
  renewable: boolean;
  /** Seconds left when the server answered. */
  ttl: number;
  /** When it expires, or null for a token without expiry. */
  expire_time: number | null;
  /** When it was issued. */
  issue_time: number | null;
  /** When it can no longer be renewed (the max TTL), or null. */
  max_expire_time: number | null;
}

/** Whether the server holds a Vault token. */
export type VaultSessionState = 'logged_out' | 'logged_in';

/**
 * Whose the token file is: `session` (it holds this session's token),
 * `other` (a token the server did not write, e.g. the user's own: left
 * alone), `absent` (no file).
 */
export type TokenFileState = 'session' | 'other' | 'absent';

/**
 * Reply of `GET vault-jwt/vault`, `POST vault-jwt/vault/login` and
 * `POST vault-jwt/vault/logout`.
 */
export interface IVaultReply {
  /** False when no Vault address is configured. */
  configured: boolean;
  /** How to configure Vault, when it is not configured. */
  hint: string | null;
  /** The Vault server's address. */
  address: string | null;
  /** The Vault namespace, if any. */
  namespace: string | null;
  /** The JWT auth method's mount (e.g. `jwt`). */
  auth_mount: string;
  /** The JWT role logged in with, or null for the mount's default role. */
  role: string | null;
  /** False when TLS verification is explicitly turned off. */
  tls_verify: boolean;
  /**
   * A warning about the transport (plain `http://` to a host that is not
   * loopback), or null. Optional: older servers do not send it.
   */
  tls_warning?: string | null;
  /** CA file or directory in use, for display. */
  ca: string | null;
  /** Where the token is written for kernels, or null when that is off. */
  token_file: string | null;
  /** Whose the token file is, or null when it is off or not looked at yet. */
  token_file_state?: TokenFileState | null;
  /** The CLI that bash snippets and the copy-CLI action call. */
  cli: 'vault' | 'bao';
  /** Whether the server holds a Vault token. */
  state: VaultSessionState;
  /** The user pressed Log out: no automatic log in until they press Log in. */
  logged_out_by_user: boolean;
  /** The token's description while logged in. */
  token: IVaultTokenInfo | null;
  /** The last log in or renewal failure. */
  error: IErrorInfo | null;
  /** The server's clock when it answered (epoch seconds). */
  server_time: number;
}

/** How the server found the secrets of a mount. */
export type CatalogMethod = 'scan' | 'list' | 'none';

/** One KV mount of {@link ICatalogReply}. */
export interface ICatalogMount {
  /** The mount path with its trailing slash, e.g. `secret/`. */
  path: string;
  /** KV engine version. */
  version: 1 | 2;
  /** The mount's description in Vault. */
  description: string;
  /** How its secrets were found. */
  method: CatalogMethod;
  /** Why this mount could not be (fully) read, or null. */
  error: IErrorInfo | null;
  /** Readable secret paths relative to the mount, e.g. `app/db`. */
  secrets: string[];
  /** Readable through an exact-path grant, but not listable. */
  unlisted: string[];
  /** Listed, but read access could not be checked (reading may be denied). */
  unchecked?: string[];
  /** KV v2 secrets whose latest version cannot be read, by path. */
  states?: Record<string, SecretState>;
  /** Read grants (as the policy writes them) that no listing reaches. */
  unbrowsable?: string[];
  /** Parts that could not be read (after retries), and why. */
  missing?: ICatalogMissing[];
  /** Paths the user added by hand (checked readable), shown apart. */
  manual?: string[];
}

/** Why a KV v2 secret's latest version cannot be read. */
export type SecretState = 'deleted' | 'destroyed' | 'metadata-only';

/** KV v2 facts about one secret (never a value). */
export interface ISecretDetails {
  /** How many versions it keeps. */
  versions?: number;
  /** How many of them are neither deleted nor destroyed. */
  readable_versions?: number;
  /** The latest version. */
  current_version?: number;
  /** Its last update (RFC 3339). */
  updated_time?: string | null;
  /** The secret's `custom_metadata`. */
  custom_metadata?: Record<string, string>;
  /** Its state, null when the latest version is readable. */
  state?: SecretState | null;
}

/** A part of a mount missing from the catalog. */
export interface ICatalogMissing {
  /** The folder, subtree or secret, relative to the mount (`''`: the mount). */
  path: string;
  /** `folder`, `subtree`, `secret` or `read-check`. */
  what: string;
  /** Why. */
  reason: string;
}

/** Reply of `GET vault-jwt/vault/catalog[?refresh=true]`. */
export interface ICatalogReply {
  /** When the server built the catalog (epoch seconds, server clock). */
  generated_at: number;
  /** The server's clock when it answered (epoch seconds). */
  server_time: number;
  /** True when served from the server's cache. */
  cached: boolean;
  /** How many Vault requests building it took. */
  requests: number;
  /** How long building it took (ms). */
  duration_ms: number;
  /** The KV mounts the token can see. */
  mounts: ICatalogMount[];
  /** What the catalog could not find out for every mount, and why. */
  notices?: string[];
  /** How many requests were sent again after a failure. */
  retried?: number;
}

/** Reply of `GET vault-jwt/vault/secret/keys?mount=…&path=…`: key names only. */
export interface ISecretKeysReply {
  /** The mount, e.g. `secret/`. */
  mount: string;
  /** The secret's path relative to the mount. */
  path: string;
  /** KV engine version. */
  version: 1 | 2;
  /** The secret's key names (never the values). */
  keys: string[];
  /** KV v2 version metadata, or null. */
  metadata: null | { version: number; created_time: string };
  /** Why the latest version cannot be read (then `keys` is empty), or null. */
  state?: SecretState | null;
  /** KV v2 details where the token may read the secret's metadata. */
  details?: ISecretDetails | null;
}

/**
 * The claims of an id_token the panel knows how to show.
 */
export interface IIdTokenClaims {
  /** Issuer (`iss`). */
  iss?: string;
  /** Subject (`sub`). */
  sub?: string;
  /** Audience(s) (`aud`), normalised to a list. */
  aud: string[];
  /** Expiry (`exp`), epoch seconds. */
  exp: number;
  /** Issued at (`iat`), epoch seconds. */
  iat?: number;
  /** `preferred_username`. */
  preferred_username?: string;
  /** `name`. */
  name?: string;
  /** `email`. */
  email?: string;
  /** `groups`, normalised to a list. */
  groups: string[];
  /** Every claim as decoded, for claims configured by the user. */
  raw: Record<string, unknown>;
}

/**
 * What the countdown shows.
 *
 * - `fresh`: valid for longer than the "expiring soon" threshold;
 * - `expiring`: valid, but not for long;
 * - `expired`: `exp` has passed;
 * - `unavailable`: no token (none configured, or it could not be read).
 */
export type TokenPhase = 'fresh' | 'expiring' | 'expired' | 'unavailable';

/** User settings of the plugin (see schema/plugin.json). */
export interface IVaultJwtSettings {
  /** Refresh the id_token automatically before it expires. */
  autoRefresh: boolean;
  /** How many seconds before `exp` the automatic refresh happens (at most half the lifetime). */
  refreshLeadSeconds: number;
  /** Which claims the identity card shows, in order. */
  claims: string[];
  /** Log in to Vault automatically with the id_token (unless the user logged out). */
  autoLogin: boolean;
  /** Where an inserted snippet goes in a notebook. */
  insertMode: InsertMode;
  /** The user's snippet templates by template id or kernel language. */
  snippetTemplates: Record<string, string | ISnippetTemplateSetting>;
}

/**
 * Where a snippet goes in a notebook: a new code cell below the active cell,
 * or at the cursor of the active code cell (consoles always use the prompt).
 */
export type InsertMode = 'new-cell-below' | 'cursor';

/** A snippet template in the settings, with its quoting. */
export interface ISnippetTemplateSetting {
  /** The template text (placeholders as in the built-in templates). */
  template: string;
  /** How placeholder values are written; defaults by template id. */
  quoting?: 'python' | 'r' | 'shell';
}

/** Defaults matching schema/plugin.json. */
export const DEFAULT_SETTINGS: IVaultJwtSettings = {
  autoRefresh: true,
  refreshLeadSeconds: 60,
  claims: [
    'preferred_username',
    'name',
    'email',
    'groups',
    'iss',
    'aud',
    'iat'
  ],
  autoLogin: true,
  insertMode: 'new-cell-below',
  snippetTemplates: {}
};
