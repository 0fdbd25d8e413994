import { nullTranslator } from '@jupyterlab/translation';
import React, { act } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { CatalogNotices } from './CatalogNotices';
import { RowMarker } from './RowMarker';
import { SecretActions } from './secretActions';
import { SecretDetails } from './SecretDetails';
import { buildCatalogIndex } from './tree';
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
    expect(host.querySelector('[data-field="versions"]')!.textContent).toBe(
      '3 versions, last updated 2026-12-01T10:00:00Z'
    );
    expect(host.querySelector('dt')!.textContent).toBe('owner');
    expect(host.querySelector('dd')!.textContent).toBe('ops');
  });
});
