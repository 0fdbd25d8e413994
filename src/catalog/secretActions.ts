import { ISignal, Signal } from '@lumino/signaling';

import { ICatalogIndex } from './tree';
import type { IInsertResult, IInsertTarget } from '../snippets/inserter';
import { ISecretRef, ISnippet, SnippetError } from '../snippets/types';
import {
  InsertMode,
  ISecretKeysReply,
  IVaultJwtSettings,
  IVaultReply
} from '../tokens';

/*
 * What the user can do with one readable secret (or one key of it): insert
 * a snippet that reads it, copy the snippet, its CLI command or its path.
 * Turns a tree id (`secret/app/db`) into a snippet reference with the Vault
 * session's address, namespace and TLS settings, and picks the template for
 * the kernel's language. No React, no JupyterLab widgets.
 *
 * The snippet renderer (`../snippets`) is loaded on first use, not with
 * JupyterLab: `ready()` loads it, and the commands and the panel's views
 * wait for it before they call the methods that render (a drag start fills
 * its data synchronously, so it must be there by the time the tree shows).
 */

/** The snippet renderer's module. */
type SnippetsModule = typeof import('../snippets');

/** The renderer once loaded (one for the page), and its loading. */
let loaded: SnippetsModule | null = null;
let loading: Promise<SnippetsModule> | null = null;

/** Load the snippet renderer (once; a failed load is tried again). */
function loadSnippets(): Promise<SnippetsModule> {
  loading ??= import('../snippets').then(
    module => (loaded = module),
    error => {
      loading = null;
      throw error;
    }
  );
  return loading;
}

/** One secret, or one key of it, as the tree and the picker name it. */
export interface ISecretChoice {
  /** The tree id of the secret: mount and path, `secret/app/db`. */
  readonly id: string;
  /** One key, or null for the whole secret. */
  readonly key: string | null;
}

/** Why an action cannot be done; the message is shown as is. */
export class SecretActionError extends Error {
  /**
   * @param code machine-readable reason
   * @param message human-readable, actionable message
   */
  constructor(
    readonly code:
      | 'not_logged_in'
      | 'unknown_secret'
      | 'no_target'
      | 'no_template'
      | 'snippet'
      | 'not_ready',
    message: string
  ) {
    super(message);
    this.name = 'SecretActionError';
  }
}

/** A template offered for a kernel language. */
export interface ITemplateChoice {
  /** Template id (`python`, `python-env`, a user template id). */
  readonly id: string;
  /** Human label (`Python (hvac)`). */
  readonly label: string;
}

/** What the actions read: the Vault session, the catalog, the target. */
export interface ISecretActionsOptions {
  /** The Vault session's last reply (address, namespace, TLS, CLI). */
  vaultStatus: () => IVaultReply | null;
  /** The catalog's index (mount of each secret and its KV version). */
  catalogIndex: () => ICatalogIndex | null;
  /**
   * The key names read last (the selected secret's): its KV v2 state tells
   * a deleted secret the listing could not mark.
   */
  keyNames?: () => ISecretKeysReply | null;
  /** Where snippets go (the inserter). */
  target: () => IInsertTarget | null;
  /** Insert code into the target (the inserter). */
  insert: (code: string, mode: InsertMode) => IInsertResult;
  /** The settings in force (templates, insert mode). */
  settings: () => IVaultJwtSettings;
}

/**
 * The actions on a secret, for the commands, the tree and the picker.
 *
 * The template for a kernel language is the one last chosen in the picker
 * for that language, else the first offered (`templatesFor`). User
 * templates with problems are ignored here (the Settings Editor shows
 * them); the built-in ones stand in.
 */
export class SecretActions {
  /**
   * @param options where the actions read their inputs
   */
  constructor(options: ISecretActionsOptions) {
    this._options = options;
  }

  /** Whether the snippet renderer is loaded (see {@link ready}). */
  get isReady(): boolean {
    return loaded !== null;
  }

  /**
   * Load the snippet renderer, once for the page: `templateChoices`,
   * `snippet`, `insert`, `cli` and `path` need it (they throw
   * `SecretActionError('not_ready')` before).
   */
  async ready(): Promise<void> {
    await loadSnippets();
  }

  /** Where an inserted snippet goes in a notebook (the setting). */
  get insertMode(): InsertMode {
    return this._options.settings().insertMode;
  }

  /** Emitted when the chosen template of a language changes. */
  get templateChanged(): ISignal<this, string> {
    return this._templateChanged;
  }

  /**
   * The snippet reference of a secret or key.
   *
   * @throws SecretActionError when not logged in or the id is no readable
   *   secret of the catalog
   */
  refFor(choice: ISecretChoice): ISecretRef {
    const status = this._options.vaultStatus();
    if (!status || status.state !== 'logged_in' || !status.address) {
      throw new SecretActionError(
        'not_logged_in',
        'Log in to Vault first: the snippet needs the Vault address and your session.'
      );
    }
    const index = this._options.catalogIndex();
    const node = index?.byId.get(choice.id);
    const secret = node === undefined ? undefined : index!.nodes[node];
    const mount =
      secret === undefined ? undefined : index!.mounts.get(secret.mount);
    if (!secret || secret.kind !== 'secret' || !mount) {
      throw new SecretActionError(
        'unknown_secret',
        `"${choice.id}" is not a readable secret in your catalog; reload the catalog.`
      );
    }
    return {
      address: status.address,
      namespace: status.namespace,
      mount: mount.path,
      path: secret.path,
      key: choice.key,
      version: mount.version,
      caCert: status.tls_verify ? status.ca : null,
      tlsVerify: status.tls_verify,
      cli: status.cli === 'bao' ? 'bao' : 'vault'
    };
  }

