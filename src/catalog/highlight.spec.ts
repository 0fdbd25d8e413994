import { splitRuns, termRanges } from './highlight';

describe('termRanges / splitRuns', () => {
  it('marks every occurrence of every term, any case, merged', () => {
    expect(termRanges('Billing-DB-billing', ['billing'])).toEqual([
      [0, 7],
      [11, 18]
    ]);
    // Overlapping and touching terms merge into one run.
    expect(termRanges('database', ['data', 'tab', 'base'])).toEqual([[0, 8]]);
    expect(termRanges('app', ['zzz'])).toEqual([]);
    expect(termRanges('app', [''])).toEqual([]);
  });

  it('splits the text into marked and plain runs', () => {
    const text = 'my-db-password';
    expect(splitRuns(text, termRanges(text, ['db', 'word']))).toEqual([
      { text: 'my-', marked: false },
      { text: 'db', marked: true },
      { text: '-pass', marked: false },
      { text: 'word', marked: true }
    ]);
    expect(splitRuns('abc', [])).toEqual([{ text: 'abc', marked: false }]);
  });
});
