"""Run bash snippets and CLI commands through the shell of a bash kernel (run by
src/snippets/snippets.property.spec.ts).

Usage: ``python check_bash_interactive.py BATCH.json``. The batch is::

    [{"id": str, "code": str, "argv": [str, ...], "addr": str, "ca": str | null,
      "verify": bool, "ca_dir_test": bool}]

``code`` is a rendered bash snippet or a copy-CLI command line. Each runs, in order, in one
interactive bash started and fed exactly as PyPI bash-kernel 0.10.0 does (``bash --rcfile
pexpect/bashrc.sh`` on a pty through pexpect, bash_kernel's own ``IREPLWrapper``, bracketed paste
off, the cell split into lines and each line sent after the prompt): readline edits every line
as it reads it there, so a raw control character in a name would be an editing key (Ctrl-U
erases the line, Ctrl-C interrupts, Ctrl-W, DEL, ESC...), not data.

``vault`` and ``bao`` are fakes, shell functions that append their argv and the
``<CLI>_ADDR``/``_CACERT``/``_CAPATH``/``_SKIP_VERIFY`` variables they see to a record file. For
each item the checker asserts that

- the shell came back to its prompt (no line left open, nothing interrupted);
- one fake was called exactly once, with ``argv`` (its own name first) byte for byte (the names
  reached the CLI as they are), and saw the address, the CA variable (``_CAPATH`` when the code has
  ``ca_dir_test`` (the bash template's ``[ -d <ca> ]``) and the CA path is a directory, else
  ``_CACERT``) or
  ``_SKIP_VERIFY=true``, and nothing else;
- nothing else ran: the shell's working directory stays empty (a ``touch CANARY`` in a name
  would create a file: ``touch`` is the only program on ``PATH``) and bash's
  ``command_not_found_handle`` recorded no command.

Prints ``OK <count>`` or ``FAIL <id>`` with the reason; exits 1 on failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pexpect
from bash_kernel.kernel import IREPLWrapper

BASH = shutil.which("bash") or "/bin/bash"
TOUCH = shutil.which("touch") or "/usr/bin/touch"
TIMEOUT = 30

#: The fakes, and a handler recording any command that is not found.
FAKES = r"""
__record() {
  local cli=$1 prefix=$2; shift 2
  {
    printf '%s\0' "$cli" "$#" "$@"
    for v in ADDR CACERT CAPATH SKIP_VERIFY; do
      v=${prefix}_$v
      printf '%s\0' "${!v+set}" "${!v-}"
    done
  } >>"$__REC"
}
vault() { __record vault VAULT "$@"; }
bao() { __record bao BAO "$@"; }
command_not_found_handle() { printf '%s\n' "$1" >>"$__NOT_FOUND"; return 127; }
""".strip()


class CheckError(Exception):
    """One item failed."""

    def __init__(self, item_id: str, reason: str) -> None:
        super().__init__(reason)
        self.item_id = item_id


class KernelShell:
    """An interactive bash set up as bash_kernel 0.10.0's ``BashKernel._start_bash`` does."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        bashrc = os.path.join(os.path.dirname(pexpect.__file__), "bashrc.sh")
        child = pexpect.spawn(
            BASH,
            ["--rcfile", bashrc],
            echo=False,
            encoding="utf-8",
            codec_errors="replace",
            env=env,
            cwd=str(cwd),
            timeout=TIMEOUT,
        )
        # pexpect waits 50 ms before each send by default; the prompt is what matters here (readline
        # prints it once it reads the terminal key by key), so the lines go without that pause.
        child.delaybeforesend = None
        unique = "PROMPT_snippets"
        ps1 = unique + "\\[\\]" + ">"
        ps2 = unique + "\\[\\]" + "+"
        prompt_change = f"PS1='{ps1}' PS2='{ps2}' PROMPT_COMMAND=''"
        self.wrapper = IREPLWrapper(
            child,
            "\\$",
            prompt_change,
            unique,
            extra_init_cmd="export PAGER=cat",
            line_output_callback=lambda _: None,
        )
        self.run("bind 'set enable-bracketed-paste off' >/dev/null 2>&1 || true")

    def run(self, code: str) -> str:
        """Run one cell (lines sent one by one after each prompt); its output."""
        return self.wrapper.run_command(code.rstrip(), timeout=TIMEOUT)

    def close(self) -> None:
        self.wrapper.child.close(force=True)