  /**
   * The templates offered for the target's kernel language (empty when it
   * has none, or there is no target).
   */
  templateChoices(language = this._options.target()?.language ?? null): {
    language: string | null;
    choices: ITemplateChoice[];
    chosen: string | null;
  } {
    if (!language) {
      return { language, choices: [], chosen: null };
    }
    const { BUILTIN_TEMPLATES, templatesFor } = this._snippets;
    const user = this._userTemplates();
    const ids = templatesFor(language, user);
    const choices = ids.map(id => ({
      id,
      label:
        (id in user ? 'Your template: ' : '') +
        (BUILTIN_TEMPLATES.find(t => t.id === id)?.label ?? id)
    }));
    const remembered = this._chosen.get(language);
    const chosen =
      remembered !== undefined && ids.includes(remembered)
        ? remembered
        : (ids[0] ?? null);
    return { language, choices, chosen };
  }

  /**
   * Remember the template to use for a language (the picker's choice).
   *
   * @param language kernel language
   * @param id template id
   */
  chooseTemplate(language: string, id: string): void {
    const key = language.trim().toLowerCase();
    if (this._chosen.get(key) !== id) {
      this._chosen.set(key, id);
      this._templateChanged.emit(key);
    }
  }

  /**
   * The snippet for a secret in the target's language (or a given
   * template).
   *
   * @throws SecretActionError without a target language or template, or when
   *   the snippet cannot be rendered
   */
  snippet(choice: ISecretChoice, template?: string): ISnippet {
    const ref = this.refFor(choice);
    let id = template;
    if (id === undefined) {
      const { language, chosen } = this.templateChoices();
      if (!language) {
        throw new SecretActionError(
          'no_target',
          this._options.target()
            ? 'The kernel is not known yet: start it and try again.'
            : 'Open a notebook or a code console to insert a snippet.'
        );
      }
      if (chosen === null) {
        throw new SecretActionError(
          'no_template',
          `No snippet template is defined for ${language} kernels: copy the path or the CLI command, or add a template for "${language}" in Settings › Vault JWT.`
        );
      }
      id = chosen;
    }
    let snippet: ISnippet | null;
    try {
      snippet = this._snippets.snippetFor(id, ref, this._userTemplates());
    } catch (error) {
      throw error instanceof SnippetError
        ? new SecretActionError('snippet', error.message)
        : error;
    }
    if (!snippet) {
      throw new SecretActionError(
        'no_template',
        `No snippet template "${id}" is defined.`
      );
    }
    return snippet;
  }

  /**
   * Why inserting a snippet for this secret deserves a warning, or null: its
   * latest version is deleted or destroyed, it has no data (KV v2), or its
   * read access could not be checked. The snippet would fail when it runs.
   *
   * @param choice the secret (or key)
   */
  warningFor(choice: ISecretChoice): string | null {
    const index = this._options.catalogIndex();
    const at = index?.byId.get(choice.id);
    const node = at === undefined ? undefined : index!.nodes[at];
    const read = this._options.keyNames?.() ?? null;
    const state =
      read && read.mount + read.path === choice.id
        ? (read.state ?? null)
        : null;
    switch (node?.marker ?? state) {
      case 'deleted':
        return `The latest version of ${choice.id} is deleted: the snippet will fail when it runs, unless the secret is undeleted or written again.`;
      case 'destroyed':
        return `The latest version of ${choice.id} is destroyed: the snippet will fail when it runs, unless a new version is written.`;
      case 'metadata-only':
        return `${choice.id} has metadata but no data: the snippet will fail when it runs, until a version is written.`;
      case 'unchecked':
        return `Your read access to ${choice.id} could not be checked: the snippet may fail with "permission denied" when it runs.`;
      default:
        return null;
    }
  }

  /**
   * Insert the snippet into the target (see `SnippetInserter.insert`).
   *
   * @throws SecretActionError, NoInsertTargetError
   */
  insert(choice: ISecretChoice, template?: string): IInsertResult {
    const { code } = this.snippet(choice, template);
    return this._options.insert(code, this._options.settings().insertMode);
  }

  /**
   * The one-line CLI command that prints the secret or key.
   *
   * @throws SecretActionError
   */
  cli(choice: ISecretChoice): string {
    try {
      return this._snippets.cliCommand(this.refFor(choice));
    } catch (error) {
      throw error instanceof SnippetError
        ? new SecretActionError('snippet', error.message)
        : error;
    }
  }

  /**
   * The secret's path as the tree shows it (`secret/app/db`), or a bash word
   * for it when it holds a character that does not show as it is.
   *
   * @throws SecretActionError
   */
  path(choice: ISecretChoice): string {
    try {
      return this._snippets.pathToCopy(choice.id);
    } catch (error) {
      throw error instanceof SnippetError
        ? new SecretActionError('snippet', error.message)
        : error;
    }
  }

  private _userTemplates() {
    return this._snippets.usableUserTemplates(
      this._options.settings().snippetTemplates
    );
  }

  /** The snippet renderer; throws before {@link ready} has loaded it. */
  private get _snippets(): SnippetsModule {
    if (!loaded) {
      throw new SecretActionError(
        'not_ready',
        'The snippet templates are still loading: try again in a moment.'
      );
    }
    return loaded;
  }

  private _options: ISecretActionsOptions;
  private _chosen = new Map<string, string>();
  private _templateChanged = new Signal<this, string>(this);
}
