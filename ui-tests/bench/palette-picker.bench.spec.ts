/**
 * Palette picker benchmark: the time per keystroke in the "Insert Vault
 * secret…" picker (command `vault-jwt:insert-secret`), from the key event to
 * the frame painted with the updated results, over 10,000 secret paths.
 *
 * bench/palette_picker.py starts OpenBao (10,000 secrets) and `jupyter lab`,
 * writes the key script to BENCH_INPUT and reads the measurements from
 * BENCH_OUTPUT. Keys are real key presses (CDP Input.dispatchKeyEvent through
 * page.keyboard), one at a time, with a pause between them like typing.
 *
 * Set-up: a notebook (the command is enabled only with a notebook or console
 * as the current widget), the sidebar opened until its catalog is loaded (the
 * summary counts the secrets and mounts), the sidebar closed, the notebook
 * activated, then the picker opened once through the command (not awaited:
 * it resolves when the dialog closes) and kept open for the whole run.
 *
 * In the page, per keystroke, the timestamps of filter.bench.spec.ts:
 *   t0        performance.now() in a capturing `keydown` listener on window
 *             (the first listener to run);
 *   tInput    performance.now() in a bubbling `input` listener on window:
 *             after React's root listener and the microtask checkpoint that
 *             flushes React's sync update (the model's search, the render of
 *             the rows and the commit are done);
 *   rafTs     the timestamp of the next animation frame (its start);
 *   tPaint    performance.now() in a MessageChannel task posted from that
 *             frame's requestAnimationFrame callback: the frame's rendering
 *             (style, layout, paint, commit to the compositor) is done;
 *   tRaf2     the next frame after that.
 * The DOM is read (cheap reads, no layout) at tInput and at tPaint: the match
 * count, the options, the first option, the active descendant; at tPaint the
 * options' ids and keys too (for the checks).
 *
 * The baseline types the same keys into a plain <input> appended to the
 * dialog's content, outside React's root (the dialog is modal and keeps the
 * focus inside itself): JupyterLab's and the dialog's keydown handling run,
 * React does nothing.
 *
 * Key names: 150 ms after the results rest (KEYS_DELAY_MS, src/picker.ts)
 * the picker reads the key names of the highlighted and best-ranked secrets,
 * and each reply adds candidates. The spec waits for every read to be over
 * after each phase; the page records every reply (Resource Timing), so the
 * checks know which key names the picker had at each keystroke.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page, Request } from '@playwright/test';
import * as fs from 'fs';

import { idleFrames } from './frames';

const PANEL_ID = 'jp-vault-jwt-panel';
const COMMAND = 'vault-jwt:insert-secret';
const NOTEBOOK = 'picker-bench.ipynb';
const KEYS_ROUTE = '/vault-jwt/vault/secret/keys';

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
  /** How long the picker waits before reading key names (ms). */
  keysDelayMs: number;
  /** Profile one more picker round (not counted): Chrome trace + CPU profile. */
  profile: boolean;
  phases: { name: string; steps: IStep[] }[];
}

type Kind = 'picker' | 'baseline';

const INPUT_FILE = process.env.BENCH_INPUT as string;
const OUTPUT_FILE = process.env.BENCH_OUTPUT as string;

/** Runs in the page: records every reply of the key-names route. */
function installKeyReadObserver(route: string): void {
  const reads: any[] = [];
  (window as any).__pickerBenchKeyReads = reads;
  performance.setResourceTimingBufferSize(100_000);
  new PerformanceObserver(list => {
    for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
      if (entry.name.includes(route)) {
        reads.push({
          url: entry.name,
          startTime: entry.startTime,
          responseEnd: entry.responseEnd
        });
      }
    }
  }).observe({ type: 'resource', buffered: true });
}

