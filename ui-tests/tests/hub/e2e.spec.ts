/**
 * The whole flow on the real stack: Keycloak login form -> JupyterHub ->
 * single-user JupyterLab -> OpenBao -> snippet run in a real kernel, with
 * short token lifespans (60 s id_tokens, 2-minute Vault tokens: see
 * scripts/test.sh), logout, a server restart from the hub, and a search for
 * every token seen in the logs, the notebooks and the browser's storage.
 */
import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import {
  HUB_S3_ENDPOINT,
  STACK_DIR,
  addCell,
  browserStorage,
  catalogPaths,
  cells,
  collectTokens,
  companion,
  expectNoToken,
  homeOf,
  insertFromPicker,
  logInThroughKeycloak,
  newNotebook,
  openPanel,
  runCell,
  s3Profile,
  saveNotebook,
  seenTokens,
  sha256,
  waitForLab
} from './helpers';

// Seeded by demo/openbao_seed.py (fake values).
const ALICE_READS = [
  'legacy/ci/deploy-token',
  'legacy/ldap/bind',
  'secret/apps/billing/db',
  'secret/apps/billing/stripe',
  'secret/apps/portal/oauth',
  'secret/management/board/minutes-key',
  'secret/management/payroll/bank',
  'secret/shared/it\'s "quoted" ünïcode',
  'secret/shared/smtp',
  'team-kv/data-science/s3/readonly',
  'team-kv/data-science/warehouse'
];
const BOB_READS = [
  'secret/apps/billing/db',
  'secret/management/board/minutes-key',
  'secret/shared/it\'s "quoted" ünïcode',
  'secret/shared/smtp',
  'team-kv/data-science/s3/readonly',
  'team-kv/data-science/warehouse'
];
const BILLING_DB_PASSWORD = 'demo-only-billing-db-password';
const MINUTES_KEY = 'demo-only-board-minutes-key';
const OPENBAO_ADDR = process.env.OPENBAO_ADDR || 'http://127.0.0.1:18200';

test.describe.configure({ mode: 'serial' });

test('alice: her identity, all her secrets, a snippet from the palette runs', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  const panel = await openPanel(page, 'kv-all');
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
    'alice'
  );
  await expect(panel.locator('[data-claim="groups"]')).toContainText(
    'management'
  );
  expect(await catalogPaths(page)).toEqual(ALICE_READS);

  await newNotebook(page);
  await insertFromPicker(
    page,
    'billing db pass',
    'secret/apps/billing/db',
    'password'
  );
  await expect.poll(async () => (await cells(page)).length).toBe(2);
  const source = (await cells(page))[1].source;
  expect(source).toContain('hvac.Client(');
  expect(source).not.toContain(BILLING_DB_PASSWORD);
  await runCell(page, 1);
  const digest = await addCell(
    page,
    'import hashlib; print(hashlib.sha256(db_password.encode()).hexdigest())'
  );
  expect(await runCell(page, digest)).toBe(sha256(BILLING_DB_PASSWORD));

  await saveNotebook(page);
  await collectTokens(page, 'alice');
  expectNoToken(await browserStorage(page), "alice's browser storage");
});

test('bob: only his secrets, the exact-path one inserted from the tree runs', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'bob', 'bob-password');
  // The notebook first: opening it may collapse the sidebar.
  await newNotebook(page);
  const panel = await openPanel(page, 'kv-reader');
  await expect(panel.locator('[data-claim="preferred_username"]')).toHaveText(
    'bob'
  );
  expect(await catalogPaths(page)).toEqual(BOB_READS);

  await panel.getByLabel('Search secrets').fill('minutes');
  const row = panel
    .getByTestId('vault-jwt-tree')
    .locator('[data-path="secret/management/board/minutes-key"]');
  await row.click();
  const insert = panel
    .getByTestId('vault-jwt-keys')
    .getByRole('button', { name: 'Insert a snippet that reads the key key' });
  await expect(insert).toBeEnabled();
  await insert.click();
  await expect.poll(async () => (await cells(page)).length).toBe(2);
  await runCell(page, 1);
  const digest = await addCell(
    page,
    'import hashlib; print(hashlib.sha256(minutes_key_key.encode()).hexdigest())'
  );
  expect(await runCell(page, digest)).toBe(sha256(MINUTES_KEY));

  await saveNotebook(page);
  await collectTokens(page, 'bob');
  expectNoToken(await browserStorage(page), "bob's browser storage");
});

