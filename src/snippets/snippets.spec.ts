import {
  BUILTIN_TEMPLATES,
  CLI_TEMPLATE,
  ISecretRef,
  SnippetError,
  cliCommand,
  envVarName,
  identifierFor,
  isPrintable,
  isSafeEnvName,
  pathToCopy,
  pythonLiteral,
  rLiteral,
  renderTemplate,
  shellQuote,
  snippetFor,
  templatesFor,
  UNSAFE_ENV_NAMES,
  UNSAFE_ENV_PREFIXES,
  validateTemplate
} from './index';

/** The billing database password in `secret/` (KV v2), with a namespace and a CA file. */
const REF: ISecretRef = {
  address: 'https://vault.example:8200/',
  namespace: 'team',
  mount: 'secret/',
  path: 'apps/billing/db',
  key: 'password',
  version: 2,
  caCert: '/etc/ssl/vault-ca.pem',
  tlsVerify: true,
  cli: 'vault'
};

/** The code of `language` for `REF` changed by `changes`. */
function code(language: string, changes: Partial<ISecretRef> = {}): string {
  const snippet = snippetFor(language, { ...REF, ...changes });
  expect(snippet).not.toBeNull();
  return snippet!.code;
}

/** The SnippetError `run` throws. */
function errorOf(run: () => unknown): SnippetError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SnippetError);
    return err as SnippetError;
  }
  throw new Error('expected a SnippetError');
}

describe('python (hvac)', () => {
  it('reads one key of a KV v2 secret into a variable', () => {
    expect(code('python')).toBe(
      [
        'import hvac',
        '',
        '# Reads the secret when the cell runs; its value is never stored in the notebook.',
        '# hvac takes the token from VAULT_TOKEN or ~/.vault-token, which Jupyter keeps fresh.',
        "client = hvac.Client(url='https://vault.example:8200', namespace='team', verify='/etc/ssl/vault-ca.pem')",
        'db_password = client.secrets.kv.v2.read_secret_version(',
        "    path='apps/billing/db', mount_point='secret', raise_on_deleted_version=True",
        ")['data']['data']['password']",
        "# Masks the value in this kernel's output too (the Jupyter server masks it in any case).",
        'try:',
        '    from jupyter_extension_server.redaction.kernel import protect as vault_protect',
        'except ImportError:',
        "    print('Note: jupyterlab-vault-jwt is not installed in this kernel; the server masks values.')",
        'else:',
        "    vault_protect('secret', 'apps/billing/db', db_password, 'password')"
      ].join('\n')
    );
  });

  it('reads the whole secret without a key, and registers every value for masking', () => {
    const text = code('python', { key: null });
    expect(text).toContain('db = client.secrets.kv.v2.read_secret_version(');
    expect(text).toMatch(/\)\['data'\]\['data'\]\n/);
    expect(text).toMatch(
      /vault_protect\('secret', 'apps\/billing\/db', db, None\)$/
    );
  });

  it('uses the KV v1 API for a v1 mount', () => {
    expect(code('python', { version: 1 })).toContain(
      "db_password = client.secrets.kv.v1.read_secret(path='apps/billing/db', mount_point='secret')['data']['password']"
    );
    const whole = code('python', { version: 1, key: null });
    expect(whole).toMatch(/mount_point='secret'\)\['data'\]\n/);
    expect(whole).not.toContain('v2');
  });

  it('passes namespace=None without a namespace (hvac ignores VAULT_NAMESPACE)', () => {
    expect(code('python', { namespace: null })).toContain('namespace=None,');
    expect(code('python', { namespace: '' })).toContain('namespace=None,');
  });

  it('passes verify= the CA path, True without one, False when TLS checks are off', () => {
    expect(code('python')).toContain("verify='/etc/ssl/vault-ca.pem')");
    expect(code('python', { caCert: null })).toContain('verify=True)');
    expect(code('python', { tlsVerify: false })).toContain('verify=False)');
    expect(code('python', { tlsVerify: false, caCert: null })).toContain(
      'verify=False)'
    );
  });

  it('keeps hostile names as data', () => {
    const text = code('python', {
      path: "x'''\n__import__('os').system('id')#",
      key: '"""\\'
    });
    expect(text).toContain(
      "path='x\\'\\'\\'\\n__import__(\\'os\\').system(\\'id\\')#'"
    );
    expect(text).toContain(`['"""\\\\']`);
  });
});

