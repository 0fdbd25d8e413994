/**
 * Filter benchmark: the time per keystroke in the sidebar's search box, from
 * the key event to the frame painted with the filtered tree.
 *
 * bench/filter_keystroke.py starts OpenBao (10,000 secrets) and `jupyter lab`,
 * writes the key script to BENCH_INPUT and reads the measurements from
 * BENCH_OUTPUT. Keys are real key presses (CDP Input.dispatchKeyEvent through
 * page.keyboard), one at a time, with a pause between them like typing.
 *
 * The timestamps of every keystroke are keystrokes.ts's. The DOM read at
 * tInput and tPaint (sig): the match count, the spacer's height (all rows x
 * 24 px), the rows in the DOM.
 *
 * The baseline types the same keys into a plain <input> outside the panel
 * (JupyterLab's own keydown handling still runs, React does nothing).
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';

import { IKeystrokeInput, runKeystrokes } from './keystrokes';

const PANEL_ID = 'jp-vault-jwt-panel';

interface IBenchInput extends IKeystrokeInput {
  total: number;
  mounts: string[];
}

const INPUT_FILE = process.env.BENCH_INPUT as string;
const OUTPUT_FILE = process.env.BENCH_OUTPUT as string;

/** Runs in the page: the inputs typed into and what the DOM shows (keystrokes.ts). */
function installTargets(panelId: string): void {
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

  (window as any).__bench = { targets: { tree: search, baseline }, sig };
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
    new RegExp(`\\d[\\d,.]* secrets? · ${input.mounts.length} mounts`),
    { timeout: 180_000 }
  );
  await expect(tree.locator(`[data-path="${input.mounts[0]}"]`)).toBeVisible();
  const mountsInDom = await tree
    .locator('[data-kind="mount"]')
    .evaluateAll(rows => rows.map(row => row.getAttribute('data-path')));
  expect(mountsInDom).toEqual(input.mounts.slice(0, mountsInDom.length));
  const summary = await panel.locator('[data-field="summary"]').textContent();
  const catalogSeconds = (Date.now() - started) / 1000;

  // Opening the panel with the catalog in memory: from the command that
  // shows it to the end of the frame that paints its tree's rows.
  const panelOpenMs: number[] = [];
  for (let i = 0; i < 7; i++) {
    await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft());
    await expect(tree).toBeHidden();
    panelOpenMs.push(
      await page.evaluate(async (panelId: string) => {
        const t0 = performance.now();
        (window as any).jupyterapp.shell.activateById(panelId);
        const painted = () =>
          new Promise<void>(resolve =>
            requestAnimationFrame(() => setTimeout(resolve, 0))
          );
        for (;;) {
          await painted();
          const el = document.getElementById(panelId);
          const rows = el?.querySelectorAll('[role="treeitem"]').length ?? 0;
          if (el && el.offsetParent !== null && rows > 0) {
            return performance.now() - t0;
          }
        }
      }, PANEL_ID)
    );
  }
  const search = panel.getByLabel('Search secrets');
  await expect(search).toHaveValue('');

  await page.evaluate(installTargets, PANEL_ID);
  const { profile, idle, ...data } = await runKeystrokes(
    page,
    browser,
    'tree',
    input
  );
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
      panelOpenMs,
      idle,
      ...data
    })
  );
  if (profile) {
    fs.writeFileSync(`${OUTPUT_FILE}.profile.json`, JSON.stringify(profile));
  }
});
