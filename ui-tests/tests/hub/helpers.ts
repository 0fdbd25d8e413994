/**
 * Shared steps of the end-to-end tests against the real stack (Keycloak,
 * JupyterHub, OpenBao) that scripts/test.sh starts on loopback.
 */
import { expect, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const PANEL_ID = 'jp-vault-jwt-panel';

/** The test stack's state directory (scripts/test.sh exports STACK_DIR). */
export const STACK_DIR =
  process.env.STACK_DIR || path.resolve(__dirname, '../../../.stack/test');

/** The repository (the stack scripts live in its scripts/). */
export const REPO = path.resolve(__dirname, '../../..');

/**
 * Run `scripts/<name>.sh <action>` with the test stack's environment (the
 * ports and STACK_DIR that scripts/test.sh exported); throws if it fails.
 */
export function stackScript(name: 'keycloak' | 'hub', action: string): void {
  execFileSync(path.join(REPO, 'scripts', `${name}.sh`), [action], {
    cwd: REPO,
    env: process.env,
    stdio: 'ignore',
    timeout: 240_000
  });
}

/** The pid of the running JupyterHub process (scripts/hub.sh's pid file). */
export function hubPid(): number {
  return Number(
    fs.readFileSync(path.join(STACK_DIR, 'hub', 'jupyterhub.pid'), 'utf8')
  );
}

/** A hub user's home, where the server writes ~/.vault-token and notebooks. */
export function homeOf(user: string): string {
  return path.join(STACK_DIR, 'hub', 'home', user);
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Log in at the hub through Keycloak's own login form and wait for Lab. */
export async function logInThroughKeycloak(
  page: Page,
  user: string,
  password: string
): Promise<void> {
  await page.goto('/hub/oauth_login?next=%2Fhub%2Fspawn');
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(password);
  await page.locator('#kc-login').click();
  await waitForLab(page);
}

/** Wait until JupyterLab has loaded in the page. */
export async function waitForLab(page: Page): Promise<void> {
  await page.waitForURL(/\/user\/[^/]+\/lab/, { timeout: 120_000 });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 120_000
  });
  // Our plugin has activated (the page may still switch workspaces: a
  // navigation meanwhile means "not yet").
  await expect
    .poll(
      () =>
        page
          .evaluate(
            () =>
              window.jupyterapp?.commands.hasCommand('vault-jwt:open-panel') ??
              false
          )
          .catch(() => false),
      { timeout: 60_000 }
    )
    .toBe(true);
  // The restored workspace is in place (it could re-activate an old tab).
  await page.evaluate(() => window.jupyterapp.restored);
}

/** Open the sidebar panel and wait for the Vault session with `policy`. */
export async function openPanel(page: Page, policy: string) {
  // The command (not a click on the tab: that would close a panel the
  // restored workspace already shows).
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('vault-jwt:open-panel')
  );
  const panel = page.locator(`#${PANEL_ID}`);
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('vault-jwt-vault-card')).toContainText(
    policy,
    { timeout: 60_000 }
  );
  // The identity and Vault details (closed by default under the summary).
  const summary = panel.getByTestId('vault-jwt-summary');
  if ((await summary.getAttribute('aria-expanded')) !== 'true') {
    await summary.click();
  }
  await expect(summary).toHaveAttribute('aria-expanded', 'true');
  return panel;
}

/** The server companion's routes of the logged-in user, called from the page. */
export async function companion<T>(
  page: Page,
  route: string,
  method: 'GET' | 'POST' = 'GET'
): Promise<T> {
  return page.evaluate(
    async ([route, method]) => {
      // As JupyterLab itself asks: its token, and the XSRF cookie for cookie auth.
      const settings = window.jupyterapp.serviceManager.serverSettings;
      const headers: Record<string, string> = {};
      if (settings.token) {
        headers.Authorization = `token ${settings.token}`;
      }
      const xsrf = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
      if (xsrf) {
        headers['X-XSRFToken'] = decodeURIComponent(xsrf[1]);
      }
      const response = await fetch(`${settings.baseUrl}vault-jwt/${route}`, {
        credentials: 'same-origin',
        method,
        headers
      });
      if (!response.ok) {
        throw new Error(`${route}: HTTP ${response.status}`);
      }
      return response.json();
    },
    [route, method] as const
  );
}

