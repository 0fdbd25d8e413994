/**
 * The template language of snippets: `{{name}}` placeholders and
 * `{{#name}}…{{/name}}` / `{{^name}}…{{/name}}` sections, a small subset of
 * Mustache. Values are never spliced raw: each placeholder renders as a
 * literal (or identifier) of the template's quoting.
 */

import { envVarName } from './environment';
import { identifierFor, lastSegment } from './identifiers';
import { boolLiteral, literal, nullLiteral } from './literals';
import { ISecretRef, Quoting, SnippetError } from './types';

/** What a placeholder renders as, or whether it can only open a section. */
export interface IPlaceholder {
  /** Human description for the settings documentation. */
  readonly description: string;
  /** True when `{{name}}` is not allowed, only `{{#name}}` / `{{^name}}`. */
  readonly sectionOnly?: boolean;
}

/**
 * Every placeholder a template may use. Sections (`{{#name}}…{{/name}}`)
 * render their content when the value is present (not null, not empty for
 * `namespace` and `ca_path`; `verify` and `kv2` when true); inverted
 * sections (`{{^name}}…{{/name}}`) when it is not.
 */
export const PLACEHOLDERS: Readonly<Record<string, IPlaceholder>> = {
  address: {
    description: 'Vault address without trailing slash, as a string literal.'
  },
  namespace: {
    description: 'Vault namespace as a string literal, or null (None, NULL, \'\').'
  },
  mount: {
    description: 'KV mount without trailing slash (`secret`), as a string literal.'
  },
  path: {
    description: 'Secret path relative to the mount, as a string literal.'
  },
  key: {
    description: 'The chosen key as a string literal, or null for the whole secret.'
  },
  kv_version: { description: 'KV engine version: the number 1 or 2.' },
  kv2: {
    description: 'Section only: true for KV version 2.',
    sectionOnly: true
  },
  ca_path: {
    description: 'CA file or directory as a string literal, or null.'
  },
  verify: {
    description:
      'TLS verification: false when off, else the CA path literal when set, else true ' +
      '(Python True/False, R TRUE/FALSE, shell true/false). As a section: verification on.'
  },
  var: {
    description:
      'A variable name derived from the secret and key names (an identifier, not a literal).'
  },
  env_var: {
    description:
      'Upper-case environment variable name for the key (or the last path segment), with ' +
      'SECRET_ in front when it could change how programs start, as a string literal.'
  },
  cli: { description: 'The CLI command, `vault` or `bao` (a bare word).' },
  cli_env: {
    description: 'The CLI environment prefix, `VAULT` or `BAO` (a bare word).'
  }
}; // prettier-ignore

/** A piece of a parsed template. */
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[] };

/** A parsed template and what is wrong with it. */
interface IParsed {
  nodes: Node[];
  errors: string[];
}

