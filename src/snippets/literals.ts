/**
 * String literals of the snippet languages. Every name a snippet mentions
 * (address, namespace, mount, path, key, CA path) goes through one of these,
 * so a hostile name stays data and never becomes code.
 */

import { Quoting, SnippetError } from './types';

/** Non-ASCII characters shown as is: letters, marks, numbers, punctuation, symbols. */
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** A UTF-16 surrogate without its other half (JS strings can hold one; UTF-8 cannot). */
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Words bash takes as they are: nothing in them is special anywhere in a command. */
const SHELL_PLAIN = /^[A-Za-z0-9_@+:,./-]+$/;

/** `value` padded with zeros to `width` upper-case hex digits. */
function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}

/** Throws when `value` cannot be written in `language`. */
function refuse(value: string, what: string, language: string): void {
  if (value.includes('\0')) {
    throw new SnippetError(
      'unsupported_value',
      `The ${what} contains a NUL character, which ${language} cannot hold.`
    );
  }
  if (LONE_SURROGATE.test(value)) {
    throw new SnippetError(
      'unsupported_value',
      `The ${what} contains an unpaired UTF-16 surrogate, which ${language} cannot hold.`
    );
  }
}

/** Escapes Python and R string literals share (both use C-like escapes). */
const SHORT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t'
};

/**
 * How a C-like string literal quoted with `quote` writes `ch`: escaped
 * quote, a short escape, or printable ASCII as is; null when the language's
 * own rule (`\x`, `\u`...) must decide.
 */
function plainEscape(ch: string, cp: number, quote: string): string | null {
  if (ch === quote) {
    return '\\' + ch;
  }
  const short = SHORT_ESCAPES[ch];
  if (short !== undefined) {
    return short;
  }
  return cp >= 0x20 && cp < 0x7f ? ch : null;
}

/**
 * A Python string literal that `ast.literal_eval` turns back into exactly
 * `value`. Single-quoted; backslash, quote, control, format, separator,
 * private-use and unassigned characters are escaped (`\n`, `\xNN`, `\uNNNN`,
 * `\UNNNNNNNN`), so bidi overrides and line separators show as escapes.
 * Every JS string can be written, lone surrogates and NUL included.
 */
export function pythonLiteral(value: string): string {
  let out = "'";
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    const plain = plainEscape(ch, cp, "'");
    if (plain !== null) {
      out += plain;
    } else if (cp > 0x7f && VISIBLE.test(ch)) {
      out += ch;
    } else if (cp <= 0xff) {
      out += '\\x' + hex(cp, 2);
    } else if (cp <= 0xffff) {
      out += '\\u' + hex(cp, 4);
    } else {
      out += '\\U' + hex(cp, 8);
    }
  }
  return out + "'";
}

/**
 * An R string literal that R's `parse()` turns back into exactly `value`,
 * in any locale. Double-quoted; backslash and quote are escaped, `\n`, `\r`,
 * `\t` are used, and every other control or non-ASCII character is written
 * `\u{X}` / `\U{X}` (never `\x` or octal: R refuses to mix them with `\u`).
 *
 * @param what what the value is, for the error message
 * @throws SnippetError for NUL (an R string cannot hold it) or a lone surrogate
 */
export function rLiteral(value: string, what = 'value'): string {
  refuse(value, what, 'an R string');
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    const plain = plainEscape(ch, cp, '"');
    if (plain !== null) {
      out += plain;
    } else if (cp <= 0xffff) {
      out += '\\u{' + hex(cp, 4) + '}';
    } else {
      out += '\\U{' + hex(cp, 8) + '}';
    }
  }
  return out + '"';
}

/**
 * One bash word that stands for exactly `value`: as is when it holds only
 * `A-Z a-z 0-9 _ @ + : , . / -`, otherwise single-quoted with each `'`
 * written `'\''`. Inside single quotes nothing is special (`$`, backticks,
 * `\`, newlines stay literal). The empty string is `''`.
 *
 * @param what what the value is, for the error message
 * @throws SnippetError for NUL (no shell argument can hold it) or a lone surrogate
 */
export function shellQuote(value: string, what = 'value'): string {
  refuse(value, what, 'a shell argument');
  if (SHELL_PLAIN.test(value)) {
    return value;
  }
  return "'" + value.replace(/'/g, "'\\''") + "'";
}

/** The string literal of `value` in `quoting`. */
export function literal(
  quoting: Quoting,
  value: string,
  what?: string
): string {
  switch (quoting) {
    case 'python':
      return pythonLiteral(value);
    case 'r':
      return rLiteral(value, what);
    case 'shell':
      return shellQuote(value, what);
  }
}

/** The null value of `quoting`: `None`, `NULL`, or `''` (an empty word). */
export function nullLiteral(quoting: Quoting): string {
  return { python: 'None', r: 'NULL', shell: "''" }[quoting];
}

/** A boolean of `quoting`: `True`/`False`, `TRUE`/`FALSE`, `true`/`false`. */
export function boolLiteral(quoting: Quoting, value: boolean): string {
  switch (quoting) {
    case 'python':
      return value ? 'True' : 'False';
    case 'r':
      return value ? 'TRUE' : 'FALSE';
    case 'shell':
      return value ? 'true' : 'false';
  }
}