/** Every readable secret of the user's catalog, as `mount/path`, sorted. */
export async function catalogPaths(page: Page): Promise<string[]> {
  type Paths = string[] | Record<string, string[]>; // grouped by folder
  const reply = await companion<{
    mounts: { path: string; secrets: Paths; unlisted: Paths }[];
  }>(page, 'vault/catalog');
  const joined = (paths: Paths) =>
    Array.isArray(paths)
      ? paths
      : Object.entries(paths).flatMap(([folder, names]) =>
          names.map(name => folder + name)
        );
  const paths = reply.mounts.flatMap(mount =>
    [...joined(mount.secrets), ...joined(mount.unlisted)].map(
      secret => mount.path + secret
    )
  );
  return [...new Set(paths)].sort();
}

/** A new notebook with a Python kernel in the main area. */
export async function newNotebook(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('notebook:create-new', {
      kernelName: 'python3'
    });
  });
  await expect
    .poll(() =>
      page.evaluate(() => {
        const panel = window.jupyterapp.shell.currentWidget as any;
        return panel?.content?.widgets?.length ?? 0;
      })
    )
    .toBeGreaterThan(0);
}

/**
 * Insert a snippet from the palette's picker: type `query`, move the
 * highlight to `id` (and `key`), press Enter.
 */
export async function insertFromPicker(
  page: Page,
  query: string,
  id: string,
  key: string | null
): Promise<void> {
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('vault-jwt:insert-secret');
  });
  const picker = page.getByTestId('vault-jwt-picker');
  const input = picker.getByRole('combobox', {
    name: 'Search secrets and keys'
  });
  await expect(input).toBeFocused();
  await page.keyboard.type(query);
  const option = picker.locator(
    key === null
      ? `[role="option"][data-id="${id}"]:not([data-key])`
      : `[role="option"][data-id="${id}"][data-key="${key}"]`
  );
  await expect(option.first()).toBeVisible();
  for (let i = 0; i < 60; i++) {
    if ((await option.first().getAttribute('aria-selected')) === 'true') {
      break;
    }
    await page.keyboard.press('ArrowDown');
  }
  await expect(option.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(picker).toHaveCount(0);
}

/** The active notebook's cells: their sources and text outputs. */
export async function cells(
  page: Page
): Promise<{ source: string; output: string }[]> {
  return page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const notebook = panel.content;
    return notebook.widgets.map((cell: any) => ({
      source: cell.model.sharedModel.getSource(),
      output: Array.from(
        (cell.node as HTMLElement).querySelectorAll('.jp-OutputArea-output')
      )
        .map(node => node.textContent ?? '')
        .join('')
    }));
  });
}

/**
 * Run the active notebook's cell at `index` and wait until it has run
 * (its execution count is set and the kernel is idle again).
 */
export async function runCell(
  page: Page,
  index: number,
  timeout = 120_000
): Promise<string> {
  await page.evaluate(async index => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget as any;
    app.shell.activateById(panel.id);
    panel.content.activate();
    panel.content.activeCellIndex = index;
    panel.content.deselectAll();
    if (!app.commands.isEnabled('notebook:run-cell')) {
      throw new Error('notebook:run-cell is disabled');
    }
    await app.commands.execute('notebook:run-cell');
  }, index);
  await expect
    .poll(
      () =>
        page.evaluate(index => {
          const panel = window.jupyterapp.shell.currentWidget as any;
          const cell = panel.content.widgets[index];
          const status = panel.sessionContext.session?.kernel?.status;
          return cell.model.executionCount !== null && status === 'idle';
        }, index),
      { timeout }
    )
    .toBe(true);
  return (await cells(page))[index].output.trim();
}

