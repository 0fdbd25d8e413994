/**
 * Format a number of seconds (absolute value) as `m:ss` or `h:mm:ss`; from 2
 * days on as `3 d 4 h`, from 2 years on as `75 y 12 d` (a long-lived token's
 * countdown).
 *
 * @param seconds a duration in seconds
 * @returns the formatted duration
 */
export function formatDuration(seconds: number): string {
  const total = Math.floor(Math.abs(seconds));
  const days = Math.floor(total / 86_400);
  if (days >= 730) {
    return `${Math.floor(days / 365)} y ${days % 365} d`;
  }
  if (days >= 2) {
    return `${days} d ${Math.floor((total % 86_400) / 3600)} h`;
  }
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
