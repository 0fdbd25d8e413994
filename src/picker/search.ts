/*
 * The picker's search, pure: fuzzy scores, the table of candidates (every
 * secret path, and `path key` for each key name read) and the search of a
 * query over a pool of them, ranked and capped. No state beyond the table,
 * no React.
 *
 * Built for 100,000 paths typed into key by key: candidates are positions
 * in the table (never objects per match), a query's matches are an
 * Int32Array that the next, longer query searches, and key names read later
 * only add positions at the end of the table, so a result made before them
 * is brought up to date by searching the new positions alone.
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
    return contiguousScore(boundary, at, n, text.length);
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
    score += gain(text, t, previous);
    previous = t;
    t++;
  }
  // Any match scores above zero, however scattered.
  return Math.max(MIN_SCORE, score - text.length / 64);
}

/**
 * The score of an `n`-character query found whole at `at` of a text
 * `length` long, at the start of a segment or word (`boundary`) or not:
 * above any scattered match, more at a boundary, less further in and in
 * longer texts.
 */
function contiguousScore(
  boundary: boolean,
  at: number,
  n: number,
  length: number
): number {
  return Math.max(
    MIN_SCORE,
    1000 + n * 16 + (boundary ? 200 : 0) - at - length / 64
  );
}

/**
 * What a query character matched at `t` of `text` adds to a scattered
 * match, the previous one at `previous`: most when they follow each other,
 * then at the start of a path segment or word; gaps cost.
 */
