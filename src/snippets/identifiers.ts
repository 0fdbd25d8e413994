/**
 * Variable names for snippets: derived from the secret's name, valid in the
 * target language, never a keyword, deterministic for the same input.
 */

import { ISecretRef, Quoting } from './types';

/** The name used when nothing usable is left of the secret's name. */
export const FALLBACK_NAME = 'secret';

/** The longest derived name (before a keyword suffix). */
export const MAX_NAME_LENGTH = 48;

/**
 * Python keywords and soft keywords (3.12), the lower-case builtins and
 * IPython's globals (a snippet must not shadow `list` or `display`), and the
 * names the built-in Python templates use themselves.
 */
const PYTHON_RESERVED = [
  // keywords
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break',
  'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
  // soft keywords
  '_', 'case', 'match', 'type',
  // builtins
  'abs', 'aiter', 'all', 'anext', 'any', 'ascii', 'bin', 'bool', 'breakpoint',
  'bytearray', 'bytes', 'callable', 'chr', 'classmethod', 'compile', 'complex',
  'copyright', 'credits', 'delattr', 'dict', 'dir', 'divmod', 'enumerate',
  'eval', 'exec', 'exit', 'filter', 'float', 'format', 'frozenset', 'getattr',
  'globals', 'hasattr', 'hash', 'help', 'hex', 'id', 'input', 'int',
  'isinstance', 'issubclass', 'iter', 'len', 'license', 'list', 'locals', 'map',
  'max', 'memoryview', 'min', 'next', 'object', 'oct', 'open', 'ord', 'pow',
  'print', 'property', 'quit', 'range', 'repr', 'reversed', 'round', 'set',
  'setattr', 'slice', 'sorted', 'staticmethod', 'str', 'sum', 'super', 'tuple',
  'vars', 'zip',
  // IPython
  'display', 'get_ipython',
  // used by the built-in templates
  'client', 'data', 'env_name', 'env_names', 'hvac', 'json', 'name', 'os',
  'protected_names', 'protected_prefixes', 're', 'value'
]; // prettier-ignore

/**
 * R's reserved words (`?Reserved`), `T`, `F`, `c`, `q`, `t`, and the names
 * the built-in R template uses.
 */
const R_RESERVED = [
  'if', 'else', 'repeat', 'while', 'function', 'for', 'in', 'next', 'break',
  'TRUE', 'FALSE', 'NULL', 'Inf', 'NaN', 'NA', 'NA_integer_', 'NA_real_',
  'NA_character_', 'NA_complex_', 'T', 'F',
  // one-letter base functions
  'c', 'q', 't',
  // used by the built-in template
  'body', 'ca', 'encode', 'headers', 'httr', 'jsonlite', 'local', 'nzchar',
  'p', 'paste', 'paste0', 'response', 'segments', 'strsplit', 'tls', 'token',
  'trimws', 'url', 'utils', 'vapply'
]; // prettier-ignore

/**
 * Bash reserved words (`compgen -k`) and the variables bash gives a meaning
 * to (an assignment to `PATH`, `IFS` or `RANDOM` would change the shell).
 */
const BASH_RESERVED = [
  'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select',
  'while', 'until', 'do', 'done', 'in', 'function', 'time', 'coproc',
  'auto_resume', 'histchars',
  'BASH', 'BASHOPTS', 'BASHPID', 'BASH_ALIASES', 'BASH_ARGC', 'BASH_ARGV',
  'BASH_ARGV0', 'BASH_CMDS', 'BASH_COMMAND', 'BASH_ENV', 'BASH_LINENO',
  'BASH_REMATCH', 'BASH_SOURCE', 'BASH_SUBSHELL', 'BASH_VERSINFO',
  'BASH_VERSION', 'CDPATH', 'COLUMNS', 'COMP_CWORD', 'COMP_LINE',
  'COMP_POINT', 'COMP_WORDS', 'COMPREPLY', 'DIRSTACK', 'ENV', 'EPOCHREALTIME',
  'EPOCHSECONDS', 'EUID', 'FUNCNAME', 'GLOBIGNORE', 'GROUPS', 'HISTCMD',
  'HISTFILE', 'HOME', 'HOSTNAME', 'HOSTTYPE', 'IFS', 'LANG', 'LC_ALL',
  'LINENO', 'LINES', 'MACHTYPE', 'MAIL', 'MAILPATH', 'OLDPWD', 'OPTARG',
  'OPTERR', 'OPTIND', 'OSTYPE', 'PATH', 'PIPESTATUS', 'POSIXLY_CORRECT',
  'PPID', 'PROMPT_COMMAND', 'PS1', 'PS2', 'PS3', 'PS4', 'PWD', 'RANDOM',
  'READLINE_LINE', 'READLINE_POINT', 'REPLY', 'SECONDS', 'SHELL', 'SHELLOPTS',
  'SHLVL', 'SRANDOM', 'TMOUT', 'UID'
]; // prettier-ignore

/** Names `{{var}}` never takes, by quoting. */
export const RESERVED: Readonly<Record<Quoting, ReadonlySet<string>>> = {
  python: new Set(PYTHON_RESERVED),
  r: new Set(R_RESERVED),
  shell: new Set(BASH_RESERVED)
};

/**
 * ASCII words of `text`: accents folded (`é` → `e`), camelCase split,
 * anything else a separator.
 */
function asciiWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(word => word.length > 0);
}

/** The last non-empty segment of a secret path (`apps/billing/db` → `db`). */
export function lastSegment(path: string): string {
  const segments = path.split('/').filter(segment => segment.length > 0);
  return segments.length > 0 ? segments[segments.length - 1] : '';
}

/**
 * The variable name `{{var}}` renders: snake_case from the secret's last
 * path segment and the key (`apps/billing/db` + `password` →
 * `db_password`), ASCII only, at most {@link MAX_NAME_LENGTH} characters,
 * `secret` when nothing is left, prefixed `secret_` when it starts with a
 * digit, suffixed `_` when it is reserved in `quoting` (see
 * {@link RESERVED}). Valid in Python, R and bash alike.
 */
export function identifierFor(ref: ISecretRef, quoting: Quoting): string {
  const source = [lastSegment(ref.path), ref.key ?? ''].join(' ');
  let name = asciiWords(source)
    .join('_')
    .toLowerCase()
    .slice(0, MAX_NAME_LENGTH)
    .replace(/_+$/, '');
  if (name === '') {
    name = FALLBACK_NAME;
  } else if (/^[0-9]/.test(name)) {
    name = `${FALLBACK_NAME}_${name}`;
  }
  return RESERVED[quoting].has(name) ? `${name}_` : name;
}
