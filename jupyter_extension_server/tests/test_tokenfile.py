"""The token-helper file: atomic, 0600 whatever the umask, removed only when it is ours; whose
it is (the user's, this server's, a sibling server's); the forced-login window."""

from __future__ import annotations

import os
import stat

import pytest

from jupyter_extension_server.vault.ratelimit import SlidingWindowLimit
from jupyter_extension_server.vault.tokenfile import (
    FileState,
    TokenFile,
    read_mark,
    remove_token_file,
    write_token_file,
)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_written_0600_whatever_the_umask(tmp_path, umask):
    path = tmp_path / ".vault-token"
    old = os.umask(umask)
    try:
        write_token_file(path, "s.first")
        write_token_file(path, "s.second")  # replaces, keeps the mode
    finally:
        os.umask(old)
    assert path.read_text() == "s.second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".vault-token"]  # no temporary left


def test_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("untouched")
    path = tmp_path / ".vault-token"
    path.symlink_to(target)
    write_token_file(path, "s.token")
    assert not path.is_symlink() and path.read_text() == "s.token"
    assert target.read_text() == "untouched"


def test_failed_write_leaves_no_temporary(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_token_file(tmp_path / "missing-dir" / ".vault-token", "s.token")
    assert list(tmp_path.iterdir()) == []


def test_removed_only_when_it_holds_our_token(tmp_path):
    path = tmp_path / ".vault-token"
    path.write_text("s.someone-else\n")
    assert not remove_token_file(path, "s.ours")
    assert path.read_text() == "s.someone-else\n"
    path.write_text("s.ours")
    assert remove_token_file(path, "s.ours")
    assert not path.exists()
    assert not remove_token_file(path, "s.ours")  # absent: nothing to do


def test_a_concurrent_reader_never_sees_a_partial_file(tmp_path):
    """Under umask 000, a reader polling the file while it is replaced 300 times (tokens of
    different lengths) only ever reads a whole token, from a 0600 file."""
    import threading

    path = tmp_path / ".vault-token"
    tokens = [f"s.{'x' * (10 + i % 90)}{i}" for i in range(300)]
    write_token_file(path, tokens[0])
    seen: list[str] = []
    modes: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            with open(path) as handle:
                modes.add(stat.S_IMODE(os.fstat(handle.fileno()).st_mode))
                seen.append(handle.read())

    reader = threading.Thread(target=read)
    old = os.umask(0o000)
    try:
        reader.start()
        for token in tokens[1:]:
            write_token_file(path, token)
    finally:
        done.set()
        reader.join()
        os.umask(old)
    assert len(seen) > 50
    assert set(seen) <= set(tokens), set(seen) - set(tokens)
    assert modes == {0o600}


def test_token_file_is_the_users_until_they_ask(tmp_path):
    """At start, a file that exists holds the user's token: never overwritten nor removed
    unless taken over; from then on it follows the session and is removed at the end."""
    path = tmp_path / ".vault-token"
    path.write_text("s.users-own\n")
    file = TokenFile(path)
    assert file.look() is FileState.OTHER
    assert file.sync("s.session-1") is FileState.OTHER
    assert path.read_text() == "s.users-own\n"
    assert not file.release() and path.read_text() == "s.users-own\n"
    assert file.sync("s.session-1", take_over=True) is FileState.SESSION
    assert path.read_text() == "s.session-1"
    assert file.sync("s.session-2") is FileState.SESSION  # an older token of ours: replaced
    assert path.read_text() == "s.session-2"
    path.write_text("s.written-again-by-the-user")
    assert file.sync("s.session-3") is FileState.OTHER
    assert path.read_text() == "s.written-again-by-the-user"
    path.unlink()
    assert file.sync("s.session-3") is FileState.SESSION  # missing: written
    assert file.release() and not path.exists()
    assert file.state is FileState.ABSENT


def test_sibling_servers_never_remove_each_others_token(tmp_path):
    """Two servers sharing a home: each removes only a token it wrote; a missing file is
    written by whichever is logged in."""
    path = tmp_path / ".vault-token"
    a, b = TokenFile(path), TokenFile(path)
    assert a.sync("s.a-1") is FileState.SESSION
    assert b.sync("s.b-1") is FileState.OTHER
    assert not b.release() and path.read_text() == "s.a-1"
    assert a.release() and not path.exists()
    assert b.sync("s.b-1") is FileState.SESSION
    assert a.sync("s.a-2") is FileState.OTHER
    assert not a.release() and path.read_text() == "s.b-1"


def test_a_token_file_under_concurrent_servers_always_holds_a_whole_token(tmp_path):
    """Threads standing for servers of one home write, release and take over at once: the lock
    keeps every read-compare-write whole, so the file only ever holds one of their tokens."""
    import threading

    path = tmp_path / ".vault-token"
    files = [TokenFile(path) for _ in range(4)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(60):
                token = f"s.server{index}-{round_}"
                files[index].sync(token, take_over=round_ % 7 == 0)
                if round_ % 5 == 0:
                    files[index].release()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    if path.exists():
        assert path.read_text().startswith("s.server")
    assert [p.name for p in tmp_path.iterdir() if p.name != ".vault-token"] == []


def test_forced_login_window(monkeypatch):
    now = [1000.0]
    limit = SlidingWindowLimit(3, 60, clock=lambda: now[0])
    assert [limit.take() for _ in range(3)] == [0, 0, 0]
    assert limit.take() == 60
    now[0] += 59
    assert limit.take() == pytest.approx(1)
    now[0] += 1
    assert limit.take() == 0  # the first one left the window
    assert SlidingWindowLimit(0, 30, clock=lambda: now[0]).take() == 30


def test_a_token_another_server_wrote_for_the_same_vault_is_recognised(tmp_path):
    """The mark binds the Vault and the content: a sibling of the same Vault is recognised;
    another Vault's, or a file the user rewrote, is not (it is never sent to Vault)."""
    path = tmp_path / ".vault-token"
    a = TokenFile(path, "https://vault.example:8200\0")
    same = TokenFile(path, "https://vault.example:8200\0")
    other_vault = TokenFile(path, "https://other.example:8200\0")
    a.sync("s.a-1")
    if read_mark(path) is None:
        pytest.skip("this filesystem has no extended attributes")
    assert same.server_written_other() == "s.a-1"
    assert other_vault.server_written_other() is None
    assert a.server_written_other() is None  # its own: not "another server's"
    with path.open("w") as f:  # `vault login` rewrites the file in place: the mark stays
        f.write("s.users-own")
    assert same.server_written_other() is None
    assert same.replace_if("s.a-1", "s.same-1") is FileState.OTHER
    assert path.read_text() == "s.users-own"
    a.sync("s.a-2", take_over=True)
    assert same.replace_if("s.a-2", "s.same-1") is FileState.SESSION
    assert path.read_text() == "s.same-1"


def test_a_fifo_or_a_directory_in_place_of_the_file_is_not_ours_and_never_blocks(tmp_path):
    path = tmp_path / ".vault-token"
    os.mkfifo(path)
    file = TokenFile(path)
    assert file.look() is FileState.OTHER  # opening a FIFO for reading would block
    assert file.sync("s.session") is FileState.OTHER
    assert not file.release() and stat.S_ISFIFO(path.stat().st_mode)
