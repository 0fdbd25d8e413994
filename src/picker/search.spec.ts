import {
  bestSecrets,
  CandidateTable,
  extendResult,
  ISearchResult,
  MAX_RESULTS,
  searchTable,
  termsScore
} from './search';
import { manyPaths } from '../testing/vaultFixtures';

/** A table of `count` secrets (`secret/team-3/app-17/key-00042`). */
function tableOf(count: number): CandidateTable {
  const table = new CandidateTable();
  for (const path of manyPaths(count)) {
    table.add(`secret/${path}`, null);
  }
  return table;
}

/** The rows of a result: id and key of each best position. */
function rows(table: CandidateTable, result: ISearchResult) {
  return result.best.map(c => [table.ids[c], table.keys[c]]);
}

/** What a search must find, by brute force: every candidate scored on its own. */
function expected(table: CandidateTable, term: string) {
  const terms = term.split(' ');
  const matched: number[] = [];
  const results: { c: number; score: number }[] = [];
  for (let c = 0; c < table.size; c++) {
    const score = termsScore(terms, table.texts[c]);
    if (score < 0) {
      continue;
    }
    matched.push(c);
    if (table.keys[c] === null || !table.pathAlone(c, terms)) {
      results.push({ c, score });
    }
  }
  // Highest score, then shorter text, then earlier position (a stable sort).
  results.sort(
    (a, b) =>
      b.score - a.score || table.texts[a.c].length - table.texts[b.c].length
  );
  return {
    matched,
    best: results.slice(0, MAX_RESULTS).map(r => r.c),
    count: results.length
  };
}

describe('searchTable', () => {
  it('finds what a brute-force search finds, from a prefix pool too', () => {
    const table = tableOf(3000);
    for (const query of ['key-0042', 'app-1/k', 't3 a17', 'xyz', 'k 4 2']) {
      let pool: ISearchResult | null = null;
      for (let n = 1; n <= query.length; n++) {
        const term = query.slice(0, n).trim();
        const result = searchTable(
          table,
          term,
          pool?.matched ?? null,
          pool?.upTo ?? 0
        );
        const truth = expected(table, term);
        expect([...result.matched]).toEqual(truth.matched);
        expect(result.best).toEqual(truth.best);
        expect(result.count).toBe(truth.count);
        pool = result;
      }
    }
  });

  it('caps the results and counts them all', () => {
    const table = tableOf(1000);
    const result = searchTable(table, 'key', null, 0);
    expect(result.count).toBe(1000);
    expect(result.best).toHaveLength(MAX_RESULTS);
    expect(result.upTo).toBe(1000);
  });
});

describe('the score of a folder and its rest', () => {
  /** A generator of numbers in [0, 1), the same every run (mulberry32). */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('equals fuzzyScore on every candidate, whatever the folders and the query', () => {
    // Few characters ('/', separators, a letter in two cases, an 'İ' that
    // lowercases to two code units) so that occurrences across the folder's
    // last '/', repeated folders and scattered matches are frequent.
    const next = random(13);
    const pick = (chars: string, length: number) =>
      Array.from(
        { length },
        () => chars[Math.floor(next() * chars.length)]
      ).join('');
    let compared = 0;
    for (let round = 0; round < 600; round++) {
      const table = new CandidateTable();
      const folders = Array.from({ length: 4 }, () =>
        pick('ab/-A/İ', Math.floor(next() * 6))
      );
      for (let c = 0; c < 12; c++) {
        const id = folders[c % 4] + pick('ab/-. A', 1 + Math.floor(next() * 5));
        if (next() < 0.3) {
          table.add(id, pick('ab/ -', 1 + Math.floor(next() * 4)));
        } else {
          table.add(id, null);
        }
      }
      const term = pick('ab/-.', 1 + Math.floor(next() * 4));
      const terms = next() < 0.3 ? [term, pick('ab/', 2)] : [term];
      const result = searchTable(table, terms.join(' '), null, 0);
      const truth = expected(table, terms.join(' '));
      expect([...result.matched]).toEqual(truth.matched);
      expect(result.count).toBe(truth.count);
      // Every result's score, to the last bit.
      result.best.forEach((c, i) => {
        expect(result.scores[i]).toBe(termsScore(terms, table.texts[c]));
        compared++;
      });
    }
    // The property looked at many matches (not an empty search each time).
    expect(compared).toBeGreaterThan(800);
  });
});

describe('extendResult', () => {
  it('adds the key names read since, as a new search would', () => {
    const table = tableOf(500);
    const term = 'app-1 pass';
    const before = searchTable(table, term, null, 0);
    expect(before.count).toBe(0);
    // Key names read later join at the end of the table.
    table.add('secret/team-1/app-1/key-00001', 'password');
    table.add('secret/team-1/app-1/key-00001', 'username');
    table.add('secret/team-2/app-2/key-00002', 'password');
    const after = extendResult(table, term, before);
    const truth = expected(table, term);
    expect([...after.matched]).toEqual(truth.matched);
    expect(after.best).toEqual(truth.best);
    expect(after.count).toBe(truth.count);
    expect(rows(table, after)).toContainEqual([
      'secret/team-1/app-1/key-00001',
      'password'
    ]);
    // Nothing new: the same result.
    expect(extendResult(table, term, after)).toBe(after);
  });

  it('keeps a key matching through its path alone in the pool, not in the results', () => {
    const table = tableOf(10);
    const id = table.ids[3];
    table.add(id, 'token');
    const result = searchTable(table, id.toLowerCase(), null, 0);
    expect([...result.matched]).toContain(10);
    expect(result.best).not.toContain(10);
    // Typing on into the key's name makes it a result of its own.
    const longer = searchTable(
      table,
      `${id.toLowerCase()} tok`,
      result.matched,
      result.upTo
    );
    expect(rows(table, longer)[0]).toEqual([id, 'token']);
  });
});

describe('bestSecrets', () => {
  it('ranks secrets only', () => {
    const table = tableOf(100);
    table.add(table.ids[0], 'key');
    const best = bestSecrets(table, ['key'], 3);
    expect(best).toHaveLength(3);
    expect(best.every(c => table.keys[c] === null)).toBe(true);
  });
});
