import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError } from '../request';
import { Backoff, Timeout } from '../schedule';
import { IErrorInfo, ISecretKeysReply, ICatalogReply } from '../tokens';
import {
  ICatalogClient,
  ICatalogFilter,
  ICatalogIndex,
  ICatalogNode,
  ITreeRows,
  buildCatalogIndex,
  filterCatalog,
  parseQuery,
  splitSecretPath,
  treeKeyAction,
  visibleRows
} from './tree';

/*
 * The catalog model: the state of the tree of readable secrets (the catalog
 * read from the server, expansion, search, focus, selection, the selected
 * secret's key names) and its retries. No React here; SecretTree.tsx renders it.
 */

/** The key names of the selected secret. */
export interface ISecretKeysState {
  /** The secret's node id (`mount/path`). */
  readonly id: string;
  /** Its mount, e.g. `secret/`. */
  readonly mount: string;
  /** Its path relative to the mount. */
  readonly path: string;
  /** True while the key names are being read. */
  readonly loading: boolean;
  /** The reply, once read. */
  readonly reply: ISecretKeysReply | null;
  /** Why they could not be read. */
  readonly error: IErrorInfo | null;
}

/**
 * Everything the tree views need, as one immutable snapshot.
 */
export interface ICatalogState {
  /** Whether a Vault session is there to list secrets with. */
  readonly available: boolean;
  /** True while the catalog is being read. */
  readonly loading: boolean;
  /** The last good catalog, or null. */
  readonly reply: ICatalogReply | null;
  /** Its tree, or null. */
  readonly index: ICatalogIndex | null;
  /** The last failure to read the catalog, or null after a success. */
  readonly error: IErrorInfo | null;
  /** The search box's text. */
  readonly query: string;
  /** Matching secrets while filtering, null without a query. */
  readonly matches: number | null;
  /** Matching secrets in each node's subtree while filtering, else null. */
  readonly matchCounts: Int32Array | null;
  /** The visible rows. */
  readonly rows: ITreeRows;
  /** The focused row's node id, or null. */
  readonly active: string | null;
  /** The focused row's position in {@link rows}, or -1. */
  readonly activeRow: number;
  /** The selected secret's node id, or null. */
  readonly selected: string | null;
  /** The selected secret's key names. */
  readonly keys: ISecretKeysState | null;
}

/**
 * Where the catalog model learns that a Vault session exists (the Vault model).
 */
export interface ICatalogSession {
  /**
   * Non-null while logged in; a change (e.g. other policies) reloads the
   * catalog, null clears it.
   */
  readonly catalogKey: string | null;
  /** Emitted when the session changes. */
  readonly stateChanged: ISignal<unknown, unknown>;
}

/** Options of {@link CatalogModel}. */
export interface ICatalogModelOptions {
  /** The server companion. */
  client: ICatalogClient;
  /** The Vault session (the catalog follows its log in and log out). */
  session: ICatalogSession;
}

const NO_ROWS: ITreeRows = { nodes: [], expanded: [] };

/** How many recent search filters are kept (for backspacing). */
const RECENT_FILTERS = 8;

/** First wait before reading the catalog again after a failure (ms). */
export const CATALOG_RETRY_MIN_MS = 15_000;

/** Longest wait between retries (ms); the wait doubles up to it. */
export const CATALOG_RETRY_MAX_MS = 120_000;

/**
 * The catalog model: loads the catalog when a Vault session starts, holds the
 * tree's expansion, search, focus and selection, and reads the selected
 * secret's key names.
 *
 * The user's expansion survives reloads and searches: while a search is on,
 * every folder with a match is shown expanded (the user can still collapse
 * some), and clearing the search restores the expansion from before.
 */
export class CatalogModel implements IDisposable {
  /**
   * @param options the client and the Vault session
   */
  constructor(options: ICatalogModelOptions) {
    this._client = options.client;
    this._session = options.session;
    this._session.stateChanged.connect(this._onSession, this);
    this._onSession();
  }

  /** Emitted whenever {@link state} changes. */
  get stateChanged(): ISignal<this, ICatalogState> {
    return this._stateChanged;
  }

  /** The current snapshot. */
  get state(): ICatalogState {
    return this._state;
  }

  /**
   * Emitted with a secret's id when the user asks to insert it from the
   * tree (Enter on a secret row); the app decides what inserting means.
   */
  get insertRequested(): ISignal<this, string> {
    return this._insertRequested;
  }

