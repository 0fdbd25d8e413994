"""The encrypted store of a sign-in (opt-in persistence): the file's mode and content, a key
kept outside the home, a wrong key or a damaged file ignored with a log line, the keyring key
source. Real encryption (cryptography's Fernet), real files; the keyring boundary is faked by
:class:`FakeKeyringModule` (no OS keyring on a headless test machine)."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

import pytest

from jupyter_extension_server.signin.persist import (
    KEYRING,
    FileKey,
    KeyringKey,
    PersistUnavailable,
    SavedSignIn,
    key_source,
    open_saved_signin,
)

LOG = logging.getLogger("test-persist")
REFRESH = "eyJhbGciOiJIUzI1NiJ9.refresh-token-of-alice.c2lnbmF0dXJl"
BINDING = "https://idp.example\0jupyterlab"


def store(tmp_path: Path, key: str = "key", binding: str = BINDING) -> SavedSignIn:
    return SavedSignIn(tmp_path / "data" / "signin.enc", FileKey(str(tmp_path / key)), binding, LOG)


def test_saved_encrypted_0600_and_read_back(tmp_path):
    saved = store(tmp_path)
    saved.save(REFRESH, "browser")
    data = saved.path.read_bytes()
    assert saved.path.stat().st_mode & 0o777 == 0o600
    assert saved.path.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    assert b"refresh-token" not in data and REFRESH.encode() not in data
    assert not list(saved.path.parent.glob(".signin.enc-*"))  # no temporary file left
    again = store(tmp_path).load()  # a new process: the same key file
    assert again is not None and again["refresh_token"] == REFRESH
    assert again["method"] == "browser"
    saved.remove()
    assert not saved.path.exists() and store(tmp_path).load() is None


def test_a_wrong_key_or_a_damaged_file_is_ignored_and_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    store(tmp_path).save(REFRESH, "device")
    assert store(tmp_path, key="other-key").load() is None
    assert "cannot be decrypted" in caplog.text and "ignored" in caplog.text
    right = store(tmp_path)
    right.path.write_bytes(right.path.read_bytes()[:-5] + b"XXXXX")
    assert right.load() is None
    assert REFRESH not in caplog.text and "refresh-token" not in caplog.text


def test_a_file_of_another_issuer_or_client_is_ignored(tmp_path, caplog):
    store(tmp_path).save(REFRESH, "device")
    assert store(tmp_path, binding="https://other.example\0jupyterlab").load() is None
    assert "another issuer or client" in caplog.text


def test_a_key_inside_the_home_is_refused(tmp_path):
    home = tmp_path / "home"
    with pytest.raises(PersistUnavailable, match="inside the home directory"):
        FileKey(str(home / ".config" / "key"), home=home)
    with pytest.raises(PersistUnavailable, match="absolute"):
        FileKey("relative/key")


def test_off_or_without_a_key_nothing_is_kept(tmp_path, caplog):
    assert open_saved_signin(False, str(tmp_path / "f"), str(tmp_path / "k"), BINDING, LOG) is None
    assert open_saved_signin(True, str(tmp_path / "f"), "", BINDING, LOG) is None
    assert "persist_key is not set" in caplog.text
    inside = str(Path.home() / "vault-jwt-test-key")
    assert open_saved_signin(True, str(tmp_path / "f"), inside, BINDING, LOG) is None
    assert "inside the home directory" in caplog.text
    assert not Path(inside).exists()


class FakeKeyringModule(types.ModuleType):
    """A stand-in for the ``keyring`` package: a dict, with a backend of the given priority."""

    def __init__(self, priority: float) -> None:
        super().__init__("keyring")
        self.passwords: dict[tuple[str, str], str] = {}
        self.backend = types.SimpleNamespace(priority=priority)
        self.errors = types.SimpleNamespace(KeyringError=RuntimeError)

    def get_keyring(self):
        return self.backend

    def get_password(self, service: str, user: str) -> str | None:
        return self.passwords.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.passwords[(service, user)] = value


@pytest.fixture
def fake_keyring(monkeypatch):
    def install(priority: float) -> FakeKeyringModule:
        module = FakeKeyringModule(priority)
        monkeypatch.setitem(sys.modules, "keyring", module)
        monkeypatch.setitem(sys.modules, "keyring.errors", module.errors)
        return module

    return install


def test_the_key_in_the_os_keyring(tmp_path, fake_keyring):
    keyring = fake_keyring(priority=5)
    keys = key_source(KEYRING)
    assert isinstance(keys, KeyringKey)
    first = SavedSignIn(tmp_path / "signin.enc", keys, BINDING, LOG)
    first.save(REFRESH, "device")
    assert len(keyring.passwords) == 1  # the key was created there, not on disk
    again = SavedSignIn(tmp_path / "signin.enc", key_source(KEYRING), BINDING, LOG).load()
    assert again is not None and again["refresh_token"] == REFRESH
    keyring.passwords.clear()  # another keyring: the file cannot be read
    assert SavedSignIn(tmp_path / "signin.enc", key_source(KEYRING), BINDING, LOG).load() is None


def test_a_keyring_without_a_usable_backend_is_refused(fake_keyring):
    fake_keyring(priority=0)  # keyring's fail/null backends have no priority
    with pytest.raises(PersistUnavailable, match="no usable backend"):
        key_source(KEYRING)


def test_without_the_keyring_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # import fails
    with pytest.raises(PersistUnavailable, match="not installed"):
        key_source(KEYRING)
