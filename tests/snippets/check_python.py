"""Check generated Python snippets out of process (run by src/snippets/snippets.property.spec.ts).

Usage: ``python check_python.py BATCH.json``. The batch is::

    {"references": {"<id>": {"code": str, "var": str, "env": str}},
     "sentinels": {"<sentinel>": "<field>"},
     "records": [{"id": str, "code": str, "reference": "<id>", "var": str,
                  "values": {"<field>": str | None}}]}

A reference is the same template rendered with sentinel values (``'@@path@@'``...). For each
record the checker asserts that

- ``ast.parse`` accepts the code;
- its AST, with every string constant replaced and the snippet's variable renamed, is the
  reference's AST: a hostile name changed no code, only data;
- each string constant is the reference's one, except where the reference holds a sentinel:
  there it is exactly the hostile value, on one line, and ``ast.literal_eval`` of the literal's
  source text gives that value back;
- the env var constant (where the reference has its own env var name, ``env``) follows the
  python-env rule, recomputed here from the key or the path's last segment with the
  ``protected_names`` and ``protected_prefixes`` the whole-secret python-env snippet itself
  defines (so the one-key name computed in TypeScript and the run-time rule agree), and those
  lists protect every name of ``MUST_PROTECT`` (written here independently);
- every line is printable: no control, format, separator, private-use or surrogate character
  (``str.isprintable``; characters this Python's Unicode database does not know yet pass);
- the variable name is an identifier and no keyword, soft keyword or builtin.

Prints ``OK <count>`` or ``FAIL <id>`` followed by the reason, and exits 1 on failure.
"""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import re
import sys
import unicodedata
from dataclasses import dataclass


class CheckError(Exception):
    """One record failed."""


@dataclass
class Normalised:
    """A parsed snippet: its AST dump with constants and the variable masked, its constants."""

    dump: str
    constants: list[ast.Constant]
    env: str | None = None


def normalise(code: str, var: str) -> Normalised:
    """Parse ``code``; mask string constants and the variable ``var``."""
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        raise CheckError(f"ast.parse failed: {err}") from err
    constants: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            constants.append(ast.Constant(value=node.value, **_position(node)))
            node.value = "S"
        elif isinstance(node, ast.Name) and node.id == var:
            node.id = "VAR"
    return Normalised(ast.dump(tree), constants)


def _position(node: ast.AST) -> dict[str, int | None]:
    return {
        name: getattr(node, name, None)
        for name in ("lineno", "col_offset", "end_lineno", "end_col_offset")
    }


#: Variables that change how programs start, load code or connect: the python-env rule must
#: never set one from a key (issue 11 named the first sixteen).
MUST_PROTECT = (
    "BASH_ENV", "ENV", "PROMPT_COMMAND", "NODE_OPTIONS", "GIT_SSH_COMMAND", "GIT_CONFIG_GLOBAL",
    "PIP_INDEX_URL", "PAGER", "PERL5OPT", "R_PROFILE_USER", "PATH", "LD_PRELOAD", "PYTHONSTARTUP",
    "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
    "JAVA_TOOL_OPTIONS", "RUBYOPT", "PYTHONPATH", "NODE_PATH", "PERL5LIB", "R_PROFILE",
    "GIT_ASKPASS", "EDITOR", "VISUAL", "LESSOPEN", "PS1", "PS4", "IFS", "HOME", "USER", "SHELL",
    "LANG", "LC_ALL", "TERM", "TMPDIR", "JUPYTER_PATH", "JPY_API_TOKEN", "VAULT_TOKEN",
    "VAULT_ADDR", "BAO_TOKEN", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
)  # fmt: skip
SHAPE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class EnvRule:
    """The python-env rule with the snippet's own lists of protected names and prefixes."""

    names: frozenset[str]
    prefixes: tuple[str, ...]

    def name(self, key: str) -> str:
        """The variable a key sets: A-Z, 0-9 and _, upper case; SECRET_ before an unsafe name."""
        upper = re.sub(r"[^0-9A-Za-z_]", "_", key).upper()
        if not SHAPE.fullmatch(upper) or upper in self.names or upper.startswith(self.prefixes):
            return "SECRET_" + upper
        return upper