/** Runs in the page: the listeners that time every keystroke. */
function installRecorder(): boolean {
  const dialog = document.querySelector(
    '.jp-VaultJwt-pickerDialog'
  ) as HTMLElement;
  const picker = dialog.querySelector(
    '[data-testid="vault-jwt-picker"]'
  ) as HTMLElement;
  const search = picker.querySelector(
    'input[role="combobox"]'
  ) as HTMLInputElement;
  const list = picker.querySelector('[role="listbox"]') as HTMLElement;
  const content = (dialog.querySelector('.jp-Dialog-content') ??
    dialog) as HTMLElement;
  const baseline = document.createElement('input');
  baseline.id = 'picker-bench-baseline';
  baseline.type = 'text';
  baseline.setAttribute('aria-label', 'Benchmark baseline input');
  baseline.style.cssText = 'display:block;margin:4px 0;width:200px;';
  content.appendChild(baseline);

  const sig = () => {
    const rows = list.querySelectorAll('[role="option"]');
    const first = rows.length ? rows[0] : null;
    const matches = picker.querySelector('[data-field="matches"]');
    return {
      matches: matches ? (matches.textContent ?? '') : '',
      rows: rows.length,
      first: first
        ? `${first.getAttribute('data-id')}\u0000${first.getAttribute('data-key') ?? ''}`
        : null,
      active: search.getAttribute('aria-activedescendant') ?? ''
    };
  };
  const shown = () =>
    Array.from(list.querySelectorAll('[role="option"]')).map(row => [
      row.getAttribute('data-id'),
      row.getAttribute('data-key'),
      row.classList.contains('jp-VaultJwt-pickerChild') ? 1 : 0
    ]);

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
  (window as any).__pickerBench = bench;

  bench.arm = (kind: string) => {
    bench.kind = kind;
    bench.target = kind === 'picker' ? search : baseline;
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
        record.shown = record.kind === 'picker' ? shown() : null;
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
  return document.activeElement === search;
}

/** Key-name reads in flight (seen from Playwright: requests sent, not done). */
class KeyReads {
  constructor(page: Page) {
    const ours = (request: Request) => request.url().includes(KEYS_ROUTE);
    page.on('request', request => {
      if (ours(request)) {
        this.pending++;
        this.sent++;
      }
    });
    const done = (request: Request) => {
      if (ours(request)) {
        this.pending--;
      }
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  /**
   * Wait until the picker has had the time to ask for key names and every
   * read is over, then two frames (the reply handled and painted).
   */
  async settle(page: Page, delayMs: number): Promise<void> {
    await page.waitForTimeout(delayMs + 100);
    const deadline = Date.now() + 30_000;
    while (this.pending > 0) {
      if (Date.now() > deadline) {
        throw new Error(`${this.pending} key-name read(s) still pending`);
      }
      await page.waitForTimeout(20);
    }
    await page.evaluate(
      () =>
        new Promise(resolve =>
          requestAnimationFrame(() => requestAnimationFrame(resolve))
        )
    );
  }

  pending = 0;
  sent = 0;
}

async function typeSteps(
  page: Page,
  kind: Kind,
  phase: { name: string; steps: IStep[] },
  round: number,
  settleMs: number
): Promise<void> {
  const focused = await page.evaluate(
    k => (window as any).__pickerBench.arm(k),
    kind
  );
  expect(focused, `the ${kind} input has the focus`).toBe(true);
  await page.waitForTimeout(settleMs);
  for (let step = 0; step < phase.steps.length; step++) {
    const { key, query } = phase.steps[step];
    const n = await page.evaluate(
      label => {
        const bench = (window as any).__pickerBench;
        bench.label = label;
        return bench.records.length;
      },
      { round, phase: phase.name, step, query }
    );
    await page.keyboard.press(key);
    await page.evaluate(m => (window as any).__pickerBench.waitFor(m), n + 1);
    await page.waitForTimeout(settleMs);
  }
}

test('picker keystrokes: input to painted frame', async ({ page, browser }) => {
  const input: IBenchInput = JSON.parse(fs.readFileSync(INPUT_FILE, 'utf8'));
  // galata wraps the page; events, tracing and CDP need the Playwright page
  const rawPage: Page = (page as any).page ?? page;
  const keyReads = new KeyReads(rawPage);
  await page.evaluate(installKeyReadObserver, KEYS_ROUTE);
  const started = Date.now();

  // The command needs a notebook (or console) as the current widget.
  await page.notebook.createNew(NOTEBOOK);
  await page.sidebar.openTab(PANEL_ID);
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(panel.locator('[data-field="summary"]')).toContainText(
    new RegExp(`\\d[\\d,.]* readable secrets?, ${input.mounts.length} mounts`),
    { timeout: 180_000 }
  );
  const summary = await panel.locator('[data-field="summary"]').textContent();
  const catalogSeconds = (Date.now() - started) / 1000;
  await page.sidebar.close('left');
  await page.notebook.activate(NOTEBOOK);
  const enabled = await page.evaluate(
    id => (window as any).jupyterapp.commands.isEnabled(id),
    COMMAND
  );
  expect(enabled, `${COMMAND} is enabled`).toBe(true);

  // Not awaited in the page: the command resolves when the dialog closes.
  const opened = Date.now();
  await page.evaluate(id => {
    void (window as any).jupyterapp.commands.execute(id);
  }, COMMAND);
  const dialog = page.locator('.jp-VaultJwt-pickerDialog');
  const picker = dialog.getByTestId('vault-jwt-picker');
  const search = picker.getByRole('combobox', {
    name: 'Search secrets and keys'
  });
  await expect(search).toBeFocused();
  const openSeconds = (Date.now() - opened) / 1000;
  await expect(search).toHaveValue('');
  await expect(picker.locator('[data-field="matches"]')).toContainText(
    'readable secret'
  );
  const openNote = await picker.locator('[data-field="matches"]').textContent();
  await expect(picker.getByRole('listbox')).toBeVisible();
  // The first secret is highlighted: its key names are read after a while.
  await keyReads.settle(rawPage, input.keysDelayMs);
  const openRows = await picker.locator('[role="option"]').count();

  expect(await page.evaluate(installRecorder)).toBe(true);
  const eventTiming = await page.evaluate(
    () => (window as any).__pickerBench.eventTiming
  );
  const idleBefore = await page.evaluate(idleFrames, input.idleFrames);

  const total = input.warmupRounds + input.rounds;
  for (let round = 0; round < total; round++) {
    // The order alternates, so both kinds see the same drift of the machine.
    const kinds: Kind[] =
      round % 2 === 0 ? ['picker', 'baseline'] : ['baseline', 'picker'];
    for (const kind of kinds) {
      for (const phase of input.phases) {
        await typeSteps(
          page,
          kind,
          phase,
          round - input.warmupRounds,
          input.settleMs
        );
        if (kind === 'picker') {
          await keyReads.settle(rawPage, input.keysDelayMs);
        }
      }
    }
  }
  const idleAfter = await page.evaluate(idleFrames, input.idleFrames);

  // Profiling (not counted: round -100 and below). A Chrome trace of the main
  // thread's events (style, layout, paint, parse...) for a picker round and a
  // baseline round, then a V8 CPU profile (100 us sampling) of a picker round.
  let profile: unknown = null;
  if (input.profile) {
    const categories = ['devtools.timeline', 'blink.user_timing'];
    const traces: Record<string, unknown> = {};
    for (const kind of ['picker', 'baseline'] as const) {
      await browser.startTracing(rawPage, { categories });
      for (const phase of input.phases) {
        await typeSteps(page, kind, phase, -100, input.settleMs);
        await keyReads.settle(rawPage, input.keysDelayMs);
      }
      traces[kind] = JSON.parse((await browser.stopTracing()).toString());
    }
    const cdp = await rawPage.context().newCDPSession(rawPage);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    for (const phase of input.phases) {
      await typeSteps(page, 'picker', phase, -200, input.settleMs);
      await keyReads.settle(rawPage, input.keysDelayMs);
    }
    const cpu = await cdp.send('Profiler.stop');
    await cdp.detach();
    profile = { traces, cpu: cpu.profile };
  }
  const data = await page.evaluate(() => {
    const bench = (window as any).__pickerBench;
    return {
      records: bench.records,
      events: bench.events,
      keyReads: (window as any).__pickerBenchKeyReads
    };
  });
  // The picker is still open: nothing closed it (Enter, Escape) by mistake.
  await expect(search).toBeVisible();
  const viewport = page.viewportSize();
  const dialogBox = await dialog.locator('.jp-Dialog-content').boundingBox();
  fs.writeFileSync(
    OUTPUT_FILE,
    JSON.stringify({
      browser: browser.version(),
      userAgent: await page.evaluate(() => navigator.userAgent),
      viewport,
      dialogBox,
      summary,
      catalogSeconds,
      openSeconds,
      openNote,
      openRows,
      keyReadsSent: keyReads.sent,
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