function gain(text: string, t: number, previous: number): number {
  if (t === previous + 1) {
    return 8;
  }
  if (t === 0 || isSeparator(text.charCodeAt(t - 1))) {
    return 6;
  }
  return 1 - Math.min(3, (t - previous) / 8);
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

/**
 * One bit per character code modulo 31 of `text` from `from` on: a text can
 * hold a query's characters only where its mask has all of the query's bits.
 */
function charMask(text: string, from: number): number {
  let mask = 0;
  for (let i = from; i < text.length; i++) {
    mask |= 1 << (text.charCodeAt(i) % 31);
  }
  return mask;
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
  /**
   * Each text cut after its secret's last `/`: the folder part (an index
   * into {@link folders}, shared by every candidate of that folder) and the
   * rest (the leaf, and ` key`). A search scores each folder once and then
   * only the short rest of each candidate ({@link TermScorer}).
   */
  readonly folderOf: number[] = [];
  /** The part of each text after its folder. */
  readonly leaves: string[] = [];
  /** Which characters each leaf holds, as {@link charMask} bits. */
  readonly leafMasks: number[] = [];
  /** The length of each text (read without touching the text). */
  readonly lengths: number[] = [];
  /** The distinct folder parts (each ends with `/`, or is empty). */
  readonly folders: string[] = [];

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
    const lowerId =
      key === null ? (text ?? id.toLowerCase()) : id.toLowerCase();
    const full = key === null ? lowerId : `${lowerId} ${key.toLowerCase()}`;
    // Cut after the secret's last '/' (a key name may hold '/' too).
    const cut = lowerId.lastIndexOf('/') + 1;
    const folder = full.slice(0, cut);
    let f = this._folderIds.get(folder);
    if (f === undefined) {
      f = this.folders.length;
      this.folders.push(folder);
      this._folderIds.set(folder, f);
    }
    this.ids.push(id);
    this.keys.push(key);
    this.texts.push(full);
    this.folderOf.push(f);
    const leaf = full.slice(cut);
    this.leaves.push(leaf);
    this.leafMasks.push(charMask(leaf, 0));
    this.lengths.push(full.length);
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

  private readonly _folderIds = new Map<string, number>();
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
  const best = new BestResults(table.texts);
  const scan = new Scan(table, term.split(' '), best);
  const size = table.size;
  const matched = new Int32Array((pool ? pool.length : 0) + (size - from));
  let n = 0;
  if (pool) {
    for (let i = 0; i < pool.length; i++) {
      if (scan.take(pool[i])) {
        matched[n++] = pool[i];
      }
    }
  }
  for (let c = from; c < size; c++) {
    if (scan.take(c)) {
      matched[n++] = c;
    }
  }
  return {
    matched: matched.subarray(0, n),
    upTo: size,
    best: best.positions,
    scores: best.scores,
    count: scan.count
  };
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
  const added: number[] = [];
  for (let c = result.upTo; c < size; c++) {
    if (scan.take(c)) {
      added.push(c);
    }
  }
  const matched = new Int32Array(result.matched.length + added.length);
  matched.set(result.matched);
  matched.set(added, result.matched.length);
  return {
    matched,
    upTo: size,
    best: best.positions,
    scores: best.scores,
    count: result.count + scan.count
  };
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

/** One pass of a query over candidates: matches, results counted, the best kept. */
class Scan {
  constructor(
    private readonly _table: CandidateTable,
    private readonly _terms: readonly string[],
    private readonly _best: BestResults
  ) {
    this._lengths = _table.lengths;
    this._keys = _table.keys;
    this._scorers = _terms.map(term => new TermScorer(_table, term));
  }

  /** Results counted (matches that are not keys matching through their path). */
  count = 0;

  /** Whether the candidate at `c` matches (and rank it when it is a result). */
  take(c: number): boolean {
    const scorers = this._scorers;
    let score = 0;
    for (let t = 0; t < scorers.length; t++) {
      const s = scorers[t].score(c);
      if (s < 0) {
        return false;
      }
      score += s;
    }
    const terms = this._terms;
    if (this._keys[c] === null || !this._table.pathAlone(c, terms)) {
      this.count++;
      this._best.offer(c, score, this._lengths[c]);
    }
    return true;
  }

  private readonly _lengths: readonly number[];
  private readonly _keys: readonly (string | null)[];
  private readonly _scorers: readonly TermScorer[];
}

/**
 * {@link fuzzyScore} of one term over the table's candidates, worked out
 * per folder where it can be. A text is its folder part (ending with `/`,
 * or empty) followed by the rest, so:
 *
 * - its first contiguous occurrence is the folder's when the folder holds
 *   one (looked for once per folder); otherwise, for a term without `/`, it
 *   is the rest's (an occurrence cannot span the folder's closing `/`), so
 *   only the short rest is searched, after a check of which characters it
 *   holds; a term with `/` searches the whole text;
 * - its greedy subsequence is the folder's followed by the rest's, so how
 *   far the term got in a folder (and the score so far) is worked out once
 *   per folder and each candidate goes on over its rest alone.
 *
 * Most candidates are scored without reading their text. The additions
 * happen in fuzzyScore's order, so the scores are equal to the last bit
 * (the spec checks it against fuzzyScore).
 */
class TermScorer {
  constructor(table: CandidateTable, term: string) {
    this._term = term;
    this._slash = term.includes('/');
    this._folders = table.folders;
    this._folderOf = table.folderOf;
    this._leaves = table.leaves;
    this._leafMasks = table.leafMasks;
    this._lengths = table.lengths;
    this._texts = table.texts;
    const count = table.folders.length;
    this._known = new Uint8Array(count);
    this._at = new Int32Array(count);
    this._boundary = new Uint8Array(count);
    this._matched = new Int32Array(count);
    this._partial = new Float64Array(count);
    this._previous = new Int32Array(count);
    this._need = Array.from({ length: term.length + 1 }, (_, q) =>
      charMask(term, q)
    );
  }

  /** fuzzyScore(term, texts[c]). */
  score(c: number): number {
    const term = this._term;
    const n = term.length;
    const f = this._folderOf[c];
    if (this._known[f] === 0) {
      this._learn(f);
    }
    const length = this._lengths[c];
    const inFolder = this._at[f];
    if (inFolder >= 0) {
      return contiguousScore(this._boundary[f] === 1, inFolder, n, length);
    }
    const leaf = this._leaves[c];
    const mask = this._leafMasks[c];
    const folderLength = length - leaf.length;
    if (this._slash) {
      const text = this._texts[c];
      const at = text.indexOf(term);
      if (at >= 0) {
        const boundary = at === 0 || isSeparator(text.charCodeAt(at - 1));
        return contiguousScore(boundary, at, n, length);
      }
    } else if ((mask & this._need[0]) === this._need[0]) {
      const at = leaf.indexOf(term);
      if (at >= 0) {
        // At the rest's start, the folder's '/' (or the text's start) is before it.
        const boundary = at === 0 || isSeparator(leaf.charCodeAt(at - 1));
        return contiguousScore(boundary, folderLength + at, n, length);
      }
    }
    const from = this._matched[f];
    const rest = this._need[from];
    if ((mask & rest) !== rest) {
      return -1;
    }
    // The greedy subsequence, from where the folder left it; gain() read
    // off the rest (the character before its start is '/').
    let score = this._partial[f];
    let previous = this._previous[f];
    let t = 0;
    for (let q = from; q < n; q++) {
      t = leaf.indexOf(term[q], t);
      if (t < 0) {
        return -1;
      }
      const position = folderLength + t;
      if (position === previous + 1) {
        score += 8;
      } else if (t === 0 || isSeparator(leaf.charCodeAt(t - 1))) {
        score += 6;
      } else {
        score += 1 - Math.min(3, (position - previous) / 8);
      }
      previous = position;
      t++;
    }
    return Math.max(MIN_SCORE, score - length / 64);
  }

  /**
   * For folder `f`, once per search: its first contiguous occurrence of the
   * term, and fuzzyScore's greedy loop over it alone, stopped at the first
   * character of the term the folder does not hold.
   */
  private _learn(f: number): void {
    const folder = this._folders[f];
    const term = this._term;
    this._known[f] = 1;
    const at = folder.indexOf(term);
    this._at[f] = at;
    if (at >= 0) {
      this._boundary[f] =
        at === 0 || isSeparator(folder.charCodeAt(at - 1)) ? 1 : 0;
      return;
    }
    let score = 0;
    let t = 0;
    let previous = -2;
    let q = 0;
    for (; q < term.length; q++) {
      const next = folder.indexOf(term[q], t);
      if (next < 0) {
        break;
      }
      t = next;
      score += gain(folder, t, previous);
      previous = t;
      t++;
    }
    this._matched[f] = q;
    this._partial[f] = score;
    this._previous[f] = previous;
  }

  private readonly _term: string;
  /** Whether the term holds '/' (an occurrence may then span a folder's end). */
  private readonly _slash: boolean;
  private readonly _folders: readonly string[];
  private readonly _folderOf: readonly number[];
  private readonly _leaves: readonly string[];
  private readonly _leafMasks: readonly number[];
  private readonly _lengths: readonly number[];
  private readonly _texts: readonly string[];
  /** The {@link charMask} of the term from each position on. */
  private readonly _need: number[];
  /** Per folder: worked out yet (1). */
  private readonly _known: Uint8Array;
  /** Per folder: its first contiguous occurrence of the term, or -1. */
  private readonly _at: Int32Array;
  /** Per folder: whether that occurrence starts a segment or word (1). */
  private readonly _boundary: Uint8Array;
  /** Per folder: characters of the term its greedy subsequence matched. */
  private readonly _matched: Int32Array;
  /** Per folder: fuzzyScore's running score after them. */
  private readonly _partial: Float64Array;
  /** Per folder: where the last of them matched (-2 for none). */
  private readonly _previous: Int32Array;
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
