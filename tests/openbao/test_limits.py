"""Overall deadline and reply-size cap of every call to Vault, against a REAL OpenBao (issue 11).

The reproduction of item 4: with ``request_timeout=3`` and a Vault that sends one byte a second
(``tests/faultproxy.py`` in ``drip`` mode, in front of the shared OpenBao), ``POST vault/login``
stayed pending for minutes, and every later login joined it. Now each request has a deadline
(``request_deadline``): the login fails with ``vault_deadline`` and says so, the logins that
joined it end with it, and the next login (the drip over) succeeds. A reply larger than
``max_reply_bytes`` is refused with ``vault_reply_too_large``.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path

import pytest
from conftest import ADDR, Bao, Realm, companion

from jupyter_extension_server.errors import VaultJwtError

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/faultproxy.py
from faultproxy import FaultProxy

pytestmark = pytest.mark.asyncio

#: Per-phase timeout of the reproduction (each byte arrives well within it).
REQUEST_TIMEOUT = 3.0
#: The overall deadline the companion gets here.
DEADLINE = 6.0


@pytest.fixture(scope="module")
def kv(bao: Bao, realm: Realm):
    """A KV v2 mount with a small and a large secret, a policy and a role reading them."""
    suffix = secrets.token_hex(3)
    mount, policy = f"lim-{suffix}/", f"lim-{suffix}"
    bao.kv(mount, 2)
    bao.put(mount, 2, "small", {"password": "s3cr3t"})
    bao.put(mount, 2, "large", {"blob": "x" * 20_000})
    bao.policy(policy, f'path "{mount}data/*" {{ capabilities = ["read"] }}')
    role = realm.role(f"lim-{suffix}", [policy])
    yield mount, role
    bao.call("DELETE", f"sys/mounts/{mount.rstrip('/')}")
    bao.call("DELETE", f"sys/policies/acl/{policy}")


async def test_a_dripping_vault_gives_a_deadline_error_and_frees_later_logins(tmp_path, realm, kv):
    _, role = kv
    async with FaultProxy(upstream=ADDR.split("://", 1)[1]) as proxy:
        c = companion(
            tmp_path,
            realm.mint(),
            addr=proxy.url,
            auth_mount=realm.mount,
            role=role,
            request_timeout=REQUEST_TIMEOUT,
            request_deadline=DEADLINE,
        )
        try:
            await proxy.set_mode("drip", seconds=1)
            first = asyncio.ensure_future(c.session.login())
            await asyncio.sleep(0)  # the first login is in flight: the next one joins it
            joined = asyncio.ensure_future(c.session.login())
            # A hang fails the test (instead of stalling the run) well after the deadline.
            results = await asyncio.wait_for(
                asyncio.gather(first, joined, return_exceptions=True), DEADLINE * 4
            )
            for result in results:
                assert isinstance(result, VaultJwtError), result
                assert result.code == "vault_deadline", result.message
                assert f"deadline of {DEADLINE:g} s" in result.message
                assert "request_deadline" in result.message
            assert proxy.stats["dripped"] > 0  # bytes did arrive, one at a time
            status = c.session.status()
            assert not status.logged_in and status.error.code == "vault_deadline"
            # The stuck login is over: a new one starts (no joining a dead flight) and works.
            await proxy.set_mode("pass")
            await asyncio.wait_for(c.session.login(), DEADLINE * 4)
            assert c.session.status().logged_in
        finally:
            await c.close()


async def test_a_reply_larger_than_the_cap_is_refused_and_says_so(tmp_path, realm, kv):
    mount, role = kv
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role, max_reply_bytes=8192)
    try:
        await c.session.login()  # login and lookup-self replies are far below 8 KiB
        keys = await c.catalog.key_names(mount, "small")
        assert keys.keys == ["password"]
        with pytest.raises(VaultJwtError) as info:
            await c.catalog.key_names(mount, "large")
        assert info.value.code == "vault_reply_too_large"
        assert "8192 bytes" in info.value.message and "max_reply_bytes" in info.value.message
        assert "x" * 100 not in info.value.message
    finally:
        await c.close()
