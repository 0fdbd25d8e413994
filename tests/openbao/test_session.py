"""The Vault session against a real OpenBao: login and its failures, keep-alive, logout, files."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import time

import httpx
import pytest
from conftest import ADDR, AUDIENCE, Bao, Realm, companion, enable_jwt, unique

from jupyter_extension_server.errors import (
    VaultJwtError,
    VaultNotLoggedIn,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def reader(bao: Bao, realm: Realm) -> str:
    """A role whose tokens may read one KV v2 mount."""
    mount = unique("kvs") + "/"
    bao.kv(mount, 2)
    bao.put(mount, 2, "app/db", {"password": "s3cr3t"})
    policy = unique("pol")
    bao.policy(
        policy,
        f'path "{mount}metadata/*" {{ capabilities = ["list"] }}\n'
        f'path "{mount}data/*" {{ capabilities = ["read"] }}',
    )
    return realm.role(unique("role"), [policy])


def lookup(token: str) -> int:
    """Status of lookup-self with ``token`` (200 valid, 403 revoked/expired)."""
    return httpx.get(
        f"{ADDR}/v1/auth/token/lookup-self", headers={"X-Vault-Token": token}, timeout=10
    ).status_code


async def eventually(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.25)


async def test_login_writes_a_private_token_file_and_shares_one_login(realm, reader, tmp_path):
    c = companion(tmp_path, realm.mint(groups=["g"]), auth_mount=realm.mount, role=reader)
    old_umask = os.umask(0)  # the file must be 0600 whatever the umask
    try:
        before = c.session.api.requests
        await asyncio.gather(*(c.session.login() for _ in range(10)))
        # one login + one lookup-self for ten concurrent callers
        assert c.session.api.requests - before == 2
    finally:
        os.umask(old_umask)
    try:
        status = c.session.status()
        assert status.logged_in and status.error is None
        assert status.token and "default" in status.token.policies
        assert status.token.display_name.startswith(realm.mount)
        assert status.token.renewable and status.token.expire_time > time.time() + 200
        mode = stat.S_IMODE(c.vault_token_file.stat().st_mode)
        assert mode == 0o600
        token = c.vault_token_file.read_text()
        assert lookup(token) == 200
        # the same id_token again: no new login
        before = c.session.api.requests
        await c.session.login()
        assert c.session.api.requests == before and c.session.accessor == status.token.accessor
    finally:
        await c.close()
    # shutdown revokes the token and removes the file (revoke_on_shutdown defaults to on)
    assert lookup(token) == 403
    assert not c.vault_token_file.exists()


async def test_new_id_token_means_new_login_and_logout_revokes(realm, reader, tmp_path):
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=reader)
    try:
        await c.session.login()
        first = c.session.accessor
        first_token = c.vault_token_file.read_text()
        c.set_id_token(realm.mint(sub="refreshed"))
        await c.identity.refresh()  # as the sidebar's refresh does
        await eventually(lambda: c.session.accessor not in (None, first))
        second_token = c.vault_token_file.read_text()
        assert second_token != first_token
        # the replaced token stays valid for its grace period (a kernel may still be reading)
        assert lookup(first_token) == 200
        await c.session.logout()
        status = c.session.status()
        assert not status.logged_in and status.logged_out_by_user and status.token is None
        assert lookup(second_token) == 403
        assert not c.vault_token_file.exists()
        with pytest.raises(VaultNotLoggedIn):
            await c.catalog.get()
        # after a logout, a new id_token does not log in again by itself
        c.set_id_token(realm.mint(sub="again"))
        await c.identity.refresh()
        await asyncio.sleep(1)
        assert not c.session.logged_in
    finally:
        await c.close()


async def test_logout_leaves_a_token_file_it_did_not_write(realm, reader, tmp_path):
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=reader)
    try:
        await c.session.login()
        c.vault_token_file.write_text("someone-elses-token")
        await c.session.logout()
        assert c.vault_token_file.read_text() == "someone-elses-token"
    finally:
        await c.close()


async def test_renews_then_logs_in_again_at_max_ttl(bao, realm, tmp_path):
    mount = unique("kvr") + "/"
    bao.kv(mount, 2)
    ttls = {"token_ttl": "15s", "token_max_ttl": "22s"}
    role = realm.role(unique("short"), [], **ttls)
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role)
    try:
        await c.session.login()
        info = c.session.status().token
        assert info is not None and info.renewable
        # renewed (same accessor, later expiry) a third of the TTL before the end...
        await eventually(
            lambda: (
                (t := c.session.status().token) is not None
                and t.accessor == info.accessor
                and t.expire_time > info.expire_time + 2
            ),
            timeout=20,
        )
        # ...then, once the max TTL caps renewals, a new login (new accessor)
        await eventually(
            lambda: c.session.accessor not in (None, info.accessor) and c.session.logged_in,
            timeout=30,
        )
        assert c.session.status().error is None
    finally:
        await c.close()
        bao.call("DELETE", f"sys/mounts/{mount.rstrip('/')}")


async def test_a_403_with_a_revoked_token_logs_in_once_more(bao, realm, reader, tmp_path):
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=reader)
    try:
        await c.session.login()
        first = c.session.accessor
        bao.call("POST", "auth/token/revoke-accessor", {"accessor": first})
        catalog, _ = await c.catalog.get()
        assert c.session.accessor != first and c.session.logged_in
        mount = next(m.mount.path for m in catalog.mounts if m.secrets == ["app/db"])
        assert (await c.catalog.key_names(mount, "app/db")).keys == ["password"]
    finally:
        await c.close()


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("expired", "vault_id_token_expired"),
        ("audience", "vault_audience_not_bound"),
        ("role", "vault_role_not_found"),
        ("oidc", "vault_role_type_oidc"),
        ("mount", "vault_auth_mount_not_found"),
        ("no-role", "vault_role_missing"),
        ("issuer", "vault_issuer_rejected"),
        ("signature", "vault_signature_rejected"),
    ],
)
async def test_login_failures_are_specific(bao, realm, reader, tmp_path, case, code):
    mount, role = realm.mount, reader
    token = realm.mint()
    if case == "expired":
        token = realm.mint(lifetime=-120, iat=int(time.time()) - 600)
    elif case == "audience":
        token = realm.mint(aud="another-client")
    elif case == "role":
        role = "no-such-role"
    elif case == "oidc":
        role = unique("oidc")
        bao.call(
            "POST",
            f"auth/{mount}/role/{role}",
            {
                "bound_audiences": [AUDIENCE],
                "user_claim": "sub",
                "allowed_redirect_uris": ["http://127.0.0.1/callback"],
            },
        )
    elif case == "mount":
        mount = "no-such-jwt-mount"
    elif case == "no-role":
        role = ""
    elif case == "issuer":
        token = realm.mint(iss="https://evil.invalid")
    elif case == "signature":
        header, payload, _ = token.split(".")
        token = f"{header}.{payload}.{'A' * 342}"
    c = companion(tmp_path, token, auth_mount=mount, role=role)
    try:
        with pytest.raises(VaultJwtError) as info:
            await c.session.login()
        assert info.value.code == code, info.value.message
        status = c.session.status()
        assert not status.logged_in and status.error is not None and status.error.code == code
        assert token not in info.value.message
    finally:
        await c.close()


async def test_unreachable_and_timeout(realm, reader, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    c = companion(tmp_path / "a", realm.mint(), addr=f"http://127.0.0.1:{closed_port}", role=reader)
    try:
        with pytest.raises(VaultJwtError) as info:
            await c.session.login()
        assert info.value.code == "vault_unreachable"
        assert f"127.0.0.1:{closed_port}" in info.value.message
    finally:
        await c.close()

    async def silent(reader, writer):  # accepts and never answers
        await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    c = companion(
        tmp_path / "b",
        realm.mint(),
        addr=f"http://127.0.0.1:{port}",
        role=reader,
        request_timeout=0.5,
    )
    try:
        with pytest.raises(VaultJwtError) as info:
            await c.session.login()
        assert info.value.code == "vault_timeout"
    finally:
        await c.close()
        server.close()


async def test_sealed(private_bao, signing_key, tmp_path):
    root = private_bao.root
    enable_jwt(root, "jwt", signing_key)
    realm = Realm(root, "jwt", signing_key)
    role = realm.role("r", [])
    root.call("POST", "sys/seal")
    c = companion(tmp_path, realm.mint(), addr=private_bao.addr, role=role)
    try:
        with pytest.raises(VaultJwtError) as info:
            await c.session.login()
        assert info.value.code == "vault_sealed"
    finally:
        await c.close()


@pytest.mark.tls
async def test_tls_verification(private_bao, signing_key, tmp_path):
    root = private_bao.root
    enable_jwt(root, "jwt", signing_key)
    realm = Realm(root, "jwt", signing_key)
    role = realm.role("r", [])
    # verification on by default: the dev server's own CA is unknown
    c = companion(tmp_path / "a", realm.mint(), addr=private_bao.addr, role=role)
    try:
        with pytest.raises(VaultJwtError) as info:
            await c.session.login()
        assert info.value.code == "vault_tls"
        assert "VAULT_CACERT" in info.value.message and "VAULT_CAPATH" in info.value.message
        assert c.session.status().tls_verify
    finally:
        await c.close()
    # with the CA configured it works
    c = companion(
        tmp_path / "b",
        realm.mint(),
        addr=private_bao.addr,
        role=role,
        ca_cert=str(private_bao.ca_file),
    )
    try:
        await c.session.login()
        assert c.session.logged_in and c.session.status().ca == str(private_bao.ca_file)
    finally:
        await c.close()
    # switched off explicitly: works, and the status says so
    c = companion(tmp_path / "c", realm.mint(), addr=private_bao.addr, role=role, tls_verify=False)
    try:
        await c.session.login()
        assert c.session.logged_in and c.session.status().tls_verify is False
    finally:
        await c.close()


async def test_namespace(bao, signing_key, tmp_path):
    namespace = unique("ns")
    bao.call("POST", f"sys/namespaces/{namespace}")
    try:
        enable_jwt(bao, "jwt", signing_key, namespace=namespace)
        bao.kv("team/", 2, namespace=namespace)
        bao.put("team/", 2, "db/creds", {"u": "x"}, namespace=namespace)
        bao.policy(
            "ns-reader",
            'path "team/metadata/*" { capabilities = ["list"] }\n'
            'path "team/data/*" { capabilities = ["read"] }',
            namespace=namespace,
        )
        realm = Realm(bao, "jwt", signing_key)
        role = realm.role("r", ["ns-reader"], namespace=namespace)
        c = companion(tmp_path, realm.mint(), role=role, namespace=namespace)
        try:
            await c.session.login()
            assert c.session.status().namespace == namespace
            catalog, _ = await c.catalog.get()
            team = next(m for m in catalog.mounts if m.mount.path == "team/")
            assert team.secrets == ["db/creds"]
            keys = await c.catalog.key_names("team/", "db/creds")
            assert keys.keys == ["u"]
        finally:
            await c.close()
    finally:
        for _ in range(3):  # the namespace's mounts are removed with it (asynchronously)
            try:
                bao.call("DELETE", f"sys/namespaces/{namespace}")
                break
            except AssertionError:
                await asyncio.sleep(1)
