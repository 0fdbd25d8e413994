/**
 * Which environment variables a snippet may set from a secret's keys: the
 * `python-env` template turns each key into a variable name, and a name that
 * would change how programs start, load code, find files or connect gets
 * `SECRET_` in front instead. The same rule runs in TypeScript (one chosen
 * key, {@link envVarName}) and in the snippet at run time (every key of a
 * whole secret, with {@link UNSAFE_ENV_NAMES} and
 * {@link UNSAFE_ENV_PREFIXES} written into it).
 */

/** The shape of a name a key may set as it is: upper-case ASCII, not starting with `_` or a digit. */
export const ENV_NAME_SHAPE = '[A-Z][A-Z0-9_]*';

/**
 * Exact names never set from a key. Sources: glibc's `UNSECURE_ENVVARS`
 * (what the loader drops for setuid programs), sudo's `initial_badenv_table`
 * (what it never passes on), the manuals of bash, dash, zsh, git, ssh, pip,
 * npm, Node.js, Perl, Ruby, R, Java, .NET, Go and Rust, and what Jupyter,
 * IPython and matplotlib read at start-up.
 */
export const UNSAFE_ENV_NAMES: readonly string[] = [
  // the process: who, where, which programs and libraries
  'HOME', 'USER', 'LOGNAME', 'SHELL', 'PATH', 'PWD', 'OLDPWD',
  'TMPDIR', 'TMP', 'TEMP', 'TEMPDIR', 'MAIL', 'MAILPATH', 'MAILCHECK',
  'HOSTNAME', 'UID', 'EUID', 'PPID', 'SHLVL', 'LIBPATH', 'SHLIB_PATH',
  'LIBRARY_PATH', 'CPATH', 'C_INCLUDE_PATH', 'CPLUS_INCLUDE_PATH',
  'GCC_EXEC_PREFIX', 'COMPILER_PATH', 'PKG_CONFIG_PATH', 'PKG_CONFIG_LIBDIR',
  'CC', 'CXX', 'CPP', 'LD', 'AR', 'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS',
  'MAKE', 'MAKEFLAGS', 'MFLAGS', 'MAKEFILES',
  // glibc (UNSECURE_ENVVARS) and the resolver
  'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'HOSTALIASES', 'LOCALDOMAIN',
  'LOCPATH', 'MALLOC_TRACE', 'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF',
  'RES_OPTIONS', 'TZ', 'TZDIR', 'PATH_LOCALE',
  // shells: start-up files, prompts, parsing
  'ENV', 'IFS', 'CDPATH', 'FPATH', 'GLOBIGNORE', 'EXECIGNORE', 'FIGNORE',
  'HISTFILE', 'HISTFILESIZE', 'HISTSIZE', 'HISTCONTROL', 'HISTIGNORE',
  'HISTTIMEFORMAT', 'HOSTFILE', 'INPUTRC', 'POSIXLY_CORRECT', 'PROMPT_COMMAND',
  'PROMPT_DIRTRIM', 'PS0', 'PS1', 'PS2', 'PS3', 'PS4', 'SHELLOPTS', 'BASHOPTS', 'TMOUT',
  'ZDOTDIR', 'NULLCMD', 'READNULLCMD', 'TMPPREFIX',
  // locale and terminal
  'LANG', 'LANGUAGE', 'TERM', 'TERMINFO', 'TERMINFO_DIRS', 'TERMCAP',
  'TERMPATH', 'COLUMNS', 'LINES', 'DISPLAY', 'XAUTHORITY', 'WAYLAND_DISPLAY',
  'DBUS_SESSION_BUS_ADDRESS',
  // editors, pagers, browsers, helpers that run programs
  'EDITOR', 'VISUAL', 'FCEDIT', 'PAGER', 'MANPAGER', 'MANPATH', 'MANOPT',
  'BROWSER', 'LESS', 'LESSOPEN', 'LESSCLOSE', 'LESSKEY', 'LESSKEYIN',
  'LESSSECURE', 'MORE', 'VIMINIT', 'VIMRUNTIME', 'MYVIMRC', 'EXINIT',
  'GVIMINIT', 'EMACSLOADPATH', 'SUDO_ASKPASS', 'SUDO_EDITOR', 'SSH_ASKPASS',
  'SSH_ASKPASS_REQUIRE', 'SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'GNUPGHOME',
  'SYSTEMD_PAGER', 'SYSTEMD_EDITOR', 'GH_PAGER', 'GH_EDITOR', 'GH_BROWSER',
  'GH_CONFIG_DIR',
  // TLS, proxies and where clients read their configuration
  'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'ALL_PROXY', 'NO_PROXY',
  'RSYNC_PROXY', 'GOPROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'SSLKEYLOGFILE',
  'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'CURL_HOME', 'WGETRC', 'NETRC',
  'KRB5_CONFIG', 'KRB5_KTNAME', 'KRB5CCNAME', 'KUBECONFIG', 'DOCKER_CONFIG',
  'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CA_BUNDLE', 'BOTO_CONFIG', 'BOTO_PATH',
  'AZURE_CONFIG_DIR', 'GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES',
  'TF_CLI_CONFIG_FILE',
  // language runtimes that load code or options from the environment
  'CLASSPATH', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS', 'JAVA_OPTIONS', 'JAVA_OPTS', 'JAVA_HOME', 'MAVEN_OPTS',
  'MAVEN_ARGS', 'GRADLE_OPTS', 'GRADLE_USER_HOME', 'SBT_OPTS', 'ANT_OPTS',
  'GOFLAGS', 'GOPATH', 'GOROOT', 'GOENV', 'GOTOOLCHAIN', 'GOBIN', 'GOCACHE',
  'GOMODCACHE', 'GONOSUMDB', 'GONOSUMCHECK', 'GOPRIVATE', 'GOINSECURE',
  'GOSUMDB', 'GOEXPERIMENT', 'GODEBUG', 'RUSTFLAGS', 'RUSTDOCFLAGS', 'RUSTC',
  'RUSTC_WRAPPER', 'TCL_LIBRARY', 'TK_LIBRARY', 'TCLLIBPATH', 'PHPRC',
  'PHP_INI_SCAN_DIR', 'OCAMLRUNPARAM', 'ELIXIR_ERL_OPTIONS', 'IPYTHONDIR',
  'MPLBACKEND', 'MPLCONFIGDIR', 'DJANGO_SETTINGS_MODULE', 'FLASK_APP',
  'CELERY_CONFIG_MODULE', 'VIRTUAL_ENV', 'PYSPARK_PYTHON',
  'PYSPARK_DRIVER_PYTHON', 'SPARK_HOME', 'SPARK_CONF_DIR', 'HADOOP_CONF_DIR',
  'HADOOP_OPTS'
]; // prettier-ignore

