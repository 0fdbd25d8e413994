"""Which Vault names may reach a URL: no step up or sideways in Vault's tree, ever.

httpx (like any URL library following RFC 3986) removes ``.`` and ``..`` segments when it builds
a URL, so a secret path ``../sys/mounts`` under ``legacy/`` becomes ``/v1/sys/mounts``: percent-
encoding the name cannot keep a dot segment inside it. Names that could change the path Vault
sees are therefore refused before they get there:

- an empty segment (``a//b``, a leading ``/``), ``.`` or ``..``;
- the same after percent-decoding (``%2e%2e``, ``..%2f``, ``%252e``: a proxy or Vault itself may
  decode once more);
- a backslash (some servers and proxies treat it as ``/``) and any control character (NUL
  included; OpenBao refuses them in paths anyway).

:func:`check_secret_name` guards what the browser sends (every entry point of the REST API);
:func:`check_api_path` is the second guard, in the URL builder (:mod:`.api`), for every path of
every call.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..errors import UnsafePath

#: Longest secret path or mount name accepted from the browser.
MAX_NAME_LENGTH = 4096
#: How much of a refused value an error message shows.
SHOWN_CHARS = 60

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_SEGMENTS = ("", ".", "..")


def shown(value: str, limit: int = SHOWN_CHARS) -> str:
    """``value`` for an error message: printable, at most ``limit`` characters (and a mark)."""
    text = value.encode("unicode_escape").decode("ascii")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(value)} characters)"


def _decodings(value: str) -> list[str]:
    """``value`` and what repeated percent-decoding makes of it (at most 3 rounds)."""
    forms = [value]
    for _ in range(3):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def unsafe_reason(value: str, *, trailing_slash: bool = False) -> str | None:
    """Why ``value`` may not become part of a Vault URL path, or None when it may.

    Parameters
    ----------
    value
        A path of segments separated by ``/``.
    trailing_slash
        Whether one trailing ``/`` is allowed (a folder, a mount).
    """
    for form in _decodings(value):
        if "\\" in form:
            return "holds a backslash"
        if _CONTROL.search(form):
            return "holds a control character"
        body = form[:-1] if trailing_slash and form.endswith("/") else form
        for segment in body.split("/"):
            if segment in _DOT_SEGMENTS:
                what = "an empty segment" if not segment else f"a '{segment}' segment"
                encoded = "" if form is value else " once percent-decoded"
                return f"has {what}{encoded}"
    return None


def check_secret_name(value: str, what: str, *, trailing_slash: bool = False) -> str:
    """Refuse a name from the browser that could leave its place in Vault's tree.

    Parameters
    ----------
    value
        The secret path (relative to its mount) or the mount.
    what
        What it is, for the message (``"secret path"``, ``"mount"``).
    trailing_slash
        Whether one trailing ``/`` is allowed (mounts).

    Raises
    ------
    UnsafePath
        With a message saying what is wrong (the value shown shortened).
    """
    if len(value) > MAX_NAME_LENGTH:
        raise UnsafePath(
            f"That {what} is {len(value)} characters long; at most {MAX_NAME_LENGTH} are accepted."
        )
    reason = unsafe_reason(value, trailing_slash=trailing_slash)
    if reason is not None:
        raise UnsafePath(
            f"The {what} '{shown(value)}' {reason}: Vault names may not hold empty, '.' or '..' "
            "segments (plain or percent-encoded), backslashes or control characters."
        )
    return value


def check_api_path(path: str) -> str:
    """The URL builder's guard: ``path`` (under ``/v1/``, quoted or not) is refused when any
    form of it has a dot or empty segment, a backslash or a control character.

    One trailing ``/`` is allowed (LIST of a folder). Returns ``path``.

    Raises
    ------
    UnsafePath
    """
    reason = unsafe_reason(path.lstrip("/"), trailing_slash=True)
    if reason is not None:
        raise UnsafePath(
            f"Refused to send a request for the Vault path '{shown(path)}': it {reason}."
        )
    return path