test('alice: a kernel reads a secret and an S3 object every 5 s for 3.5 minutes while every token and S3 key is replaced; no read fails', async ({
  page
}) => {
  test.setTimeout(480_000);
  // Each test has its own browser context: log in again.
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  await newNotebook(page);
  await openPanel(page, 'kv-all');
  await insertFromPicker(
    page,
    'billing db pass',
    'secret/apps/billing/db',
    'password'
  );
  await expect.poll(async () => (await cells(page)).length).toBe(2);
  await runCell(page, 1);
  // With object storage (SeaweedFS, scripts/test.sh), the same loop also reads
  // alice's CSV with the inserted S3 snippet (a fresh boto3 session from the
  // profile each time) while the server re-assumes the role after each new
  // id_token.
  const s3 = !!HUB_S3_ENDPOINT;
  if (s3) {
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('vault-jwt:s3-insert-snippet', {
        bucket: 'management-data',
        key: 'team.csv'
      })
    );
    await expect.poll(async () => (await cells(page)).length).toBe(3);
    expect(await runCell(page, 2)).toMatch(/alice\s*management-data/);
  }
  // Each read runs the inserted snippet again, as a user re-running the cell would.
  const loop = await addCell(
    page,
    [
      'import boto3, hashlib, time',
      s3 ? 'snippet, s3_snippet = _ii, _i' : 'snippet, s3_snippet = _i, None',
      'reads, failures, digests = 0, [], set()',
      's3_reads, s3_failures, shapes, s3_keys = 0, [], set(), set()',
      'for _ in range(42):',
      '    try:',
      '        exec(snippet)',
      '        digests.add(hashlib.sha256(db_password.encode()).hexdigest())',
      '        reads += 1',
      '    except Exception as e:',
      '        failures.append(type(e).__name__)',
      '    if s3_snippet:',
      '        try:',
      '            exec(s3_snippet)',
      '            shapes.add(df.shape)',
      '            creds = boto3.Session(profile_name="jupyter").get_credentials()',
      '            s3_keys.add(creds.access_key)',
      '            s3_reads += 1',
      '        except Exception as e:',
      '            s3_failures.append(type(e).__name__)',
      '    time.sleep(5)',
      'print(reads, len(failures), sorted(set(failures)), sorted(digests))',
      // The number of access keys, not the keys.
      'print("s3", s3_reads, len(s3_failures), sorted(set(s3_failures)), sorted(shapes), len(s3_keys))'
    ].join('\n')
  );
  const first = await companion<{
    fetched_at: number;
    token_id: string;
  }>(page, 'identity');
  const firstVault = await companion<{ token: { accessor: string } }>(
    page,
    'vault'
  );
  const running = runCell(page, loop, 360_000);
  // Meanwhile, remember every token the session goes through.
  const accessors = new Set([firstVault.token.accessor]);
  const idTokens = new Set([first.token_id]);
  let done = false;
  running.finally(() => (done = true));
  while (!done) {
    await page.waitForTimeout(10_000);
    await collectTokens(page, 'alice');
    const identity = await companion<{ token_id: string }>(page, 'identity');
    idTokens.add(identity.token_id);
    const vault = await companion<{ token: { accessor: string } | null }>(
      page,
      'vault'
    );
    if (vault.token) {
      accessors.add(vault.token.accessor);
    }
  }
  const [output, s3Output] = (await running).split('\n');
  expect(output).toBe(`42 0 [] ['${sha256(BILLING_DB_PASSWORD)}']`);
  if (s3) {
    // 42 reads of the 2-row CSV, none failed, with at least 2 access keys:
    // the credentials were replaced while the kernel kept running.
    const match = s3Output.match(/^s3 42 0 \[\] \[\(2, 2\)\] (\d+)$/);
    expect(match, s3Output).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(2);
  } else {
    expect(s3Output).toBe('s3 0 0 [] [] 0');
  }
  // The id_token was refreshed and the Vault token re-issued, unattended.
  expect(idTokens.size).toBeGreaterThan(2);
  expect(accessors.size).toBeGreaterThan(2);
  await saveNotebook(page);
  expectNoToken(await browserStorage(page), "alice's browser storage");
});

