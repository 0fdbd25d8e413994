/**
 * Filter benchmark: the time per keystroke in the sidebar's search box, from
 * the key event to the frame painted with the filtered tree.
 *
 * bench/filter_keystroke.py starts OpenBao (10,000 secrets) and `jupyter lab`,
 * writes the key script to BENCH_INPUT and reads the measurements from
 * BENCH_OUTPUT. Keys are real key presses (CDP Input.dispatchKeyEvent through
 * page.keyboard), one at a time, with a pause between them like typing.
 *
 * In the page, per keystroke (see installRecorder):
 *   t0        performance.now() in a capturing `keydown` listener on window
 *             (the first listener to run);
 *   tInput    performance.now() in a bubbling `input` listener on window:
 *             it runs after React's root listener and after the microtask
 *             checkpoint that flushes React's sync update, so the filter, the
 *             render and the commit (with its layout effects) are done;
 *   rafTs     the timestamp of the next animation frame (its start);
 *   tPaint    performance.now() in a MessageChannel task posted from that
 *             frame's requestAnimationFrame callback: it runs once the frame's
 *             rendering (rAF callbacks, style, layout, paint, commit to the
 *             compositor) is done on the main thread;
 *   tRaf2     the next frame after that (the "double rAF").
 * The DOM is read (cheap reads, no layout) at tInput and at tPaint: the match
 * count, the spacer's height (all rows x 24 px), the rows in the DOM.
 * The Event Timing API (entries >= 16 ms, its minimum threshold) is recorded
 * as the browser's own view of input-to-next-paint.
 *
 * The baseline types the same keys into a plain <input> outside the panel
 * (JupyterLab's own keydown handling still runs, React does nothing).
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as fs from 'fs';

import { idleFrames } from './frames';

const PANEL_ID = 'jp-vault-jwt-panel';

interface IStep {
  /** Playwright key name. */
  key: string;
  /** The search text after the key. */
  query: string;
}

interface IBenchInput {
  total: number;
  mounts: string[];
  rounds: number;
  warmupRounds: number;
  settleMs: number;
  idleFrames: number;
  /** Profile one more tree round (not counted): Chrome trace + CPU profile. */
  profile: boolean;
  phases: { name: string; steps: IStep[] }[];
}

const INPUT_FILE = process.env.BENCH_INPUT as string;
const OUTPUT_FILE = process.env.BENCH_OUTPUT as string;

