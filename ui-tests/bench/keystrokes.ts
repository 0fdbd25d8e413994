/**
 * What the keystroke benchmarks (filter.bench.spec.ts,
 * palette-picker.bench.spec.ts) share: the in-page recorder that times every
 * keystroke, the typing of the key script, the rounds (measured input and
 * baseline interleaved), the idle frames and the optional profile.
 *
 * Per keystroke, in the page (installKeystrokeRecorder):
 *   t0        performance.now() in a capturing `keydown` listener on window
 *             (the first listener to run);
 *   tInput    performance.now() in a bubbling `input` listener on window:
 *             after React's root listener and the microtask checkpoint that
 *             flushes React's sync update (the search, the render and the
 *             commit are done);
 *   rafTs     the timestamp of the next animation frame (its start);
 *   tPaint    performance.now() in a MessageChannel task posted from that
 *             frame's requestAnimationFrame callback: the frame's rendering
 *             (style, layout, paint, commit to the compositor) is done;
 *   tRaf2     the next frame after that (the "double rAF").
 * The spec's own `sig()` reads the DOM (cheap reads, no layout) at tInput and
 * at tPaint. The Event Timing API (entries >= 16 ms, its minimum threshold)
 * is recorded as the browser's own view of input-to-next-paint.
 *
 * Functions that run in the page (through page.evaluate) are self-contained:
 * no imports, no closures.
 */
import { expect } from '@jupyterlab/galata';
import type { Browser, Page } from '@playwright/test';

export interface IStep {
  /** Playwright key name. */
  key: string;
  /** The search text after the key. */
  query: string;
}

export interface IPhase {
  name: string;
  steps: IStep[];
}

/** The key script's part that every keystroke benchmark reads. */
export interface IKeystrokeInput {
  rounds: number;
  warmupRounds: number;
  settleMs: number;
  idleFrames: number;
  /** Profile more rounds (not counted): Chrome traces + a CPU profile. */
  profile: boolean;
  phases: IPhase[];
}

/**
 * The page's side, set by the spec before {@link installKeystrokeRecorder}:
 * `window.__bench = { targets, sig, atPaint? }`, `targets` the inputs by
 * kind, `sig()` what the DOM shows, `atPaint(record)` more fields at paint.
 */
export interface IBenchPage {
  targets: Record<string, HTMLInputElement>;
  sig: () => unknown;
  atPaint?: (record: any) => Record<string, unknown>;
}

/** One idle frame: its rAF timestamp, the rAF callback, the task after it. */
export interface IIdleFrame {
  rafTs: number;
  tRaf: number;
  tPaint: number;
}

/** Runs in the page: `count` frames with no work (rAF to the task after it). */
export async function idleFrames(count: number): Promise<IIdleFrame[]> {
  const frames: IIdleFrame[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(
      await new Promise<IIdleFrame>(resolve => {
        requestAnimationFrame(rafTs => {
          const tRaf = performance.now();
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            channel.port1.close();
            resolve({ rafTs, tRaf, tPaint: performance.now() });
          };
          channel.port2.postMessage(null);
        });
      })
    );
  }
  return frames;
}

/**
 * Runs in the page: the listeners that time every keystroke typed into one
 * of `window.__bench.targets`. Returns whether the Event Timing API is on.
 */
export function installKeystrokeRecorder(): boolean {
  const bench = (window as any).__bench;
  Object.assign(bench, {
    records: [] as any[],
    events: [] as any[],
    waiters: [] as { n: number; resolve: () => void }[],
    target: null as HTMLInputElement | null,
    kind: '',
    label: {} as Record<string, unknown>,
    pending: null as any,
    lastSig: null as any
  });

  bench.arm = (kind: string) => {
    bench.kind = kind;
    bench.target = bench.targets[kind];
    bench.target.focus();
    bench.lastSig = bench.sig();
    return document.activeElement === bench.target;
  };
  bench.waitFor = (n: number) =>
    new Promise<void>(resolve => {
      if (bench.records.length >= n) {
        resolve();
      } else {
        bench.waiters.push({ n, resolve });
      }
    });

  const finish = (record: any) => {
    bench.records.push(record);
    bench.waiters = bench.waiters.filter((w: any) => {
      if (bench.records.length >= w.n) {
        w.resolve();
        return false;
      }
      return true;
    });
  };

  window.addEventListener(
    'keydown',
    event => {
      if (event.target !== bench.target) {
        return;
      }
      bench.pending = {
        t0: performance.now(),
        evTs: event.timeStamp,
        key: event.key,
        kind: bench.kind,
        ...bench.label
      };
    },
    true
  );
  window.addEventListener('input', event => {
    const record = bench.pending;
    if (!record || event.target !== bench.target) {
      return;
    }
    bench.pending = null;
    record.tInput = performance.now();
    record.sigBefore = bench.lastSig;
    record.sigInput = bench.sig();
    requestAnimationFrame(rafTs => {
      record.rafTs = rafTs;
      record.tRaf = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        record.tPaint = performance.now();
        channel.port1.close();
        record.sigPaint = bench.sig();
        Object.assign(record, bench.atPaint ? bench.atPaint(record) : {});
        record.value = (bench.target as HTMLInputElement).value;
        bench.lastSig = record.sigPaint;
        requestAnimationFrame(rafTs2 => {
          record.rafTs2 = rafTs2;
          record.tRaf2 = performance.now();
          finish(record);
        });
      };
      channel.port2.postMessage(null);
    });
  });

  try {
    new PerformanceObserver(list => {
      for (const entry of list.getEntries() as any[]) {
        bench.events.push({
          name: entry.name,
          startTime: entry.startTime,
          duration: entry.duration,
          processingStart: entry.processingStart,
          processingEnd: entry.processingEnd
        });
      }
    }).observe({ type: 'event', durationThreshold: 16 } as any);
    return true;
  } catch {
    return false;
  }
}