/**
 * Name prefixes never set from a key: families of variables a program reads
 * as options, start-up code, library paths or configuration files.
 */
export const UNSAFE_ENV_PREFIXES: readonly string[] = [
  // loaders and libc
  'LD_', 'DYLD_', 'MALLOC_', 'LC_',
  // shells (BASH_ENV, BASH_FUNC_*, BASH_XTRACEFD...) and desktop dirs
  'BASH_', 'XDG_',
  // language runtimes and their package managers
  'PYTHON', 'PIP_', 'PIPX_', 'UV_', 'POETRY_', 'PIPENV_', 'CONDA', 'MAMBA',
  'PYTEST_', 'COVERAGE_', 'PERL', 'RUBY', 'GEM_', 'BUNDLE_', 'NODE_',
  'NPM_CONFIG_', 'YARN_', 'COREPACK_', 'DENO_', 'BUN_', 'R_', 'JULIA_',
  'DOTNET_', 'CORECLR_', 'COMPLUS_', 'CGO_', 'CARGO_', 'RUSTUP_', 'LUA_',
  'GUILE_', 'ERL_', 'GHC_', 'CABAL_',
  // git, OpenSSL, cloud CLIs that run helpers
  'GIT_', 'OPENSSL_', 'CLOUDSDK_',
  // Jupyter and Vault/OpenBao themselves
  'JUPYTER', 'JPY_', 'IPY', 'VAULT_', 'BAO_'
]; // prettier-ignore

const SHAPE_RE = new RegExp(`^${ENV_NAME_SHAPE}$`);
const UNSAFE_NAMES = new Set(UNSAFE_ENV_NAMES);

/**
 * Whether a key may set the variable `name` as it is: it has the shape
 * {@link ENV_NAME_SHAPE} and is on neither unsafe list.
 */
export function isSafeEnvName(name: string): boolean {
  return (
    SHAPE_RE.test(name) &&
    !UNSAFE_NAMES.has(name) &&
    !UNSAFE_ENV_PREFIXES.some(prefix => name.startsWith(prefix))
  );
}

/**
 * The environment variable name for a secret key, the same rule the
 * `python-env` template applies at run time to every key of a whole secret:
 * each character outside `A-Z a-z 0-9 _` becomes `_`, then upper case
 * (`db-password` → `DB_PASSWORD`); a name that is not safe
 * ({@link isSafeEnvName}: `path`, `bash_env`, `2fa`) gets `SECRET_` in front
 * (`SECRET_PATH`, `SECRET_BASH_ENV`, `SECRET_2FA`).
 */
export function envVarName(key: string): string {
  const name = key.replace(/[^0-9A-Za-z_]/gu, '_').toUpperCase();
  return isSafeEnvName(name) ? name : `SECRET_${name}`;
}