/** Save the active notebook (without the rename-on-first-save dialog). */
export async function saveNotebook(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    await panel.context.save();
  });
}

/** Add a code cell at the end of the active notebook. */
export async function addCell(page: Page, source: string): Promise<number> {
  return page.evaluate(source => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const model = panel.content.model.sharedModel;
    const index = model.cells.length;
    model.insertCell(index, { cell_type: 'code', source, metadata: {} });
    return index;
  }, source);
}

/**
 * Everything the page keeps in the browser: localStorage, sessionStorage
 * and every IndexedDB database (all object stores), as one string.
 */
export async function browserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dump: Record<string, unknown> = {
      local: { ...window.localStorage },
      session: { ...window.sessionStorage }
    };
    const databases = (await indexedDB.databases?.()) ?? [];
    for (const info of databases) {
      if (!info.name) {
        continue;
      }
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        dump[`idb:${info.name}/${store}`] = await new Promise(resolve => {
          const request = db
            .transaction(store, 'readonly')
            .objectStore(store)
            .getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => resolve(`unreadable: ${request.error}`);
        });
      }
      db.close();
    }
    return JSON.stringify(dump);
  });
}

/**
 * The tokens seen during the run (id_tokens, refresh and access tokens,
 * Vault tokens), to look for in logs, notebooks and the browser.
 */
export const seenTokens = new Set<string>();

/**
 * Remember the user's current tokens: the id_token the companion serves and
 * ~/.vault-token. (The hub's access and refresh tokens are out of reach: no
 * token of the user or of their server may read auth_state, so they never
 * reach the server or the browser.)
 */
export async function collectTokens(page: Page, user: string): Promise<void> {
  // GET identity carries claims only; the raw token comes from the copy route.
  const identity = await companion<{ id_token: string | null }>(
    page,
    'identity/token',
    'POST'
  );
  if (identity.id_token) {
    seenTokens.add(identity.id_token);
  }
  const file = path.join(homeOf(user), '.vault-token');
  if (fs.existsSync(file)) {
    seenTokens.add(fs.readFileSync(file, 'utf8').trim());
  }
  const s3 = s3Profile(user);
  for (const name of ['aws_secret_access_key', 'aws_session_token']) {
    if (s3?.[name]) {
      seenTokens.add(s3[name]);
    }
  }
}

/**
 * The keys of the `[jupyter]` profile the user's server keeps in
 * ~/.aws/credentials (object storage), or null when the file or the profile
 * is not there.
 */
export function s3Profile(
  user: string,
  profile = 'jupyter'
): Record<string, string> | null {
  const file = path.join(homeOf(user), '.aws', 'credentials');
  if (!fs.existsSync(file)) {
    return null;
  }
  let section: string | null = null;
  let values: Record<string, string> | null = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const header = line.match(/^\s*\[\s*([^\]]*?)\s*\]/);
    if (header) {
      section = header[1];
      if (section === profile) {
        values = {};
      }
      continue;
    }
    const pair = line.match(/^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/);
    if (pair && section === profile && values) {
      values[pair[1]] = pair[2];
    }
  }
  return values;
}

/** The S3 endpoint the hub gives the servers (scripts/test.sh), or ''. */
export const HUB_S3_ENDPOINT = process.env.HUB_S3_ENDPOINT || '';

/** Fail if any seen token (or a long piece of one) appears in `text`. */
export function expectNoToken(text: string, where: string): void {
  for (const token of seenTokens) {
    // A JWT's payload or signature alone leaks it too (the header does not).
    const parts = token
      .split('.')
      .slice(1)
      .filter(part => part.length >= 20);
    for (const part of [token, ...parts]) {
      expect(text.includes(part), `a token is in ${where}`).toBe(false);
    }
  }
}
