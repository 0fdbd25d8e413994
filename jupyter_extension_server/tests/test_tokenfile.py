"""The token-helper file: atomic, 0600 whatever the umask, removed only when it is ours."""

from __future__ import annotations

import os
import stat

import pytest

from jupyter_extension_server.vault.tokenfile import remove_token_file, write_token_file


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
