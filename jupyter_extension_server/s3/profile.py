"""One named profile in the AWS shared credentials file (``~/.aws/credentials``), edited in place.

The SDKs (boto3, s3fs, the AWS CLI, R's aws.s3 and paws) read ``[<profile>]`` with
``aws_access_key_id``, ``aws_secret_access_key`` and ``aws_session_token``. The file belongs to the
user: other profiles, comments, blank lines and the order of everything are kept byte for byte.
It is never round-tripped through ``configparser`` (which drops comments); only the lines of our
own keys inside our own section are replaced, added or removed:

- :func:`with_profile` puts our keys in our section (created at the end when missing), keeping
  any other line the user put in that section;
- :func:`without_profile` removes our keys, and the section header too when nothing of the user's
  is left in it (comments and blank lines that precede the next section belong to that section).

:class:`CredentialsFile` writes the result atomically (a private temporary file in the same
directory, then a rename), mode 0600, under the directory ``flock`` that the Vault token file
uses, so servers sharing a home take turns. A symlinked file is edited where it points.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..vault.tokenfile import directory_lock

#: The keys this extension writes in its profile (the last one is ignored by the SDKs; the
#: credential_process helper reads it to tell the SDK when to ask again).
KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "x_jupyter_expiration")
#: Largest credentials file read (a real one is a few KiB).
MAX_FILE_BYTES = 1024 * 1024

_HEADER = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*[=:]")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.+@-]{1,64}$")


def check_profile_name(name: str) -> str:
    """``name`` if it is a safe profile name (letters, digits, ``_.+@-``), else ValueError."""
    if not _PROFILE_NAME.match(name):
        raise ValueError(f"not a usable profile name: {name!r}")
    return name


def _section_span(lines: list[str], name: str) -> tuple[int, int, int] | None:
    """(header index, end of the section's own lines, start of the next section) or None.

    The section's own lines end before the comments and blank lines that run up to the next
    header (those are the next section's preamble)."""
    start = None
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match is None:
            continue
        if start is not None:
            nxt = i
            break
        if match.group(1) == name:
            start = i
    else:
        if start is None:
            return None
        nxt = len(lines)
    end = nxt
    if nxt < len(lines):
        while end > start + 1 and (not lines[end - 1].strip() or _is_comment(lines[end - 1])):
            end -= 1
    return start, end, nxt


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(("#", ";"))


def _our_key(line: str) -> str | None:
    match = _KEY.match(line)
    return match.group(1).lower() if match and match.group(1).lower() in KEYS else None


def _check_value(value: str) -> str:
    if not value or any(c in value for c in "\r\n\0") or value != value.strip():
        raise ValueError("a credential value must be one non-empty line without edge spaces")
    return value


def with_profile(text: str, name: str, values: Mapping[str, str]) -> str:
    """``text`` with our keys of profile ``name`` set to ``values`` (a subset of :data:`KEYS`;
    our keys not given are removed from the section)."""
    check_profile_name(name)
    unknown = set(values) - set(KEYS)
    if unknown:
        raise ValueError(f"not keys of ours: {sorted(unknown)}")
    new = [f"{key} = {_check_value(values[key])}\n" for key in KEYS if key in values]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    span = _section_span(lines, name)
    if span is None:
        prefix = "\n" if lines and lines[-1].strip() else ""
        return "".join(lines) + prefix + f"[{name}]\n" + "".join(new)
    start, end, _ = span
    body = lines[start + 1 : end]
    kept = [line for line in body if _our_key(line) is None]
    # Our keys right after the header; the user's own lines of the section after them.
    return "".join(lines[: start + 1] + new + kept + lines[end:])


def without_profile(text: str, name: str) -> str:
    """``text`` without our keys of profile ``name``; without its header too when nothing else
    of the user's is left in the section."""
    check_profile_name(name)
    lines = text.splitlines(keepends=True)
    span = _section_span(lines, name)
    if span is None:
        return text
    start, end, _ = span
    kept = [line for line in lines[start + 1 : end] if _our_key(line) is None]
    if any(line.strip() for line in kept):
        return "".join(lines[: start + 1] + kept + lines[end:])
    before = lines[:start]
    # Drop the blank line we put before the section when we added it.
    if before and not before[-1].strip() and end >= len(lines):
        before = before[:-1]
    return "".join(before + lines[end:])


def read_profile(text: str, name: str) -> dict[str, str]:
    """Our keys of profile ``name`` (read-only parse, for the credential_process helper)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    with contextlib.suppress(configparser.Error):
        parser.read_string(text)
    if not parser.has_section(name):
        return {}
    return {key: parser.get(name, key) for key in KEYS if parser.has_option(name, key)}


class CredentialsFile:
    """The shared credentials file of the SDKs, of which one profile is ours.

    Parameters
    ----------
    path
        The file (``~`` expanded); its directory is created 0700 when missing.
    profile
        Our profile's name.
    """

    def __init__(self, path: Path, profile: str) -> None:
        self.path = path.expanduser()
        self.profile = check_profile_name(profile)

    def write(self, values: Mapping[str, str]) -> None:
        """Set our profile's keys (atomic, 0600)."""
        self._edit(lambda text: with_profile(text, self.profile, values))

    def remove(self) -> bool:
        """Remove our profile's keys. Returns whether the file changed."""
        return self._edit(lambda text: without_profile(text, self.profile))

    def read(self) -> dict[str, str]:
        """Our profile's keys as the file holds them now (empty when none)."""
        text = _read(self._target())
        return read_profile(text or "", self.profile)

    def _target(self) -> Path:
        return Path(os.path.realpath(self.path))

    def _edit(self, change) -> bool:
        target = self._target()
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with directory_lock(target):
            text = _read(target)
            new = change(text or "")
            if text is None and not new:
                return False
            if new == text:
                return False
            _write_atomic(target, new)
            return True


def _read(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"{path} is larger than {MAX_FILE_BYTES} bytes: left alone")
    return data.decode("utf-8")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
