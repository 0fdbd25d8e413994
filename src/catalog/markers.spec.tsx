import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { CatalogNotices } from './CatalogNotices';
import { RowMarker } from './RowMarker';
import { SecretActions } from './secretActions';
import { SecretDetails } from './SecretDetails';
import { buildCatalogIndex, splitSecretPath } from './tree';
import { AddPathForm } from './AddPathForm';
import { DEFAULT_SETTINGS, ICatalogReply } from '../tokens';
import { catalogReply, loggedInReply } from '../testing/vaultFixtures';

const trans = nullTranslator.load('test');

const REPLY: ICatalogReply = {
  ...catalogReply([
    {
      path: 'secret/',
      secrets: ['app/live', 'app/gone', 'app/burnt', 'app/empty'],
      unlisted: ['hidden/x', 'app/live'],
      unchecked: ['maybe/y', 'app/live'],
      manual: ['by/hand', 'app/live'],
      states: {
        'app/gone': 'deleted',
        'app/burnt': 'destroyed',
        'app/empty': 'metadata-only'
      },
      unbrowsable: ['secret/data/re*'],
      missing: [{ path: 'team/', what: 'folder', reason: 'HTTP 500' }]
    },
    {
      path: 'closed/',
      error: { code: 'vault_permission_denied', message: 'nothing' },
      unbrowsable: ['closed/data/x*']
    }
  ]),
  notices: ['Your token may not read sys/internal/ui/resultant-acl.']
};

describe('secret markers', () => {
  const index = buildCatalogIndex(REPLY);
  const marker = (id: string) => index.nodes[index.byId.get(id)!].marker;

  it('marks KV v2 states, unchecked and hand-added secrets; listed wins', () => {
    expect(marker('secret/app/live')).toBeNull();
    expect(index.nodes[index.byId.get('secret/app/live')!].unlisted).toBe(
      false
    );
    expect(marker('secret/app/gone')).toBe('deleted');
    expect(marker('secret/app/burnt')).toBe('destroyed');
    expect(marker('secret/app/empty')).toBe('metadata-only');
    expect(marker('secret/maybe/y')).toBe('unchecked');
    expect(marker('secret/by/hand')).toBe('manual');
    expect(marker('secret/hidden/x')).toBeNull();
    expect(index.nodes[index.byId.get('secret/hidden/x')!].unlisted).toBe(true);
    expect(marker('secret/app/')).toBeNull();
  });

  it('warns before inserting a secret that cannot be read', () => {
    const actions = new SecretActions({
      vaultStatus: () => loggedInReply(),
      catalogIndex: () => index,
      target: () => null,
      insert: () => {
        throw new Error('not inserted here');
      },
      settings: () => DEFAULT_SETTINGS
    });
    const warn = (id: string) => actions.warningFor({ id, key: null });
    expect(warn('secret/app/live')).toBeNull();
    expect(warn('secret/by/hand')).toBeNull();
    expect(warn('secret/app/gone')).toMatch(/latest version .* is deleted/);
    expect(warn('secret/app/burnt')).toMatch(/is destroyed/);
    expect(warn('secret/app/empty')).toMatch(/no data/);
    expect(warn('secret/maybe/y')).toMatch(/could not be checked/);
  });

  it('warns for a secret whose key names said it is deleted', () => {
    const actions = new SecretActions({
      vaultStatus: () => loggedInReply(),
      catalogIndex: () => index,
      keyNames: () => ({
        mount: 'secret/',
        path: 'app/live',
        version: 2,
        keys: [],
        metadata: null,
        state: 'destroyed'
      }),
      target: () => null,
      insert: () => {
        throw new Error('not inserted here');
      },
      settings: () => DEFAULT_SETTINGS
    });
    expect(actions.warningFor({ id: 'secret/app/live', key: null })).toMatch(
      /is destroyed/
    );
    expect(actions.warningFor({ id: 'secret/by/hand', key: null })).toBeNull();
  });
});