def split_names(node: ast.expr) -> list[str]:
    """The names of ``set('''A B'''.split())`` or ``tuple('''A B'''.split())``."""
    match node:
        case ast.Call(
            func=ast.Name(id="set" | "tuple"),
            args=[ast.Call(func=ast.Attribute(value=ast.Constant(value=str(text)), attr="split"))],
        ):
            return text.split()
    raise CheckError(f"unexpected protected names: {ast.dump(node)[:200]}")


def env_rule(code: str) -> EnvRule | None:
    """The rule of a whole-secret python-env snippet (None for other code)."""
    found = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in (
                "protected_names",
                "protected_prefixes",
            ):
                found[target.id] = split_names(node.value)
    if len(found) != 2:
        return None
    rule = EnvRule(frozenset(found["protected_names"]), tuple(found["protected_prefixes"]))
    unprotected = [name for name in MUST_PROTECT if rule.name(name) == name]
    if unprotected:
        raise CheckError(f"the python-env snippet would set {unprotected!r} from keys")
    return rule


def check_printable(code: str) -> None:
    """Every line shows as it is: nothing but printable characters between the newlines."""
    for number, line in enumerate(code.split("\n"), 1):
        for char in line:
            if not char.isprintable() and unicodedata.category(char) != "Cn":
                raise CheckError(f"line {number} holds {char!r}, which is not printable")


def last_segment(path: str) -> str:
    """The last non-empty segment of a secret path."""
    segments = [segment for segment in path.split("/") if segment]
    return segments[-1] if segments else ""


BUILTINS = frozenset(dir(builtins))


def source_segment(lines: list[bytes], node: ast.AST) -> str:
    """The source text of a one-line node (``ast.get_source_segment`` is slow on big code)."""
    if node.lineno != node.end_lineno:
        raise CheckError(f"a literal spans lines {node.lineno} to {node.end_lineno}")
    return lines[node.lineno - 1][node.col_offset : node.end_col_offset].decode("utf-8")


def check_var(var: str) -> None:
    """The snippet's variable must be a plain, unreserved identifier."""
    if not var.isidentifier() or not var.isascii():
        raise CheckError(f"variable {var!r} is not an ASCII identifier")
    if keyword.iskeyword(var) or keyword.issoftkeyword(var):
        raise CheckError(f"variable {var!r} is a keyword")
    if var in BUILTINS:
        raise CheckError(f"variable {var!r} shadows a builtin")


def check_record(
    record: dict, reference: Normalised, sentinels: dict[str, str], rule: EnvRule | None
) -> None:
    """Raise CheckError when ``record`` is not its reference with the hostile values in it."""
    code = record["code"]
    check_printable(code)
    check_var(record["var"])
    hostile = normalise(code, record["var"])
    if hostile.dump != reference.dump:
        raise CheckError("the code's structure differs from the reference rendering")
    if len(hostile.constants) != len(reference.constants):
        raise CheckError("a different number of string constants than the reference")
    lines = code.encode("utf-8").split(b"\n")
    values = record["values"]
    env_source = values["key"] if values["key"] is not None else last_segment(values["path"])
    for got, ref in zip(hostile.constants, reference.constants, strict=True):
        if ref.value in sentinels:
            expected = values[sentinels[ref.value]]
        elif ref.value == reference.env:
            if rule is None:
                raise CheckError("no whole-secret python-env reference gives the env name rule")
            expected = rule.name(env_source)
        else:
            expected = ref.value
        if got.value != expected:
            raise CheckError(f"string constant {got.value!r} where {expected!r} was expected")
        if ref.value in sentinels or ref.value == reference.env:
            source = source_segment(lines, got)
            if ast.literal_eval(source) != expected:
                raise CheckError(f"literal_eval({source!r}) is not {expected!r}")


def main(path: str) -> int:
    """Check every record of the batch at ``path``; print the verdict."""
    with open(path, encoding="utf-8") as handle:
        batch = json.load(handle)
    sentinels: dict[str, str] = batch["sentinels"]
    references = {}
    rule = None
    try:
        for rid, ref in batch["references"].items():
            rule = rule or env_rule(ref["code"])
            references[rid] = normalise(ref["code"], ref["var"])
            references[rid].env = ref["env"]
    except CheckError as err:
        print("FAIL references")
        print(err)
        return 1
    for record in batch["records"]:
        try:
            check_record(record, references[record["reference"]], sentinels, rule)
        except (CheckError, ValueError, SyntaxError) as err:
            print(f"FAIL {record['id']}")
            print(err)
            return 1
    print(f"OK {len(batch['records'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
