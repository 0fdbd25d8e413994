"""Check generated bash snippets out of process (run by src/snippets/snippets.property.spec.ts).

Usage: ``python check_bash.py BATCH.json``. The batch is::

    {"syntax": [{"id": str, "code": str}],
     "roundtrip": [{"id": str, "code": str, "expect": [str, ...]}],
     "argv": [{"id": str, "code": str, "expect": [str, ...]}],
     "vars": [{"id": str, "var": str}]}

- ``syntax``: real snippets and CLI commands; ``bash -n`` must accept each (all at once, each
  wrapped in a function; on an error the batch is bisected down to the first bad one).
- ``roundtrip``: one line each, ``printf '%s\\0' {{address}} {{namespace}} ...`` rendered by the
  real renderer; the only thing executed is that quoting, by one ``bash -r`` (restricted) with an
  empty environment and no PATH, and each argument must come back byte for byte.
- ``argv``: CLI commands; split into words here (not executed) by the quoting the renderer may
  use, and nothing else: bare words, ``'...'``, ``\\'`` and ``$'...'`` holding only ``\\xHH``
  escapes, separated by single spaces; the words must be ``expect`` byte for byte.
- every snippet and CLI command is printable ASCII: bytes 0x20 to 0x7E between the newlines (a
  CLI command is one line), so an interactive bash never meets a raw control character.
- ``vars``: variable names; ``[A-Za-z_][A-Za-z0-9_]*``, not a bash keyword (``compgen -k``)
  and not a variable a clean bash already sets (``compgen -v``).

Prints ``OK <count>`` (every check counted) or ``FAIL <id>`` with the reason; exits 1 on failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

BASH = shutil.which("bash") or "/bin/bash"
CLEAN_ENV = {"PATH": "/nonexistent", "LC_ALL": "C"}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CheckError(Exception):
    """One item failed."""

    def __init__(self, item_id: str, reason: str) -> None:
        super().__init__(reason)
        self.item_id = item_id


def run_bash(args: Sequence[str], script: str | None = None) -> subprocess.CompletedProcess:
    """Run bash with a clean environment, the script (if any) in a temporary file."""
    with tempfile.NamedTemporaryFile("wb", suffix=".sh", delete=False) as handle:
        handle.write((script or "").encode("utf-8"))
    try:
        return subprocess.run(  # noqa: S603 (our own arguments, our own script file)
            [BASH, "--norc", "--noprofile", *args, *([handle.name] if script is not None else [])],
            env=CLEAN_ENV,
            capture_output=True,
            timeout=120,
            check=False,
        )
    finally:
        os.unlink(handle.name)


def syntax_ok(items: list[dict]) -> bool:
    """Whether ``bash -n`` accepts all of ``items``, each in a function of its own."""
    script = "".join(f"__snippet_{n}() {{\n{item['code']}\n}}\n" for n, item in enumerate(items))
    return run_bash(["-n"], script).returncode == 0


def check_syntax(items: list[dict]) -> None:
    """``bash -n`` on every item; bisect to the first failing one."""
    if not items or syntax_ok(items):
        return
    while len(items) > 1:
        half = items[: len(items) // 2]
        items = items[len(items) // 2 :] if syntax_ok(half) else half
    result = run_bash(["-n"], items[0]["code"] + "\n")
    raise CheckError(items[0]["id"], f"bash -n failed: {result.stderr.decode(errors='replace')}")


def check_roundtrip(items: list[dict]) -> None:
    """Run every printf line in one restricted bash; each argument must come back exactly."""
    marker = "\x01end\x01"
    script = "".join(f"{item['code']}\nprintf '%s\\0' '{marker}'\n" for item in items)
    result = run_bash(["-r"], script)
    fields = result.stdout.split(b"\0")
    position = 0
    for item in items:
        expected = [*item["expect"], marker]
        got = fields[position : position + len(expected)]
        wanted = [value.encode("utf-8") for value in expected]
        if got != wanted:
            raise CheckError(
                item["id"],
                f"printf round trip gave {got!r}, expected {wanted!r}: {result.stderr!r}",
            )
        position += len(expected)
    if result.returncode != 0:
        raise CheckError("roundtrip", f"bash exited {result.returncode}: {result.stderr!r}")


#: One word of a CLI command, in pieces: bare characters, '...', \' or $'\xHH...'.
PIECE = re.compile(r"([A-Za-z0-9_@+:,./=-]+)|'([^']*)'|\\(')|\$'((?:\\x[0-9A-F]{2})+)'")


def split_words(line: str) -> list[bytes]:
    """The words of a CLI command line, as bytes; ValueError on any other quoting."""
    words: list[bytes] = []
    value: bytes | None = None
    at = 0
    while at < len(line):
        if line[at] == " ":
            if value is not None:
                words.append(value)
            value, at = None, at + 1
            continue
        match = PIECE.match(line, at)
        if match is None:
            raise ValueError(f"unexpected {line[at : at + 20]!r}")
        bare, quoted, escaped, hexes = match.groups()
        if hexes is not None:
            piece = bytes.fromhex(hexes.replace("\\x", ""))
        else:
            piece = (bare or quoted or escaped or "").encode("ascii")
        value = (value or b"") + piece
        at = match.end()
    if value is not None:
        words.append(value)
    return words


def check_argv(items: list[dict]) -> None:
    """The words of each CLI command must be the expected argv."""
    for item in items:
        try:
            got = split_words(item["code"])
        except ValueError as err:
            raise CheckError(item["id"], f"cannot split the command: {err}") from err
        wanted = [arg.encode("utf-8") for arg in item["expect"]]
        if got != wanted:
            raise CheckError(item["id"], f"argv {got!r}, expected {wanted!r}")


def check_printable(items: list[dict]) -> None:
    """Every line of every snippet and command is printable ASCII; a command is one line."""
    for item in items:
        for number, line in enumerate(item["code"].split("\n"), 1):
            bad = [char for char in line if not " " <= char <= "~"]
            if bad:
                raise CheckError(item["id"], f"line {number} holds {bad[0]!r}: not printable ASCII")
    for item in items:
        if item["id"].endswith(":cli") and "\n" in item["code"]:
            raise CheckError(item["id"], "the CLI command is not one line")


def check_vars(items: list[dict]) -> None:
    """Variable names: identifiers, no keywords, no variable bash sets."""
    keywords = set(run_bash(["-c", "compgen -k"]).stdout.decode().split())
    variables = set(run_bash(["-c", "compgen -v"]).stdout.decode().split())
    if not keywords or not variables:
        raise CheckError("vars", "compgen gave no keywords or variables")
    for item in items:
        var = item["var"]
        if not IDENTIFIER.fullmatch(var):
            raise CheckError(item["id"], f"{var!r} is not a shell variable name")
        if var in keywords or var in variables:
            raise CheckError(item["id"], f"{var!r} is a bash keyword or variable")


def main(path: str) -> int:
    """Check the batch at ``path``; print the verdict."""
    with open(path, encoding="utf-8") as handle:
        batch = json.load(handle)
    try:
        check_vars(batch["vars"])
        check_printable(batch["syntax"])
        check_argv(batch["argv"])
        check_syntax(batch["syntax"])
        check_roundtrip(batch["roundtrip"])
    except CheckError as err:
        print(f"FAIL {err.item_id}")
        print(err)
        return 1
    count = sum(len(batch[name]) for name in ("syntax", "roundtrip", "argv", "vars"))
    print(f"OK {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
