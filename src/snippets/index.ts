/**
 * Kernel snippets: code that reads a chosen Vault/OpenBao secret when a cell
 * runs, never the secret's value. Pure functions, no JupyterLab or React.
 *
 * API:
 *
 * - `snippetFor(kernelLanguage, ref, userTemplates?): ISnippet | null`:
 *   the code for a kernel language (kernelspec `language`, any case) or a
 *   template id (`python-env`), from the user's template when there is one,
 *   else the built-in one; null when there is none.
 * - `templatesFor(kernelLanguage, userTemplates?): string[]`: the template
 *   ids offered for a kernel language (`python` → `python`, `python-env`).
 * - `cliCommand(ref): string`: the one-line `vault kv get` / `bao kv get`
 *   command of the copy-CLI action, shell-quoted.
 * - `pathToCopy(path): string`: the copy-path text (the path, or a bash
 *   word for it when it holds something that does not show as it is).
 * - `validateTemplate(text): string[]`: what is wrong with a template
 *   (for the Settings Editor), empty when nothing.
 * - `renderTemplate(text, quoting, ref): string`: render any template.
 * - `pythonLiteral`, `rLiteral`, `shellQuote`, `isPrintable`,
 *   `identifierFor`, `envVarName`, `isSafeEnvName`: the quoting and naming
 *   rules on their own.
 * - `BUILTIN_TEMPLATES`, `PLACEHOLDERS`, `CLI_TEMPLATE`, `SnippetError` and
 *   the types `ISecretRef`, `ISnippet`, `Quoting`, `UserTemplates`.
 *
 * Templates: `{{name}}` renders a placeholder (see `PLACEHOLDERS`):
 * `address`, `namespace`, `mount`, `path`, `key`, `ca_path`, `env_var` as
 * string literals of the template's quoting (null as `None` / `NULL` /
 * `''`), `verify` as a boolean or the CA path literal, `kv_version` as 1 or
 * 2, `var` as an identifier derived from the secret's name, `cli` and
 * `cli_env` as the bare words `vault`/`bao` and `VAULT`/`BAO`.
 * `{{#name}}…{{/name}}` renders its content when the value is present (not
 * null; `verify`, `kv2` when true), `{{^name}}…{{/name}}` when it is not;
 * a section tag alone on its line takes the whole line. Any other `{{` is
 * plain text.
 *
 * Escaping: Python literals are single-quoted with `\\`, `\'`, `\n`, `\r`,
 * `\t`, `\xNN`, `\uNNNN`, `\UNNNNNNNN` for everything not visibly printable
 * (so `ast.literal_eval` gives back the exact string, NUL and lone
 * surrogates included); R literals are double-quoted with `\\`, `\"`, `\n`,
 * `\r`, `\t` and `\u{…}`/`\U{…}` for every other control or non-ASCII
 * character (locale-independent), NUL and lone surrogates refused; shell
 * words are bare when made of `A-Za-z0-9_@+:,./-`, else printable ASCII
 * single-quoted with `'\''` for `'` and everything else as UTF-8 bytes in
 * `$'\xHH'` (so an interactive bash never sees a raw control character),
 * NUL and lone surrogates refused. Every generated line is printable: ASCII
 * for R and shell, visible characters for Python. Refusals throw
 * {@link SnippetError} with a message for the user.
 */

import { renderTemplate, validateTemplate } from './render';
import { isPrintable, shellQuote } from './literals';
import { BUILTIN_TEMPLATES, CLI_TEMPLATE } from './templates';
import {
  ISecretRef,
  ISnippet,
  QUOTINGS,
  Quoting,
  SnippetError,
  UserTemplates
} from './types';

export {
  ENV_NAME_SHAPE,
  envVarName,
  isSafeEnvName,
  UNSAFE_ENV_NAMES,
  UNSAFE_ENV_PREFIXES
} from './environment';
export { identifierFor, RESERVED } from './identifiers';
export { isPrintable, pythonLiteral, rLiteral, shellQuote } from './literals';
export { PLACEHOLDERS, renderTemplate, validateTemplate } from './render';
export { BUILTIN_TEMPLATES, CLI_TEMPLATE } from './templates';
export * from './types';

/** The quoting a template id or kernel language implies, if any. */
function builtinQuoting(id: string): Quoting | undefined {
  const builtin =
    BUILTIN_TEMPLATES.find(t => t.id === id) ??
    BUILTIN_TEMPLATES.find(t => t.kernelLanguage === id);
  return builtin?.quoting;
}

/** User templates with lower-cased ids. */
function userEntries(
  userTemplates: UserTemplates | undefined
): Map<string, UserTemplates[string]> {
  const entries = new Map<string, UserTemplates[string]>();
  for (const [id, template] of Object.entries(userTemplates ?? {})) {
    entries.set(id.trim().toLowerCase(), template);
  }
  return entries;
}

/**
 * The template ids offered for a kernel language: the built-in ones for it,
 * then the user's templates named `<language>` or `<language>-<variant>`.
 */
