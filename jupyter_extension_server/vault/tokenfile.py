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

Each file a server writes carries an extended attribute (``user.jupyterlab-vault-jwt``, where
the filesystem has them) holding the SHA-256 of the Vault address and the token: not a secret,
and bound to the content (a ``vault login`` that rewrites the file no longer matches). It tells a
token another server of ours wrote for the same Vault (a sibling's, or one left by a server that
was killed) from the user's own: only such a token may be checked against that Vault
(:meth:`TokenFile.server_written_other`), and replaced when Vault says it is no longer valid
(:meth:`TokenFile.replace_if`). A user's token is never sent anywhere.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: How many hashes of written tokens are remembered (the current one and recently replaced ones).
REMEMBERED_TOKENS = 64
#: The most of the file that is read (a token is far shorter).
MAX_READ = 64 * 1024
#: The longest wait for the directory lock, in seconds (siblings hold it for microseconds).
LOCK_WAIT = 2.0
#: Extended attribute marking a file written by a server of this extension (see above).
XATTR = "user.jupyterlab-vault-jwt"


def write_token_file(path: Path, token: str, mark: bytes | None = None) -> None:
    """Atomically replace ``path`` with ``token``, mode 0600.

    Parameters
    ----------
    path
        The file (its directory must exist).
    token
        The Vault token.
    mark
        Value of the :data:`XATTR` attribute set on it (skipped where unsupported).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600 already; chmod again in case of an odd filesystem.
        os.fchmod(fd, 0o600)
        if mark is not None:
            with contextlib.suppress(OSError, AttributeError):
                os.setxattr(fd, XATTR, mark)
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

    An unreadable or undecodable file, or something that is not a regular file (a FIFO would
    block the reader), reads as ``""``: it exists and is not ours.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        raw = os.read(fd, MAX_READ)
    except OSError:
        return ""
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return ""


def read_mark(path: Path) -> bytes | None:
    """The :data:`XATTR` attribute of ``path``, or None."""
    try:
        return os.getxattr(path, XATTR)
    except (OSError, AttributeError):
        return None


def digest(token: str) -> str:
    """SHA-256 of a token (what is remembered instead of the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def directory_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the directory of ``path`` (servers of one home take turns).

    Where the filesystem refuses locks, or the lock is not free within :data:`LOCK_WAIT`
    seconds (another program holding it), it goes on without one.
    """
    try:
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)  # a sibling holds it for a read and a rename
            except OSError:
                break
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
    vault
        The Vault it holds tokens for (address and namespace), bound into the mark.
    """

    def __init__(self, path: Path, vault: str = "") -> None:
        self.path = path
        self._vault = vault
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

    def server_written_other(self) -> str | None:
        """The token in the file when this server did not write it, but another server of this
        extension did, for the same Vault (a sibling's, or one a killed server left); else None.
        """
        with directory_lock(self.path):
            current = read_token_file(self.path)
            if not current or self.ours(current) or read_mark(self.path) != self._mark(current):
                return None
            return current

    def replace_if(self, expected: str, token: str) -> FileState:
        """Write ``token`` if the file still holds ``expected`` (a token Vault no longer
        accepts); else leave it."""
        with directory_lock(self.path):
            if read_token_file(self.path) == expected:
                self._write(token)
                self.state = FileState.SESSION
        return self.state or self.look()

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

    def _mark(self, token: str) -> bytes:
        return hashlib.sha256(f"{self._vault}\0{token}".encode()).hexdigest().encode()

    def _write(self, token: str) -> None:
        write_token_file(self.path, token, self._mark(token))
        self._remember(token)

    def _remember(self, token: str) -> None:
        key = digest(token)
        self._written.pop(key, None)
        self._written[key] = None
        while len(self._written) > REMEMBERED_TOKENS:
            del self._written[next(iter(self._written))]
