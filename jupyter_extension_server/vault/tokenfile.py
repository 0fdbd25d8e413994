"""The Vault CLI's token-helper file (``~/.vault-token``), written atomically with mode 0600.

The Vault and OpenBao CLIs and hvac read this file when no token is given, so kernels and
terminals of the server use the session the sidebar keeps alive. The file is replaced atomically
(write a private temporary file in the same directory, then rename), so a reader never sees half a
token, and it is 0600 whatever the process umask. It is removed only while it still holds the
token this server wrote: a token the user put there by hand is left alone.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_token_file(path: Path, token: str) -> None:
    """Atomically replace ``path`` with ``token``, mode 0600.

    Parameters
    ----------
    path
        The file (its directory must exist).
    token
        The Vault token.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600 already; chmod again in case of an odd filesystem.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_token_file(path: Path, token: str) -> bool:
    """Remove ``path`` if it still holds ``token``.

    Returns
    -------
    bool
        Whether the file was removed.
    """
    try:
        with path.open(encoding="utf-8") as f:
            current = f.read(64 * 1024).strip()
    except (OSError, UnicodeDecodeError):
        return False
    if current != token:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True
