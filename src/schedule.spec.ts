import * as fs from 'fs';
import * as path from 'path';

import { Backoff, Interval, MAX_TIMER_DELAY_MS, Timeout } from './schedule';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('Timeout', () => {
  let timeout: Timeout;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(1_800_000_000_000);
    timeout = new Timeout();
  });

  afterEach(() => {
    timeout.dispose();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('a bare setTimeout longer than 2^31 - 1 ms fires at once (why this exists)', () => {
    const fired = jest.fn();
    setTimeout(fired, 30 * DAY_MS);
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('runs a short delay once, on time', () => {
    const fired = jest.fn();
    timeout.set(1_000, fired);
    expect(timeout.pending).toBe(true);
    expect(timeout.dueAt).toBe(Date.now() + 1_000);
    jest.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(timeout.pending).toBe(false);
    jest.advanceTimersByTime(10_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clamps a 100-day delay to what setTimeout holds and re-arms until it is due', () => {
    const spy = jest.spyOn(global, 'setTimeout');
    const fired = jest.fn();
    timeout.set(100 * DAY_MS, fired);

    jest.advanceTimersByTime(100 * DAY_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    expect(timeout.pending).toBe(true);
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);

    const delays = spy.mock.calls.map(call => call[1] as number);
    expect(Math.max(...delays)).toBe(MAX_TIMER_DELAY_MS);
    // 100 days = 4 full legs of ~24.86 days and a last, shorter one.
    expect(delays).toHaveLength(5);
    expect(delays.slice(0, 4)).toEqual(Array(4).fill(MAX_TIMER_DELAY_MS));
    expect(delays[4]).toBe(100 * DAY_MS - 4 * MAX_TIMER_DELAY_MS);
  });

  it('waits for a due time 75 years ahead without firing', () => {
    const fired = jest.fn();
    const dueAt = Date.UTC(2100, 0, 1);
    timeout.setAt(dueAt, fired);
    jest.advanceTimersByTime(365 * DAY_MS);
    expect(fired).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(1);
    expect(timeout.dueAt).toBe(dueAt);
  });

  it('runs a due time in the past (or a negative delay) on the next turn', () => {
    const past = jest.fn();
    timeout.setAt(Date.now() - 60_000, past);
    expect(past).not.toHaveBeenCalled();
    jest.advanceTimersByTime(0);
    expect(past).toHaveBeenCalledTimes(1);

    const negative = jest.fn();
    timeout.set(-5, negative);
    jest.advanceTimersByTime(0);
    expect(negative).toHaveBeenCalledTimes(1);
  });

  it('never arms a timer for an infinite delay', () => {
    const fired = jest.fn();
    timeout.set(Infinity, fired);
    expect(timeout.pending).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    timeout.cancel();
    expect(timeout.pending).toBe(false);
  });

  it('refuses a NaN delay or due time', () => {
    expect(() => timeout.set(NaN, jest.fn())).toThrow(RangeError);
    expect(() => timeout.setAt(NaN, jest.fn())).toThrow(RangeError);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is cancelled, mid-way through a long wait too', () => {
    const fired = jest.fn();
    timeout.set(60 * DAY_MS, fired);
    jest.advanceTimersByTime(30 * DAY_MS); // past the first leg
    timeout.cancel();
    expect(timeout.pending).toBe(false);
    expect(timeout.dueAt).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(60 * DAY_MS);
    expect(fired).not.toHaveBeenCalled();
  });

  it('replaces the pending call when set again', () => {
    const first = jest.fn();
    const second = jest.fn();
    timeout.set(1_000, first);
    timeout.set(2_000, second);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(5_000);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('may be set again from its own callback', () => {
    const times: number[] = [];
    const again = () => {
      times.push(Date.now());
      if (times.length < 3) {
        timeout.set(1_000, again);
      }
    };
    const start = Date.now();
    timeout.set(1_000, again);
    jest.advanceTimersByTime(10_000);
    expect(times.map(t => t - start)).toEqual([1_000, 2_000, 3_000]);
  });

  it('keeps the due time on its clock: a timer that fires early waits on', () => {
    let skew = 0;
    const clock = new Timeout({ now: () => Date.now() - skew });
    const fired = jest.fn();
    clock.set(10_000, fired);
    skew = 4_000; // the clock fell back: at 10 s of timer time it reads 6 s
    jest.advanceTimersByTime(10_000);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(4_000);
    expect(fired).toHaveBeenCalledTimes(1);
    clock.dispose();
  });

  it('refuses new calls once disposed', () => {
    const fired = jest.fn();
    timeout.set(1_000, fired);
    timeout.dispose();
    expect(timeout.isDisposed).toBe(true);
    timeout.set(1_000, fired);
    expect(timeout.pending).toBe(false);
    jest.advanceTimersByTime(5_000);
    expect(fired).not.toHaveBeenCalled();
  });
});

describe('Interval', () => {
  let interval: Interval;

  beforeEach(() => {
    jest.useFakeTimers();
    interval = new Interval();
  });

  afterEach(() => {
    interval.dispose();
    jest.useRealTimers();
  });

  it('ticks every interval until stopped', () => {
    const tick = jest.fn();
    interval.start(1_000, tick);
    expect(interval.running).toBe(true);
    jest.advanceTimersByTime(10_500);
    expect(tick).toHaveBeenCalledTimes(10);
    interval.stop();
    expect(interval.running).toBe(false);
    jest.advanceTimersByTime(10_000);
    expect(tick).toHaveBeenCalledTimes(10);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('may be stopped from its own tick', () => {
    let ticks = 0;
    interval.start(1_000, () => {
      if (++ticks === 3) {
        interval.stop();
      }
    });
    jest.advanceTimersByTime(10_000);
    expect(ticks).toBe(3);
  });

  it('restarting replaces the running interval', () => {
    const first = jest.fn();
    const second = jest.fn();
    interval.start(1_000, first);
    interval.start(2_000, second);
    jest.advanceTimersByTime(4_000);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(2);
  });

  it('refuses an interval that would spin', () => {
    for (const bad of [0, -1, NaN, 0.5]) {
      expect(() => interval.start(bad, jest.fn())).toThrow(RangeError);
    }
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops for good when disposed', () => {
    const tick = jest.fn();
    interval.start(1_000, tick);
    interval.dispose();
    interval.start(1_000, tick);
    jest.advanceTimersByTime(5_000);
    expect(tick).not.toHaveBeenCalled();
  });
});

describe('Backoff', () => {
  it('doubles from the minimum up to the maximum, and starts over on reset', () => {
    const backoff = new Backoff(15_000, 100_000);
    expect(backoff.peek).toBe(15_000);
    const delays = Array.from({ length: 5 }, () => backoff.next());
    expect(delays).toEqual([15_000, 30_000, 60_000, 100_000, 100_000]);
    backoff.reset();
    expect(backoff.next()).toBe(15_000);
  });
});

describe('the frontend timers', () => {
  it('all go through schedule.ts (no bare setTimeout / setInterval elsewhere)', () => {
    const offenders: string[] = [];
    const visit = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          visit(file);
        } else if (
          /\.tsx?$/.test(entry.name) &&
          !/\.spec\.tsx?$/.test(entry.name) &&
          file !== path.join(__dirname, 'schedule.ts')
        ) {
          const text = fs.readFileSync(file, 'utf-8');
          if (/\b(setTimeout|setInterval)\s*\(/.test(text)) {
            offenders.push(path.relative(__dirname, file));
          }
        }
      }
    };
    visit(__dirname);
    expect(offenders).toEqual([]);
  });
});
