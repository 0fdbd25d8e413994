"""Keeping a sign-in from the panel across server restarts (opt-in): the refresh token,
encrypted at rest.

Off by default (``c.IdTokenService.persist_signin``). When on, :class:`SavedSignIn` keeps one
file (default ``{jupyter_data_dir}/vault-jwt/signin.enc``, mode 0600 in a 0700 folder, written
atomically) holding the refresh token, the sign-in method and the issuer and client it belongs
to, encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).
The key is kept apart from the file:

- in a key file at a configured path **outside the home directory** (a key beside the file it
  opens protects nothing: a backup or a copy of the home would carry both); created (0600) when
  missing; or
- in the OS keyring through the ``keyring`` package (``persist_key = "keyring:"``), when it is
  installed and has a usable backend (headless servers often have none: then persistence is off
  and the log says why).

The file is removed at sign-out and when the provider refuses the refresh token. A file that
cannot be decrypted (another key, damaged) or belongs to another issuer or client is ignored with
one log line (never its content). Nothing here logs a token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

#: The keyring service and user names of the key (``persist_key = "keyring:"``).
KEYRING_SERVICE = "jupyterlab-vault-jwt"
KEYRING_USER = "signin-key"
#: The value of ``persist_key`` that selects the OS keyring.
KEYRING = "keyring:"
#: Largest file read (a refresh token is a few KiB).
MAX_FILE_BYTES = 64 * 1024


class PersistUnavailable(Exception):
    """Persistence cannot work as configured (the message says why; it holds no secret)."""


class KeySource(Protocol):
    """Where the encryption key is kept."""

    description: str

    def key(self) -> bytes:
        """The Fernet key (created when missing)."""
        ...


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600, its folder 0700 when created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class FileKey:
    """A key in a file outside the home directory.

    Parameters
    ----------
    path
        The key file ('~' is expanded); refused when inside ``home``.
    home
        The home directory (default: the user's).
    """

    def __init__(self, path: str, home: Path | None = None) -> None:
        self.path = Path(path).expanduser()
        home = home or Path.home()
        if not self.path.is_absolute():
            raise PersistUnavailable(f"the key file {path} must be an absolute path")
        if _inside(self.path, home):
            raise PersistUnavailable(
                f"the key file {self.path} is inside the home directory {home}, next to the "
                "file it would protect: keep it elsewhere (e.g. /run/user/<uid>/ or a mounted "
                "secret) or use the OS keyring (persist_key = 'keyring:')"
            )
        self.description = f"key file {self.path}"

    def key(self) -> bytes:
        from cryptography.fernet import Fernet

        try:
            data = self.path.read_bytes()[:1024].strip()
        except FileNotFoundError:
            data = Fernet.generate_key()
            _write_private(self.path, data)
            return data
        except OSError as e:
            raise PersistUnavailable(
                f"the key file {self.path} cannot be read ({e.strerror or type(e).__name__})"
            ) from e
        return data


class KeyringKey:
    """A key in the OS keyring (the ``keyring`` package, when installed and usable)."""

    description = f"OS keyring ({KEYRING_SERVICE})"

    def __init__(self) -> None:
        try:
            import keyring
            from keyring.errors import KeyringError
        except ImportError as e:
            raise PersistUnavailable(
                "the keyring package is not installed (pip install keyring), or use a key file"
            ) from e
        backend = keyring.get_keyring()
        if getattr(backend, "priority", 0) <= 0:
            raise PersistUnavailable(
                f"the OS keyring has no usable backend here ({type(backend).__name__}); "
                "use a key file outside the home directory"
            )
        self._keyring = keyring
        self._error = KeyringError

    def key(self) -> bytes:
        from cryptography.fernet import Fernet

        try:
            stored = self._keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
            if stored:
                return stored.encode("ascii")
            key = Fernet.generate_key()
            self._keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key.decode("ascii"))
        except self._error as e:
            raise PersistUnavailable(f"the OS keyring failed ({type(e).__name__})") from e
        return key


def key_source(setting: str) -> KeySource:
    """The key source ``persist_key`` names: ``keyring:`` or a key file path.

    Raises
    ------
    PersistUnavailable
        When it cannot work (no setting, a key file in the home, no keyring).
    """
    if not setting:
        raise PersistUnavailable(
            "c.IdTokenService.persist_key is not set: give a key file outside the home "
            "directory, or 'keyring:'"
        )
    if setting == KEYRING:
        return KeyringKey()
    return FileKey(setting)


class SavedSignIn:
    """The encrypted file of one provider's and client's sign-in.

    Parameters
    ----------
    path
        The file.
    keys
        Where the key is.
    binding
        The issuer and client the sign-in belongs to (a file of another is ignored).
    log
        Where to log (never a token).
    """

    def __init__(self, path: Path, keys: KeySource, binding: str, log: logging.Logger) -> None:
        try:
            from cryptography.fernet import Fernet, InvalidToken
        except ImportError as e:
            raise PersistUnavailable(
                "the cryptography package is not installed (pip install "
                "'jupyterlab-vault-jwt[persist]')"
            ) from e
        self.path = path
        self._fernet = Fernet(keys.key())
        self._invalid = InvalidToken
        self._binding = binding
        self._log = log
        self.description = keys.description

    def __repr__(self) -> str:
        return f"SavedSignIn(path={str(self.path)!r}, key={self.description!r})"

    def load(self) -> dict[str, Any] | None:
        """The saved sign-in (``refresh_token``, ``method``, ``saved_at``), or None when there
        is none or it cannot be used (logged)."""
        try:
            data = self.path.read_bytes()[: MAX_FILE_BYTES + 1]
        except FileNotFoundError:
            return None
        except OSError as e:
            self._log.warning(
                "jupyterlab-vault-jwt: the saved sign-in %s cannot be read (%s): ignored",
                self.path,
                e.strerror or type(e).__name__,
            )
            return None
        try:
            if len(data) > MAX_FILE_BYTES:
                raise ValueError("too large")
            saved = json.loads(self._fernet.decrypt(data))
            if not isinstance(saved, dict) or not isinstance(saved.get("refresh_token"), str):
                raise ValueError("not a saved sign-in")
        except (self._invalid, ValueError, TypeError):
            self._log.warning(
                "jupyterlab-vault-jwt: the saved sign-in %s cannot be decrypted with the %s (a "
                "different key, or a damaged file): ignored; sign in again from the panel",
                self.path,
                self.description,
            )
            return None
        if saved.get("binding") != self._binding:
            self._log.warning(
                "jupyterlab-vault-jwt: the saved sign-in %s belongs to another issuer or client: "
                "ignored",
                self.path,
            )
            return None
        return saved

    def save(self, refresh_token: str, method: str) -> None:
        """Encrypt and write the sign-in (atomically, 0600)."""
        plain = json.dumps(
            {
                "binding": self._binding,
                "refresh_token": refresh_token,
                "method": method,
                "saved_at": time.time(),
            }
        ).encode()
        try:
            _write_private(self.path, self._fernet.encrypt(plain))
        except OSError as e:
            self._log.warning(
                "jupyterlab-vault-jwt: could not save the sign-in to %s (%s)",
                self.path,
                e.strerror or type(e).__name__,
            )

    def remove(self) -> None:
        """Remove the file (sign-out, refused refresh)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def open_saved_signin(
    enabled: bool, path: str, key: str, binding: str, log: logging.Logger
) -> SavedSignIn | None:
    """The saved sign-in store when persistence is on and can work; else None (logged)."""
    if not enabled:
        return None
    try:
        store = SavedSignIn(Path(path).expanduser(), key_source(key), binding, log)
    except PersistUnavailable as e:
        log.error("jupyterlab-vault-jwt: the sign-in is not kept across restarts: %s", e)
        return None
    log.info(
        "jupyterlab-vault-jwt: the sign-in is kept across restarts in %s (encrypted, %s)",
        store.path,
        store.description,
    )
    return store


def default_path() -> str:
    """``{jupyter_data_dir}/vault-jwt/signin.enc``."""
    from jupyter_core.paths import jupyter_data_dir

    return str(Path(jupyter_data_dir()) / "vault-jwt" / "signin.enc")
