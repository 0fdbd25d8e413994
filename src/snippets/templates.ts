/**
 * The built-in snippet templates, one per kernel language (two for Python),
 * and the copy-CLI command's template. See `PLACEHOLDERS` in `render.ts`.
 */

import {
  ENV_NAME_SHAPE,
  UNSAFE_ENV_NAMES,
  UNSAFE_ENV_PREFIXES
} from './environment';
import { ISnippetTemplate } from './types';

/**
 * Python source of a collection of names: `set('''` or `tuple('''`, the
 * names separated by spaces on lines of at most `width` characters, then
 * `'''.split())`.
 */
function pythonNames(
  names: readonly string[],
  kind: 'set' | 'tuple',
  width = 100
): string {
  const lines: string[] = [];
  let line = '   ';
  for (const name of names) {
    if (line.length + 1 + name.length > width) {
      lines.push(line);
      line = '   ';
    }
    line += ` ${name}`;
  }
  lines.push(line);
  return `${kind}('''\n${lines.join('\n')}\n'''.split())`;
}

/** Python with hvac: the secret (or one key) into a variable. */
const PYTHON = `import hvac

# Reads the secret when the cell runs; its value is never stored in the notebook.
# hvac takes the token from VAULT_TOKEN or ~/.vault-token, which Jupyter keeps fresh.
client = hvac.Client(url={{address}}, namespace={{namespace}}, verify={{verify}})
{{#kv2}}
{{var}} = client.secrets.kv.v2.read_secret_version(
    path={{path}}, mount_point={{mount}}, raise_on_deleted_version=True
)['data']['data']{{#key}}[{{key}}]{{/key}}
{{/kv2}}
{{^kv2}}
{{var}} = client.secrets.kv.v1.read_secret(path={{path}}, mount_point={{mount}})['data']{{#key}}[{{key}}]{{/key}}
{{/kv2}}
# Masks the value in this kernel's output too (the Jupyter server masks it in any case).
try:
    from jupyter_extension_server.redaction.kernel import protect as vault_protect
except ImportError:
    print('Note: jupyterlab-vault-jwt is not installed in this kernel; the server masks values.')
else:
    vault_protect({{mount}}, {{path}}, {{var}}, {{key}})
`;

/** Python with hvac: the secret's keys (or one key) into `os.environ`. */
const PYTHON_ENV = `import json
import os
{{^key}}
import re
{{/key}}

import hvac

# Puts the secret into environment variables when the cell runs (never into the notebook).
# hvac takes the token from VAULT_TOKEN or ~/.vault-token, which Jupyter keeps fresh.
client = hvac.Client(url={{address}}, namespace={{namespace}}, verify={{verify}})
{{#kv2}}
data = client.secrets.kv.v2.read_secret_version(
    path={{path}}, mount_point={{mount}}, raise_on_deleted_version=True
)['data']['data']
{{/kv2}}
{{^kv2}}
data = client.secrets.kv.v1.read_secret(path={{path}}, mount_point={{mount}})['data']
{{/kv2}}
# Masks the value in this kernel's output too (the Jupyter server masks it in any case).
try:
    from jupyter_extension_server.redaction.kernel import protect as vault_protect
except ImportError:
    print('Note: jupyterlab-vault-jwt is not installed in this kernel; the server masks values.')
else:
    vault_protect({{mount}}, {{path}}, data)
{{#key}}
value = data[{{key}}]
os.environ[{{env_var}}] = value if isinstance(value, str) else json.dumps(value)
{{/key}}
{{^key}}
# One variable per key: A-Z, 0-9 and _ only, upper case (db-host -> DB_HOST). A name that is
# not ${ENV_NAME_SHAPE}, or that changes how programs start, load code or connect (the names
# and prefixes below), gets SECRET_ in front (path -> SECRET_PATH). Two keys that give one name
# are an error, not an overwrite.
protected_names = ${pythonNames([...UNSAFE_ENV_NAMES].sort(), 'set')}
protected_prefixes = ${pythonNames([...UNSAFE_ENV_PREFIXES].sort(), 'tuple')}
env_names = {}
for name in data:
    env_name = re.sub(r'[^0-9A-Za-z_]', '_', name).upper()
    if (
        not re.fullmatch(r'${ENV_NAME_SHAPE}', env_name)
        or env_name in protected_names
        or env_name.startswith(protected_prefixes)
    ):
        env_name = 'SECRET_' + env_name
    if env_name in env_names:
        raise ValueError(
            f'The keys {env_names[env_name]!r} and {name!r} would both set {env_name}: '
            'rename one of them in Vault (no variable was set).'
        )
    env_names[env_name] = name
for env_name, name in env_names.items():
    value = data[name]
    os.environ[env_name] = value if isinstance(value, str) else json.dumps(value)
{{/key}}
`;