def read_records(path: Path) -> list[dict]:
    """The fake's calls recorded in ``path`` (and empty the file)."""
    data = path.read_bytes()
    path.write_bytes(b"")
    fields = data.split(b"\0")
    calls = []
    at = 0
    while at < len(fields) - 1:
        cli = fields[at].decode()
        argc = int(fields[at + 1])
        argv = fields[at + 2 : at + 2 + argc]
        at += 2 + argc
        env = {}
        for name in ("ADDR", "CACERT", "CAPATH", "SKIP_VERIFY"):
            is_set, value = fields[at], fields[at + 1]
            at += 2
            if is_set == b"set":
                env[name] = value
        calls.append({"cli": cli, "argv": argv, "env": env})
    return calls


def is_dir(cwd: Path, ca: str | None) -> bool:
    """What the snippet's ``[ -d <ca> ]`` says in ``cwd``."""
    try:
        return ca is not None and ca != "" and (cwd / ca).is_dir()
    except (OSError, ValueError):
        return False


def expected_env(item: dict) -> dict[str, bytes]:
    """The ``<CLI>_*`` variables the fake must see for ``item``."""
    env = {"ADDR": item["addr"].encode()}
    if not item["verify"]:
        env["SKIP_VERIFY"] = b"true"
    elif item["ca"] is not None:
        env["CAPATH" if item["capath"] else "CACERT"] = item["ca"].encode()
    return env


def check(items: list[dict], shell: KernelShell, cwd: Path, rec: Path, not_found: Path) -> None:
    """Run each item; raise CheckError on the first that does not do exactly what it should."""
    for item in items:
        try:
            shell.run(item["code"])
        except ValueError as err:  # the shell is left at its continuation prompt
            raise CheckError(
                item["id"], f"the shell did not come back to its prompt: {err}"
            ) from None
        except pexpect.ExceptionPexpect as err:
            raise CheckError(item["id"], f"the shell did not answer: {err}") from None
        left = sorted(os.listdir(cwd))
        if left:
            raise CheckError(item["id"], f"the snippet created {left!r} (a name ran as code)")
        ran = not_found.read_text()
        if ran:
            raise CheckError(item["id"], f"the snippet ran commands {ran!r} (a name ran as code)")
        calls = read_records(rec)
        if len(calls) != 1:
            raise CheckError(item["id"], f"the CLI was called {len(calls)} times: {calls!r}")
        [call] = calls
        got = [call["cli"].encode(), *call["argv"]]
        wanted = [arg.encode() for arg in item["argv"]]
        if got != wanted:
            raise CheckError(item["id"], f"the CLI got argv {got!r}, expected {wanted!r}")
        if call["env"] != expected_env(item):
            raise CheckError(
                item["id"], f"the CLI saw {call['env']!r}, expected {expected_env(item)!r}"
            )


def main(path: str) -> int:
    """Check the batch at ``path``; print the verdict."""
    with open(path, encoding="utf-8") as handle:
        items = json.load(handle)
    with tempfile.TemporaryDirectory(prefix="snippets-bash-i-") as tmp:
        root = Path(tmp)
        cwd, bin_dir, home = root / "cwd", root / "bin", root / "home"
        for folder in (cwd, bin_dir, home):
            folder.mkdir()
        os.symlink(TOUCH, bin_dir / "touch")
        rec, not_found = root / "calls", root / "not-found"
        rec.write_bytes(b"")
        not_found.write_text("")
        env = {
            "PATH": str(bin_dir),
            "HOME": str(home),
            "LC_ALL": "C",
            "TERM": "dumb",
            "__REC": str(rec),
            "__NOT_FOUND": str(not_found),
        }
        shell = KernelShell(env, cwd)
        try:
            shell.run(FAKES)
            for item in items:
                item["capath"] = item["ca_dir_test"] and is_dir(cwd, item["ca"])
            check(items, shell, cwd, rec, not_found)
        except CheckError as err:
            print(f"FAIL {err.item_id}")
            print(err)
            return 1
        finally:
            shell.close()
    print(f"OK {len(items)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