describe('python-env (hvac, os.environ)', () => {
  it('puts the chosen key into one environment variable', () => {
    const text = code('python-env', { key: 'db-password' });
    expect(text).toContain("value = data['db-password']");
    expect(text).toContain(
      "os.environ['DB_PASSWORD'] = value if isinstance(value, str) else json.dumps(value)"
    );
    expect(text).not.toContain('import re');
  });

  it('puts every key of the whole secret into its own variable at run time', () => {
    const text = code('python-env', { key: null, version: 1 });
    expect(text).toContain('import re\n');
    expect(text).toContain(
      "data = client.secrets.kv.v1.read_secret(path='apps/billing/db', mount_point='secret')['data']"
    );
    expect(text).toContain('for name in data:');
    expect(text).toContain("re.sub(r'[^0-9A-Za-z_]', '_', name).upper()");
    expect(text).toContain("not re.fullmatch(r'[A-Z][A-Z0-9_]*', env_name)");
    expect(text).toContain("env_name = 'SECRET_' + env_name");
    // Collisions are refused before any variable is set.
    expect(text).toContain(
      'if env_name in env_names:\n        raise ValueError('
    );
    expect(text.indexOf('raise ValueError')).toBeLessThan(
      text.indexOf('os.environ[env_name] =')
    );
  });

  it('writes the unsafe names and prefixes of envVarName into the snippet', () => {
    const text = code('python-env', { key: null });
    const names = /protected_names = set\('''\n([^']*)\n'''\.split\(\)\)/.exec(
      text
    )![1];
    const prefixes =
      /protected_prefixes = tuple\('''\n([^']*)\n'''\.split\(\)\)/.exec(
        text
      )![1];
    const listed = (source: string) => source.trim().split(/\s+/).sort();
    expect(listed(names)).toEqual([...UNSAFE_ENV_NAMES].sort());
    expect(listed(prefixes)).toEqual([...UNSAFE_ENV_PREFIXES].sort());
    for (const line of `${names}\n${prefixes}`.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('r (httr, jsonlite)', () => {
  it('GETs /v1/<mount>/data/<path> for KV v2 and picks the key', () => {
    const text = code('r');
    expect(text).toContain('Needs the httr and jsonlite packages');
    expect(text).toContain('db_password <- local({');
    expect(text).toContain(
      'url <- paste0("https://vault.example:8200", "/v1/", encode("secret"), "/data/", encode("apps/billing/db"))'
    );
    expect(text).toContain('token <- Sys.getenv("VAULT_TOKEN")');
    expect(text).toContain('readLines("~/.vault-token"');
    expect(text).toContain('"X-Vault-Namespace" = "team"');
    expect(text).toContain('body$data$data[["password"]]');
  });

  it('GETs /v1/<mount>/<path> for KV v1, whole secret, no namespace', () => {
    const text = code('r', { version: 1, key: null, namespace: null });
    expect(text).toContain('encode("secret"), "/", encode("apps/billing/db"))');
    expect(text).not.toContain('X-Vault-Namespace');
    expect(text).toMatch(/ {2}body\$data\n\}\)$/);
  });

  it('uses the CA file or directory, or turns TLS checks off', () => {
    expect(code('r')).toContain('ca <- "/etc/ssl/vault-ca.pem"');
    expect(code('r')).toContain('httr::config(capath = ca)');
    expect(code('r', { caCert: null })).toContain('tls <- httr::config()');
    const off = code('r', { tlsVerify: false });
    expect(off).toContain('ssl_verifypeer = FALSE');
    expect(off).not.toContain('vault-ca.pem');
  });

  it('refuses a NUL it cannot write', () => {
    const err = errorOf(() => snippetFor('R', { ...REF, key: 'a\0b' }));
    expect(err.code).toBe('unsupported_value');
    expect(err.message).toBe(
      'The key contains a NUL character, which an R string cannot hold.'
    );
  });
});

describe('bash (vault / bao CLI)', () => {
  it('reads one key with -field into a variable', () => {
    expect(code('bash')).toBe(
      [
        '# Reads the secret with the vault CLI when the cell runs (never stored in the notebook).',
        '# The token comes from the environment or ~/.vault-token, which Jupyter keeps fresh.',
        'db_password=$(',
        '  export VAULT_ADDR=https://vault.example:8200',
        '  if [ -d /etc/ssl/vault-ca.pem ]; then export VAULT_CAPATH=/etc/ssl/vault-ca.pem; ' +
          'else export VAULT_CACERT=/etc/ssl/vault-ca.pem; fi',
        '  vault kv get -namespace=team -mount=secret -field=password -- apps/billing/db',
        ')'
      ].join('\n')
    );
  });

  it('uses bao and BAO_* for OpenBao, JSON for the whole secret, no namespace', () => {
    const text = code('bash', {
      cli: 'bao',
      key: null,
      namespace: null,
      tlsVerify: false,
      version: 1
    });
    expect(text).toContain('export BAO_ADDR=');
    expect(text).toContain('export BAO_SKIP_VERIFY=true');
    expect(text).not.toContain('CACERT');
    expect(text).toContain(
      '  bao kv get -mount=secret -format=json -- apps/billing/db'
    );
    expect(text).toContain('under .data.');
  });

  it('single-quotes what the shell would interpret', () => {
    expect(code('bash', { path: "it's $(id) `x` ${y}" })).toContain(
      "-- 'it'\\''s $(id) `x` ${y}'\n)"
    );
  });
});

describe('snippetFor', () => {
  it('matches the kernel language in any case and reports the template id', () => {
    expect(snippetFor('Python', REF)!.language).toBe('python');
    expect(snippetFor(' R ', REF)!.language).toBe('r');
    expect(snippetFor('python-env', REF)!.language).toBe('python-env');
  });

  it('returns null for a language without a template', () => {
    expect(snippetFor('julia', REF)).toBeNull();
  });

  it("prefers the user's template and takes its quoting from the id", () => {
    const snippet = snippetFor('python', REF, {
      Python: 'x = {{path}}  # {{var}}\n\n'
    });
    expect(snippet).toEqual({
      code: "x = 'apps/billing/db'  # db_password",
      language: 'python'
    });
  });

  it('renders a user template for a new language with the quoting it names', () => {
    const snippet = snippetFor('zsh', REF, {
      zsh: { template: 'print -r -- {{path}}', quoting: 'shell' }
    });
    expect(snippet!.code).toBe('print -r -- apps/billing/db');
  });

  it('refuses a user template without a known quoting, or an invalid one', () => {
    expect(errorOf(() => snippetFor('julia', REF, { julia: 'x' })).code).toBe(
      'unknown_quoting'
    );
    const err = errorOf(() => snippetFor('r', REF, { r: '{{#key}}{{nope}}' }));
    expect(err.code).toBe('invalid_template');
    expect(err.message).toContain('unknown placeholder {{nope}}');
  });

  it('offers the built-in and user template ids of a language', () => {
    expect(templatesFor('Python')).toEqual(['python', 'python-env']);
    expect(
      templatesFor('r', { 'r-base': { template: '', quoting: 'r' }, rust: '' })
    ).toEqual(['r', 'r-base']);
    expect(templatesFor('julia')).toEqual([]);
  });
});

describe('identifierFor', () => {
  const name = (
    path: string,
    key: string | null,
    quoting: 'python' | 'r' | 'shell' = 'python'
  ) => identifierFor({ ...REF, path, key }, quoting);

  it('joins the last path segment and the key in snake_case', () => {
    expect(name('apps/billing/db', 'password')).toBe('db_password');
    expect(name('apps/billing/db/', null)).toBe('db');
    expect(name('apps/Billing-DB', 'apiKey')).toBe('billing_db_api_key');
  });

  it('folds accents and drops what is not ASCII', () => {
    expect(name('café', 'Pässwört')).toBe('cafe_passwort');
    expect(name('пароль', '密码')).toBe('secret');
    expect(name('apps/😀', 'x')).toBe('x');
  });

  it('falls back to "secret" and prefixes a leading digit', () => {
    expect(name('', null)).toBe('secret');
    expect(name('///', '')).toBe('secret');
    expect(name('a/2fa', null)).toBe('secret_2fa');
  });

  it('never yields a keyword, soft keyword or builtin of the language', () => {
    expect(name('a/class', null)).toBe('class_');
    expect(name('a/match', null)).toBe('match_');
    expect(name('a/list', null)).toBe('list_');
    expect(name('a/client', null)).toBe('client_');
    expect(name('a/function', null, 'r')).toBe('function_');
    expect(name('a/class', null, 'r')).toBe('class');
    expect(name('a/done', null, 'shell')).toBe('done_');
    expect(name('a/PATH', null, 'shell')).toBe('path');
  });

  it('is stable and bounded', () => {
    const long = 'segment'.repeat(40);
    expect(name('a/' + long, null)).toHaveLength(48);
    expect(name('a/' + long, null)).toBe(name('a/' + long, null));
  });
});

describe('envVarName', () => {
  it('upper-cases and replaces what a variable name cannot hold', () => {
    expect(envVarName('db-password')).toBe('DB_PASSWORD');
    expect(envVarName('username')).toBe('USERNAME');
    expect(envVarName('api.key')).toBe('API_KEY');
  });

  it('prefixes a name that is not [A-Z][A-Z0-9_]*', () => {
    expect(envVarName('2fa')).toBe('SECRET_2FA');
    expect(envVarName('_x')).toBe('SECRET__X');
    expect(envVarName('')).toBe('SECRET_');
    expect(envVarName('é😀')).toBe('SECRET___');
  });

  it('prefixes every name that changes how programs start, load code or connect', () => {
    const dangerous = [
      // issue 11: renamed before
      'PATH', 'LD_PRELOAD', 'PYTHONSTARTUP', 'HTTPS_PROXY',
      // issue 11: set as given before
      'BASH_ENV', 'ENV', 'PROMPT_COMMAND', 'NODE_OPTIONS', 'GIT_SSH_COMMAND',
      'GIT_CONFIG_GLOBAL', 'PIP_INDEX_URL', 'PAGER', 'PERL5OPT', 'R_PROFILE_USER',
      // loaders, shells, runtimes, tools
      'LD_LIBRARY_PATH', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES', 'GLIBC_TUNABLES',
      'GCONV_PATH', 'BASH_FUNC_X', 'PS4', 'IFS', 'ZDOTDIR', 'INPUTRC',
      'PYTHONPATH', 'PYTHONHOME', 'PERL5LIB', 'PERLLIB', 'RUBYOPT', 'RUBYLIB',
      'NODE_PATH', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS',
      'CLASSPATH', 'DOTNET_STARTUP_HOOKS', 'R_PROFILE', 'R_ENVIRON_USER',
      'R_LIBS_USER', 'GIT_ASKPASS', 'GIT_CONFIG_COUNT', 'GIT_EXEC_PATH',
      'SSH_ASKPASS', 'NPM_CONFIG_USERCONFIG', 'PIP_CONFIG_FILE', 'UV_INDEX_URL',
      'EDITOR', 'VISUAL', 'MANPAGER', 'LESSOPEN', 'BROWSER', 'LANG', 'LC_ALL',
      'TERM', 'TERMINFO', 'HOME', 'USER', 'SHELL', 'TMPDIR', 'JUPYTER_PATH',
      'JUPYTER_CONFIG_DIR', 'JPY_API_TOKEN', 'JUPYTERHUB_API_TOKEN',
      'IPYTHONDIR', 'MPLBACKEND', 'VAULT_TOKEN', 'VAULT_ADDR', 'BAO_TOKEN',
      'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'SSLKEYLOGFILE', 'OPENSSL_CONF',
      'KUBECONFIG', 'DOCKER_CONFIG', 'AWS_CONFIG_FILE', 'XDG_CONFIG_HOME',
      'CONDA_PREFIX', 'VIRTUAL_ENV', 'NO_PROXY', 'ALL_PROXY', 'HTTP_PROXY'
    ]; // prettier-ignore
    for (const name of dangerous) {
      expect(isSafeEnvName(name)).toBe(false);
      expect(envVarName(name)).toBe(`SECRET_${name}`);
      expect(envVarName(name.toLowerCase())).toBe(`SECRET_${name}`);
    }
    expect(envVarName('https-proxy')).toBe('SECRET_HTTPS_PROXY');
  });

  it('keeps the names secrets usually have', () => {
    const usual = [
      'PASSWORD', 'USERNAME', 'API_KEY', 'DB_HOST', 'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'NPM_TOKEN', 'XPATH', 'HOME_DIR',
      'PATHS', 'TOKEN', 'SECRET_PATH', 'DATABASE_URL'
    ]; // prettier-ignore
    for (const name of usual) {
      expect(isSafeEnvName(name)).toBe(true);
      expect(envVarName(name)).toBe(name);
    }
  });

  it('lists only names of the safe shape, each once', () => {
    for (const list of [UNSAFE_ENV_NAMES, UNSAFE_ENV_PREFIXES]) {
      expect(new Set(list).size).toBe(list.length);
      for (const name of list) {
        expect(name).toMatch(/^[A-Z_][A-Z0-9_]*$/);
      }
    }
  });
});

describe('literals', () => {
  it('writes Python literals that literal_eval reads back', () => {
    expect(pythonLiteral("a'b\\c")).toBe("'a\\'b\\\\c'");
    expect(pythonLiteral('\0\n\r\t\x7f')).toBe("'\\x00\\n\\r\\t\\x7F'");
    expect(pythonLiteral('é😀\u202e\u2028\ud800')).toBe(
      "'é😀\\u202E\\u2028\\uD800'"
    );
    expect(pythonLiteral('\u{e0001}')).toBe("'\\U000E0001'");
  });

  it('tells what shows as it is', () => {
    expect(isPrintable('apps/é 😀 ~')).toBe(true);
    for (const ch of [
      '\x15',
      '\x7f',
      '\u0085',
      '\u2028',
      '\u2029',
      '\u202e',
      '\u200e',
      '\ufeff',
      '\u00a0',
      '\ue000'
    ]) {
      expect(isPrintable(`a${ch}b`)).toBe(false);
    }
  });

  it('writes R literals with \\u{} escapes only', () => {
    expect(rLiteral('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(rLiteral('\x01é😀')).toBe('"\\u{0001}\\u{00E9}\\U{0001F600}"');
    expect(() => rLiteral('\ud800', 'path')).toThrow(
      'The path contains an unpaired UTF-16 surrogate, which an R string cannot hold.'
    );
  });

  it('leaves plain shell words bare and single-quotes the rest', () => {
    expect(shellQuote('apps/billing-db_1.x')).toBe('apps/billing-db_1.x');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a=b')).toBe("'a=b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id) `x` !! \\')).toBe("'$(id) `x` !! \\'");
  });

  it("writes every character but printable ASCII as $'\\xHH' UTF-8 bytes", () => {
    expect(shellQuote('x\x15touch CANARY #')).toBe(
      "'x'$'\\x15''touch CANARY #'"
    );
    expect(shellQuote('\x03\x7f\x1b[31m\r\n\t')).toBe(
      "$'\\x03\\x7F\\x1B''[31m'$'\\x0D\\x0A\\x09'"
    );
    expect(shellQuote('é\u0085\u2028\u202e\ufeff😀')).toBe(
      "$'\\xC3\\xA9\\xC2\\x85\\xE2\\x80\\xA8\\xE2\\x80\\xAE\\xEF\\xBB\\xBF\\xF0\\x9F\\x98\\x80'"
    );
    expect(() => shellQuote('a\0', 'mount')).toThrow(
      'The mount contains a NUL character, which a shell argument cannot hold.'
    );
  });
});

describe('validateTemplate', () => {
  it('accepts the built-in templates', () => {
    for (const t of BUILTIN_TEMPLATES) {
      expect(validateTemplate(t.template)).toEqual([]);
    }
    expect(validateTemplate(CLI_TEMPLATE)).toEqual([]);
  });

  it('reports unknown placeholders with their position', () => {
    expect(validateTemplate('a\n  {{token}} {{#secret}}{{/secret}}')).toEqual([
      '2:3: unknown placeholder {{token}}',
      '2:13: unknown placeholder {{#secret}}'
    ]);
  });

  it('reports unbalanced and mismatched sections', () => {
    expect(validateTemplate('{{#key}}')).toEqual([
      '1:1: section {{#key}} is never closed'
    ]);
    expect(validateTemplate('{{/key}}')).toEqual([
      '1:1: {{/key}} closes no section'
    ]);
    expect(validateTemplate('{{#key}}{{^namespace}}{{/key}}')).toEqual([
      '1:23: {{/key}} closes the section {{#namespace}} opened at 1:9',
      '1:1: section {{#key}} is never closed'
    ]);
  });

  it('reports a section-only name used as a value', () => {
    expect(validateTemplate('{{kv2}}')).toEqual([
      '1:1: {{kv2}} can only open a section ({{#kv2}} or {{^kv2}})'
    ]);
  });

  it('leaves other braces alone', () => {
    expect(validateTemplate("f'{{x}}' {{ 1 }} {{-}}")).toEqual([
      '1:3: unknown placeholder {{x}}'
    ]);
    expect(validateTemplate('{{ path }} {x}')).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('drops section tags standing alone on their line, with the line', () => {
    const template =
      'a\n  {{#key}}\nk={{key}}\n  {{/key}}\n{{^key}}\nnone\n{{/key}}\nz';
    expect(renderTemplate(template, 'python', REF)).toBe("a\nk='password'\nz");
    expect(renderTemplate(template, 'python', { ...REF, key: null })).toBe(
      'a\nnone\nz'
    );
  });

  it('renders kv_version, verify, cli and null values per quoting', () => {
    const template = '{{kv_version}} {{verify}} {{cli}} {{cli_env}} {{key}}';
    const ref = { ...REF, version: 1 as const, caCert: null, key: null };
    expect(renderTemplate(template, 'python', ref)).toBe(
      '1 True vault VAULT None'
    );
    expect(renderTemplate(template, 'r', { ...ref, cli: 'bao' })).toBe(
      '1 TRUE bao BAO NULL'
    );
    expect(
      renderTemplate(template, 'shell', { ...ref, tlsVerify: false })
    ).toBe("1 false vault VAULT ''");
  });

  it('renders a value only when it is used', () => {
    expect(renderTemplate('{{path}}', 'r', { ...REF, key: '\0' })).toBe(
      '"apps/billing/db"'
    );
  });

  it('refuses an unknown CLI', () => {
    const ref = { ...REF, cli: 'sh -c' as unknown as 'vault' };
    expect(errorOf(() => renderTemplate('{{path}}', 'shell', ref)).code).toBe(
      'unsupported_value'
    );
  });
});

describe('pathToCopy', () => {
  it('copies a path as it is, or a bash word when it hides something', () => {
    expect(pathToCopy('secret/apps/é db')).toBe('secret/apps/é db');
    expect(pathToCopy("secret/it's $(x)")).toBe("secret/it's $(x)");
    expect(pathToCopy('secret/a\u202eb')).toBe(
      "'secret/a'$'\\xE2\\x80\\xAE''b'"
    );
  });
});

describe('cliCommand', () => {
  it('is one shell-quoted vault kv get line', () => {
    expect(cliCommand(REF)).toBe(
      'VAULT_ADDR=https://vault.example:8200 VAULT_CACERT=/etc/ssl/vault-ca.pem ' +
        'vault kv get -namespace=team -mount=secret -field=password -- apps/billing/db'
    );
  });

  it('uses bao, skips TLS checks when off, and quotes hostile names', () => {
    expect(
      cliCommand({
        ...REF,
        cli: 'bao',
        tlsVerify: false,
        namespace: null,
        key: null,
        path: "a b/'c'"
      })
    ).toBe(
      'BAO_ADDR=https://vault.example:8200 BAO_SKIP_VERIFY=true bao kv get ' +
        "-mount=secret -- 'a b/'\\''c'\\'''"
    );
  });

  it('is printable ASCII for a key holding control characters', () => {
    const line = cliCommand({ ...REF, key: 'x\x15touch CANARY #\x03\u2028' });
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    expect(line).toContain(
      "-field='x'$'\\x15''touch CANARY #'$'\\x03\\xE2\\x80\\xA8' --"
    );
  });
});
