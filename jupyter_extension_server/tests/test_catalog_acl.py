"""The resultant-ACL reading of the catalog (vault/acl.py) and KV v2 states (vault/kvstate.py).

The ACL dictionaries have the shape OpenBao 2.7's ``sys/internal/ui/resultant-acl`` answers
(glob rules without their ``*``; rules with ``+`` segments are not reported)."""

from __future__ import annotations

from datetime import UTC, datetime

from jupyter_extension_server.vault.acl import (
    acl_pattern,
    exact_reads,
    literal_folder,
    read_grants,
    start_folders,
    unbrowsable,
)
from jupyter_extension_server.vault.kv import KvMount
from jupyter_extension_server.vault.kvstate import (
    DELETED,
    DESTROYED,
    METADATA_ONLY,
    secret_details,
    secret_state,
)

V2 = KvMount("secret/", 2)
V1 = KvMount("legacy/", 1)


def test_literal_folder():
    assert literal_folder("team/") == "team/"
    assert literal_folder("team/ab") == "team/"
    assert literal_folder("a") == ""
    assert literal_folder("+/team/") == ""
    assert literal_folder("x/+/y/") == "x/"
    assert literal_folder("a/b*c") == "a/"


def test_start_folders_take_exact_folder_rules_too():
    acl = {
        "exact_paths": {
            "secret/metadata/team/": {"capabilities": ["list"]},
            "secret/metadata/solo": {"capabilities": ["list"]},
            "secret/metadata/readonly/": {"capabilities": ["read"]},
        },
        "glob_paths": {
            "secret/metadata/g/sub/": {"capabilities": ["scan"]},
            "secret/data/x/": {"capabilities": ["list"]},
        },
    }
    assert start_folders(acl, V2) == ["solo/", "team/", "g/sub/"]
    assert start_folders({"glob_paths": {"legacy/a/": {"capabilities": ["list"]}}}, V1) == ["a/"]


def test_exact_reads_and_read_grants():
    acl = {
        "exact_paths": {
            "secret/data/app/db": {"capabilities": ["read"]},
            "secret/data/app/": {"capabilities": ["read"]},
            "secret/metadata/app/db": {"capabilities": ["read"]},
        },
        "glob_paths": {
            "secret/data/re": {"capabilities": ["read"]},
            "secret/data/deep/x/": {"capabilities": ["read"]},
            "secret/data/nope/": {"capabilities": ["deny"]},
            "secret/": {"capabilities": ["read", "list"]},
        },
    }
    assert exact_reads(acl, V2) == ["app/db"]
    assert read_grants(acl, V2) == [
        ("secret/", ""),
        ("secret/data/deep/x/", "deep/x/"),
        ("secret/data/re", ""),
    ]
    assert acl_pattern("secret/data/re", acl) == "secret/data/re*"
    assert acl_pattern("secret/data/app/db", acl) == "secret/data/app/db"


def test_unbrowsable_follows_the_nearest_tried_folder():
    grants = [("g/deep", "deep/x/"), ("g/root", ""), ("g/fold", "fold/f1/"), ("g/no", "no/")]
    tried = {"": False, "fold/": True, "no/": False}
    assert unbrowsable(grants, tried.get) == ["g/deep", "g/root", "g/no"]
    assert unbrowsable(grants, {"": True}.get) == []


NOW = datetime(2026, 12, 7, tzinfo=UTC)


def meta(current, versions, custom=None):
    return {
        "current_version": current,
        "versions": versions,
        "custom_metadata": custom,
        "updated_time": "2026-12-01T10:00:00.123456789Z",
    }


def version(deleted="", destroyed=False):
    return {
        "created_time": "2026-11-01T00:00:00Z",
        "deletion_time": deleted,
        "destroyed": destroyed,
    }


def test_secret_states():
    assert secret_state(meta(1, {"1": version()}), NOW) is None
    assert secret_state(meta(2, {"1": version(), "2": version("2026-12-01T00:00:00.5Z")}), NOW) == (
        DELETED
    )
    # a deletion scheduled in the future (delete_version_after) is not one yet
    assert secret_state(meta(1, {"1": version("2027-01-01T00:00:00Z")}), NOW) is None
    assert secret_state(meta(1, {"1": version(destroyed=True)}), NOW) == DESTROYED
    assert secret_state(meta(0, {}, {"owner": "x"}), NOW) == METADATA_ONLY


def test_secret_details():
    details = secret_details(
        meta(2, {"1": version(), "2": version(destroyed=True)}, {"owner": "ops"}), NOW
    )
    assert details == {
        "versions": 2,
        "readable_versions": 1,
        "current_version": 2,
        "updated_time": "2026-12-01T10:00:00.123456789Z",
        "custom_metadata": {"owner": "ops"},
        "state": DESTROYED,
    }
