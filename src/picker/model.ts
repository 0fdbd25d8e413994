import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ICatalogClient, ICatalogIndex } from '../catalog/tree';
import { Timeout } from '../schedule';
import { IErrorInfo } from '../tokens';

/*
 * The "Insert Vault secret…" picker: fuzzy search over every readable secret
 * path and the key names read so far, results ranked and capped, keyboard
 * movement, and the key names of the highlighted secret read lazily.
 * No React here; SecretPicker.tsx renders it.
 */

/** How many results the picker shows at most. */
export const MAX_RESULTS = 25;

/** How long the results rest before key names are read (ms). */
export const KEYS_DELAY_MS = 150;

/** How many of the best-ranked secrets get their key names read. */
export const KEYS_PREFETCH = 3;

/**
 * How well `query` matches `text` (both lowercased), or -1 when it does not.
 * Every character of the query must appear in order (a subsequence). A
 * contiguous occurrence scores highest, more so at the start of a path
 * segment or word; otherwise characters score more when they follow each
 * other or start a segment, and gaps cost. Shorter texts win ties.
 */
export function fuzzyScore(query: string, text: string): number {
  const n = query.length;
  if (n === 0) {
    return 0;
  }
  const at = text.indexOf(query);
  if (at >= 0) {
    const boundary = at === 0 || isSeparator(text.charCodeAt(at - 1));
    return Math.max(
      MIN_SCORE,
      1000 + n * 16 + (boundary ? 200 : 0) - at - text.length / 64
    );
  }
  let score = 0;
  let t = 0;
  let previous = -2;
  for (let q = 0; q < n; q++) {
    const c = query.charCodeAt(q);
    while (t < text.length && text.charCodeAt(t) !== c) {
      t++;
    }
    if (t >= text.length) {
      return -1;
    }
    if (t === previous + 1) {
      score += 8;
    } else if (t === 0 || isSeparator(text.charCodeAt(t - 1))) {
      score += 6;
    } else {
      score += 1 - Math.min(3, (t - previous) / 8);
    }
    previous = t;
    t++;
  }
  // Any match scores above zero, however scattered.
  return Math.max(MIN_SCORE, score - text.length / 64);
}

/** The lowest score of a match (a non-match is -1). */
const MIN_SCORE = 1e-6;

/**
 * How well every whitespace-separated term matches `text` (all lowercased):
 * the sum of {@link fuzzyScore}, or -1 when one term does not match.
 */
export function termsScore(terms: readonly string[], text: string): number {
  let total = 0;
  for (const term of terms) {
    const score = fuzzyScore(term, text);
    if (score < 0) {
      return -1;
    }
    total += score;
  }
  return total;
}

/**
 * Where the query's characters match in `text` (for highlighting), term by
 * term: the contiguous occurrence when there is one, else the greedy
 * subsequence.
 */
export function matchPositions(query: string, text: string): number[] {
  const positions = new Set<number>();
  for (const term of query.trim().split(/\s+/)) {
    for (const at of termPositions(term, text)) {
      positions.add(at);
    }
  }
  return [...positions].sort((a, b) => a - b);
}

function termPositions(query: string, text: string): number[] {
  const q = query.toLowerCase();
  const lower = text.toLowerCase();
  if (q.length === 0) {
    return [];
  }
  const at = lower.indexOf(q);
  if (at >= 0) {
    return Array.from({ length: q.length }, (_, i) => at + i);
  }
  const positions: number[] = [];
  let t = 0;
  for (let i = 0; i < q.length; i++) {
    t = lower.indexOf(q[i], t);
    if (t < 0) {
      return [];
    }
    positions.push(t++);
  }
  return positions;
}

