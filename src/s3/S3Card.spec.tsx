import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot } from 'react-dom/client';

import { ApiError } from '../request';
import { IS3Listing, IS3ObjectsClient, S3Browser } from './browser';
import { IS3CardProps, S3Card } from './S3Card';
import { IS3Reply } from './model';

const trans = nullTranslator.load('test');

const status: IS3Reply = {
  configured: true,
  endpoint: 'http://127.0.0.1:18300',
  s3_endpoint: 'http://127.0.0.1:18300',
  role_arn: 'arn:aws:iam::role/jupyter-reader',
  region: 'us-east-1',
  profile: 'jupyter',
  credentials_file: '/home/bob/.aws/credentials',
  tls_verify: true,
  tls_warning: null,
  active: true,
  expiration: 1_800_000_900,
  issued_at: 1_800_000_000,
  assumed_role_arn: null,
  revoked_by_user: false,
  error: null,
  hint: null
};

function render(patch: Partial<IS3CardProps>): {
  host: HTMLElement;
  calls: string[];
} {
  const calls: string[] = [];
  const host = document.createElement('div');
  document.body.appendChild(host);
  act(() => {
    createRoot(host).render(
      <S3Card
        state={{
          status,
          buckets: ['reader-data'],
          bucketsError: null,
          busy: null,
          error: null
        }}
        secondsLeft={899}
        trans={trans}
        onRenew={() => calls.push('renew')}
        onRevoke={() => calls.push('revoke')}
        onInsert={bucket => calls.push(`insert ${bucket}`)}
        {...patch}
      />
    );
  });
  return { host, calls };
}

function field(host: HTMLElement, name: string): string | null | undefined {
  return host.querySelector(`[data-field="${name}"]`)?.textContent;
}

function button(host: HTMLElement, label: string): HTMLButtonElement {
  const found = [...host.querySelectorAll('button')].find(
    b => b.textContent === label
  );
  if (!found) {
    throw new Error(`no button ${label}`);
  }
  return found;
}

describe('S3Card', () => {
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  });

  it('shows the endpoint, role, profile, countdown and buckets', () => {
    const { host, calls } = render({});
    expect(field(host, 'role')).toBe('arn:aws:iam::role/jupyter-reader');
    expect(field(host, 'profile')).toContain('jupyter');
    expect(field(host, 'expires')).not.toBe('no credentials');
    expect(host.querySelector('.jp-VaultJwt-bucketName')?.textContent).toBe(
      'reader-data'
    );
    act(() => button(host, 'Renew').click());
    act(() => button(host, 'Revoke').click());
    act(() => button(host, 'Insert').click());
    expect(calls).toEqual(['renew', 'revoke', 'insert reader-data']);
  });

  it('is absent when object storage is off', () => {
    const { host } = render({
      state: {
        status: { ...status, configured: false },
        buckets: null,
        bucketsError: null,
        busy: null,
        error: null
      }
    });
    expect(host.querySelector('[data-testid="vault-jwt-s3-card"]')).toBeNull();
  });

  it('shows the server error as an alert, and Revoke off without credentials', () => {
    const { host } = render({
      state: {
        status: {
          ...status,
          active: false,
          expiration: null,
          error: { code: 'sts_audience_rejected', message: 'wrong audience' }
        },
        buckets: null,
        bucketsError: null,
        busy: null,
        error: null
      },
      secondsLeft: null
    });
    const alert = host.querySelector('[role="alert"]');
    expect(alert?.getAttribute('data-code')).toBe('sts_audience_rejected');
    expect(field(host, 'expires')).toBe('no credentials');
    expect(button(host, 'Revoke').disabled).toBe(true);
  });
});

/**
 * A fake of the objects route (the REST boundary of the browser): answers
 * every level from a fixed tree at once.
 */
class FakeTreeClient implements IS3ObjectsClient {
  calls: string[] = [];
  async objects(bucket: string, prefix: string): Promise<IS3Listing> {
    this.calls.push(`${bucket}/${prefix}`);
    const tree: Record<string, IS3Listing> = {
      '': {
        bucket,
        prefix,
        folders: ['team/'],
        objects: [{ key: 'team.csv', size: 30, last_modified: '' }],
        truncated: false
      },
      'team/': {
        bucket,
        prefix,
        folders: [],
        objects: [{ key: "team/it's $(x)\n.csv", size: 3, last_modified: '' }],
        truncated: true
      }
    };
    return tree[prefix];
  }
}

describe('S3Card with a browser', () => {
  beforeAll(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  });

  function toggle(host: HTMLElement, label: string): HTMLButtonElement {
    const found = [...host.querySelectorAll('button[aria-expanded]')].find(b =>
      b.textContent?.endsWith(label)
    );
    if (!found) {
      throw new Error(`no toggle ${label}`);
    }
    return found as HTMLButtonElement;
  }

  it('opens a bucket and its folders one level at a time, Insert on objects', async () => {
    const client = new FakeTreeClient();
    const browser = new S3Browser(client);
    const inserted: [string, string | null | undefined][] = [];
    const { host } = render({
      browser,
      onInsert: (bucket, key) => inserted.push([bucket, key])
    });
    expect(client.calls).toEqual([]); // lazy
    const bucket = toggle(host, 'reader-data');
    expect(bucket.getAttribute('aria-expanded')).toBe('false');
    await act(async () => bucket.click());
    expect(client.calls).toEqual(['reader-data/']);
    expect(bucket.getAttribute('aria-expanded')).toBe('true');
    const objectNames = () =>
      [...host.querySelectorAll('.jp-VaultJwt-s3ObjectName')].map(
        e => e.textContent
      );
    expect(objectNames()).toEqual(['team.csv']);

    await act(async () => toggle(host, 'team/').click());
    expect(client.calls).toEqual(['reader-data/', 'reader-data/team/']);
    // the hostile name is shown as text, relative to its folder (nested
    // inside the folder, before the bucket's own objects)
    expect(objectNames()).toEqual(["it's $(x)\n.csv", 'team.csv']);
    expect(host.querySelector('[data-field="truncated"]')).not.toBeNull();

    const inserts = [...host.querySelectorAll('button')].filter(
      b => b.textContent === 'Insert'
    );
    expect(inserts.map(b => b.getAttribute('aria-label'))).toEqual([
      'Insert code that reads reader-data',
      "Insert code that reads team/it's $(x)\n.csv",
      'Insert code that reads team.csv'
    ]);
    act(() => inserts.forEach(b => b.click()));
    expect(inserted).toEqual([
      ['reader-data', null],
      ['reader-data', "team/it's $(x)\n.csv"],
      ['reader-data', 'team.csv']
    ]);

    await act(async () => bucket.click()); // close
    expect(objectNames()).toEqual([]);
  });

  it('shows why a bucket cannot be listed', async () => {
    const browser = new S3Browser({
      objects: () =>
        Promise.reject(
          new ApiError('s3_access_denied', 'may not list reader-data', 403)
        )
    });
    const { host } = render({ browser });
    await act(async () => toggle(host, 'reader-data').click());
    const alert = host.querySelector('.jp-VaultJwt-s3Level [role="alert"]');
    expect(alert?.getAttribute('data-code')).toBe('s3_access_denied');
    expect(alert?.textContent).toBe('may not list reader-data');
  });
});
