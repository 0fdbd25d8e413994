/**
 * Timers of the frontend: every delayed or repeated call of the extension is
 * made here, never with a bare `setTimeout` / `setInterval`.
 *
 * Why: browsers (and Node) hold a timer delay in a signed 32-bit integer. A
 * delay above 2^31 - 1 ms (about 24.8 days), such as "refresh one minute
 * before an id_token that expires in 2100 does", overflows and the timer
 * fires at once; a model that reschedules from its callback then spins.
 * {@link Timeout} clamps each delay to what `setTimeout` can hold and arms
 * again until the real due time, so a far-future call simply waits.
 * {@link Backoff} is the doubling delay of retries.
 */
import { IDisposable } from '@lumino/disposable';

/** The longest delay `setTimeout` holds: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Options of {@link Timeout}. */
export interface ITimeoutOptions {
  /**
   * The clock (epoch ms) the due time is kept on; `Date.now` by default.
   * A model passes its own clock so tests can replace it.
   */
  now?: () => number;
}

/**
 * One pending call at a time, after any delay: longer delays than
 * {@link MAX_TIMER_DELAY_MS} wait in several legs and the callback runs once,
 * at the due time (never early, whatever the delay).
 *
 * Setting it again replaces the pending call; {@link cancel} drops it.
 */
export class Timeout implements IDisposable {
  /**
   * @param options the clock
   */
  constructor(options: ITimeoutOptions = {}) {
    // Looked up at each call: a test may install fake timers later.
    this._now = options.now ?? (() => Date.now());
  }

  /** Whether a call is pending. */
  get pending(): boolean {
    return this._callback !== null;
  }

  /** When the pending call is due (epoch ms on the clock), or null. */
  get dueAt(): number | null {
    return this._callback === null ? null : this._dueAt;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Call `callback` once, `delayMs` from now (replacing any pending call).
   *
   * @param delayMs the delay; 0 or less runs it on the next turn of the event
   *   loop, `Infinity` never (nothing is armed)
   * @param callback what to run
   * @throws RangeError when `delayMs` is NaN (a bug upstream: a NaN delay
   *   would fire at once, over and over)
   */
  set(delayMs: number, callback: () => void): void {
    if (Number.isNaN(delayMs)) {
      throw new RangeError('Timeout.set: the delay is NaN');
    }
    this.setAt(this._now() + Math.max(0, delayMs), callback);
  }

  /**
   * Call `callback` once at `dueAt` on the clock (replacing any pending call).
   *
   * @param dueAt epoch ms; in the past, the call runs on the next turn
   * @param callback what to run
   * @throws RangeError when `dueAt` is NaN
   */
  setAt(dueAt: number, callback: () => void): void {
    if (Number.isNaN(dueAt)) {
      throw new RangeError('Timeout.setAt: the due time is NaN');
    }
    this.cancel();
    if (this._isDisposed) {
      return;
    }
    this._dueAt = dueAt;
    this._callback = callback;
    if (dueAt !== Infinity) {
      this._arm();
    }
  }

  /** Drop the pending call, if any. */
  cancel(): void {
    if (this._handle !== null) {
      clearTimeout(this._handle);
      this._handle = null;
    }
    this._callback = null;
  }

  /** Drop the pending call and refuse new ones. */
  dispose(): void {
    this.cancel();
    this._isDisposed = true;
  }

  private _arm(): void {
    const left = this._dueAt - this._now();
    this._handle = setTimeout(
      () => this._fired(),
      Math.min(MAX_TIMER_DELAY_MS, Math.max(0, left))
    );
  }

  private _fired(): void {
    this._handle = null;
    if (this._now() < this._dueAt) {
      // A leg of a long wait (or a timer that fired early): wait on.
      this._arm();
      return;
    }
    const callback = this._callback;
    this._callback = null;
    callback?.();
  }

  private _now: () => number;
  private _dueAt = 0;
  private _callback: (() => void) | null = null;
  private _handle: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
}

/**
 * A repeated call (a countdown's tick), each `intervalMs` after the previous
 * one ran; built on {@link Timeout}, so the interval is clamped alike.
 */
export class Interval implements IDisposable {
  /** Whether it is running. */
  get running(): boolean {
    return this._timeout.pending;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this._timeout.isDisposed;
  }

  /**
   * Call `callback` every `intervalMs` from now on (replacing a running one).
   *
   * @param intervalMs the interval, at least 1 ms
   * @param callback what to run
   * @throws RangeError when `intervalMs` is not a number of at least 1
   */
  start(intervalMs: number, callback: () => void): void {
    if (!(intervalMs >= 1)) {
      throw new RangeError(`Interval.start: bad interval ${intervalMs}`);
    }
    const tick = () => {
      this._timeout.set(intervalMs, tick);
      callback();
    };
    this._timeout.set(intervalMs, tick);
  }

  /** Stop calling. */
  stop(): void {
    this._timeout.cancel();
  }

  /** Stop calling and refuse to start again. */
  dispose(): void {
    this._timeout.dispose();
  }

  private _timeout = new Timeout();
}

/**
 * A doubling delay for retries: {@link next} answers `minMs`, then twice as
 * long each time, up to `maxMs`; {@link reset} starts over.
 */
export class Backoff {
  /**
   * @param minMs the first delay
   * @param maxMs the longest delay
   */
  constructor(
    readonly minMs: number,
    readonly maxMs: number
  ) {
    this._nextMs = minMs;
  }

  /** The delay {@link next} will answer. */
  get peek(): number {
    return this._nextMs;
  }

  /** The delay to wait now; the one after is twice as long (up to the max). */
  next(): number {
    const delay = this._nextMs;
    this._nextMs = Math.min(this.maxMs, this._nextMs * 2);
    return delay;
  }

  /** Start again from the first delay (after a success). */
  reset(): void {
    this._nextMs = this.minMs;
  }

  private _nextMs: number;
}
