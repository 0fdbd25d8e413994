import AxeBuilder from '@axe-core/playwright';
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as fs from 'fs';

import { lowContrast } from '../contrast';
import { PANEL_ID, panelOf, showDetails, signInAs } from '../panel';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { mintIdToken, writeTokenFile } = require('../jwt');

/*
 * How the panel and the picker look in every theme, and whether everyone
 * can read them: screenshots (Light, Dark, High Contrast at 250 and 400 px)
 * in the states of docs/user-study.md, the contrast ratio of every
 * text/background pair (selected and focused rows included), and axe-core.
 */

const TOKEN_FILE = process.env.UI_TOKEN_FILE as string;
const CONTROL = process.env.UI_FAULT_PROXY_CONTROL as string;
const THEMES: [string, string][] = [
  ['light', 'JupyterLab Light'],
  ['dark', 'JupyterLab Dark'],
  ['hc', 'JupyterLab Dark High Contrast']
];
const WIDTHS = [250, 400];

/** Set the fault proxy between the lab server and OpenBao (tests/faultproxy.py). */
async function fault(mode: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${CONTROL}/mode`, {
    method: 'POST',
    body: JSON.stringify(mode)
  });
  expect(response.ok).toBe(true);
}

/** A request to the test OpenBao as root (set-up only). */
async function bao(
  method: string,
  path: string,
  body?: unknown
): Promise<Response> {
  const root = fs
    .readFileSync(process.env.OPENBAO_ROOT_TOKEN_FILE as string, 'utf8')
    .trim();
  return fetch(`${process.env.OPENBAO_ADDR}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': root },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
}

/**
 * A KV v2 mount `bulk/` of 10,000 secrets (100 folders of 100), readable by
 * the group `bulk` of the test auth method (policy kv-bulk). Written once
 * per OpenBao: a second run finds the last secret and stops.
 */
async function seedBulk(): Promise<void> {
  const mounts = await (await bao('GET', 'sys/mounts')).json();
  if (!('bulk/' in (mounts.data ?? mounts))) {
    const made = await bao('POST', 'sys/mounts/bulk', {
      type: 'kv',
      options: { version: '2' }
    });
    expect(made.ok).toBe(true);
  }
  await bao('PUT', 'sys/policies/acl/kv-bulk', {
    policy: 'path "bulk/*" { capabilities = ["read", "list"] }'
  });
  const auth = await (await bao('GET', 'sys/auth')).json();
  const accessor = (auth.data ?? auth)['jwt-test/'].accessor;
  await bao('POST', 'identity/group/name/bulk-jwt-test', {
    type: 'external',
    policies: ['kv-bulk']
  });
  const group = await (
    await bao('GET', 'identity/group/name/bulk-jwt-test')
  ).json();
  // Already there on a second run (OpenBao answers 400): fine.
  await bao('POST', 'identity/group-alias', {
    name: 'bulk',
    mount_accessor: accessor,
    canonical_id: group.data.id
  });
  if ((await bao('GET', 'bulk/metadata/team-99/item-09999')).status === 200) {
    return;
  }
  const paths: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const team = String(Math.floor(i / 100)).padStart(2, '0');
    paths.push(`team-${team}/item-${String(i).padStart(5, '0')}`);
  }
  const write = async (path: string) => {
    // A new KV v2 mount answers "upgrading" for a moment: try again.
    await expect(async () => {
      const reply = await bao('POST', `bulk/data/${path}`, {
        data: { username: 'u', password: 'not-a-real-secret' }
      });
      expect(reply.ok).toBe(true);
    }).toPass({ timeout: 30_000 });
  };
  const workers = Array.from({ length: 16 }, async (_, w) => {
    for (let i = w; i < paths.length; i += 16) {
      await write(paths[i]);
    }
  });
  await Promise.all(workers);
}

/** Moving text (countdowns, "updated 3 min ago") is masked in screenshots. */
function moving(panel: Locator): Locator[] {
  return [
    panel.locator('[data-field="time-left"]'),
    panel.locator('[data-field="version"]'),
    panel.locator('[data-field="versions"]')
  ];
}

/** Screenshots of the panel in every theme and width. */
async function shoot(page: IJupyterLabPageFixture, state: string) {
  const panel = panelOf(page);
  for (const [short, theme] of THEMES) {
    await page.theme.setTheme(theme);
    for (const width of WIDTHS) {
      await page.sidebar.setWidth(width, 'left');
      // No hover effect from where the mouse happens to be.
      await page.mouse.move(900, 400);
      await expect(panel).toHaveScreenshot(
        `panel-${state}-${short}-${width}.png`,
        {
          mask: moving(panel),
          maxDiffPixelRatio: 0.02,
          animations: 'disabled',
          caret: 'hide'
        }
      );
    }
  }
  await page.theme.setTheme('JupyterLab Light');
}