describe('catalog views', () => {
  let host: HTMLElement;
  let root: Root;

  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });

  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('shows a row marker with its explanation', () => {
    act(() => root.render(<RowMarker marker="destroyed" trans={trans} />));
    const badge = host.querySelector('[data-marker="destroyed"]')!;
    expect(badge.textContent).toBe('destroyed');
    expect(badge.getAttribute('title')).toMatch(/destroyed/);
  });

  it('lists notices, missing parts and grants that cannot be browsed', () => {
    act(() => root.render(<CatalogNotices reply={REPLY} trans={trans} />));
    const text = host.textContent!;
    expect(text).toContain('resultant-acl');
    expect(text).toContain('1 part of the catalog could not be read');
    expect(host.querySelector('[data-path="secret/team/"]')!.textContent).toBe(
      'secret/team/ (folder): HTTP 500'
    );
    // the mount with an error names its grants in its own message
    expect(text).toContain('secret/data/re*');
    expect(text).not.toContain('closed/data/x*');
  });

  it('shows nothing for a complete catalog', () => {
    act(() =>
      root.render(
        <CatalogNotices
          reply={catalogReply([{ secrets: ['a'] }])}
          trans={trans}
        />
      )
    );
    expect(host.textContent).toBe('');
  });

  it('shows a deleted secret, its versions and custom metadata', () => {
    act(() =>
      root.render(
        <SecretDetails
          reply={{
            mount: 'secret/',
            path: 'app/gone',
            version: 2,
            keys: [],
            metadata: null,
            state: 'deleted',
            details: {
              versions: 3,
              readable_versions: 2,
              updated_time: '2026-12-01T10:00:00Z',
              custom_metadata: { owner: 'ops' }
            }
          }}
          trans={trans}
        />
      )
    );
    expect(host.querySelector('[data-state="deleted"]')!.textContent).toMatch(
      /latest version is deleted.*2 older versions are readable/
    );
    const versions = host.querySelector('[data-field="versions"]')!;
    // In words (the fixture's time is days ago), never the raw RFC 3339 text;
    // the exact time is the tooltip.
    expect(versions.textContent).toMatch(
      /^3 versions · last updated (\d+ days ago|on .+)$/
    );
    expect(versions.textContent).not.toContain('2026-12-01T10:00:00Z');
    expect(versions.getAttribute('title')).toMatch(/^Last updated /);
    expect(host.querySelector('dt')!.textContent).toBe('owner');
    expect(host.querySelector('dd')!.textContent).toBe('ops');
  });
});

describe('paths added by hand', () => {
  const mounts = [
    { path: 'secret/', version: 2 },
    { path: 'secret/team/', version: 1 },
    { path: 'legacy/', version: 1 }
  ];

  it('splits a full path on the longest mount, dropping data/ on KV v2', () => {
    expect(splitSecretPath('secret/app/db', mounts)).toEqual({
      mount: 'secret/',
      path: 'app/db'
    });
    expect(splitSecretPath('secret/data/app/db', mounts)).toEqual({
      mount: 'secret/',
      path: 'app/db'
    });
    expect(splitSecretPath('secret/team/x', mounts)).toEqual({
      mount: 'secret/team/',
      path: 'x'
    });
    expect(splitSecretPath('legacy/data/x', mounts)).toEqual({
      mount: 'legacy/',
      path: 'data/x'
    });
    expect(splitSecretPath('other/x', mounts)).toBeNull();
    expect(splitSecretPath('secret/folder/', mounts)).toBeNull();
  });

  it('the form adds, shows the error of a refused path, and forgets', async () => {
    const host = document.createElement('div');
    document.body.appendChild(host);
    const root = createRoot(host);
    const calls: string[] = [];
    const actions = {
      addPath: async (text: string) => {
        calls.push(`add ${text}`);
        if (text === 'secret/no') {
          throw new Error('Your Vault policies do not allow reading secret/no');
        }
      },
      removePath: async (id: string) => {
        calls.push(`remove ${id}`);
      }
    };
    act(() =>
      root.render(
        <AddPathForm
          actions={actions}
          added={['secret/by/hand']}
          trans={trans}
        />
      )
    );
    const input = host.querySelector('input')!;
    const type = (value: string) => {
      const setter = Object.getOwnPropertyDescriptor(
        HTMLInputElement.prototype,
        'value'
      )!.set!;
      setter.call(input, value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    act(() => type('secret/no'));
    await act(async () => {
      host
        .querySelector('form')!
        .dispatchEvent(
          new Event('submit', { bubbles: true, cancelable: true })
        );
    });
    expect(host.querySelector('[role="alert"]')!.textContent).toMatch(
      /do not allow reading secret\/no/
    );
    await act(async () => {
      (host.querySelector('li button') as HTMLButtonElement).click();
    });
    expect(calls).toEqual(['add secret/no', 'remove secret/by/hand']);
    act(() => root.unmount());
    host.remove();
  });
});