export function templatesFor(
  kernelLanguage: string,
  userTemplates?: UserTemplates
): string[] {
  const language = kernelLanguage.trim().toLowerCase();
  const ids = BUILTIN_TEMPLATES.filter(t => t.kernelLanguage === language).map(
    t => t.id
  );
  for (const id of userEntries(userTemplates).keys()) {
    if (
      (id === language || id.startsWith(`${language}-`)) &&
      !ids.includes(id)
    ) {
      ids.push(id);
    }
  }
  return ids;
}

/**
 * The snippet that reads `ref` at run time in a kernel language or with a
 * template id: the user's template of that id when there is one, else the
 * built-in one; null when neither exists. Trailing newlines are dropped.
 *
 * @param kernelLanguage kernelspec `language` (`python`, `R`, `bash`; any
 *   case) or a template id (`python-env`)
 * @param userTemplates the user's templates by id (settings)
 * @throws SnippetError for an invalid user template, a user template
 *   without a known quoting, or a value the language cannot hold
 */
export function snippetFor(
  kernelLanguage: string,
  ref: ISecretRef,
  userTemplates?: UserTemplates
): ISnippet | null {
  const id = kernelLanguage.trim().toLowerCase();
  const user = userEntries(userTemplates).get(id);
  let template: string;
  let quoting: Quoting | undefined;
  if (user !== undefined) {
    template = typeof user === 'string' ? user : user.template;
    quoting =
      (typeof user === 'string' ? undefined : user.quoting) ??
      builtinQuoting(id);
    if (quoting === undefined || !QUOTINGS.includes(quoting)) {
      throw new SnippetError(
        'unknown_quoting',
        `The snippet template "${id}" needs a quoting: one of ${QUOTINGS.join(', ')}.`
      );
    }
  } else {
    const builtin = BUILTIN_TEMPLATES.find(t => t.id === id);
    if (builtin === undefined) {
      return null;
    }
    template = builtin.template;
    quoting = builtin.quoting;
  }
  const code = renderTemplate(template, quoting, ref).replace(/\n+$/, '');
  return { code, language: id };
}

/**
 * The copy-CLI command for `ref`, one line of bash:
 * `VAULT_ADDR=… [VAULT_CACERT=… | VAULT_SKIP_VERIFY=true] vault kv get
 * [-namespace=…] -mount=… [-field=…] -- <path>` (`BAO_*` and `bao` for
 * OpenBao). Every value is shell-quoted.
 *
 * @throws SnippetError when a value holds NUL or a lone surrogate
 */
export function cliCommand(ref: ISecretRef): string {
  return renderTemplate(CLI_TEMPLATE, 'shell', ref);
}

/**
 * The text of the copy-path action for a secret's path (`secret/app/db`):
 * the path as it is when every character shows as it is
 * ({@link isPrintable}), else a bash word that stands for it
 * ({@link shellQuote}, printable ASCII only), so a pasted path never
 * carries a control, format or separator character into a terminal.
 *
 * @throws SnippetError when the path holds NUL or a lone surrogate
 */
export function pathToCopy(path: string): string {
  return isPrintable(path) ? path : shellQuote(path, 'secret path');
}

/**
 * What is wrong with each of the user's templates (for the Settings
 * Editor): template syntax (see {@link validateTemplate}), a missing
 * quoting for an id without a built-in one, an empty id or template.
 *
 * @param userTemplates the user's templates by id
 * @returns the problems by template id (as written); ids without problems
 *   are absent
 */
export function userTemplateProblems(
  userTemplates: UserTemplates | undefined
): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const [rawId, user] of Object.entries(userTemplates ?? {})) {
    const id = rawId.trim().toLowerCase();
    const found: string[] = [];
    const template = typeof user === 'string' ? user : user?.template;
    const quoting =
      (typeof user === 'string' ? undefined : user?.quoting) ??
      builtinQuoting(id);
    if (id === '') {
      found.push(
        'A template needs a name: a kernel language or a template id.'
      );
    }
    if (typeof template !== 'string' || template.trim() === '') {
      found.push('The template is empty.');
    } else {
      found.push(...validateTemplate(template));
    }
    if (quoting === undefined || !QUOTINGS.includes(quoting)) {
      found.push(
        `"${rawId}" is not a built-in template id, so it needs a quoting: one of ${QUOTINGS.join(', ')}.`
      );
    }
    if (found.length > 0) {
      problems[rawId] = found;
    }
  }
  return problems;
}

/**
 * The user's templates without the ones that have problems (those are
 * reported in the Settings Editor; snippets then use the built-in ones).
 */
export function usableUserTemplates(
  userTemplates: UserTemplates | undefined
): UserTemplates {
  const problems = userTemplateProblems(userTemplates);
  return Object.fromEntries(
    Object.entries(userTemplates ?? {}).filter(([id]) => !(id in problems))
  );
}
