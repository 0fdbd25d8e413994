import { formatDuration } from './format';

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
