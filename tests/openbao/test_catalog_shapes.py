"""The catalog against a real OpenBao, for policy shapes an administrator writes (issue 13):
names ending in whitespace, exact-folder list rules, exact grants on absent secrets, deleted /
destroyed / metadata-only KV v2 secrets, grants no listing reaches, tokens without the default
policy, and requests that fail once or for good."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import AUDIENCE, Bao, Realm, companion, unique

from jupyter_extension_server.errors import UnsafePath, VaultPermissionDenied
from jupyter_extension_server.vault.kvstate import DELETED, DESTROYED, METADATA_ONLY

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/faultproxy.py
from faultproxy import FaultProxy

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def kv(bao: Bao) -> dict:
    """One KV v2 mount with live, deleted, destroyed, metadata-only and whitespace secrets."""
    m = unique("kvs") + "/"
    bao.kv(m, 2)
    for path in [
        "ws/plain",
        "ws/trail ",
        "ws/ ",
        "team/a",
        "team/b",
        "other/c",
        "real/x",
        "states/live",
        "states/deleted",
        "states/destroyed",
        "deep/x/y/z",
        "fold/f1/s",
        "fold/f2/s",
    ]:
        bao.put(m, 2, path, {"k": "s3cr3t"})
    bao.put(m, 2, "states/deleted", {"k": "second"})
    bao.call("DELETE", f"{m}data/states/deleted")
    bao.call("PUT", f"{m}destroy/states/destroyed", {"versions": [1]})
    bao.call("POST", f"{m}metadata/states/metaonly", {"custom_metadata": {"owner": "team-a"}})
    bao.call("POST", f"{m}metadata/states/live", {"custom_metadata": {"owner": "ops"}})
    yield {"m": m}
    bao.call("DELETE", f"sys/mounts/{m.rstrip('/')}")


async def build(realm: Realm, bao: Bao, tmp_path, policy: str, *, addr=None, **catalog):
    name = unique("pol")
    bao.policy(name, policy)
    role = realm.role(unique("role"), [name])
    extra = {"addr": addr} if addr else {}
    c = companion(
        tmp_path, realm.mint(), auth_mount=realm.mount, role=role, catalog=catalog or None, **extra
    )
    await c.session.login()
    return c


def mount_of(catalog, path: str):
    return next(m for m in catalog.mounts if m.mount.path == path)


@pytest.mark.parametrize("caps", ["list", "scan"])
async def test_names_ending_in_whitespace_are_kept(realm, bao, kv, tmp_path, caps):
    m = kv["m"]
    listing = '["list", "scan"]' if caps == "scan" else '["list"]'
    policy = f'''
path "{m}metadata/ws/*" {{ capabilities = {listing} }}
path "{m}data/ws/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.secrets == ["ws/ ", "ws/plain", "ws/trail "]
        assert caps in found.method
        keys = await c.catalog.key_names(m, "ws/trail ")
        assert keys.keys == ["k"]
    finally:
        await c.close()


async def test_whitespace_name_denied_by_an_exact_rule_is_not_shown(realm, bao, kv, tmp_path):
    """capabilities-self would answer for `ws/trail` (trimmed); the catalog reads instead."""
    m = kv["m"]
    policy = f'''
path "{m}metadata/ws/*" {{ capabilities = ["list"] }}
path "{m}data/ws/trail" {{ capabilities = ["read"] }}
path "{m}data/ws/plain" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        assert mount_of(catalog, m).secrets == ["ws/plain"]
    finally:
        await c.close()


async def test_list_rule_on_an_exact_folder_is_a_starting_folder(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/team/" {{ capabilities = ["list"] }}
path "{m}data/team/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.secrets == ["team/a", "team/b"]
        assert found.error is None and found.unbrowsable == []
    finally:
        await c.close()


async def test_exact_read_grant_on_an_absent_secret_is_not_shown(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}data/real/x" {{ capabilities = ["read"] }}
path "{m}data/ghost/nothing" {{ capabilities = ["read"] }}
path "{m}data/states/deleted" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.unlisted == ["real/x", "states/deleted"]
        assert found.states == {"states/deleted": DELETED}
        assert found.error is None
    finally:
        await c.close()


@pytest.mark.parametrize("caps", ["list", "scan"])
async def test_deleted_destroyed_and_metadata_only_are_marked(realm, bao, kv, tmp_path, caps):
    m = kv["m"]
    listing = '["list", "scan"]' if caps == "scan" else '["list"]'
    policy = f'''
path "{m}detailed-metadata/states/*" {{ capabilities = {listing} }}
path "{m}metadata/states/*" {{ capabilities = ["list", "read"] }}
path "{m}data/states/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.secrets == [
            "states/deleted",
            "states/destroyed",
            "states/live",
            "states/metaonly",
        ]
        assert found.states == {
            "states/deleted": DELETED,
            "states/destroyed": DESTROYED,
            "states/metaonly": METADATA_ONLY,
        }
        live = found.details["states/live"]
        assert live["versions"] == 1 and live["custom_metadata"] == {"owner": "ops"}
        assert live["updated_time"] and live["state"] is None
        deleted = found.details["states/deleted"]
        assert deleted["versions"] == 2 and deleted["readable_versions"] == 1
        assert "s3cr3t" not in repr(found.details)
    finally:
        await c.close()


async def test_key_names_of_a_deleted_secret_say_what_happened(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/states/*" {{ capabilities = ["list", "read"] }}
path "{m}data/states/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        assert "states/deleted" in mount_of(catalog, m).secrets
        deleted = await c.catalog.key_names(m, "states/deleted")
        assert deleted.state == DELETED and deleted.keys == []
        assert deleted.details and deleted.details["readable_versions"] == 1
        destroyed = await c.catalog.key_names(m, "states/destroyed")
        assert destroyed.state == DESTROYED
        metaonly = await c.catalog.key_names(m, "states/metaonly")
        assert metaonly.state == METADATA_ONLY
        assert metaonly.details and metaonly.details["custom_metadata"] == {"owner": "team-a"}
        live = await c.catalog.key_names(m, "states/live")
        assert live.state is None and live.keys == ["k"]
        assert live.details and live.details["versions"] == 1
        assert live.details["custom_metadata"] == {"owner": "ops"}
    finally:
        await c.close()


async def test_grants_no_listing_reaches_are_named(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}data/re*" {{ capabilities = ["read"] }}
path "{m}data/deep/x/*" {{ capabilities = ["read"] }}
path "{m}data/+/team/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.secrets == []
        assert found.unbrowsable == [f"{m}data/deep/x/*", f"{m}data/re*"]
        assert found.error is not None
        message = found.error.message
        assert "allow no listing" not in message
        assert f"{m}data/re*" in message and f"{m}data/deep/x/*" in message
        assert "by hand" in message
    finally:
        await c.close()


async def test_grant_below_a_listed_folder_is_browsable(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/fold/*" {{ capabilities = ["list"] }}
path "{m}data/fold/f1/*" {{ capabilities = ["read"] }}
path "{m}data/deep/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.secrets == ["fold/f1/s"]
        assert found.unbrowsable == [f"{m}data/deep/*"]
        assert found.error is None
    finally:
        await c.close()


async def test_token_without_the_default_policy_walks(realm, bao, kv, tmp_path):
    m = kv["m"]
    name = unique("pol")
    bao.policy(
        name,
        f'''
path "{m}metadata/*" {{ capabilities = ["list"] }}
path "{m}data/team/*" {{ capabilities = ["read"] }}
path "auth/token/lookup-self" {{ capabilities = ["read"] }}
path "auth/token/renew-self" {{ capabilities = ["update"] }}
path "auth/token/revoke-self" {{ capabilities = ["update"] }}
''',
    )
    role = unique("role")
    bao.call(
        "POST",
        f"auth/{realm.mount}/role/{role}",
        {
            "role_type": "jwt",
            "bound_audiences": [AUDIENCE],
            "user_claim": "preferred_username",
            "token_policies": [name],
            "token_no_default_policy": True,
            "token_ttl": "5m",
        },
    )
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role)
    await c.session.login()
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        # listed from the root; read access cannot be checked: shown unchecked
        assert "team/a" in found.unchecked and "other/c" in found.unchecked
        assert found.secrets == [] and found.method == "list"
        said = " ".join(catalog.notices)
        assert "default policy" in said and "resultant-acl" in said
        assert "capabilities-self" in said
    finally:
        await c.close()


async def test_one_failing_request_is_retried(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/team/*" {{ capabilities = ["list"] }}
path "{m}data/team/*" {{ capabilities = ["read"] }}
'''
    failures = {"left": 1}

    def first_capabilities_check(raw: bytes) -> bool:
        if b"sys/capabilities-self" in raw.split(b"\r\n", 1)[0] and b"data/team/a" in raw:
            if failures["left"] > 0:
                failures["left"] -= 1
                return True
        return False

    async with FaultProxy(upstream=bao.addr.split("//", 1)[1]) as proxy:
        c = await build(realm, bao, tmp_path, policy, addr=proxy.url, retry_backoff=0.05)
        try:
            proxy.select = first_capabilities_check
            await proxy.set_mode("status", code=503)
            catalog, _ = await c.catalog.get()
            found = mount_of(catalog, m)
            assert failures["left"] == 0 and proxy.stats["injected"] == 1
            assert found.secrets == ["team/a", "team/b"]
            assert found.missing == [] and catalog.retried == 1
        finally:
            await c.close()


async def test_a_folder_failing_for_good_is_named_and_the_rest_kept(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/*" {{ capabilities = ["list"] }}
path "{m}data/*" {{ capabilities = ["read"] }}
'''

    def list_of_team(raw: bytes) -> bool:
        line = raw.split(b"\r\n", 1)[0]
        return line.startswith(b"LIST ") and b"/team/" in line

    async with FaultProxy(upstream=bao.addr.split("//", 1)[1]) as proxy:
        c = await build(realm, bao, tmp_path, policy, addr=proxy.url, retry_backoff=0.05)
        try:
            proxy.select = list_of_team
            await proxy.set_mode("status", code=500)
            catalog, _ = await c.catalog.get()
            found = mount_of(catalog, m)
            assert "team/a" not in found.secrets
            assert {"other/c", "real/x", "ws/plain", "fold/f1/s"} <= set(found.secrets)
            assert [(x.path, x.what) for x in found.missing] == [("team/", "folder")]
            assert "500" in found.missing[0].reason
            assert proxy.stats["injected"] == 3  # the first try and two retries
        finally:
            await c.close()


async def test_paths_added_by_hand(realm, bao, kv, tmp_path):
    m = kv["m"]
    policy = f'''
path "{m}metadata/fold/*" {{ capabilities = ["list"] }}
path "{m}data/fold/*" {{ capabilities = ["read"] }}
path "{m}data/deep/x/*" {{ capabilities = ["read"] }}
path "{m}data/ws/trail *" {{ capabilities = ["read"] }}
'''
    file = tmp_path / "data" / "manual-paths.json"
    c = await build(realm, bao, tmp_path, policy, manual_paths_file=str(file))
    try:
        catalog, _ = await c.catalog.get()
        found = mount_of(catalog, m)
        assert found.unbrowsable == [f"{m}data/deep/x/*", f"{m}data/ws/trail *"]
        assert await c.catalog.add_manual(m.rstrip("/"), "deep/x/y/z") == (m, "deep/x/y/z")
        # checked by a read, not by capabilities-self (which would answer for `ws/trail`)
        await c.catalog.add_manual(m, "ws/trail ")
        with pytest.raises(VaultPermissionDenied, match="not added"):
            await c.catalog.add_manual(m, "ws/trail")
        with pytest.raises(VaultPermissionDenied):
            await c.catalog.add_manual(m, "other/c")
        with pytest.raises(UnsafePath):
            await c.catalog.add_manual(m, "../sys/mounts")
        # the cached catalog shows them at once, apart from the listed secrets
        cached, hit = await c.catalog.get()
        assert hit and mount_of(cached, m).manual == ["deep/x/y/z", "ws/trail "]
        assert file.stat().st_mode & 0o777 == 0o600
        assert file.parent.stat().st_mode & 0o777 == 0o700
        assert "s3cr3t" not in file.read_text() and "hvs." not in file.read_text()
    finally:
        await c.close()
    # remembered: a new server process (a new catalog on the same file) shows them
    c = await build(realm, bao, tmp_path / "again", policy, manual_paths_file=str(file))
    try:
        catalog, _ = await c.catalog.get()
        assert mount_of(catalog, m).manual == ["deep/x/y/z", "ws/trail "]
        assert await c.catalog.remove_manual(m, "deep/x/y/z")
        assert not await c.catalog.remove_manual(m, "deep/x/y/z")
        fresh, _ = await c.catalog.get(refresh=True)
        assert mount_of(fresh, m).manual == ["ws/trail "]
    finally:
        await c.close()


async def test_key_names_take_the_details_the_listing_gave(realm, bao, kv, tmp_path):
    """detailed-metadata/ listed: the secret's details need no read of metadata/ (not granted)."""
    m = kv["m"]
    policy = f'''
path "{m}detailed-metadata/states/*" {{ capabilities = ["list"] }}
path "{m}data/states/*" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy)
    try:
        catalog, _ = await c.catalog.get()
        assert mount_of(catalog, m).states["states/destroyed"] == DESTROYED
        live = await c.catalog.key_names(m, "states/live")
        assert live.keys == ["k"] and live.details is not None
        assert live.details["versions"] == 1
        assert live.details["custom_metadata"] == {"owner": "ops"}
        gone = await c.catalog.key_names(m, "states/deleted")
        assert gone.state == DELETED and gone.details["readable_versions"] == 1
    finally:
        await c.close()


def _filtered_rule(m: str, prefix: str, listing: str) -> str:
    """A list (and scan) rule whose results OpenBao filters to what the token may read (2.4+)."""
    template = f'{{{{ .path | replace \\"{m}{prefix}\\" \\"{m}data/\\" }}}}{{{{ .key }}}}'
    return f'''