/** R with httr and jsonlite over Vault's HTTP API. */
const R = `# Reads the secret when the cell runs; its value is never stored in the notebook.
# Needs the httr and jsonlite packages: install.packages(c("httr", "jsonlite")).
# The token comes from VAULT_TOKEN or ~/.vault-token, which Jupyter keeps fresh.
{{var}} <- local({
  token <- Sys.getenv("VAULT_TOKEN")
  if (!nzchar(token)) token <- trimws(readLines("~/.vault-token", n = 1L, warn = FALSE))
  encode <- function(p) {
    segments <- strsplit(p, "/", fixed = TRUE)[[1]]
    paste(vapply(segments, utils::URLencode, "", reserved = TRUE, repeated = TRUE,
                 USE.NAMES = FALSE),
          collapse = "/")
  }
{{#kv2}}
  url <- paste0({{address}}, "/v1/", encode({{mount}}), "/data/", encode({{path}}))
{{/kv2}}
{{^kv2}}
  url <- paste0({{address}}, "/v1/", encode({{mount}}), "/", encode({{path}}))
{{/kv2}}
  headers <- c("X-Vault-Token" = token)
{{#namespace}}
  headers <- c(headers, "X-Vault-Namespace" = {{namespace}})
{{/namespace}}
{{#verify}}
{{#ca_path}}
  ca <- {{ca_path}}
  tls <- if (dir.exists(ca)) httr::config(capath = ca) else httr::config(cainfo = ca)
{{/ca_path}}
{{^ca_path}}
  tls <- httr::config()
{{/ca_path}}
{{/verify}}
{{^verify}}
  tls <- httr::config(ssl_verifypeer = FALSE, ssl_verifyhost = FALSE)
{{/verify}}
  response <- httr::GET(url, httr::add_headers(.headers = headers), tls)
  httr::stop_for_status(response, "read the secret from Vault")
  body <- jsonlite::fromJSON(httr::content(response, as = "text", encoding = "UTF-8"),
                             simplifyVector = FALSE)
  body$data{{#kv2}}$data{{/kv2}}{{#key}}[[{{key}}]]{{/key}}
})
`;

/** bash with the vault / bao CLI, into a shell variable. */
const BASH = `# Reads the secret with the {{cli}} CLI when the cell runs (never stored in the notebook).
# The token comes from the environment or ~/.vault-token, which Jupyter keeps fresh.
{{var}}=$(
  export {{cli_env}}_ADDR={{address}}
{{#verify}}
{{#ca_path}}
  if [ -d {{ca_path}} ]; then export {{cli_env}}_CAPATH={{ca_path}}; else export {{cli_env}}_CACERT={{ca_path}}; fi
{{/ca_path}}
{{/verify}}
{{^verify}}
  export {{cli_env}}_SKIP_VERIFY=true
{{/verify}}
  {{cli}} kv get {{#namespace}}-namespace={{namespace}} {{/namespace}}-mount={{mount}} {{#key}}-field={{key}}{{/key}}{{^key}}-format=json{{/key}} -- {{path}}
)
{{^key}}
# {{var}} holds {{cli}}'s JSON reply: the key/value pairs are under {{#kv2}}.data.data{{/kv2}}{{^kv2}}.data{{/kv2}}.
{{/key}}
`;

/** The copy-CLI command (one line, shell quoting). */
export const CLI_TEMPLATE =
  '{{cli_env}}_ADDR={{address}} ' +
  '{{#verify}}{{#ca_path}}{{cli_env}}_CACERT={{ca_path}} {{/ca_path}}{{/verify}}' +
  '{{^verify}}{{cli_env}}_SKIP_VERIFY=true {{/verify}}' +
  '{{cli}} kv get {{#namespace}}-namespace={{namespace}} {{/namespace}}' +
  '-mount={{mount}} {{#key}}-field={{key}} {{/key}}-- {{path}}';

/** The built-in templates, in menu order. */
export const BUILTIN_TEMPLATES: readonly ISnippetTemplate[] = [
  {
    id: 'python',
    kernelLanguage: 'python',
    label: 'Python (hvac)',
    quoting: 'python',
    template: PYTHON
  },
  {
    id: 'python-env',
    kernelLanguage: 'python',
    label: 'Python (hvac, into os.environ)',
    quoting: 'python',
    template: PYTHON_ENV
  },
  {
    id: 'r',
    kernelLanguage: 'r',
    label: 'R (httr, jsonlite)',
    quoting: 'r',
    template: R
  },
  {
    id: 'bash',
    kernelLanguage: 'bash',
    label: 'bash (vault / bao CLI)',
    quoting: 'shell',
    template: BASH
  }
];
