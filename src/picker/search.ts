/*
 * The picker's search, pure: fuzzy scores, the table of candidates (every
 * secret path, and `path key` for each key name read) and the search of a
 * query over a pool of them, ranked and capped. No state beyond the table,
 * no React.
 *
 * Built for 100,000 paths typed into key by key: candidates are positions
 * in the table (never objects per match), a query's matches are an
 * Int32Array that the next, longer query searches, carrying on from where
 * each match stood (typed arrays beside it: one search per key typed, not
 * per character of the query), and key names read later only add positions
 * at the end of the table, so a result made before them is brought up to
 * date by searching the new positions alone.
 */

/** How many results the picker shows at most. */
export const MAX_RESULTS = 25;

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
    // The next occurrence of the character (indexOf: native, and most
    // texts fail on their first missing character).
    t = text.indexOf(query[q], t);
    if (t < 0) {
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

/**
 * Every candidate of the picker, by position: a secret (`key` null) or one
 * key name of a secret. Positions only grow: a key name read later is added
 * at the end.
 */
export class CandidateTable {
  /** The secret's tree id of each candidate. */
  readonly ids: string[] = [];
  /** The key name of each candidate, or null for the secret itself. */
  readonly keys: (string | null)[] = [];
  /** What is searched: the lowercased id (and ` key`). */
  readonly texts: string[] = [];

  /** Number of candidates. */
  get size(): number {
    return this.texts.length;
  }

  /**
   * Add a secret, or one key name of it.
   *
   * @param id the secret's tree id
   * @param key the key name, or null for the secret
   * @param text its lowercased id when known (the catalog's haystack)
   * @returns its position
   */
  add(id: string, key: string | null, text?: string): number {
    this.ids.push(id);
    this.keys.push(key);
    this.texts.push(
      key === null
        ? (text ?? id.toLowerCase())
        : `${id.toLowerCase()} ${key.toLowerCase()}`
    );
    return this.texts.length - 1;
  }

  /**
   * Whether a key candidate matches through its secret's path alone (no
   * term matches in the key name): then the secret is the match, and its
   * keys show under it when highlighted.
   */
  pathAlone(position: number, terms: readonly string[]): boolean {
    if (this.keys[position] === null) {
      return false;
    }
    const key = this.texts[position].slice(this.ids[position].length + 1);
    return !terms.some(term => fuzzyScore(term, key) >= 0);
  }
}

/**
 * Where the last term of a query matched each of its matches, so that the
 * next, longer query carries on from there instead of starting over (arrays
 * aligned with `matched`). A term's greedy subsequence only grows when the
 * term does, and its first contiguous occurrence only moves right.
 */
export interface IMatchState {
  /** The query's terms. */
  readonly terms: readonly string[];
  /** The sum of the scores of every term but the last. */
  readonly rest: Float64Array;
  /** The first contiguous occurrence of the last term, or -1. */
  readonly at: Int32Array;
  /**
   * One past the last character of the last term's greedy subsequence (-1
   * for an empty term).
   */
  readonly end: Int32Array;
  /** The greedy subsequence's score before the length penalty. */
  readonly acc: Float64Array;
}

/** What one query found in a table. */
export interface ISearchResult {
  /**
   * The positions of every candidate matching, ascending (the pool of the
   * longer queries typed next; keys matching through their path included).
   */
  readonly matched: Int32Array;
  /** The table's size when made: later candidates are not in it yet. */
  readonly upTo: number;
  /** The best results, best first (at most {@link MAX_RESULTS}). */
  readonly best: readonly number[];
  /** Their scores. */
  readonly scores: readonly number[];
  /** Matches shown as results (not keys matching through their path). */
  readonly count: number;
  /**
   * Where each match stands, for the next query typed after this one; the
   * holder drops it (null) once a longer query has carried on from it, so
   * that only the newest result holds one.
   */
  state: IMatchState | null;
}

/**
 * Search a query (lowercased, terms separated by one space) in the pool's
 * positions, then in every candidate from `from` on: every candidate
 * matching is kept in `matched`, those shown as results are counted and
 * the best kept (highest score, then shorter text, then earlier position).
 *
 * @param table the candidates
 * @param term the query
 * @param pool positions to search (ascending, all below `from`), or null
 * @param from the first position searched after the pool (0 with no pool:
 *   every candidate)
 */
export function searchTable(
  table: CandidateTable,
  term: string,
  pool: Int32Array | null,
  from: number
): ISearchResult {
  const scan = new Scan(table, term.split(' '), new BestResults(table.texts));
  scan.reserve((pool ? pool.length : 0) + (table.size - from));
  if (pool) {
    for (let i = 0; i < pool.length; i++) {
      scan.fresh(pool[i]);
    }
  }
  for (let c = from; c < table.size; c++) {
    scan.fresh(c);
  }
  return scan.result(0);
}

/**
 * Search a query that the query of `prior` is a prefix of (typed on from
 * it) in `prior`'s matches, then in the candidates added since: where the
 * terms both queries share matched, and how far the greedy subsequence of
 * the one that grew had got, are carried on (one search per character
 * typed, not per character of the query). The same result as
 * {@link searchTable} over `prior`'s matches; without a state to carry on
 * from, that is what it does.
 *
 * @param table the candidates
 * @param term the query (lowercased, terms separated by one space)
 * @param prior the result of a prefix of `term`
 */
export function narrowResult(
  table: CandidateTable,
  term: string,
  prior: ISearchResult
): ISearchResult {
  const terms = term.split(' ');
  const state = prior.state;
  if (!state || !continues(state.terms, terms)) {
    return searchTable(table, term, prior.matched, prior.upTo);
  }
  const scan = new Scan(table, terms, new BestResults(table.texts));
  const pool = prior.matched;
  scan.reserve(pool.length + (table.size - prior.upTo));
  scan.carry(pool, state);
  for (let c = prior.upTo; c < table.size; c++) {
    scan.fresh(c);
  }
  return scan.result(0);
}

/** Whether a query of `terms` is typed on from one of `before`. */
function continues(before: readonly string[], terms: readonly string[]) {
  const k = before.length;
  if (terms.length < k) {
    return false;
  }
  for (let i = 0; i < k - 1; i++) {
    if (terms[i] !== before[i]) {
      return false;
    }
  }
  return terms[k - 1].startsWith(before[k - 1]);
}

/**
 * A result brought up to date with the candidates added to the table since
 * it was made (key names read): only those are searched; its best results
 * and count carry on.
 *
 * @param table the candidates
 * @param term the result's query
 * @param result what the query found before
 */
export function extendResult(
  table: CandidateTable,
  term: string,
  result: ISearchResult
): ISearchResult {
  const size = table.size;
  if (result.upTo >= size) {
    return result;
  }
  const best = new BestResults(table.texts);
  for (let i = 0; i < result.best.length; i++) {
    best.offer(result.best[i], result.scores[i]);
  }
  const scan = new Scan(table, term.split(' '), best);
  const old = result.matched.length;
  scan.reserve(old + (size - result.upTo));
  scan.keep(result);
  for (let c = result.upTo; c < size; c++) {
    scan.fresh(c);
  }
  return scan.result(result.count);
}

/**
 * The best `k` secrets (no key names) matching every term, over the whole
 * table: highest score first.
 */
export function bestSecrets(
  table: CandidateTable,
  terms: readonly string[],
  k: number
): number[] {
  const best = new BestResults(table.texts, k);
  for (let c = 0; c < table.size; c++) {
    if (table.keys[c] === null) {
      const score = termsScore(terms, table.texts[c]);
      if (score >= 0) {
        best.offer(c, score);
      }
    }
  }
  return best.positions;
}

/**
 * Where one term matched one text, as {@link fuzzyScore} finds it, kept so
 * that a longer term can carry on (written by `match` and `grow`).
 */
class TermMatch {
  /** The first contiguous occurrence, or -1. */
  at = -1;
  /**
   * One past the greedy subsequence's last character (-1: none yet). Kept
   * even where the term occurs contiguously: when a longer term no longer
   * does, its subsequence then costs one search per character typed, not
   * one per character of the term (at 100,000 paths, the keystroke that
   * breaks a contiguous run would otherwise cost several times the others).
   */
  end = -1;
  /** The greedy subsequence's score before the length penalty. */
  acc = 0;

  /** Match `term` in `text` from the start; false when it does not. */
  match(term: string, text: string): boolean {
    if (!this.greedy(term, 0, text, -1, 0)) {
      return false;
    }
    this.at = term.length === 0 ? 0 : text.indexOf(term);
    return true;
  }

  /**
   * Match `term`, which starts with `before`, carrying on from where
   * `before` matched (`at`, `end`, `acc`); false when it does not.
   */
  grow(
    before: string,
    term: string,
    text: string,
    at: number,
    end: number,
    acc: number
  ): boolean {
    if (!this.greedy(term, before.length, text, end, acc)) {
      return false;
    }
    // An occurrence of the longer term is one of the shorter: the first can
    // only lie at or after the shorter's first (most often, right there).
    if (at >= 0 && term.length !== before.length) {
      at = text.startsWith(term, at) ? at : text.indexOf(term, at + 1);
    }
    this.at = at;
    return true;
  }

  /** The score {@link fuzzyScore} gives `term` (of length `n`) in `text`. */
  score(n: number, text: string): number {
    if (n === 0) {
      return 0;
    }
    const at = this.at;
    if (at >= 0) {
      const boundary = at === 0 || isSeparator(text.charCodeAt(at - 1));
      return Math.max(
        MIN_SCORE,
        1000 + n * 16 + (boundary ? 200 : 0) - at - text.length / 64
      );
    }
    return Math.max(MIN_SCORE, this.acc - text.length / 64);
  }

  /**
   * The greedy subsequence of `term` from its character `from` on, after
   * `end` (where the characters before it ended), scored as in
   * {@link fuzzyScore}.
   */
  private greedy(
    term: string,
    from: number,
    text: string,
    end: number,
    acc: number
  ): boolean {
    let t = end < 0 ? 0 : end;
    let previous = end - 1;
    for (let q = from; q < term.length; q++) {
      t = text.indexOf(term[q], t);
      if (t < 0) {
        return false;
      }
      if (t === previous + 1) {
        acc += 8;
      } else if (t === 0 || isSeparator(text.charCodeAt(t - 1))) {
        acc += 6;
      } else {
        acc += 1 - Math.min(3, (t - previous) / 8);
      }
      previous = t;
      t++;
    }
    this.end = from < term.length ? t : end;
    this.acc = acc;
    return true;
  }
}

/**
 * One pass of a query over candidates: the matches and where they stand,
 * results counted, the best kept.
 */
class Scan {
  constructor(
    private readonly _table: CandidateTable,
    private readonly _terms: readonly string[],
    private readonly _best: BestResults
  ) {
    this._texts = _table.texts;
    this._keys = _table.keys;
  }

  /** Make room for `n` matches at most. */
  reserve(n: number): void {
    this._matched = new Int32Array(n);
    this._rest = new Float64Array(n);
    this._at = new Int32Array(n);
    this._end = new Int32Array(n);
    this._acc = new Float64Array(n);
  }

  /** Take the matches (and their state) of an earlier pass of this query. */
  keep(result: ISearchResult): void {
    const n = result.matched.length;
    this._matched.set(result.matched);
    const state = result.state;
    if (state) {
      this._rest.set(state.rest);
      this._at.set(state.at);
      this._end.set(state.end);
      this._acc.set(state.acc);
    } else {
      this._stateless = true;
    }
    this._n = n;
  }

  /** Search the candidate at `c` from the start of every term. */
  fresh(c: number): void {
    const terms = this._terms;
    const text = this._texts[c];
    const m = this._match;
    let rest = 0;
    for (let t = 0; t < terms.length; t++) {
      if (t > 0) {
        rest += m.score(terms[t - 1].length, text);
      }
      if (!m.match(terms[t], text)) {
        return;
      }
    }
    this._take(c, text, rest);
  }

  /**
   * Search the matches (`pool`) of a query this one is typed on from,
   * carrying on from where each stood (`state`).
   */
  carry(pool: Int32Array, state: IMatchState): void {
    const terms = this._terms;
    const texts = this._texts;
    const m = this._match;
    const k = state.terms.length - 1;
    const before = state.terms[k];
    const grown = terms[k];
    const { rest: rests, at, end, acc } = state;
    for (let i = 0; i < pool.length; i++) {
      const c = pool[i];
      const text = texts[c];
      if (!m.grow(before, grown, text, at[i], end[i], acc[i])) {
        continue;
      }
      let rest = rests[i];
      let t = k + 1;
      for (; t < terms.length; t++) {
        rest += m.score(terms[t - 1].length, text);
        if (!m.match(terms[t], text)) {
          break;
        }
      }
      if (t === terms.length) {
        this._take(c, text, rest);
      }
    }
  }

  /** The result, counting `count` results found before. */
  result(count: number): ISearchResult {
    const n = this._n;
    return {
      matched: this._matched.subarray(0, n),
      upTo: this._table.size,
      best: this._best.positions,
      scores: this._best.scores,
      count: count + this._count,
      state: this._stateless
        ? null
        : {
            terms: this._terms,
            rest: this._rest.subarray(0, n),
            at: this._at.subarray(0, n),
            end: this._end.subarray(0, n),
            acc: this._acc.subarray(0, n)
          }
    };
  }

  /** Keep a match (its last term in `_match`) and rank it when it is a result. */
  private _take(c: number, text: string, rest: number): void {
    const m = this._match;
    const n = this._n++;
    this._matched[n] = c;
    this._rest[n] = rest;
    this._at[n] = m.at;
    this._end[n] = m.end;
    this._acc[n] = m.acc;
    const terms = this._terms;
    if (this._keys[c] === null || !this._table.pathAlone(c, terms)) {
      this._count++;
      this._best.offer(
        c,
        rest + m.score(terms[terms.length - 1].length, text),
        text.length
      );
    }
  }

  private readonly _texts: readonly string[];
  private readonly _keys: readonly (string | null)[];
  private readonly _match = new TermMatch();
  private _matched = new Int32Array(0);
  private _rest = new Float64Array(0);
  private _at = new Int32Array(0);
  private _end = new Int32Array(0);
  private _acc = new Float64Array(0);
  private _n = 0;
  private _count = 0;
  private _stateless = false;
}

/**
 * The best `k` candidates offered, in order: highest score, then shorter
 * text, then the one offered first (offers come in ascending position, so
 * ties keep the tree's order).
 */
class BestResults {
  constructor(
    private readonly _texts: readonly string[],
    private readonly _k = MAX_RESULTS
  ) {}

  readonly positions: number[] = [];
  readonly scores: number[] = [];

  /**
   * Offer a candidate.
   *
   * @param position its position
   * @param score its score
   * @param length its text's length (the tie-break)
   */
  offer(
    position: number,
    score: number,
    length = this._texts[position].length
  ): void {
    // Most offers lose to the last kept: one comparison.
    if (
      this.positions.length === this._k &&
      (score < this._lastScore ||
        (score === this._lastScore && length >= this._lastLength))
    ) {
      return;
    }
    const { positions, scores } = this;
    let at = positions.length === this._k ? this._k - 1 : positions.length;
    while (at > 0 && this._beats(score, length, at - 1)) {
      at--;
    }
    positions.splice(at, 0, position);
    scores.splice(at, 0, score);
    if (positions.length > this._k) {
      positions.pop();
      scores.pop();
    }
    const last = positions.length - 1;
    this._lastScore = scores[last];
    this._lastLength = this._texts[positions[last]].length;
  }

  /** Whether (score, length) ranks strictly before the entry at `i`. */
  private _beats(score: number, length: number, i: number): boolean {
    const other = this.scores[i];
    return (
      score > other ||
      (score === other && length < this._texts[this.positions[i]].length)
    );
  }

  private _lastScore = -1;
  private _lastLength = 0;
}
