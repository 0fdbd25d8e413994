/**
 * Format a number of seconds as `m:ss` or `h:mm:ss` (absolute value).
 *
 * @param seconds a duration in seconds
 * @returns the formatted duration
 */
export function formatDuration(seconds: number): string {
  const total = Math.floor(Math.abs(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Format epoch seconds as a local date and time.
 *
 * @param epochSeconds a NumericDate claim value
 * @returns the local date and time
 */
export function formatTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString();
}