/** A tag: `{{name}}`, `{{#name}}`, `{{^name}}`, `{{/name}}`. Other `{{` is text. */
const TAG = /\{\{([#^/]?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** `line:column` (1-based) of offset `index` in `text`. */
function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `${line}:${column}`;
}

/**
 * The span a section tag takes: the whole line (with its newline) when the
 * tag stands alone on it, so section tags on lines of their own leave no
 * blank lines behind.
 */
function standalone(
  text: string,
  start: number,
  end: number
): [number, number] {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = text.indexOf('\n', end);
  lineEnd = lineEnd === -1 ? text.length : lineEnd + 1;
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd);
  if (/^[ \t]*$/.test(before) && /^[ \t]*\r?\n?$/.test(after)) {
    return [lineStart, lineEnd];
  }
  return [start, end];
}

/** Parse `text` into nodes, collecting every error instead of stopping. */
function parse(text: string): IParsed {
  const errors: string[] = [];
  const root: Node[] = [];
  const stack: { name: string; at: string; children: Node[] }[] = [];
  let children = root;
  let cursor = 0;
  for (const match of text.matchAll(TAG)) {
    const [tag, sigil, name] = match;
    const at = position(text, match.index!);
    const [start, end] =
      sigil === ''
        ? [match.index!, match.index! + tag.length]
        : standalone(text, match.index!, match.index! + tag.length);
    if (start > cursor) {
      children.push({ kind: 'text', text: text.slice(cursor, start) });
    }
    cursor = Math.max(cursor, end);
    const known = Object.prototype.hasOwnProperty.call(PLACEHOLDERS, name);
    if (!known && sigil !== '/') {
      errors.push(`${at}: unknown placeholder {{${sigil}${name}}}`);
    }
    if (sigil === '') {
      if (known && PLACEHOLDERS[name].sectionOnly) {
        errors.push(
          `${at}: {{${name}}} can only open a section ({{#${name}}} or {{^${name}}})`
        );
      }
      children.push({ kind: 'value', name });
    } else if (sigil === '/') {
      const open = stack.pop();
      if (!open) {
        errors.push(`${at}: {{/${name}}} closes no section`);
      } else if (open.name !== name) {
        errors.push(
          `${at}: {{/${name}}} closes the section {{#${open.name}}} opened at ${open.at}`
        );
      }
      children = stack.length > 0 ? stack[stack.length - 1].children : root;
    } else {
      const section: Node = {
        kind: 'section',
        name,
        inverted: sigil === '^',
        children: []
      };
      children.push(section);
      stack.push({ name, at, children: section.children });
      children = section.children;
    }
  }
  if (cursor < text.length) {
    children.push({ kind: 'text', text: text.slice(cursor) });
  }
  for (const open of stack) {
    errors.push(`${open.at}: section {{#${open.name}}} is never closed`);
  }
  return { nodes: root, errors };
}

/**
 * What is wrong with a template: unknown placeholders, section-only names
 * used as values, unbalanced or mismatched sections. Each message starts
 * with `line:column`. Empty when the template is fine.
 */
export function validateTemplate(text: string): string[] {
  return parse(text).errors;
}

/** The ref with empty namespace and CA path turned into null. */
function normalise(ref: ISecretRef): ISecretRef {
  return {
    ...ref,
    namespace: ref.namespace === '' ? null : ref.namespace,
    caCert: ref.caCert === '' ? null : ref.caCert
  };
}

/** Renders placeholder values of one ref in one quoting, each on demand. */
class Values {
  constructor(
    private readonly _ref: ISecretRef,
    private readonly _quoting: Quoting
  ) {
    if (_ref.cli !== 'vault' && _ref.cli !== 'bao') {
      throw new SnippetError(
        'unsupported_value',
        `Unknown CLI ${JSON.stringify(_ref.cli)}: expected vault or bao.`
      );
    }
  }

  /** Whether section `name` renders (before inversion). */
  present(name: string): boolean {
    const ref = this._ref;
    switch (name) {
      case 'namespace':
        return ref.namespace !== null;
      case 'key':
        return ref.key !== null;
      case 'ca_path':
        return ref.caCert !== null;
      case 'verify':
        return ref.tlsVerify;
      case 'kv2':
        return ref.version === 2;
      default:
        return true;
    }
  }

  /** The text `{{name}}` renders as. */
  render(name: string): string {
    const ref = this._ref;
    const q = this._quoting;
    const lit = (value: string | null, what: string): string =>
      value === null ? nullLiteral(q) : literal(q, value, what);
    switch (name) {
      case 'address':
        return lit(ref.address.replace(/\/+$/, ''), 'Vault address');
      case 'namespace':
        return lit(ref.namespace, 'namespace');
      case 'mount':
        return lit(ref.mount.replace(/\/+$/, ''), 'mount');
      case 'path':
        return lit(ref.path, 'secret path');
      case 'key':
        return lit(ref.key, 'key');
      case 'kv_version':
        return String(ref.version === 1 ? 1 : 2);
      case 'ca_path':
        return lit(ref.caCert, 'CA path');
      case 'verify':
        if (!ref.tlsVerify) {
          return boolLiteral(q, false);
        }
        return ref.caCert === null
          ? boolLiteral(q, true)
          : lit(ref.caCert, 'CA path');
      case 'var':
        return identifierFor(ref, q);
      case 'env_var':
        return lit(envVarName(ref.key ?? lastSegment(ref.path)), 'key');
      case 'cli':
        return ref.cli;
      case 'cli_env':
        return ref.cli === 'bao' ? 'BAO' : 'VAULT';
      default:
        throw new SnippetError(
          'invalid_template',
          `Unknown placeholder {{${name}}}.`
        );
    }
  }
}

/** Render parsed nodes. */
function renderNodes(nodes: Node[], values: Values): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
    } else if (node.kind === 'value') {
      out += values.render(node.name);
    } else if (values.present(node.name) !== node.inverted) {
      out += renderNodes(node.children, values);
    }
  }
  return out;
}

/** Parsed templates by text (the built-in and the user's few), bounded. */
const PARSED = new Map<string, IParsed>();
const PARSED_MAX = 64;

/**
 * Render `template` for `ref`, quoting every value for `quoting`.
 *
 * @throws SnippetError `invalid_template` when {@link validateTemplate}
 *   finds errors, `unsupported_value` when a used value cannot be written
 *   in `quoting` (NUL or a lone surrogate for R and shell)
 */
export function renderTemplate(
  template: string,
  quoting: Quoting,
  ref: ISecretRef
): string {
  let parsed = PARSED.get(template);
  if (parsed === undefined) {
    parsed = parse(template);
    if (PARSED.size >= PARSED_MAX) {
      PARSED.clear();
    }
    PARSED.set(template, parsed);
  }
  if (parsed.errors.length > 0) {
    throw new SnippetError(
      'invalid_template',
      `Invalid snippet template: ${parsed.errors.join('; ')}`
    );
  }
  return renderNodes(parsed.nodes, new Values(normalise(ref), quoting));
}