/** Runs in the page: the listeners that time every keystroke. */
function installRecorder(panelId: string): void {
  const panel = document.getElementById(panelId) as HTMLElement;
  const search = panel.querySelector(
    'input[aria-label="Search secrets"]'
  ) as HTMLInputElement;
  const card = search.closest('section') as HTMLElement;
  const baseline = document.createElement('input');
  baseline.id = 'filter-bench-baseline';
  baseline.type = 'text';
  baseline.setAttribute('aria-label', 'Benchmark baseline input');
  baseline.style.cssText =
    'position:fixed;right:8px;bottom:8px;width:200px;z-index:10000;';
  document.body.appendChild(baseline);

  const sig = () => {
    const spacer = card.querySelector(
      '.jp-VaultJwt-treeSpacer'
    ) as HTMLElement | null;
    const rows = card.querySelectorAll('[role="treeitem"]');
    const note = card.querySelector('.jp-VaultJwt-progressNote');
    return {
      height: spacer ? spacer.style.height : '',
      rendered: rows.length,
      first: rows.length ? rows[0].getAttribute('data-path') : null,
      note: note ? (note.textContent ?? '') : ''
    };
  };

  const bench: any = {
    records: [] as any[],
    events: [] as any[],
    waiters: [] as { n: number; resolve: () => void }[],
    target: null as HTMLInputElement | null,
    kind: '',
    label: {} as Record<string, unknown>,
    pending: null as any,
    lastSig: null as any,
    sig
  };
  (window as any).__filterBench = bench;

  bench.arm = (kind: string) => {
    bench.kind = kind;
    bench.target = kind === 'tree' ? search : baseline;
    bench.target.focus();
    bench.lastSig = sig();
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
    record.sigInput = sig();
    requestAnimationFrame(rafTs => {
      record.rafTs = rafTs;
      record.tRaf = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        record.tPaint = performance.now();
        channel.port1.close();
        record.sigPaint = sig();
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
    bench.eventTiming = true;
  } catch {
    bench.eventTiming = false;
  }
}

async function typeSteps(
  page: Page,
  kind: 'tree' | 'baseline',
  phase: { name: string; steps: IStep[] },
  round: number,
  settleMs: number
): Promise<void> {
  const focused = await page.evaluate(
    k => (window as any).__filterBench.arm(k),
    kind
  );
  expect(focused, `the ${kind} input has the focus`).toBe(true);
  await page.waitForTimeout(settleMs);
  for (let step = 0; step < phase.steps.length; step++) {
    const { key, query } = phase.steps[step];
    const n = await page.evaluate(
      label => {
        const bench = (window as any).__filterBench;
        bench.label = label;
        return bench.records.length;
      },
      { round, phase: phase.name, step, query }
    );
    await page.keyboard.press(key);
    await page.evaluate(m => (window as any).__filterBench.waitFor(m), n + 1);
    await page.waitForTimeout(settleMs);
  }
}

test('filter keystrokes: input to painted frame', async ({ page, browser }) => {
  const input: IBenchInput = JSON.parse(fs.readFileSync(INPUT_FILE, 'utf8'));
  const started = Date.now();
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  const tree = panel.getByTestId('vault-jwt-tree');
  // The tree is virtualised: only the first mount's rows are sure to be in the
  // DOM; the summary counts the mounts and the secrets of the whole catalog.
  await expect(panel.locator('[data-field="summary"]')).toContainText(
    new RegExp(`\\d[\\d,.]* readable secrets?, ${input.mounts.length} mounts`),
    { timeout: 180_000 }
  );
  await expect(tree.locator(`[data-path="${input.mounts[0]}"]`)).toBeVisible();
  const mountsInDom = await tree
    .locator('[data-kind="mount"]')
    .evaluateAll(rows => rows.map(row => row.getAttribute('data-path')));
  expect(mountsInDom).toEqual(input.mounts.slice(0, mountsInDom.length));
  const summary = await panel.locator('[data-field="summary"]').textContent();
  const catalogSeconds = (Date.now() - started) / 1000;
  const search = panel.getByLabel('Search secrets');
  await expect(search).toHaveValue('');

  await page.evaluate(installRecorder, PANEL_ID);
  const eventTiming = await page.evaluate(
    () => (window as any).__filterBench.eventTiming
  );
  const idleBefore = await page.evaluate(idleFrames, input.idleFrames);

  const total = input.warmupRounds + input.rounds;
  for (let round = 0; round < total; round++) {
    // The order alternates, so both kinds see the same drift of the machine.
    const kinds: ('tree' | 'baseline')[] =
      round % 2 === 0 ? ['tree', 'baseline'] : ['baseline', 'tree'];
    for (const kind of kinds) {
      for (const phase of input.phases) {
        await typeSteps(
          page,
          kind,
          phase,
          round - input.warmupRounds,
          input.settleMs
        );
      }
    }
  }
  const idleAfter = await page.evaluate(idleFrames, input.idleFrames);

  // Profiling (not counted: round -100 and below). A Chrome trace of the main
  // thread's events (style, layout, paint, parse...) for a tree round and a
  // baseline round, then a V8 CPU profile (100 us sampling) of a tree round.
  let profile: unknown = null;
  if (input.profile) {
    // galata wraps the page; tracing and CDP need the Playwright page itself
    const rawPage: Page = (page as any).page ?? page;
    const categories = ['devtools.timeline', 'blink.user_timing'];
    const traces: Record<string, unknown> = {};
    for (const kind of ['tree', 'baseline'] as const) {
      await browser.startTracing(rawPage, { categories });
      for (const phase of input.phases) {
        await typeSteps(page, kind, phase, -100, input.settleMs);
      }
      traces[kind] = JSON.parse((await browser.stopTracing()).toString());
    }
    const cdp = await rawPage.context().newCDPSession(rawPage);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    for (const phase of input.phases) {
      await typeSteps(page, 'tree', phase, -200, input.settleMs);
    }
    const cpu = await cdp.send('Profiler.stop');
    await cdp.detach();
    profile = { traces, cpu: cpu.profile };
  }
  const data = await page.evaluate(() => {
    const bench = (window as any).__filterBench;
    return { records: bench.records, events: bench.events };
  });
  const viewport = page.viewportSize();
  const treeBox = await tree.boundingBox();
  fs.writeFileSync(
    OUTPUT_FILE,
    JSON.stringify({
      browser: browser.version(),
      userAgent: await page.evaluate(() => navigator.userAgent),
      viewport,
      treeBox,
      summary,
      catalogSeconds,
      eventTiming,
      idle: [...idleBefore, ...idleAfter],
      ...data
    })
  );
  if (profile) {
    fs.writeFileSync(`${OUTPUT_FILE}.profile.json`, JSON.stringify(profile));
  }
  const keys = input.phases.reduce((sum, p) => sum + p.steps.length, 0);
  expect(data.records.length).toBe((2 * total + (profile ? 3 : 0)) * keys);
});