path "{m}{prefix}*" {{
  capabilities = {listing}
  list_scan_response_keys_filter_path = "{template}"
}}
'''


@pytest.mark.parametrize("caps", ["list", "scan"])
async def test_listings_filtered_by_openbao_skip_the_read_check(realm, bao, kv, tmp_path, caps):
    """``list_scan_response_keys_filter_path`` on the read path: OpenBao answers LIST and SCAN
    with what the token may read only. The catalog is right either way; with the mount in
    ``filtered_listings`` it trusts the listing and sends no ``capabilities-self`` batch."""
    m = kv["m"]
    listing = '["list", "scan"]' if caps == "scan" else '["list"]'
    # A folder key is checked as `list` on the templated path (data/<folder>/): granted for the
    # folders to browse, as the policy author must (docs/catalog.md).
    policy = (
        _filtered_rule(m, "metadata/", listing)
        + _filtered_rule(m, "detailed-metadata/", listing)
        + f'''
path "{m}data/team/*" {{ capabilities = ["read", "list"] }}
path "{m}data/team/b" {{ capabilities = ["deny"] }}
path "{m}data/other/*" {{ capabilities = ["list"] }}
path "{m}data/other/c" {{ capabilities = ["read"] }}
'''
    )
    found = {}
    for trusted in (False, True):
        settings = {"filtered_listings": [m.rstrip("/")]} if trusted else {}
        c = await build(realm, bao, tmp_path / str(trusted), policy, **settings)
        try:
            catalog, _ = await c.catalog.get()
            result = mount_of(catalog, m)
            assert result.error is None
            assert caps in result.method
            assert result.unchecked == []
            # retries (a busy machine) are not the algorithm's
            found[trusted] = (result.secrets, result.unlisted, catalog.requests - catalog.retried)
        finally:
            await c.close()
    # OpenBao's filter already dropped team/b (denied), ws/, real/... (no read): the same
    # secrets either way, with one request fewer (the capabilities batch of the 2 listed).
    assert found[False][:2] == found[True][:2] == (["other/c", "team/a"], [])
    assert found[True][2] == found[False][2] - 1


async def test_filtered_listings_trust_what_is_listed(realm, bao, kv, tmp_path):
    """The setting is the administrator's word: on a mount listed without a filter, what LIST
    returns is shown unchecked by capabilities-self (why it is opt-in, per mount)."""
    m = kv["m"]
    policy = f'''
path "{m}metadata/team/*" {{ capabilities = ["list"] }}
path "{m}data/team/a" {{ capabilities = ["read"] }}
'''
    c = await build(realm, bao, tmp_path, policy, filtered_listings=[m.rstrip("/")])
    try:
        catalog, _ = await c.catalog.get()
        assert mount_of(catalog, m).secrets == ["team/a", "team/b"]
    finally:
        await c.close()