test('alice: Log out revokes the Vault token and removes ~/.vault-token; stopping the server removes the S3 profile; a server restart from the hub brings it all back', async ({
  page
}) => {
  test.setTimeout(300_000);
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  const panel = await openPanel(page, 'kv-all');
  const file = path.join(homeOf('alice'), '.vault-token');
  await expect.poll(() => fs.existsSync(file)).toBe(true);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const token = fs.readFileSync(file, 'utf8').trim();
  seenTokens.add(token);

  if (HUB_S3_ENDPOINT) {
    await expect
      .poll(() => s3Profile('alice'), { timeout: 60_000 })
      .not.toBeNull();
  }

  const card = panel.getByTestId('vault-jwt-vault-card');
  await panel
    .getByTestId('vault-jwt-session')
    .getByRole('button', { name: /Log out/ })
    .click();
  await expect(card).not.toContainText('kv-all');
  await expect.poll(() => fs.existsSync(file)).toBe(false);
  const lookup = await fetch(`${OPENBAO_ADDR}/v1/auth/token/lookup-self`, {
    headers: { 'X-Vault-Token': token }
  });
  expect(lookup.status).toBe(403);

  // Stop and start the server from the hub's home page: no manual step after.
  await page.goto('/hub/home');
  await page.locator('#stop').click();
  await expect(page.locator('#start')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#stop')).toBeHidden({ timeout: 60_000 });
  // The server's shutdown removed the S3 profile from ~/.aws/credentials.
  await expect.poll(() => s3Profile('alice') === null).toBe(true);
  await page.locator('#start').click();
  await waitForLab(page);
  await openPanel(page, 'kv-all');
  await expect.poll(() => fs.existsSync(file), { timeout: 60_000 }).toBe(true);
  if (HUB_S3_ENDPOINT) {
    await expect
      .poll(() => s3Profile('alice'), { timeout: 60_000 })
      .not.toBeNull();
  }
  expect(await catalogPaths(page)).toEqual(ALICE_READS);
  await collectTokens(page, 'alice');
});

test('no token in the hub log, the single-user servers’ DEBUG logs or the saved notebooks', async () => {
  expect(seenTokens.size).toBeGreaterThan(6);
  const hubLog = fs.readFileSync(
    path.join(STACK_DIR, 'hub', 'jupyterhub.log'),
    'utf8'
  );
  // The single-user servers log into the hub's log, at DEBUG.
  expect(hubLog).toMatch(/\[D [^\]]*SingleUserLabApp|\[D [^\]]*ServerApp/);
  expectNoToken(hubLog, 'the hub log');
  let notebooks = 0;
  for (const user of ['alice', 'bob']) {
    for (const name of fs.readdirSync(homeOf(user))) {
      if (name.endsWith('.ipynb')) {
        notebooks++;
        const text = fs.readFileSync(path.join(homeOf(user), name), 'utf8');
        expectNoToken(text, `${user}/${name}`);
        expect(text).not.toContain(BILLING_DB_PASSWORD);
        expect(text).not.toContain(MINUTES_KEY);
      }
    }
  }
  expect(notebooks).toBeGreaterThanOrEqual(3);
});
