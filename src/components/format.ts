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

/**
 * How long ago an instant was, in words: `just now`, `12 min ago`,
 * `3 h ago`, `5 days ago`, then the local date.
 *
 * @param iso an RFC 3339 time (`2026-12-06T23:38:18.545276844Z`)
 * @param nowMs the current time (epoch ms)
 * @returns the words, or null when the time cannot be read
 */
export function formatAgo(iso: string, nowMs: number): string | null {
  const ms = parseTime(iso);
  if (ms === null) {
    return null;
  }
  const seconds = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (seconds < 60) {
    return 'just now';
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} h ago`;
  }
  const days = Math.floor(hours / 24);
  if (days < 60) {
    return `${days} days ago`;
  }
  return `on ${new Date(ms).toLocaleDateString()}`;
}

/**
 * An RFC 3339 time as the exact local date and time (for tooltips).
 *
 * @param iso an RFC 3339 time
 * @returns the local date and time, or the text as given when unreadable
 */
export function formatExact(iso: string): string {
  const ms = parseTime(iso);
  return ms === null ? iso : new Date(ms).toLocaleString();
}

/** Epoch ms of an RFC 3339 time (fractions past ms dropped), or null. */
function parseTime(iso: string): number | null {
  // Vault writes nanoseconds; Date reads at most milliseconds reliably.
  const trimmed = iso.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}
