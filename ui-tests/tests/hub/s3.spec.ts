/**
 * Object storage through the hub (issue 15's "Done when"): the real stack
 * of scripts/test.sh (Keycloak, JupyterHub, OpenBao) plus SeaweedFS, whose
 * STS trusts that Keycloak. The hub gives each server the STS endpoint and
 * the role of its user's group (HUB_S3_ENDPOINT, demo/jupyterhub_config.py):
 * alice (management) reads bucket management-data, bob (reader) reader-data
 * (seeded by scripts/seaweedfs.sh with team.csv in each).
 */
import { expect, Page, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import {
  HUB_S3_ENDPOINT,
  STACK_DIR,
  browserStorage,
  cells,
  collectTokens,
  expectNoToken,
  homeOf,
  logInThroughKeycloak,
  newNotebook,
  openPanel,
  runCell,
  s3Profile,
  saveNotebook,
  seenTokens
} from './helpers';

test.describe.configure({ mode: 'serial' });

// Without SeaweedFS, scripts/test.sh has counted its start as a failure and
// started the hub without object storage: these tests say so and skip.
test.skip(
  !HUB_S3_ENDPOINT,
  'HUB_S3_ENDPOINT is not set: SeaweedFS is not running (see scripts/test.sh)'
);

/** The S3 secret keys and session tokens seen (also in `seenTokens`). */
const s3Secrets = new Set<string>();

/** Remember the user's tokens, S3 ones included (helpers.collectTokens). */
async function remember(page: Page, user: string): Promise<void> {
  await collectTokens(page, user);
  const profile = s3Profile(user);
  for (const name of ['aws_secret_access_key', 'aws_session_token']) {
    if (profile?.[name]) {
      s3Secrets.add(profile[name]);
    }
  }
}

/** Seconds of an `m:ss` or `h:mm:ss` countdown. */
function seconds(text: string): number {
  return text
    .trim()
    .split(':')
    .reduce((total, part) => total * 60 + Number(part), 0);
}

/** The Object storage card, once it holds credentials and their buckets. */
async function s3Card(page: Page, policy: string, role: string) {
  const panel = await openPanel(page, policy);
  const card = panel.getByTestId('vault-jwt-s3-card');
  await expect(card.locator('[data-field="endpoint"]')).toHaveText(
    HUB_S3_ENDPOINT,
    { timeout: 60_000 }
  );
  await expect(card.locator('[data-field="role"]')).toHaveText(
    `arn:aws:iam::role/${role}`
  );
  await expect(card.locator('[data-field="expires"]')).toHaveText(
    /^\d+:\d\d$/,
    { timeout: 60_000 }
  );
  return card;
}

/** The bucket names the card lists. */
async function listedBuckets(card: ReturnType<Page['locator']>) {
  const names = card.locator('[data-field="buckets"] .jp-VaultJwt-bucketName');
  await expect(names.first()).toBeVisible({ timeout: 60_000 });
  return (await names.allTextContents()).sort();
}

test('alice: the Object storage card counts down, lists her bucket; the CSV snippet reads it into pandas', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'alice', 'alice-password');
  await newNotebook(page);
  const card = await s3Card(page, 'kv-all', 'jupyter-management');
  const expires = card.locator('[data-field="expires"]');
  const first = seconds(await expires.innerText());
  // Credentials of 900 s (the hub's pre_spawn_hook), renewed long before.
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(900);
  // It moves (a renewal after a new id_token may also move it up).
  await expect
    .poll(async () => seconds(await expires.innerText()), { timeout: 30_000 })
    .not.toBe(first);
  expect(await listedBuckets(card)).toEqual(['management-data']);

  // The profile the kernels read: 0600, alice's keys only.
  const file = path.join(homeOf('alice'), '.aws', 'credentials');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const profile = s3Profile('alice');
  expect(profile?.aws_access_key_id).toBeTruthy();
  expect(profile?.aws_session_token).toBeTruthy();
  await remember(page, 'alice');

  // The snippet of one object, as the card's Insert of a bucket inserts its
  // listing (the command takes the object's key).
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('vault-jwt:s3-insert-snippet', {
      bucket: 'management-data',
      key: 'team.csv'
    })
  );
  await expect.poll(async () => (await cells(page)).length).toBe(2);
  const source = (await cells(page))[1].source;
  expect(source).toContain('pd.read_csv(io.BytesIO(body))');
  expect(source).not.toContain(profile!.aws_access_key_id);
  const output = await runCell(page, 1);
  // The DataFrame's HTML table: a header and the CSV's two rows.
  expect(output).toMatch(/name\s*team/);
  expect(output).toMatch(/0\s*alice\s*management-data/);
  expect(output).toMatch(/1\s*bob\s*management-data/);
  // The cell's output is a table of two rows (in this notebook: the restored
  // workspace may hold other notebooks with tables).
  const rows = await page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const cell = panel.content.widgets[1].node as HTMLElement;
    return cell.querySelectorAll('.jp-OutputArea-output table tbody tr').length;
  });
  expect(rows).toBe(2);

  await saveNotebook(page);
  await remember(page, 'alice');
  expectNoToken(await browserStorage(page), "alice's browser storage");
});

test('bob: only his bucket and his role; Revoke removes the profile, Renew brings it back', async ({
  page
}) => {
  await logInThroughKeycloak(page, 'bob', 'bob-password');
  const card = await s3Card(page, 'kv-reader', 'jupyter-reader');
  expect(await listedBuckets(card)).toEqual(['reader-data']);
  await expect(card).not.toContainText('management-data');
  await remember(page, 'bob');
  const aliceKeys = s3Profile('alice');
  const bobKeys = s3Profile('bob');
  expect(bobKeys?.aws_access_key_id).toBeTruthy();
  expect(bobKeys?.aws_access_key_id).not.toBe(aliceKeys?.aws_access_key_id);

  await card.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(card.locator('[data-field="expires"]')).toHaveText('revoked');
  await expect.poll(() => s3Profile('bob') === null).toBe(true);
  await card.getByRole('button', { name: 'Renew', exact: true }).click();
  await expect(card.locator('[data-field="expires"]')).toHaveText(
    /^\d+:\d\d$/,
    { timeout: 60_000 }
  );
  await expect
    .poll(() => s3Profile('bob')?.aws_access_key_id ?? null)
    .toBeTruthy();
  await remember(page, 'bob');
  expectNoToken(await browserStorage(page), "bob's browser storage");
});

test('no S3 secret key or session token in the hub log, the servers’ logs or the notebooks', async () => {
  // alice's and bob's, and bob's again after Renew.
  expect(s3Secrets.size).toBeGreaterThanOrEqual(6);
  for (const secret of s3Secrets) {
    expect(seenTokens.has(secret)).toBe(true);
  }
  const hubLog = fs.readFileSync(
    path.join(STACK_DIR, 'hub', 'jupyterhub.log'),
    'utf8'
  );
  // The single-user servers log into the hub's log, at DEBUG.
  expect(hubLog).toMatch(/\[D [^\]]*SingleUserLabApp|\[D [^\]]*ServerApp/);
  expectNoToken(hubLog, 'the hub log');
  for (const user of ['alice', 'bob']) {
    for (const name of fs.readdirSync(homeOf(user))) {
      if (name.endsWith('.ipynb')) {
        const text = fs.readFileSync(path.join(homeOf(user), name), 'utf8');
        expectNoToken(text, `${user}/${name}`);
      }
    }
  }
});
