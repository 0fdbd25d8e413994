/**
 * Types shared by the snippet module: what a snippet reads, how it is quoted,
 * and the error every refusal throws.
 */

/** KV secrets engine version. */
export type KvVersion = 1 | 2;

/** The command-line client the CLI snippets call. */
export type CliName = 'vault' | 'bao';

/**
 * One secret (or one key of it) a snippet reads at run time. The value
 * itself never enters a snippet.
 */
export interface ISecretRef {
  /** The Vault server's address, e.g. `https://vault.example:8200`. */
  address: string;
  /** The Vault namespace, or null (an empty string counts as null). */
  namespace: string | null;
  /** The KV mount with its trailing slash, e.g. `secret/`. */
  mount: string;
  /** The secret's path relative to the mount, e.g. `apps/billing/db`. */
  path: string;
  /** One key of the secret, or null for the whole secret. */
  key: string | null;
  /** KV engine version of the mount. */
  version: KvVersion;
  /** CA file or directory (the server status' `ca`), or null (an empty string counts as null). */
  caCert: string | null;
  /** False when TLS verification is turned off. */
  tlsVerify: boolean;
  /** The CLI for shell snippets and the copy-CLI action. */
  cli: CliName;
}

/**
 * How placeholder values are written into a template:
 *
 * - `python`: Python string literals, `None`, `True`/`False`;
 * - `r`: R string literals, `NULL`, `TRUE`/`FALSE`;
 * - `shell`: bash words (single-quoted when not plain), `''` for null.
 */
export type Quoting = 'python' | 'r' | 'shell';

/** All quoting dialects. */
export const QUOTINGS: readonly Quoting[] = ['python', 'r', 'shell'];

/** A rendered snippet. */
export interface ISnippet {
  /** The code to insert into a cell. */
  code: string;
  /** The id of the template it was rendered from (`python`, `python-env`, `r`, `bash`, or a user template id). */
  language: string;
}

/** A built-in template. */
export interface ISnippetTemplate {
  /** Template id, e.g. `python-env`; also what {@link ISnippet.language} reports. */
  readonly id: string;
  /** The kernel language (kernelspec `language`, lowercased) it is meant for. */
  readonly kernelLanguage: string;
  /** Short human description, e.g. `Python (hvac)`. */
  readonly label: string;
  /** How placeholder values are quoted. */
  readonly quoting: Quoting;
  /** The template text (see `PLACEHOLDERS`). */
  readonly template: string;
}

/**
 * A template from the user's settings. The plain string form is allowed
 * only for ids whose quoting is known (the built-in ids and kernel
 * languages: `python`, `python-env`, `r`, `bash`).
 */
export type UserTemplate = string | { template: string; quoting?: Quoting };

/** User templates by template id or kernel language (keys are case-insensitive). */
export type UserTemplates = Readonly<Record<string, UserTemplate>>;

/** Why a snippet could not be made. */
export type SnippetErrorCode =
  /** A value cannot be written in the target language (NUL byte, lone surrogate, unknown CLI). */
  | 'unsupported_value'
  /** The template has unknown placeholders or unbalanced sections. */
  | 'invalid_template'
  /** A user template names no quoting and its id has no built-in one. */
  | 'unknown_quoting';

/** Thrown when a snippet cannot be rendered; the message is shown as is. */
export class SnippetError extends Error {
  /**
   * @param code machine-readable reason
   * @param message human-readable, actionable message
   */
  constructor(
    readonly code: SnippetErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'SnippetError';
  }
}
