import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ICatalogClient, ICatalogIndex } from '../catalog/tree';
import { Timeout } from '../schedule';
import { IErrorInfo } from '../tokens';
import {
  bestSecrets,
  CandidateTable,
  extendResult,
  ISearchResult,
  MAX_RESULTS,
  searchTable
} from './search';

export { fuzzyScore, matchPositions, MAX_RESULTS, termsScore } from './search';

/*
 * The "Insert Vault secret…" picker: fuzzy search over every readable secret
 * path and the key names read so far, results ranked and capped, keyboard
 * movement, and the key names of the highlighted secret read lazily.
 * No React here; SecretPicker.tsx renders it; the search itself is in
 * search.ts.
 */

/** How long the results rest before key names are read (ms). */
export const KEYS_DELAY_MS = 150;

/** How many of the best-ranked secrets get their key names read. */
export const KEYS_PREFETCH = 3;

/** One row of the picker: a secret, or one key of a secret. */
export interface IPickerItem {
  /** The secret's tree id (`secret/app/db`). */
  readonly id: string;
  /** The key, or null for the whole secret. */
  readonly key: string | null;
  /** Shown under its secret because that secret is highlighted. */
  readonly child: boolean;
}

/** The key names of one secret, as far as read. */
export interface IPickerKeys {
  readonly loading: boolean;
  readonly keys: readonly string[] | null;
  readonly error: IErrorInfo | null;
}

/** Everything the picker view needs, as one snapshot. */
export interface IPickerState {
  /** What the user typed. */
  readonly query: string;
  /** The rows shown, best first (at most {@link MAX_RESULTS} plus keys). */
  readonly items: readonly IPickerItem[];
  /** How many secrets and keys match in all. */
  readonly matches: number;
  /** The highlighted row, or -1. */
  readonly active: number;
  /** Key names read so far, by secret id. */
  readonly keys: ReadonlyMap<string, IPickerKeys>;
  /** Readable secrets in the catalog (0 while there is no catalog). */
  readonly total: number;
}

/** Options of {@link PickerModel}. */
export interface IPickerModelOptions {
  /** The catalog's index (null while not loaded). */
  index: ICatalogIndex | null;
  /** Reads key names (the catalog routes). */
  client: Pick<ICatalogClient, 'secretKeys'>;
  /** Key names read before (shared between openings of the picker). */
  keyCache?: Map<string, readonly string[]>;
}

/**
 * The picker's model. Every secret path is a candidate; each key name read
 * (of a highlighted secret, or before) becomes a candidate too, as
 * `<path> <key>`. A query that extends the previous one searches only the
 * previous matches.
 */
export class PickerModel implements IDisposable {
  /**
   * @param options the catalog's index, the client and the key cache
   */
  constructor(options: IPickerModelOptions) {
    this._index = options.index;
    this._client = options.client;
    this._keyCache = options.keyCache ?? new Map();
    const index = this._index;
    if (index) {
      for (let k = 0; k < index.secrets.length; k++) {
        const id = index.nodes[index.secrets[k]].id;
        this._table.add(id, null, index.haystack[k]);
        for (const key of this._keyCache.get(id) ?? []) {
          this._table.add(id, key);
        }
      }
    }
    for (const [id, keys] of this._keyCache) {
      this._keys.set(id, { loading: false, keys, error: null });
    }
    this._search();
    this._scheduleKeys();
  }

  /** Emitted on every change of {@link state}. */
  get stateChanged(): ISignal<this, IPickerState> {
    return this._stateChanged;
  }

  /** The current snapshot. */
  get state(): IPickerState {
    return this._state;
  }

