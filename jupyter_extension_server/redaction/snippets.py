"""Which secrets a piece of code reads through one of the extension's snippets.

The server reads those secrets itself (with the user's Vault token) to know which values to mask,
so it recognises the code the built-in templates emit, in every language, by parsing the string
literals they write (never by running anything):

- Python (both templates): calls ``….read_secret_version(path=…, mount_point=…)`` and
  ``….read_secret(path=…, mount_point=…)`` with string constants, found with :mod:`ast`;
- R: ``encode("<mount>")`` then ``encode("<path>")`` in the ``url <- paste0(…)`` line;
- bash: ``vault kv get`` / ``bao kv get`` with ``-mount=<word>`` and ``-- <word>``, words written
  as the templates write them (plain, single-quoted, ``$'\\xHH'``).

Code that reads a secret some other way (a custom template that does not use these calls, a
path built at run time) is not recognised; docs/redaction.md says so.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SecretRef:
    """A secret a snippet reads: its KV mount (no trailing slash) and its path in the mount."""

    mount: str
    path: str

    @property
    def name(self) -> str:
        """``mount/path``, the name markers start with."""
        return f"{self.mount}/{self.path}"


_READ_CALLS = ("read_secret_version", "read_secret")

# An IPython line that is not Python (magics, shell escapes): dropped before parsing.
_IPYTHON_LINE = re.compile(r"^\s*[%!?]")


def python_refs(code: str) -> set[SecretRef]:
    """The secrets the Python snippets in ``code`` read."""
    if "read_secret" not in code:
        return set()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        lines = ["" if _IPYTHON_LINE.match(line) else line for line in code.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            return set()
    refs = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _READ_CALLS
        ):
            continue
        args = {
            k.arg: k.value.value
            for k in node.keywords
            if isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
        }
        if "path" in args:
            refs.add(SecretRef(args.get("mount_point", "secret").rstrip("/"), args["path"]))
    return refs


_R_STRING = r'"(?:[^"\\]|\\.)*"'
_R_URL = re.compile(
    rf"paste0\([^\n]*?encode\(({_R_STRING})\)[^\n]*?encode\(({_R_STRING})\)", re.DOTALL
)
_R_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]+\}|U\{[0-9A-Fa-f]+\}|.)", re.DOTALL)
_R_SHORT = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def _r_string(literal: str) -> str:
    def one(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "uU" and len(escape) > 1:
            return chr(int(escape[2:-1], 16))
        return _R_SHORT.get(escape, escape)

    return _R_ESCAPE.sub(one, literal[1:-1])


def r_refs(code: str) -> set[SecretRef]:
    """The secrets the R snippets in ``code`` read."""
    return {
        SecretRef(_r_string(mount).rstrip("/"), _r_string(path))
        for mount, path in _R_URL.findall(code)
    }


_SHELL_WORD = r"(?:[A-Za-z0-9_@+:,./=-]|'[^']*'|\$'(?:[^'\\]|\\.)*'|\\.)+"
_BASH_GET = re.compile(
    rf"\b(?:vault|bao) kv get\b[^\n]*?-mount=({_SHELL_WORD})[^\n]*? -- ({_SHELL_WORD})"
)
_SHELL_PART = re.compile(r"'([^']*)'|\$'((?:[^'\\]|\\.)*)'|\\(.)|([^'$\\]+|\$)")
_ANSI_C = re.compile(r"\\x([0-9A-Fa-f]{2})|\\(.)")


def _shell_word(word: str) -> str:
    out = bytearray()
    for quoted, ansi, escaped, plain in _SHELL_PART.findall(word):
        if ansi:
            pos = 0
            for m in _ANSI_C.finditer(ansi):
                out += ansi[pos : m.start()].encode()
                if m.group(1):
                    out.append(int(m.group(1), 16))
                else:
                    out += {"n": b"\n", "t": b"\t", "r": b"\r"}.get(m.group(2), m.group(2).encode())
                pos = m.end()
            out += ansi[pos:].encode()
        else:
            out += (quoted or escaped or plain).encode()
    return out.decode("utf-8", "replace")


def bash_refs(code: str) -> set[SecretRef]:
    """The secrets the bash snippets in ``code`` read."""
    return {
        SecretRef(_shell_word(mount).rstrip("/"), _shell_word(path))
        for mount, path in _BASH_GET.findall(code)
    }


def secret_refs(code: str, language: str | None = None) -> set[SecretRef]:
    """The secrets the snippets in ``code`` read; every language is tried when none is given."""
    language = (language or "").lower()
    if language == "python":
        return python_refs(code)
    if language == "r":
        return r_refs(code)
    if language in ("bash", "sh", "shell"):
        return bash_refs(code)
    return python_refs(code) | r_refs(code) | bash_refs(code)


def notebook_refs(notebook: dict) -> set[SecretRef]:
    """The secrets the code cells of a notebook (nbformat 4, as a dict) read."""
    metadata = notebook.get("metadata") or {}
    language = (metadata.get("language_info") or {}).get("name") or (
        metadata.get("kernelspec") or {}
    ).get("language")
    refs: set[SecretRef] = set()
    for cell in notebook.get("cells") or []:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source") or ""
        if isinstance(source, list):
            source = "".join(source)
        refs |= secret_refs(source, language)
    return refs