/** axe-core on one part of the page: no violation. */
async function expectNoAxeViolations(
  page: IJupyterLabPageFixture,
  selector: string,
  theme: string
): Promise<void> {
  const results = await new AxeBuilder({ page }).include(selector).analyze();
  const found = results.violations.map(
    v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`
  );
  expect(found, theme).toEqual([]);
}

/**
 * In every theme: no text/background pair under 4.5:1 (tests/contrast.ts)
 * and no axe-core violation in `selector`; back to the Light theme after.
 */
async function expectReadableInEveryTheme(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<void> {
  for (const [, theme] of THEMES) {
    await page.theme.setTheme(theme);
    // No hover effect from where the mouse happens to be.
    await page.mouse.move(900, 400);
    expect(await lowContrast(page, selector), theme).toEqual([]);
    await expectNoAxeViolations(page, selector, theme);
  }
  await page.theme.setTheme('JupyterLab Light');
}

test.describe('the panel in every theme (screenshots, contrast, axe-core)', () => {
  test.skip(
    !process.env.OPENBAO_ADDR,
    'needs OpenBao (scripts/test.sh starts it)'
  );
  test.describe.configure({ timeout: 300_000 });

  test.beforeEach(async ({ page }) => {
    await fault({ mode: 'pass' });
    writeTokenFile(TOKEN_FILE, mintIdToken({ groups: ['management'] }, 600));
    await page.sidebar.openTab(PANEL_ID);
    await signInAs(page, ['management']);
    const panel = panelOf(page);
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    await expect(
      panel.getByTestId('vault-jwt-tree').locator('[data-path="secret/"]')
    ).toBeVisible();
  });

  test.afterEach(async ({ page }) => {
    await fault({ mode: 'pass' });
    // Whatever a test left (another group's session), the next spec file
    // starts from the management session.
    await signInAs(page, ['management']);
  });

  test('logged in, a secret selected and the tree focused: readable in every theme', async ({
    page
  }) => {
    const panel = panelOf(page);
    await panel.getByLabel('Search secrets').fill('billing');
    const tree = panel.getByTestId('vault-jwt-tree');
    await tree.locator('[data-path="secret/apps/billing/db"]').click();
    await expect(panel.getByTestId('vault-jwt-keys')).toContainText('password');
    // The focused row (keyboard) apart from the selected one.
    await expect(tree).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(tree.locator('.jp-mod-active')).toHaveAttribute(
      'data-path',
      'secret/apps/billing/stripe'
    );
    // The details too (claims, countdown, Vault facts).
    await showDetails(page);
    await expectReadableInEveryTheme(page, `#${PANEL_ID}`);
    await panel.getByTestId('vault-jwt-summary').click();
    await tree.focus();
    await shoot(page, 'logged-in');
  });

  test('the picker: highlighted row and matches readable in every theme', async ({
    page
  }) => {
    // Not awaited in the page: the command waits for the dialog.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('vault-jwt:insert-secret');
    });
    const picker = page.getByTestId('vault-jwt-picker');
    await expect(picker).toBeVisible();
    // Keys typed before the search box has the focus would be lost.
    await expect(
      picker.getByRole('combobox', { name: 'Search secrets and keys' })
    ).toBeFocused();
    await page.keyboard.type('bill db');
    await expect(picker.locator('[role="option"]').first()).toHaveAttribute(
      'aria-selected',
      'true'
    );
    await expect(picker.locator('mark').first()).toBeVisible();
    for (const [short, theme] of THEMES) {
      await page.theme.setTheme(theme);
      await page.mouse.move(5, 5);
      expect(
        await lowContrast(page, '.jp-VaultJwt-pickerDialog .jp-Dialog-content'),
        theme
      ).toEqual([]);
      await expectNoAxeViolations(page, '.jp-VaultJwt-pickerDialog', theme);
      await expect(
        page.locator('.jp-VaultJwt-pickerDialog .jp-Dialog-content')
      ).toHaveScreenshot(`picker-${short}.png`, {
        maxDiffPixelRatio: 0.02,
        animations: 'disabled',
        caret: 'hide'
      });
    }
    await page.keyboard.press('Escape');
    await page.theme.setTheme('JupyterLab Light');
  });

  test('logged out: one Log in button, no token file line; the picker offers Log in', async ({
    page
  }) => {
    const panel = panelOf(page);
    const session = panel.getByTestId('vault-jwt-session');
    await session.getByRole('button', { name: /Log out/ }).click();
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'Logged out of Vault'
    );
    await expect(
      panel
        .getByTestId('vault-jwt-vault-card')
        .locator('[data-field="token-file"]')
    ).toHaveCount(0);
    await expectReadableInEveryTheme(page, `#${PANEL_ID}`);
    await shoot(page, 'logged-out');
    // The picker logged out: the notice with its Log in button, no list.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('vault-jwt:insert-secret');
    });
    const picker = page.getByTestId('vault-jwt-picker');
    await expect(picker).toBeVisible();
    await expect(
      picker
        .locator('.jp-VaultJwt-pickerNotice')
        .getByRole('button', { name: 'Log in' })
    ).toBeVisible();
    await expect(picker.locator('[role="option"]')).toHaveCount(0);
    await expectReadableInEveryTheme(page, '.jp-VaultJwt-pickerDialog');
    for (const [short, theme] of THEMES) {
      await page.theme.setTheme(theme);
      await page.mouse.move(5, 5);
      await expect(
        page.locator('.jp-VaultJwt-pickerDialog .jp-Dialog-content')
      ).toHaveScreenshot(`picker-logged-out-${short}.png`, {
        maxDiffPixelRatio: 0.02,
        animations: 'disabled',
        caret: 'hide'
      });
    }
    await page.theme.setTheme('JupyterLab Light');
    await page.keyboard.press('Escape');
    await expect(picker).toHaveCount(0);
    await session.getByRole('button', { name: /Log in/ }).click();
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
  });

  test('Vault down: one plain sentence and Retry where the state is; gone after recovery', async ({
    page
  }) => {
    const panel = panelOf(page);
    await fault({ mode: 'closed' });
    await panel.getByRole('button', { name: /Reload catalog/ }).click();
    const problem = panel.getByTestId('vault-jwt-problem');
    await expect(problem).toHaveAttribute('data-code', 'vault_unreachable', {
      timeout: 30_000
    });
    await expect(problem.getByRole('alert')).toHaveCount(0); // not nested
    await expectReadableInEveryTheme(page, `#${PANEL_ID}`);
    await shoot(page, 'vault-down');
    await fault({ mode: 'pass' });
    await expect(async () => {
      const retry = problem.getByRole('button', { name: 'Retry' });
      if (await retry.isVisible()) {
        await retry.click();
      }
      await expect(problem).toHaveCount(0, { timeout: 5_000 });
    }).toPass({ timeout: 90_000 });
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'Logged in'
    );
  });

  test('catalog empty: says so in plain words, readable in every theme', async ({
    page
  }) => {
    const panel = panelOf(page);
    await signInAs(page, []);
    await expect(panel.getByTestId('vault-jwt-summary')).not.toContainText(
      'kv-all',
      { timeout: 30_000 }
    );
    await expect(panel.getByText(/No secret store \(KV mount\)/)).toBeVisible({
      timeout: 30_000
    });
    await expectReadableInEveryTheme(page, `#${PANEL_ID}`);
    await shoot(page, 'catalog-empty');
    await signInAs(page, ['management']);
  });

  test('10,000 secrets: the tree fills the panel, one scrollbar, readable in every theme', async ({
    page
  }) => {
    test.setTimeout(600_000);
    await seedBulk();
    const panel = panelOf(page);
    await signInAs(page, ['bulk']);
    await expect(panel.getByTestId('vault-jwt-summary')).toContainText(
      'kv-bulk',
      { timeout: 60_000 }
    );
    await expect(panel.locator('[data-field="summary"]')).toContainText(
      '10000 secrets',
      { timeout: 120_000 }
    );
    // On a busy machine a request of this large build may fail after its
    // retries (the lab's server gives each 3 s, for the fault tests: a part
    // then shown as missing, the rest kept: issue 13); the picture is of a
    // whole catalog, so read it again (a few times at most: under a load
    // of 10 on two cores, four builds in a row each lost a part).
    const missing = panel.getByText(/parts? of the catalog could not be read/);
    for (
      let attempt = 0;
      attempt < 6 && (await missing.count()) > 0;
      attempt++
    ) {
      await panel.getByRole('button', { name: /Reload catalog/ }).click();
      await expect(panel.locator('[data-field="summary"]')).toContainText(
        '10000 secrets',
        { timeout: 120_000 }
      );
      await expect(
        panel.getByRole('button', { name: /Reload catalog/ })
      ).toBeEnabled({ timeout: 120_000 });
    }
    await expect(missing).toHaveCount(0);
    const tree = panel.getByTestId('vault-jwt-tree');
    await expect(tree.locator('[data-path="bulk/team-00/"]')).toBeVisible();
    // The tree takes the height below the header: most of the panel.
    const [panelBox, treeBox] = [
      await panel.boundingBox(),
      await tree.boundingBox()
    ];
    expect(treeBox!.height / panelBox!.height).toBeGreaterThan(0.6);
    await expectReadableInEveryTheme(page, `#${PANEL_ID}`);
    await shoot(page, 'many-secrets');
    await signInAs(page, ['management']);
  });
});
