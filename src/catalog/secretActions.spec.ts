import { buildCatalogIndex } from './tree';
import { IInsertTarget } from '../snippets/inserter';
import { SecretActionError, SecretActions } from './secretActions';
import {
  DEFAULT_SETTINGS,
  InsertMode,
  IVaultJwtSettings,
  IVaultReply
} from '../tokens';
import {
  catalogReply,
  loggedInReply,
  loggedOutReply
} from '../testing/vaultFixtures';

const INDEX = buildCatalogIndex(
  catalogReply([
    { path: 'secret/', secrets: ['apps/billing/db'] },
    { path: 'legacy/', version: 1, secrets: ['ldap/bind'] }
  ])
);

describe('SecretActions before the snippet renderer is loaded', () => {
  // First in this file: the renderer is loaded once per page (module).
  it('says so until ready() has loaded it, then renders', async () => {
    const actions = new SecretActions({
      vaultStatus: () => loggedInReply(),
      catalogIndex: () => INDEX,
      target: () => ({
        kind: 'notebook',
        label: 'a.ipynb',
        language: 'python',
        current: true
      }),
      insert: () => {
        throw new Error('not inserted');
      },
      settings: () => ({ ...DEFAULT_SETTINGS })
    });
    const choice = { id: 'secret/apps/billing/db', key: null };
    expect(actions.isReady).toBe(false);
    expect(() => actions.snippet(choice)).toThrow(
      expect.objectContaining({ code: 'not_ready' })
    );
    expect(() => actions.path(choice)).toThrow(/still loading/);
    // What needs no renderer works already.
    expect(actions.refFor(choice).path).toBe('apps/billing/db');
    await actions.ready();
    expect(actions.isReady).toBe(true);
    expect(actions.snippet(choice).code).toContain('hvac.Client(');
    expect(actions.path(choice)).toBe('secret/apps/billing/db');
  });
});

