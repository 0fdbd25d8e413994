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

/** Printable ASCII: what a shell word may show as it is (space to `~`). */
const PRINTABLE_ASCII = /^[\x20-\x7E]$/;

/** Words bash takes as they are: nothing in them is special anywhere in a command. */
const SHELL_PLAIN = /^[A-Za-z0-9_@+:,./-]+$/;

/** `value` padded with zeros to `width` upper-case hex digits. */
function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}

/** The UTF-8 bytes of one character as `\xHH` escapes (`é` → `\xC3\xA9`). */
function utf8Escapes(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const bytes =
    cp < 0x80
      ? [cp]
      : cp < 0x800
        ? [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]
        : cp < 0x10000
          ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
          : [
              0xf0 | (cp >> 18),
              0x80 | ((cp >> 12) & 0x3f),
              0x80 | ((cp >> 6) & 0x3f),
              0x80 | (cp & 0x3f)
            ];
  return bytes.map(byte => '\\x' + hex(byte, 2)).join('');
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
 * One bash word that stands for exactly `value`, written in printable ASCII
 * only: as is when it holds only `A-Z a-z 0-9 _ @ + : , . / -`, otherwise
 * printable ASCII single-quoted (each `'` written `'\''`; nothing is special
 * inside: `$`, backticks, `\`, `!`) and every other character (controls,
 * DEL, line and paragraph separators, format characters, anything not
 * ASCII) as its UTF-8 bytes in ANSI-C quotes, `$'\xHH'`:
 * `x<Ctrl-U>y` → `'x'$'\x15''y'`, `é` → `$'\xC3\xA9'`. The empty string is
 * `''`.
 *
 * Only printable ASCII reaches the shell because an interactive bash (a bash
 * kernel, a terminal the command is pasted into) edits its input line as it
 * reads it: a raw Ctrl-U there erases the line even inside quotes, and
 * readline may turn bytes above 0x7F into Meta key bindings in the C locale.
 * The `$'\xHH'` parts hold nothing but those escapes, so every bash since
 * 2.0 (and zsh, ksh93) decodes them to the same bytes in any locale.
 *
 * @param what what the value is, for the error message
 * @throws SnippetError for NUL (no shell argument can hold it) or a lone surrogate
 */
export function shellQuote(value: string, what = 'value'): string {
  refuse(value, what, 'a shell argument');
  if (SHELL_PLAIN.test(value)) {
    return value;
  }
  if (value === '') {
    return "''";
  }
  // Runs of printable ASCII, single-quoted, and runs of anything else, escaped.
  return value.replace(/[\x20-\x7E]+|[^\x20-\x7E]+/gu, run =>
    PRINTABLE_ASCII.test(run[0])
      ? "'" + run.replace(/'/g, "'\\''") + "'"
      : "$'" + Array.from(run, utf8Escapes).join('') + "'"
  );
}

/**
 * Whether `text` shows as it is: printable ASCII and visible non-ASCII
 * characters (letters, marks, numbers, punctuation, symbols) only, so no
 * control, DEL, format (bidi overrides, zero-width), separator or private
 * use character, nothing a terminal or line editor would act on.
 */
export function isPrintable(text: string): boolean {
  for (const ch of text) {
    if (!PRINTABLE_ASCII.test(ch) && !VISIBLE.test(ch)) {
      return false;
    }
  }
  return true;
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
