/**
 * Where a tree search's terms occur in a row's name, for highlighting. Pure
 * functions, no React: the tree filter (tree.ts) decides what matches; this
 * only finds what to mark in the text shown.
 */

/**
 * The half-open ranges of `text` that any of `terms` (lowercased) covers,
 * merged and sorted. Case-insensitive; an empty list when nothing matches.
 *
 * @param text the text shown
 * @param terms lowercased search terms (`parseQuery`)
 */
export function termRanges(
  text: string,
  terms: readonly string[]
): [number, number][] {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) {
    // Lowercasing changed the length (rare scripts): positions would not map.
    return [];
  }
  const ranges: [number, number][] = [];
  for (const term of terms) {
    if (!term) {
      continue;
    }
    let from = lower.indexOf(term);
    while (from >= 0) {
      ranges.push([from, from + term.length]);
      from = lower.indexOf(term, from + 1);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) {
      last[1] = Math.max(last[1], end);
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

/**
 * Split `text` into runs, each marked or not, from {@link termRanges}.
 *
 * @param text the text shown
 * @param ranges merged, sorted half-open ranges
 */
export function splitRuns(
  text: string,
  ranges: readonly [number, number][]
): { text: string; marked: boolean }[] {
  const runs: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) {
      runs.push({ text: text.slice(at, start), marked: false });
    }
    runs.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) {
    runs.push({ text: text.slice(at), marked: false });
  }
  return runs;
}
