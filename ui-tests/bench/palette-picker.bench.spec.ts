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
 * The timestamps of every keystroke are keystrokes.ts's. The DOM read at
 * tInput and tPaint (sig): the match count, the options, the first option,
 * the active descendant; at tPaint the options' ids and keys too (for the
 * checks).
 *
 * The baseline types the same keys into a plain <input> appended to the
 * dialog's content, outside React's root (the dialog is modal and keeps the
 * focus inside itself): JupyterLab's and the dialog's keydown handling run,
 * React does nothing.
 *
 * Key names: 150 ms after the results rest (KEYS_DELAY_MS, src/picker/model.ts)
 * the picker reads the key names of the highlighted and best-ranked secrets,
 * and each reply adds candidates. The spec waits for every read to be over
 * after each phase; the page records every reply (Resource Timing), so the
 * checks know which key names the picker had at each keystroke.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page, Request } from '@playwright/test';
import * as fs from 'fs';

import { IKeystrokeInput, runKeystrokes } from './keystrokes';

const PANEL_ID = 'jp-vault-jwt-panel';
const COMMAND = 'vault-jwt:insert-secret';
const NOTEBOOK = 'picker-bench.ipynb';
const KEYS_ROUTE = '/vault-jwt/vault/secret/keys';

interface IBenchInput extends IKeystrokeInput {
  total: number;
  mounts: string[];
  /** How long the picker waits before reading key names (ms). */
  keysDelayMs: number;
}

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

/** Runs in the page: the inputs typed into and what the DOM shows (keystrokes.ts). */
function installTargets(): boolean {
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

  (window as any).__bench = {
    targets: { picker: search, baseline },
    sig,
    atPaint: (record: any) => ({
      shown: record.kind === 'picker' ? shown() : null
    })
  };
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
    new RegExp(`\\d[\\d,.]* secrets? · ${input.mounts.length} mounts`),
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

  expect(await page.evaluate(installTargets)).toBe(true);
  const { profile, idle, ...measured } = await runKeystrokes(
    page,
    browser,
    'picker',
    input,
    async kind => {
      if (kind === 'picker') {
        await keyReads.settle(rawPage, input.keysDelayMs);
      }
    }
  );
  const data = {
    ...measured,
    keyReads: await page.evaluate(() => (window as any).__pickerBenchKeyReads)
  };
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
      idle,
      ...data
    })
  );
  if (profile) {
    fs.writeFileSync(`${OUTPUT_FILE}.profile.json`, JSON.stringify(profile));
  }
});