/** Type one phase's keys into the `kind` input, waiting for each paint. */
async function typeSteps(
  page: Page,
  kind: string,
  phase: IPhase,
  round: number,
  settleMs: number
): Promise<void> {
  const focused = await page.evaluate(
    k => (window as any).__bench.arm(k),
    kind
  );
  expect(focused, `the ${kind} input has the focus`).toBe(true);
  await page.waitForTimeout(settleMs);
  for (let step = 0; step < phase.steps.length; step++) {
    const { key, query } = phase.steps[step];
    const n = await page.evaluate(
      label => {
        const bench = (window as any).__bench;
        bench.label = label;
        return bench.records.length;
      },
      { round, phase: phase.name, step, query }
    );
    await page.keyboard.press(key);
    await page.evaluate(m => (window as any).__bench.waitFor(m), n + 1);
    await page.waitForTimeout(settleMs);
  }
}

/** What {@link runKeystrokes} measured. */
export interface IKeystrokeRun {
  records: any[];
  events: any[];
  eventTiming: boolean;
  idle: IIdleFrame[];
  /** Chrome traces by kind and a CPU profile of the measured kind, or null. */
  profile: { traces: Record<string, unknown>; cpu: unknown } | null;
}

/**
 * Install the recorder (the spec has set `window.__bench`), then type the
 * key script: warm-up and counted rounds, `measured` and `baseline`
 * interleaved (the order alternates, so both see the same drift of the
 * machine), idle frames before and after, and with `input.profile` extra
 * rounds (round -100: a Chrome trace of each kind; -200: a V8 CPU profile of
 * `measured`, 100 us sampling), not counted.
 *
 * @param afterPhase awaited after each phase of a kind (e.g. key reads settle)
 */
export async function runKeystrokes(
  page: Page,
  browser: Browser,
  measured: string,
  input: IKeystrokeInput,
  afterPhase: (kind: string) => Promise<void> = async () => undefined
): Promise<IKeystrokeRun> {
  // galata wraps the page; tracing and CDP need the Playwright page itself
  const rawPage: Page = (page as any).page ?? page;
  const eventTiming = await page.evaluate(installKeystrokeRecorder);
  const idleBefore = await page.evaluate(idleFrames, input.idleFrames);
  const typePhases = async (kind: string, round: number) => {
    for (const phase of input.phases) {
      await typeSteps(page, kind, phase, round, input.settleMs);
      await afterPhase(kind);
    }
  };

  const total = input.warmupRounds + input.rounds;
  for (let round = 0; round < total; round++) {
    const kinds =
      round % 2 === 0 ? [measured, 'baseline'] : ['baseline', measured];
    for (const kind of kinds) {
      await typePhases(kind, round - input.warmupRounds);
    }
  }
  const idleAfter = await page.evaluate(idleFrames, input.idleFrames);

  let profile: IKeystrokeRun['profile'] = null;
  if (input.profile) {
    const categories = ['devtools.timeline', 'blink.user_timing'];
    const traces: Record<string, unknown> = {};
    for (const kind of [measured, 'baseline']) {
      await browser.startTracing(rawPage, { categories });
      await typePhases(kind, -100);
      traces[kind] = JSON.parse((await browser.stopTracing()).toString());
    }
    const cdp = await rawPage.context().newCDPSession(rawPage);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    await typePhases(measured, -200);
    const cpu = await cdp.send('Profiler.stop');
    await cdp.detach();
    profile = { traces, cpu: cpu.profile };
  }
  const recorded = await page.evaluate(() => {
    const bench = (window as any).__bench;
    return { records: bench.records, events: bench.events };
  });
  const keys = input.phases.reduce((sum, p) => sum + p.steps.length, 0);
  expect(recorded.records.length).toBe((2 * total + (profile ? 3 : 0)) * keys);
  return {
    ...recorded,
    eventTiming,
    idle: [...idleBefore, ...idleAfter],
    profile
  };
}
