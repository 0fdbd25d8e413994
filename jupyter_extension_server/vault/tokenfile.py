"""The Vault CLI's token-helper file (``~/.vault-token``), written atomically with mode 0600.

The Vault and OpenBao CLIs and hvac read this file when no token is given, so kernels and
terminals of the server use the session the sidebar keeps alive. The file is replaced atomically
(write a private temporary file in the same directory, then rename), so a reader never sees half a
token, and it is 0600 whatever the process umask.

Whose file it is (:class:`TokenFile`): the server keeps, in memory only, the SHA-256 of every
token it wrote there. A file holding one of them is *ours*: replaced at each new login, removed at
logout and shutdown. A file holding anything else is *someone else's* (a token the user wrote
with ``vault login``, or one of another server of the same user sharing the home, e.g. JupyterHub
named servers): it is never overwritten nor removed, unless the user asks
(:meth:`TokenFile.sync` with ``take_over``). At start nothing is ours, so a file that exists then
is the user's. A *missing* file is written by any server that is logged in, so servers sharing a
home never leave it empty while one of them is logged in: when one logs out and removes its
token, the others write theirs at their next check. Every read-compare-write or
read-compare-remove runs under an exclusive ``flock`` of the file's directory, so two servers of
one home never remove a token the other has just written.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: How many hashes of written tokens are remembered (the current one and recently replaced ones).
REMEMBERED_TOKENS = 64
#: The most of the file that is read (a token is far shorter).
MAX_READ = 64 * 1024


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
    current = read_token_file(path)
    if current is None or current != token:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def read_token_file(path: Path) -> str | None:
    """The token in ``path`` (whitespace trimmed, as the CLI reads it), or None when missing.

    An unreadable or undecodable file reads as ``""``: it exists and is not ours.
    """
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_READ)
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return ""


def digest(token: str) -> str:
    """SHA-256 of a token (what is remembered instead of the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def directory_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the directory of ``path`` (servers of one home take turns).

    Where the filesystem refuses locks, it goes on without one.
    """
    try:
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class FileState(str, enum.Enum):
    """Who the token file belongs to, as this server last saw it."""

    #: It holds this session's current token.
    SESSION = "session"
    #: It holds a token this server did not write (the user's, or another server's): left alone.
    OTHER = "other"
    #: There is no file.
    ABSENT = "absent"


class TokenFile:
    """The token-helper file as one server sees it: what it wrote, and whose the file is now.

    The methods block (file system and lock): call them in a thread.

    Parameters
    ----------
    path
        The file, e.g. ``~/.vault-token`` expanded.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: dict[str, None] = {}  # digests, oldest first
        self.state: FileState | None = None

    def ours(self, token: str | None) -> bool:
        """Whether ``token`` is one this server wrote."""
        return token is not None and digest(token) in self._written

    def sync(self, token: str, *, take_over: bool = False) -> FileState:
        """Make the file hold ``token`` when it is ours or missing (or when ``take_over``).

        Returns
        -------
        FileState
            Whose the file is afterwards.
        """
        with directory_lock(self.path):
            current = read_token_file(self.path)
            if current == token:
                self._remember(token)
                self.state = FileState.SESSION
            elif current is None or self.ours(current) or take_over:
                self._write(token)
                self.state = FileState.SESSION
            else:
                self.state = FileState.OTHER
        return self.state

    def release(self) -> bool:
        """Remove the file if it holds a token this server wrote.

        Returns
        -------
        bool
            Whether it was removed.
        """
        with directory_lock(self.path):
            current = read_token_file(self.path)
            if current is None:
                self.state = FileState.ABSENT
                return False
            if not self.ours(current):
                self.state = FileState.OTHER
                return False
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.state = FileState.ABSENT
            return True

    def look(self) -> FileState:
        """Whose the file is now, without changing it."""
        current = read_token_file(self.path)
        if current is None:
            self.state = FileState.ABSENT
        elif self.ours(current):
            self.state = FileState.SESSION
        else:
            self.state = FileState.OTHER
        return self.state

    def _write(self, token: str) -> None:
        write_token_file(self.path, token)
        self._remember(token)

    def _remember(self, token: str) -> None:
        key = digest(token)
        self._written.pop(key, None)
        self._written[key] = None
        while len(self._written) > REMEMBERED_TOKENS:
            del self._written[next(iter(self._written))]
