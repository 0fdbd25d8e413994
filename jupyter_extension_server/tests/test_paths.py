"""Which Vault names may reach a URL (issue 11, item 1): the pure rules of ``vault/paths.py``."""

from __future__ import annotations

import pytest

from jupyter_extension_server.errors import UnsafePath
from jupyter_extension_server.vault.api import quote_path
from jupyter_extension_server.vault.kv import check_mount_name, check_secret_path
from jupyter_extension_server.vault.paths import check_api_path, shown, unsafe_reason

REFUSED = [
    "..",
    ".",
    "../sys/mounts",
    "app/../../sys/mounts",
    "app/./db",
    "app//db",
    "/app/db",
    "%2e%2e/sys/mounts",
    "%2E%2E",
    "..%2fsys%2fmounts",
    "app%2f..%2f..%2fsys",
    "%252e%252e/sys",  # decoded twice by a proxy and Vault
    "..\\sys\\mounts",
    "app\\db",
    "app/db\x00",
    "app\x15db",
    "app\x7fdb",
]
ACCEPTED = ["app/db", "a.b/c..d/...", "team/.hidden", "a%2Fb", "x?y#z", "naïve/ünïcode", "a b"]


@pytest.mark.parametrize("name", REFUSED)
def test_hostile_names_are_refused_everywhere(name):
    assert unsafe_reason(name) is not None
    with pytest.raises(UnsafePath):
        check_secret_path(name)
    with pytest.raises(UnsafePath):
        check_api_path(f"secret/data/{name}")
    with pytest.raises(UnsafePath):
        quote_path(f"secret/data/{name}")


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_names_pass(name):
    assert unsafe_reason(name) is None
    assert check_secret_path(name) == name
    quoted = quote_path(f"secret/data/{name}")
    assert ".." not in quoted.split("/")


def test_folders_and_mounts_may_end_with_one_slash():
    assert check_api_path("secret/metadata/") == "secret/metadata/"
    assert check_api_path("secret/metadata/team/") == "secret/metadata/team/"
    assert check_mount_name("secret/") == "secret/"
    assert check_mount_name("secret") == "secret"
    for mount in ("secret//", "..", "./", "%2e%2e/", "sec\\ret/"):
        with pytest.raises(UnsafePath):
            check_mount_name(mount)


def test_the_message_says_what_is_wrong_and_shows_the_name_shortened():
    with pytest.raises(UnsafePath) as info:
        check_secret_path("../sys/mounts")
    assert "'..' segment" in info.value.message and info.value.status == 400
    with pytest.raises(UnsafePath) as info:
        check_secret_path("%2e%2e/x")
    assert "percent-decoded" in info.value.message
    long = "a/" * 1000 + ".."
    with pytest.raises(UnsafePath) as info:
        check_secret_path(long)
    assert len(info.value.message) < 400
    with pytest.raises(UnsafePath) as info:
        check_secret_path("a" * 5000)
    assert "5000 characters" in info.value.message and len(info.value.message) < 200
    assert shown("a\x00b") == "a\\x00b"
    assert shown("x" * 500).endswith("(500 characters)")