describe('SecretActions', () => {
  let status: IVaultReply | null;
  let target: IInsertTarget | null;
  let settings: IVaultJwtSettings;
  let inserted: { code: string; mode: InsertMode }[];
  let actions: SecretActions;

  beforeEach(async () => {
    status = loggedInReply();
    target = {
      kind: 'notebook',
      label: 'a.ipynb',
      language: 'python',
      current: true
    };
    settings = { ...DEFAULT_SETTINGS };
    inserted = [];
    actions = new SecretActions({
      vaultStatus: () => status,
      catalogIndex: () => INDEX,
      target: () => target,
      insert: (code, mode) => {
        inserted.push({ code, mode });
        return { where: 'new-cell', target: target! };
      },
      settings: () => settings
    });
    await actions.ready();
  });

  it('builds the reference from the session and the catalog', () => {
    expect(actions.refFor({ id: 'legacy/ldap/bind', key: 'password' })).toEqual(
      {
        address: 'https://127.0.0.1:18200',
        namespace: null,
        mount: 'legacy/',
        path: 'ldap/bind',
        key: 'password',
        version: 1,
        caCert: '/etc/ssl/vault-ca.pem',
        tlsVerify: true,
        cli: 'vault'
      }
    );
    status = loggedInReply({ tls_verify: false, namespace: 'team-a' });
    status.cli = 'bao';
    const ref = actions.refFor({ id: 'secret/apps/billing/db', key: null });
    expect(ref).toMatchObject({
      version: 2,
      namespace: 'team-a',
      caCert: null,
      tlsVerify: false,
      cli: 'bao'
    });
  });

  it('refuses when logged out, and for an id that is not a readable secret', () => {
    status = loggedOutReply();
    expect(() => actions.refFor({ id: 'legacy/ldap/bind', key: null })).toThrow(
      /Log in to Vault first/
    );
    status = loggedInReply();
    for (const id of ['legacy/ldap/', 'legacy/', 'nope/x', '']) {
      expect(() => actions.refFor({ id, key: null })).toThrow(
        SecretActionError
      );
    }
  });

  it('offers the templates of the kernel language and remembers the choice', () => {
    expect(actions.templateChoices()).toEqual({
      language: 'python',
      choices: [
        { id: 'python', label: 'Python (hvac)' },
        { id: 'python-env', label: 'Python (hvac, into os.environ)' }
      ],
      chosen: 'python'
    });
    const changed: string[] = [];
    actions.templateChanged.connect((_, language) => changed.push(language));
    actions.chooseTemplate('Python', 'python-env');
    expect(actions.templateChoices().chosen).toBe('python-env');
    expect(changed).toEqual(['python']);
    const { code } = actions.snippet({
      id: 'secret/apps/billing/db',
      key: 'password'
    });
    expect(code).toContain("os.environ['PASSWORD']");
  });

  it('uses a valid user template and ignores one with problems', () => {
    settings = {
      ...settings,
      snippetTemplates: {
        python: 'secret_path = {{path}}',
        'python-broken': { template: '{{nope}}' },
        julia: { template: 'p = {{path}}', quoting: 'python' }
      }
    };
    expect(actions.templateChoices().choices.map(c => c.id)).toEqual([
      'python',
      'python-env'
    ]);
    expect(actions.templateChoices().choices[0].label).toBe(
      'Your template: Python (hvac)'
    );
    expect(actions.snippet({ id: 'legacy/ldap/bind', key: null }).code).toBe(
      "secret_path = 'ldap/bind'"
    );
    target = {
      kind: 'notebook',
      label: 'j.ipynb',
      language: 'julia',
      current: true
    };
    expect(actions.snippet({ id: 'legacy/ldap/bind', key: null }).code).toBe(
      "p = 'ldap/bind'"
    );
  });

  it('says what to do without a target, a kernel, or a template', () => {
    const choice = { id: 'legacy/ldap/bind', key: null };
    target = null;
    expect(() => actions.snippet(choice)).toThrow(/Open a notebook/);
    target = {
      kind: 'console',
      label: 'Console 1',
      language: null,
      current: true
    };
    expect(() => actions.snippet(choice)).toThrow(/kernel is not known yet/);
    target = {
      kind: 'notebook',
      label: 'a.ipynb',
      language: 'julia',
      current: true
    };
    expect(() => actions.snippet(choice)).toThrow(
      /No snippet template is defined for julia kernels/
    );
    // A template id still works without a language.
    expect(actions.snippet(choice, 'bash').code).toContain('vault kv get');
  });

  it('inserts with the insert mode of the settings', () => {
    settings = { ...settings, insertMode: 'cursor' };
    actions.insert({ id: 'secret/apps/billing/db', key: 'password' });
    expect(inserted).toHaveLength(1);
    expect(inserted[0].mode).toBe('cursor');
    expect(inserted[0].code).toContain('hvac.Client(');
    expect(actions.insertMode).toBe('cursor');
  });

  it('copies the CLI command and the path', () => {
    const choice = { id: 'secret/apps/billing/db', key: 'password' };
    expect(actions.cli(choice)).toBe(
      'VAULT_ADDR=https://127.0.0.1:18200 VAULT_CACERT=/etc/ssl/vault-ca.pem ' +
        'vault kv get -mount=secret -field=password -- apps/billing/db'
    );
    expect(actions.path(choice)).toBe('secret/apps/billing/db');
    // A path hiding a character is copied as a bash word.
    expect(actions.path({ id: 'secret/a\u202eb', key: null })).toBe(
      "'secret/a'$'\\xE2\\x80\\xAE''b'"
    );
  });

  it('reports a value the language cannot hold as an action error', () => {
    const index = buildCatalogIndex(
      catalogReply([{ path: 'secret/', secrets: ['nul\u0000name'] }])
    );
    const withNul = new SecretActions({
      vaultStatus: () => status,
      catalogIndex: () => index,
      target: () => ({
        kind: 'notebook',
        label: 'r.ipynb',
        language: 'r',
        current: true
      }),
      insert: () => {
        throw new Error('not reached');
      },
      settings: () => settings
    });
    expect(() =>
      withNul.snippet({ id: 'secret/nul\u0000name', key: null })
    ).toThrow(SecretActionError);
  });
});