  /** The highlighted row, or null. */
  get activeItem(): IPickerItem | null {
    const { items, active } = this._state;
    return active >= 0 && active < items.length ? items[active] : null;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Search again; the first result is highlighted.
   *
   * @param query what the user typed
   */
  setQuery(query: string): void {
    if (query === this._state.query) {
      return;
    }
    this._search(query);
    this._scheduleKeys();
  }

  /**
   * Move the highlight (wrapping around).
   *
   * @param delta rows to move: 1 down, -1 up
   */
  move(delta: number): void {
    const count = this._state.items.length;
    if (count === 0) {
      return;
    }
    const active = (((this._state.active + delta) % count) + count) % count;
    this._setActive(active);
  }

  /**
   * Highlight a row (mouse hover).
   *
   * @param row its position
   */
  setActive(row: number): void {
    if (row >= 0 && row < this._state.items.length) {
      this._setActive(row);
    }
  }

  /** Stop reading keys; late replies are ignored. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._keysTimer.dispose();
    Signal.clearData(this);
  }

  private _setActive(row: number): void {
    const { items, active } = this._state;
    if (row === active) {
      return;
    }
    const item = items[row];
    // A secret row shows its keys under it; a key row keeps them shown.
    if (!item.child) {
      this._expanded = item.key === null ? item.id : null;
    }
    const next = this._withChildren(this._ranked);
    this._state = {
      ...this._state,
      items: next,
      active: next.findIndex(
        other =>
          other.id === item.id &&
          other.key === item.key &&
          other.child === item.child
      )
    };
    this._stateChanged.emit(this._state);
    this._scheduleKeys();
  }

  private _search(query = this._state?.query ?? '', keepActive = false): void {
    const previous = keepActive ? this.activeItem : null;
    const term = query.trim().toLowerCase().replace(/\s+/g, ' ');
    const result = term === '' ? this._firstSecrets() : this._results(term);
    this._ranked = result.ranked;
    const first = this._ranked[0];
    if (!previous) {
      this._expanded = first && first.key === null ? first.id : null;
    }
    const total = this._index?.total ?? 0;
    const items = this._withChildren(this._ranked);
    const kept = previous
      ? items.findIndex(
          item =>
            item.id === previous.id &&
            item.key === previous.key &&
            item.child === previous.child
        )
      : -1;
    this._state = {
      query,
      items,
      matches: term === '' ? total : result.count,
      active: kept >= 0 ? kept : this._ranked.length > 0 ? 0 : -1,
      keys: this._keys,
      total
    };
    if (this._constructed && !this._isDisposed) {
      this._stateChanged.emit(this._state);
    }
    this._constructed = true;
  }

  /** Without a query: the first secrets, in tree order. */
  private _firstSecrets(): IRanked {
    const ranked: { id: string; key: string | null }[] = [];
    const { ids, keys, size } = this._table;
    for (let c = 0; c < size && ranked.length < MAX_RESULTS; c++) {
      if (keys[c] === null) {
        ranked.push({ id: ids[c], key: null });
      }
    }
    return { ranked, count: ranked.length };
  }

  /**
   * The matches of `term`. Results are kept for the prefixes of the query
   * being typed: a longer query searches only the matches of the longest
   * known prefix (a subset), and Backspace finds its result ready. Key
   * names read since a result was made are searched on their own and join
   * it (search.ts).
   */
  private _results(term: string): IRanked {
    const table = this._table;
    let result = this._cache.get(term);
    if (result) {
      result = extendResult(table, term, result);
    } else {
      let prefix: ISearchResult | undefined;
      for (let n = term.length - 1; n > 0 && !prefix; n--) {
        prefix = this._cache.get(term.slice(0, n));
      }
      result = prefix
        ? searchTable(table, term, prefix.matched, prefix.upTo)
        : searchTable(table, term, null, 0);
    }
    this._prune(term);
    this._cache.set(term, result);
    return {
      ranked: result.best.map(c => ({ id: table.ids[c], key: table.keys[c] })),
      count: result.count
    };
  }

  /** Forget the results of queries that are no prefix of `term`. */
  private _prune(term: string): void {
    for (const known of this._cache.keys()) {
      if (!term.startsWith(known)) {
        this._cache.delete(known);
      }
    }
  }

  /**
   * The ranked rows, with the key names of the expanded secret under it
   * (those not already ranked on their own).
   */
  private _withChildren(
    ranked: readonly { id: string; key: string | null }[]
  ): IPickerItem[] {
    const items: IPickerItem[] = ranked.map(item => ({
      ...item,
      child: false
    }));
    const id = this._expanded;
    const keys = id === null ? undefined : this._keys.get(id)?.keys;
    const at = items.findIndex(item => item.id === id && item.key === null);
    if (!keys || at < 0) {
      return items;
    }
    const shown = new Set(
      items.filter(item => item.id === id).map(item => item.key)
    );
    const children = keys
      .filter(key => !shown.has(key))
      .map(key => ({ id: id!, key, child: true }));
    items.splice(at + 1, 0, ...children);
    return items;
  }

  /**
   * Once the results rest, read the key names of the highlighted secret and
   * of the best-ranked secrets ({@link KEYS_PREFETCH}), so a query that goes
   * on into a key name (`billing db pass`) finds it. When nothing matches,
   * the secrets matching all but the last term are read instead.
   */
  private _scheduleKeys(): void {
    this._keysTimer.cancel();
    const wanted: string[] = [];
    const want = (id: string) => {
      if (!this._keys.has(id) && !wanted.includes(id)) {
        wanted.push(id);
      }
    };
    const active = this.activeItem;
    if (active && active.key === null) {
      want(active.id);
    }
    const query = this._state.query.trim().toLowerCase();
    const ranked = query === '' ? [] : this._ranked;
    const terms = query.split(/\s+/);
    const wantRanked = (
      items: readonly { id: string; key: string | null }[]
    ) => {
      for (const item of items.filter(item => item.key === null)) {
        if (wanted.length >= KEYS_PREFETCH + 1) {
          break;
        }
        want(item.id);
      }
    };
    wantRanked(ranked);
    // Nothing matches all the terms: the secrets matching all but the last
    // are ranked once the results rest (over every candidate: not in the
    // keystroke).
    const fallback = ranked.length === 0 && terms.length > 1;
    if (wanted.length > 0 || fallback) {
      this._keysTimer.set(KEYS_DELAY_MS, () => {
        if (fallback) {
          wantRanked(
            bestSecrets(this._table, terms.slice(0, -1), KEYS_PREFETCH).map(
              c => ({ id: this._table.ids[c], key: null })
            )
          );
        }
        wanted.forEach(id => this._readKeys(id));
      });
    }
  }

  private _readKeys(id: string): void {
    const index = this._index;
    const node = index?.byId.get(id);
    if (!index || node === undefined || this._isDisposed) {
      return;
    }
    const secret = index.nodes[node];
    const mount = index.nodes[secret.mount].id;
    this._setKeys(id, { loading: true, keys: null, error: null });
    this._client.secretKeys(mount, secret.path).then(
      reply => {
        this._keyCache.set(id, reply.keys);
        for (const key of reply.keys) {
          this._table.add(id, key);
        }
        this._setKeys(id, { loading: false, keys: reply.keys, error: null });
        if (reply.keys.length > 0 && this._state.query.trim() !== '') {
          // The new key names may match the query: search again, in place.
          this._search(this._state.query, true);
        }
      },
      error =>
        this._setKeys(id, {
          loading: false,
          keys: null,
          error: {
            code: (error as { code?: string })?.code ?? 'internal',
            message: String((error as Error)?.message ?? error)
          }
        })
    );
  }

  private _setKeys(id: string, keys: IPickerKeys): void {
    if (this._isDisposed) {
      return;
    }
    const map = new Map(this._keys);
    map.set(id, keys);
    this._keys = map;
    const current = this.activeItem;
    const items = this._withChildren(this._ranked);
    this._state = {
      ...this._state,
      keys: map,
      items,
      active: current
        ? items.findIndex(
            item =>
              item.id === current.id &&
              item.key === current.key &&
              item.child === current.child
          )
        : this._state.active
    };
    this._stateChanged.emit(this._state);
  }

  private _index: ICatalogIndex | null;
  private _client: Pick<ICatalogClient, 'secretKeys'>;
  private _keyCache: Map<string, readonly string[]>;
  private _table = new CandidateTable();
  private _cache = new Map<string, ISearchResult>();
  private _ranked: { id: string; key: string | null }[] = [];
  private _expanded: string | null = null;
  private _keys = new Map<string, IPickerKeys>();
  private _keysTimer = new Timeout();
  private _constructed = false;
  private _isDisposed = false;
  private _state!: IPickerState;
  private _stateChanged = new Signal<this, IPickerState>(this);
}

/** The results of a query as rows: the best, and how many count. */
interface IRanked {
  /** The best {@link MAX_RESULTS}, in order. */
  readonly ranked: { id: string; key: string | null }[];
  /** Matches shown as results (not keys matching through their path). */
  readonly count: number;
}