  /** Whether Reload makes sense now (the reload command's enabled state). */
  get canReload(): boolean {
    return this._state.available && !this._state.loading;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Read the catalog (from the server's cache when it has one). */
  load(): Promise<void> {
    return this._load(false);
  }

  /** Rebuild the catalog, bypassing the server's cache. */
  reload(): Promise<void> {
    return this._load(true);
  }

  /**
   * Set the search text; all whitespace-separated terms must match.
   *
   * @param query what the user typed
   */
  setQuery(query: string): void {
    if (query === this._state.query) {
      return;
    }
    const terms = parseQuery(query).join(' ');
    if (terms !== this._terms) {
      this._terms = terms;
      this._filterCollapsed.clear();
      this._rowsVersion++;
    }
    this._update({ query });
  }

  /**
   * Expand or collapse a folder or mount.
   *
   * @param id the node id
   * @param expand true to expand, false to collapse, omitted to toggle
   */
  setExpanded(id: string, expand?: boolean): void {
    const index = this._state.index?.byId.get(id);
    if (index === undefined || this._nodes[index].kind === 'secret') {
      return;
    }
    const open = expand ?? !this._isExpanded(index);
    if (this._filter) {
      if (open) {
        this._filterCollapsed.delete(id);
        this._rowsVersion++;
      } else {
        this._filterCollapsed.add(id);
        this._rowsVersion++;
      }
    } else if (open) {
      this._expanded.add(id);
      this._rowsVersion++;
    } else {
      this._expanded.delete(id);
      this._rowsVersion++;
    }
    this._update({});
  }

  /**
   * Move the focus to a row.
   *
   * @param id the node id
   */
  activate(id: string): void {
    if (this._state.active !== id) {
      this._update({ active: id });
    }
  }

  /**
   * What a click does: focus the row, toggle a folder, select a secret.
   *
   * @param id the node id
   */
  click(id: string): void {
    const index = this._state.index?.byId.get(id);
    if (index === undefined) {
      return;
    }
    this.activate(id);
    if (this._nodes[index].kind === 'secret') {
      this.select(id);
    } else {
      this.setExpanded(id);
    }
  }

  /**
   * Select a secret and read its key names (never its values).
   *
   * @param id the secret's node id
   */
  select(id: string): void {
    const state = this._state;
    const nodeIndex = state.index?.byId.get(id);
    if (nodeIndex === undefined || !state.index) {
      return;
    }
    const node = this._nodes[nodeIndex];
    if (node.kind !== 'secret') {
      return;
    }
    if (state.selected === id && state.keys?.id === id && !state.keys.error) {
      // Already read (or being read).
      this.activate(id);
      return;
    }
    const mount = this._nodes[node.mount].id;
    const seq = ++this._keysSeq;
    this._update({
      active: id,
      selected: id,
      keys: {
        id,
        mount,
        path: node.path,
        loading: true,
        reply: null,
        error: null
      }
    });
    this._client.secretKeys(mount, node.path).then(
      reply => this._keysDone(seq, { reply }),
      error => this._keysDone(seq, { error: toErrorInfo(error) })
    );
  }

  /**
   * Add a secret path by hand (where no listing reaches it): the server
   * checks that it is readable and remembers it; the catalog is read again.
   *
   * @param text the full path, `secret/team/db` (`secret/data/team/db` too)
   * @throws Error with a message to show when the path is not added
   */
  async addPath(text: string): Promise<void> {
    const add = this._client.addManualPath;
    const reply = this._state.reply;
    if (!add || !reply) {
      throw new Error('The catalog is not loaded yet.');
    }
    const split = splitSecretPath(text.trim(), reply.mounts);
    if (!split) {
      throw new Error(
        `Give the full path of one secret, starting with one of your KV mounts (${reply.mounts
          .map(m => m.path)
          .join(', ')}).`
      );
    }
    try {
      await add.call(this._client, split.mount, split.path);
    } catch (error) {
      throw new Error(toErrorInfo(error).message);
    }
    await this._load(false);
  }

  /**
   * Forget a path added by hand.
   *
   * @param id the secret's node id
   */
  async removePath(id: string): Promise<void> {
    const remove = this._client.removeManualPath;
    const at = this._state.index?.byId.get(id);
    if (!remove || at === undefined) {
      return;
    }
    const node = this._nodes[at];
    try {
      await remove.call(this._client, this._nodes[node.mount].id, node.path);
    } catch (error) {
      throw new Error(toErrorInfo(error).message);
    }
    await this._load(false);
  }

  /**
   * Handle a key pressed in the tree (ARIA tree pattern).
   *
   * @param key `KeyboardEvent.key`
   * @returns whether the tree handled it (the view then prevents the default)
   */
  handleKey(key: string): boolean {
    const { index, rows, activeRow } = this._state;
    if (!index) {
      return false;
    }
    const action = treeKeyAction(key, index, rows, activeRow);
    if (!action) {
      return false;
    }
    switch (action.type) {
      case 'focus':
        this.activate(index.nodes[rows.nodes[action.row]].id);
        break;
      case 'expand':
      case 'collapse':
        this.setExpanded(index.nodes[action.node].id, action.type === 'expand');
        break;
      case 'toggle':
        this.setExpanded(index.nodes[action.node].id);
        break;
      case 'select':
        this.select(index.nodes[action.node].id);
        break;
      case 'insert': {
        const id = index.nodes[action.node].id;
        this.select(id);
        this._insertRequested.emit(id);
        break;
      }
    }
    return true;
  }

  /** Disconnect every listener; late replies are ignored. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearRetry();
    this._session.stateChanged.disconnect(this._onSession, this);
    Signal.clearData(this);
  }

  private _onSession(): void {
    const key = this._session.catalogKey;
    if (key === this._sessionKey) {
      return;
    }
    this._sessionKey = key;
    this._clearRetry();
    this._retry.reset();
    if (key === null) {
      // Logged out: nothing is readable any more.
      ++this._loadSeq;
      ++this._keysSeq;
      this._update({
        available: false,
        loading: false,
        reply: null,
        index: null,
        error: null,
        selected: null,
        keys: null
      });
      return;
    }
    this._update({ available: true });
    void this.load();
  }

  private async _load(refresh: boolean): Promise<void> {
    if (!this._state.available || this._isDisposed) {
      return;
    }
    const seq = ++this._loadSeq;
    this._update({ loading: true });
    try {
      const reply = await this._client.catalog(refresh);
      if (seq !== this._loadSeq || this._isDisposed) {
        return;
      }
      this._accept(reply);
    } catch (error) {
      if (seq === this._loadSeq && !this._isDisposed) {
        // Keep the last good catalog beside the error, and try again later
        // by itself (Vault down, sealed, slow, a reply that cannot be
        // read...): no click needed. Never left loading without a request.
        this._update({ loading: false, error: toErrorInfo(error) });
        this._scheduleRetry(refresh);
      }
    }
  }

  /**
   * Show a catalog read from the server. Throws, before anything changes,
   * when the reply cannot be turned into a tree.
   */
  private _accept(reply: ICatalogReply): void {
    const index = buildCatalogIndex(reply);
    for (const mount of index.mounts.keys()) {
      const id = index.nodes[mount].id;
      if (!this._seenMounts.has(id)) {
        // Mounts start expanded the first time they are seen.
        this._seenMounts.add(id);
        this._expanded.add(id);
        this._rowsVersion++;
      }
    }
    const selected =
      this._state.selected !== null && index.byId.has(this._state.selected)
        ? this._state.selected
        : null;
    this._cachedFilter = null;
    this._recentFilters.clear();
    this._update({
      loading: false,
      reply,
      index,
      error: null,
      selected,
      keys: selected === null ? null : this._state.keys
    });
    this._clearRetry();
    this._retry.reset();
  }

  /**
   * Read the catalog again after a failure, waiting longer each time; a
   * failed reload is retried as a reload (the server's cached catalog would
   * hide that Vault is still failing).
   */
  private _scheduleRetry(refresh: boolean): void {
    this._clearRetry();
    this._retryTimer.set(this._retry.next(), () => void this._load(refresh));
  }

  private _clearRetry(): void {
    this._retryTimer.cancel();
  }

  private _keysDone(
    seq: number,
    result: { reply?: ISecretKeysReply; error?: IErrorInfo }
  ): void {
    const keys = this._state.keys;
    if (this._isDisposed || seq !== this._keysSeq || !keys) {
      return;
    }
    this._update({
      keys: {
        ...keys,
        loading: false,
        reply: result.reply ?? null,
        error: result.error ?? null
      }
    });
  }

  private get _nodes(): readonly ICatalogNode[] {
    return this._state.index?.nodes ?? [];
  }

  private get _filter(): ICatalogFilter | null {
    const index = this._state.index;
    if (!index || this._terms === '') {
      return null;
    }
    if (
      !this._cachedFilter ||
      this._cachedFilter.terms.join(' ') !== this._terms
    ) {
      // Deleting back to an earlier query finds it in the recent filters;
      // typing on narrows the last one.
      const recent = this._recentFilters.get(this._terms);
      this._cachedFilter =
        recent ??
        filterCatalog(index, this._terms.split(' '), this._cachedFilter);
      this._recentFilters.delete(this._terms);
      this._recentFilters.set(this._terms, this._cachedFilter);
      if (this._recentFilters.size > RECENT_FILTERS) {
        this._recentFilters.delete(this._recentFilters.keys().next().value!);
      }
    }
    return this._cachedFilter;
  }

  private _isExpanded(node: number): boolean {
    const id = this._nodes[node].id;
    return this._filter
      ? !this._filterCollapsed.has(id)
      : this._expanded.has(id);
  }

  /** Apply a patch, recompute the rows, and emit. */
  private _update(patch: Partial<ICatalogState>): void {
    if (this._isDisposed) {
      return;
    }
    const next = { ...this._state, ...patch };
    this._state = next;
    const index = next.index;
    const filter = this._filter;
    // The rows change with the index, the filter's counts and the expansion
    // only: focus and selection moves reuse them.
    // (Kept per filter too, so Backspace to a recent query finds its rows.)
    const counts = filter ? filter.counts : null;
    const cache = counts ? this._rowsByCounts.get(counts) : this._rowsCache;
    let rows: ITreeRows;
    if (
      cache &&
      cache.index === index &&
      cache.counts === counts &&
      cache.version === this._rowsVersion
    ) {
      rows = cache.rows;
    } else {
      rows = index
        ? visibleRows(index, node => this._isExpanded(node), filter)
        : NO_ROWS;
      const entry = { index, counts, version: this._rowsVersion, rows };
      if (counts) {
        this._rowsByCounts.set(counts, entry);
      } else {
        this._rowsCache = entry;
      }
    }
    let activeRow = -1;
    if (index && next.active !== null) {
      const node = index.byId.get(next.active);
      activeRow = node === undefined ? -1 : rows.nodes.indexOf(node);
    }
    this._state = {
      ...next,
      rows,
      activeRow,
      matches: filter ? filter.total : null,
      matchCounts: filter ? filter.counts : null
    };
    this._stateChanged.emit(this._state);
  }

  private _client: ICatalogClient;
  private _session: ICatalogSession;
  private _sessionKey: string | null = null;
  private _state: ICatalogState = {
    available: false,
    loading: false,
    reply: null,
    index: null,
    error: null,
    query: '',
    matches: null,
    matchCounts: null,
    rows: NO_ROWS,
    active: null,
    activeRow: -1,
    selected: null,
    keys: null
  };
  private _terms = '';
  private _cachedFilter: ICatalogFilter | null = null;
  private _recentFilters = new Map<string, ICatalogFilter>();
  private _rowsVersion = 0;
  private _rowsByCounts = new WeakMap<
    Int32Array,
    {
      index: ICatalogIndex | null;
      counts: Int32Array | null;
      version: number;
      rows: ITreeRows;
    }
  >();
  private _rowsCache: {
    index: ICatalogIndex | null;
    counts: Int32Array | null;
    version: number;
    rows: ITreeRows;
  } | null = null;
  private _expanded = new Set<string>();
  private _filterCollapsed = new Set<string>();
  private _seenMounts = new Set<string>();
  private _loadSeq = 0;
  private _keysSeq = 0;
  private _retryTimer = new Timeout();
  private _retry = new Backoff(CATALOG_RETRY_MIN_MS, CATALOG_RETRY_MAX_MS);
  private _isDisposed = false;
  private _stateChanged = new Signal<this, ICatalogState>(this);
  private _insertRequested = new Signal<this, string>(this);
}

function toErrorInfo(error: unknown): IErrorInfo {
  return error instanceof ApiError
    ? { code: error.code, message: error.message }
    : { code: 'internal', message: String((error as Error)?.message ?? error) };
}
