import { formatAgo, formatDuration, formatExact } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [59.9, '0:59'],
    [272, '4:32'],
    [-272, '4:32'],
    [3600, '1:00:00'],
    [47 * 3600 + 59 * 60 + 59, '47:59:59'],
    [2 * 86_400, '2 d 0 h'],
    [30 * 86_400 + 5 * 3600, '30 d 5 h'],
    [729 * 86_400, '729 d 0 h'],
    [730 * 86_400, '2 y 0 d'],
    [100 * 365 * 86_400 + 12 * 86_400, '100 y 12 d']
  ])('%p s is %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatAgo / formatExact', () => {
  const now = Date.parse('2026-12-06T23:50:30Z');
  it.each([
    ['2026-12-06T23:50:10.545276844Z', 'just now'],
    ['2026-12-06T23:38:18.545276844Z', '12 min ago'],
    ['2026-12-06T20:00:00Z', '3 h ago'],
    ['2026-12-01T23:50:30Z', '5 days ago']
  ])('%p is %p', (iso, text) => {
    expect(formatAgo(iso, now)).toBe(text);
  });

  it('falls back to a date, or null for an unreadable time', () => {
    expect(formatAgo('2025-01-01T00:00:00Z', now)).toMatch(/^on /);
    expect(formatAgo('not a time', now)).toBeNull();
  });

  it('gives the exact local time (Vault nanoseconds read), or the text as is', () => {
    const exact = formatExact('2026-12-06T23:38:18.545276844Z');
    expect(exact).toBe(
      new Date(Date.parse('2026-12-06T23:38:18.545Z')).toLocaleString()
    );
    expect(formatExact('never')).toBe('never');
  });
});