function isSeparator(code: number): boolean {
  // '/', ' ', '-', '_', '.', ':'
  return (
    code === 47 ||
    code === 32 ||
    code === 45 ||
    code === 95 ||
    code === 46 ||
    code === 58
  );
}

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
        this._candidates.push({
          id,
          key: null,
          text: index.haystack[k],
          pathLength: id.length
        });
        for (const key of this._keyCache.get(id) ?? []) {
          this._addKey(id, key);
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
  private _firstSecrets(): ISearchResult {
    const ranked: { id: string; key: string | null }[] = [];
    for (const candidate of this._candidates) {
      if (ranked.length >= MAX_RESULTS) {
        break;
      }
      if (candidate.key === null) {
        ranked.push({ id: candidate.id, key: null });
      }
    }
    return { matched: [], ranked, count: ranked.length };
  }

  /**
   * The matches of `term`. Results are kept for the prefixes of the query
   * being typed: a longer query searches only the matches of the longest
   * known prefix (a subset), and Backspace finds its result ready.
   */
  private _results(term: string): ISearchResult {
    const known = this._cache.get(term);
    if (known && !known.stale) {
      this._prune(term);
      return known;
    }
    // A result made stale by new key names still has every match in its
    // pool (they were added to it): rank that pool again.
    let pool: readonly ICandidate[] = known ? known.matched : this._candidates;
    for (let n = term.length - 1; n > 0 && !known; n--) {
      const prefix = this._cache.get(term.slice(0, n));
      if (prefix) {
        pool = prefix.matched;
        break;
      }
    }
    const terms = term.split(' ');
    const scored: { candidate: ICandidate; score: number }[] = [];
    // Every match stays in the pool of the next, longer query (a key can
    // become a result of its own once a term matches in its name).
    const matched: ICandidate[] = [];
    for (const candidate of pool) {
      const score = termsScore(terms, candidate.text);
      if (score >= 0) {
        matched.push(candidate);
        if (!this._pathAlone(candidate, terms)) {
          scored.push({ candidate, score });
        }
      }
    }
    topK(scored, MAX_RESULTS);
    const result = {
      matched,
      ranked: scored
        .slice(0, MAX_RESULTS)
        .map(({ candidate }) => ({ id: candidate.id, key: candidate.key })),
      count: scored.length
    };
    this._prune(term);
    this._cache.set(term, result);
    return result;
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
            this._rank(terms.slice(0, -1), false)
              .slice(0, KEYS_PREFETCH)
              .map(({ candidate }) => candidate)
          );
        }
        wanted.forEach(id => this._readKeys(id));
      });
    }
  }

  /**
   * Whether a key candidate matches through its secret's path alone (no
   * term matches in the key name): then the secret is the match, and its
   * keys show under it when highlighted.
   */
  private _pathAlone(candidate: ICandidate, terms: string[]): boolean {
    if (candidate.key === null) {
      return false;
    }
    const key = candidate.text.slice(candidate.pathLength + 1);
    return !terms.some(term => fuzzyScore(term, key) >= 0);
  }

  /** Secret (and key) candidates matching every term, the best first. */
  private _rank(
    terms: string[],
    withKeys: boolean
  ): { candidate: ICandidate; score: number }[] {
    const scored: { candidate: ICandidate; score: number }[] = [];
    for (const candidate of this._candidates) {
      if (!withKeys && candidate.key !== null) {
        continue;
      }
      const score = termsScore(terms, candidate.text);
      if (score >= 0 && !this._pathAlone(candidate, terms)) {
        scored.push({ candidate, score });
      }
    }
    topK(scored, KEYS_PREFETCH);
    return scored;
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
        const added = reply.keys.map(key => this._addKey(id, key));
        this._extendResults(added);
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

  private _addKey(id: string, key: string): ICandidate {
    const text = `${id.toLowerCase()} ${key.toLowerCase()}`;
    const candidate = { id, key, text, pathLength: id.length };
    this._candidates.push(candidate);
    return candidate;
  }

  /**
   * New key names may match the queries known: add those that do to their
   * pools, so the next keystroke searches a pool (not every candidate again),
   * and mark their rankings stale.
   */
  private _extendResults(added: readonly ICandidate[]): void {
    for (const [term, result] of this._cache) {
      const terms = term.split(' ');
      const extra = added.filter(c => termsScore(terms, c.text) >= 0);
      if (extra.length > 0) {
        this._cache.set(term, {
          ...result,
          matched: [...result.matched, ...extra],
          stale: true
        });
      }
    }
  }

  private _index: ICatalogIndex | null;
  private _client: Pick<ICatalogClient, 'secretKeys'>;
  private _keyCache: Map<string, readonly string[]>;
  private _candidates: ICandidate[] = [];
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

/** What a query found: the matches, the best of them, how many count. */
interface ISearchResult {
  /** Every candidate matching (the pool of longer queries). */
  readonly matched: readonly ICandidate[];
  /** The best {@link MAX_RESULTS}, in order. */
  readonly ranked: { id: string; key: string | null }[];
  /** Matches shown as results (not keys matching through their path). */
  readonly count: number;
  /** New candidates joined `matched`: rank it again before use. */
  readonly stale?: boolean;
}

interface ICandidate {
  readonly id: string;
  readonly key: string | null;
  /** Lowercased `id` (and ` key`). */
  readonly text: string;
  /** Length of the `id` part of `text`. */
  readonly pathLength: number;
}

/**
 * Put the `k` best entries (highest score, then shorter text, then tree
 * order) first, sorted; the rest stay after them in no order.
 */
function topK(
  entries: { candidate: ICandidate; score: number }[],
  k: number
): void {
  const better = (
    a: { candidate: ICandidate; score: number },
    b: { candidate: ICandidate; score: number }
  ) =>
    b.score - a.score || a.candidate.text.length - b.candidate.text.length || 0;
  if (entries.length <= k * 4) {
    entries.sort(better);
    return;
  }
  // Keep a sorted window of the best k while scanning once.
  const best = entries.slice(0, k).sort(better);
  for (let i = k; i < entries.length; i++) {
    const entry = entries[i];
    if (better(entry, best[k - 1]) < 0) {
      let at = k - 1;
      while (at > 0 && better(entry, best[at - 1]) < 0) {
        at--;
      }
      best.splice(at, 0, entry);
      best.pop();
    }
  }
  for (let i = 0; i < k; i++) {
    entries[i] = best[i];
  }
}
