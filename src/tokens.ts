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
}

/** Where the server companion found the id_token. */
export type IdentitySource = 'hub' | 'env' | 'file';

/**
 * Reply of `GET vault-jwt/identity` and `POST vault-jwt/identity/refresh`.
 */
export interface IIdentityReply {
  /** The source used, or null when none is configured. */
  source: IdentitySource | null;
  /** Human description of the source (hub endpoint, env var name, file path). */
  source_detail: string | null;
  /** The raw id_token, or null when there is no source. */
  id_token: string | null;
  /** When the server read the token (epoch seconds, server clock). */
  fetched_at: number | null;
  /** The server's clock when it answered (epoch seconds). */
  server_time: number;
  /** How to configure a source, when there is none. */
  hint: string | null;
}

/** Body of every error reply of the server companion. */
export interface IErrorReply {
  error: { code: string; message: string };
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
  /** How many seconds before `exp` the automatic refresh happens. */
  refreshLeadSeconds: number;
  /** Which claims the identity card shows, in order. */
  claims: string[];
}

/** Defaults matching schema/plugin.json. */
export const DEFAULT_SETTINGS: IVaultJwtSettings = {
  autoRefresh: true,
  refreshLeadSeconds: 60,
  claims: ['preferred_username', 'name', 'email', 'groups', 'iss', 'aud', 'iat']
};
