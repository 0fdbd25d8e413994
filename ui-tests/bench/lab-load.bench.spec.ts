/**
 * Load benchmark: JupyterLab's load with the extension enabled vs without it.
 *
 * bench/lab_load.py starts three `jupyter lab` servers (the extension with a
 * 5-minute id_token, with an id_token expiring in 2100, and one without the
 * extension) and writes BENCH_INPUT: their URLs, the token files, the rounds.
 * Each round loads JupyterLab once per server in a new browser context (a
 * cold cache, nothing shared), the baseline twice (paired with each token),
 * in an order that alternates from round to round. Measured in the page
 * (performance.now(), from the navigation's start):
 *
 * - restored: `app.restored` resolved (hooked as the app is exposed);
 * - launcher: the first animation frame with the Launcher laid out;
 * - JS bytes: the resource entries of scripts (encoded and decoded sizes);
 * - refreshes: `POST vault-jwt/identity/refresh` requests during the load.
 *
 * The measurements go to BENCH_OUTPUT (JSON); the script computes the ratios.
 */
import { Browser, test } from '@playwright/test';
import * as fs from 'fs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../tests/jwt');

interface IBenchInput {
  rounds: number;
  warmup: number;
  labs: Record<string, { url: string; tokenFile?: string; lifetime?: number }>;
  order: string[][];
}

interface ILoad {
  lab: string;
  round: number;
  position: number;
  restored: number;
  launcher: number;
  jsEncoded: number;
  jsDecoded: number;
  scripts: number;
  refreshes: number;
}

const INPUT_FILE = process.env.BENCH_INPUT as string;
const OUTPUT_FILE = process.env.BENCH_OUTPUT as string;

/** Runs in the page before any of its scripts. */
function hookMarks(): void {
  const marks: Record<string, number> = {};
  (window as any).__loadMarks = marks;
  let app: any;
  Object.defineProperty(window, 'jupyterapp', {
    configurable: true,
    get: () => app,
    set: (value: any) => {
      app = value;
      void value.restored.then(() => {
        marks.restored = performance.now();
      });
    }
  });
  const frame = () => {
    const launcher = document.querySelector('.jp-Launcher');
    if (launcher && launcher.getBoundingClientRect().height > 0) {
      marks.launcher = performance.now();
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

async function load(
  browser: Browser,
  url: string,
  workspace: string
): Promise<Omit<ILoad, 'lab' | 'round' | 'position'>> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let refreshes = 0;
    page.on('request', request => {
      if (
        request.method() === 'POST' &&
        request.url().includes('/vault-jwt/identity/refresh')
      ) {
        refreshes++;
      }
    });
    await page.addInitScript(hookMarks);
    // A new workspace each time: the default layout (a Launcher), nothing
    // restored from an earlier load.
    await page.goto(`${url}/lab/workspaces/${workspace}`);
    await page.waitForFunction(
      () => {
        const marks = (window as any).__loadMarks;
        return marks.restored !== undefined && marks.launcher !== undefined;
      },
      null,
      { timeout: 120_000, polling: 100 }
    );
    const figures = await page.evaluate(() => {
      const marks = (window as any).__loadMarks;
      const scripts = performance
        .getEntriesByType('resource')
        .filter(
          e =>
            (e as PerformanceResourceTiming).initiatorType === 'script' ||
            new URL(e.name).pathname.endsWith('.js')
        ) as PerformanceResourceTiming[];
      return {
        restored: marks.restored as number,
        launcher: marks.launcher as number,
        jsEncoded: scripts.reduce((sum, e) => sum + e.encodedBodySize, 0),
        jsDecoded: scripts.reduce((sum, e) => sum + e.decodedBodySize, 0),
        scripts: scripts.length
      };
    });
    return { ...figures, refreshes };
  } finally {
    await context.close();
  }
}

test('JupyterLab load: with the extension vs without', async ({ browser }) => {
  const input: IBenchInput = JSON.parse(fs.readFileSync(INPUT_FILE, 'utf-8'));
  const loads: ILoad[] = [];
  let n = 0;
  for (let round = -input.warmup; round < input.rounds; round++) {
    const order =
      input.order[(round + input.order.length * 10) % input.order.length];
    for (let position = 0; position < order.length; position++) {
      const name = order[position];
      const lab = input.labs[name];
      if (lab.tokenFile && lab.lifetime) {
        // A token with its whole (short) lifetime ahead at every load; the
        // server reads it on this refresh, outside the timed load.
        writeTokenFile(lab.tokenFile, mintIdToken({}, lab.lifetime));
        const reread = await fetch(`${lab.url}/vault-jwt/identity/refresh`, {
          method: 'POST'
        });
        if (!reread.ok) {
          throw new Error(`refresh before the load: HTTP ${reread.status}`);
        }
      }
      const figures = await load(browser, lab.url, `bench-${n++}`);
      if (round >= 0) {
        loads.push({ lab: name, round, position, ...figures });
      }
    }
  }
  fs.writeFileSync(
    OUTPUT_FILE,
    JSON.stringify({
      userAgent: browser.version(),
      loads
    })
  );
});
