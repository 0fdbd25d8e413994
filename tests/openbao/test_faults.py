"""Vault/OpenBao faults, against a real OpenBao: a specific error, recovery by itself, clean logs.

For each fault the session's status (``VaultSession.status()``: ``error`` code and message,
``logged_in``) and a catalog request (as the panel's Reload makes) must give a specific,
actionable error, quickly; once the fault clears they must work again with no call other than
what the product makes by itself (its keep-alive task, and the 403 -> re-login retry of a
request). No record at ERROR level, and no traceback, may reach the log.

- OpenBao stopped, then restarted in dev mode (empty: the token and the auth config are gone;
  the test re-seeds them as an operator would): a private server.
- Sealed, then unsealed with the dev server's unseal key: a private server.
- Latency, HTTP 500, dropped connections, a closed port: the shared server behind
  ``tests/faultproxy.py``.

Tokens get short TTLs (roles' ``token_ttl``) so that the keep-alive runs every few seconds.
The last four tests were written as findings (expected failures) and pass since the fixes: an
actionable 5xx message, a new login by itself after an outage longer than the token's TTL, one
WARNING per outage (and an INFO when Vault answers again), and a success clearing the stale error.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from conftest import ADDR, BAO, Bao, Companion, Realm, companion, enable_jwt, free_port, unique

from jupyter_extension_server.errors import VaultJwtError

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/faultproxy.py
from faultproxy import FaultProxy

pytestmark = pytest.mark.asyncio

#: c.VaultSession.request_timeout of the companions behind the proxy.
REQUEST_TIMEOUT = 1.5
#: Slack added to every deadline below: on a busy machine timers fire late. Deadlines only stop
#: a hang; no test asserts how long something took (a call that waited for its request timeout
#: instead of failing at once shows in its error code: vault_timeout).
SLACK = 10.0
KV_PATH = "app/db"


# --- helpers -----------------------------------------------------------------------------------


async def eventually(
    check: Callable[[], bool], timeout: float, what: str, state: Callable[[], Any] | None = None
) -> float:
    """Poll ``check`` until true; how long it took. Fails with ``what`` (and ``state()``)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            detail = f" (now: {state()})" if state else ""
            raise AssertionError(f"not within {timeout:g} s: {what}{detail}")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def fails(call: Callable[[], Awaitable[Any]], code: str) -> VaultJwtError:
    """``call()`` raises a VaultJwtError with ``code``; a hang fails instead of stalling the run."""
    with pytest.raises(VaultJwtError) as info:
        await asyncio.wait_for(call(), REQUEST_TIMEOUT * 4 + SLACK)
    error = info.value
    assert error.code == code, f"{error.code}: {error.message}"
    return error


def status_of(c: Companion) -> str:
    s = c.session.status()
    error = f"{s.error.code}: {s.error.message}" if s.error else None
    return f"logged_in={s.logged_in} accessor={c.session.accessor} error={error}"


def error_code(c: Companion) -> str | None:
    error = c.session.status().error
    return error.code if error else None


async def catalog_has_secret(c: Companion) -> None:
    catalog, cached = await c.catalog.get(refresh=True)
    assert not cached
    secrets_ = [s for m in catalog.mounts for s in m.secrets]
    assert KV_PATH in secrets_, catalog
    mount = next(m.mount.path for m in catalog.mounts if KV_PATH in m.secrets)
    assert (await c.catalog.key_names(mount, KV_PATH)).keys == ["password"]


def product_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "jupyterlab-vault-jwt" in r.getMessage()]


def _unclean(records: list[logging.LogRecord]) -> str:
    gc.collect()  # unretrieved task exceptions are logged when the task is collected
    bad = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    return "\n".join(f"{r.name} {r.levelname}: {r.getMessage()}" for r in bad)


def assert_clean_log(caplog: pytest.LogCaptureFixture) -> None:
    """No ERROR record and no traceback in the log, from any logger (asyncio's included)."""
    bad = _unclean(caplog.get_records("setup") + caplog.records)
    assert not bad, bad
    assert any("logged in to Vault" in r.getMessage() for r in product_records(caplog)), (
        "the product's log records are not captured"
    )


@pytest.fixture(autouse=True)
def _capture_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """INFO and up, from every logger; the teardown (closing sessions, proxies) is checked too."""
    caplog.set_level(logging.INFO)
    yield
    bad = _unclean(caplog.records)  # this fixture is torn down last: the teardown's records
    assert not bad, f"during teardown:\n{bad}"


# --- seeding -----------------------------------------------------------------------------------


@dataclass
class Seeded:
    """What an operator configured: a JWT auth mount, roles, a KV v2 mount with one secret."""

    realm: Realm
    kv_mount: str
    policy: str
    roles: dict[str, str]


def seed(
    root: Bao,
    realm: Realm,
    *,
    kv_mount: str = "kvf/",
    policy: str = "kvf-reader",
    ttls: dict[str, str],
) -> Seeded:
    """KV mount + secret + policy, and one role per TTL in ``ttls`` (name -> token_ttl)."""
    root.kv(kv_mount, 2)
    root.put(kv_mount, 2, KV_PATH, {"password": "s3cr3t"})
    root.policy(
        policy,
        f'path "{kv_mount}metadata/*" {{ capabilities = ["list"] }}\n'
        f'path "{kv_mount}data/*" {{ capabilities = ["read"] }}',
    )
    roles = {
        name: realm.role(name, [policy], **{"token_ttl": ttl, "token_max_ttl": "30m"})
        for name, ttl in ttls.items()
    }
    return Seeded(realm, kv_mount, policy, roles)


@pytest.fixture(scope="module")
def shared(bao: Bao, realm: Realm) -> Iterator[Seeded]:
    """On the shared server: roles ``short`` (12 s tokens: renewed every 2 s) and ``tiny`` (5 s)."""
    suffix = secrets.token_hex(3)
    seeded = seed(
        bao,
        realm,
        kv_mount=f"kvf-{suffix}/",
        policy=f"kvf-{suffix}",
        ttls={unique("short"): "12s", unique("tiny"): "5s"},
    )
    seeded.roles = dict(zip(("short", "tiny"), seeded.roles.values(), strict=True))
    yield seeded
    bao.call("DELETE", f"sys/mounts/{seeded.kv_mount.rstrip('/')}")
    bao.call("DELETE", f"sys/policies/acl/{seeded.policy}")


class DevBao:
    """``bao server -dev`` on a fixed port and root token: stop, restart (empty), seal, unseal."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.root = Bao(self.addr, self.token)
        self.unseal_key = ""
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (blocking until it answers unsealed) and read the unseal key from its output."""
        self.starts += 1
        log_path = self.workdir / f"bao-{self.starts}.log"
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603
                [
                    str(BAO),
                    "server",
                    "-dev",
                    "-dev-no-store-token",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "BAO_DEV_ROOT_TOKEN_ID": self.token, "HOME": str(self.workdir)},
            )
        deadline = time.monotonic() + 30
        while True:
            key = re.search(r"Unseal Key: (\S+)", log_path.read_text(errors="replace"))
            if key and self.healthy():
                self.unseal_key = key.group(1)
                return
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise AssertionError(f"private OpenBao did not start: see {log_path}")
            time.sleep(0.1)

    def healthy(self) -> bool:
        """Whether it answers initialized, unsealed and active."""
        try:
            return httpx.get(f"{self.addr}/v1/sys/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def lookup(self, token: str) -> int:
        """The status of ``lookup-self`` with ``token`` (200: valid)."""
        return httpx.get(
            f"{self.addr}/v1/auth/token/lookup-self",
            headers={"X-Vault-Token": token},
            timeout=10,
        ).status_code

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def unseal(self) -> None:
        reply = httpx.post(
            f"{self.addr}/v1/sys/unseal", json={"key": self.unseal_key}, timeout=10
        ).json()
        assert reply.get("sealed") is False, reply


@pytest.fixture
def dev_bao(tmp_path: Path) -> Iterator[DevBao]:
    workdir = tmp_path / "bao"
    workdir.mkdir()
    server = DevBao(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.root.http.close()


@pytest_asyncio.fixture
async def proxy() -> Any:
    """A fault proxy in front of the shared server (control endpoint on a free port)."""
    upstream = urlsplit(ADDR)
    async with FaultProxy(
        upstream=(upstream.hostname or "127.0.0.1", upstream.port or 8200),
        control="127.0.0.1:0",
    ) as p:
        yield p


# --- proxy faults (the shared server) ----------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    mode: str
    params: dict[str, Any]
    code: str
    #: Words the message must hold (what failed and what to do).
    words: tuple[str, ...]


#: Stands for the proxy's address (the Vault address the companion knows) in Fault.words.
PROXY = "{proxy}"

FAULTS = {
    "latency": Fault(
        "latency",
        {"seconds": 5},
        "vault_timeout",
        (PROXY, f"within {REQUEST_TIMEOUT:g} s", "request_timeout"),
    ),
    # Vault's status and its own words (see test_http_500_message_is_actionable for the rest)
    "http-500": Fault("status", {"code": 500}, "vault_error", ("Vault", "500", "injected")),
    "drop": Fault("drop", {}, "vault_unreachable", (PROXY, "cannot be reached", "running")),
    "port-closed": Fault(
        "closed", {}, "vault_unreachable", (PROXY, "cannot be reached", "running")
    ),
}


def through_proxy(
    shared: Seeded, proxy: Any, tmp_path: Path, role: str = "short", lifetime: int = 300
) -> Companion:
    """A companion reaching the shared OpenBao through the fault proxy: role ``role``, an
    id_token valid ``lifetime`` seconds."""
    return companion(
        tmp_path,
        shared.realm.mint(lifetime=lifetime),
        addr=proxy.url,
        auth_mount=shared.realm.mount,
        role=shared.roles[role],
        request_timeout=REQUEST_TIMEOUT,
    )


@pytest.mark.parametrize("name", list(FAULTS))
async def test_proxy_fault_then_recovery(name, shared, proxy, tmp_path, caplog):
    fault = FAULTS[name]
    c = through_proxy(shared, proxy, tmp_path, lifetime=600)
    try:
        await c.session.login()
        await catalog_has_secret(c)
        accessor = c.session.accessor

        await proxy.set_mode(fault.mode, **fault.params)
        # a catalog request (the panel's Reload) and a key-name read fail fast, specifically
        error = await fails(lambda: c.catalog.get(refresh=True), fault.code)
        for word in fault.words:
            assert word.format(proxy=proxy.url) in error.message, error.message
        await fails(lambda: c.catalog.key_names(shared.kv_mount, KV_PATH), fault.code)
        # the keep-alive meets it too: the card shows it, the session is kept
        await eventually(
            lambda: error_code(c) == fault.code,
            2 + REQUEST_TIMEOUT + SLACK,
            f"status().error == {fault.code}",
            lambda: status_of(c),
        )
        status = c.session.status()
        assert status.logged_in, status_of(c)
        assert status.error is not None
        for word in fault.words:
            assert word.format(proxy=proxy.url) in status.error.message, status.error.message

        await proxy.set_mode("pass")
        # recovery by the keep-alive alone (its next retry, 5 s after the failure at most)
        await eventually(
            lambda: c.session.logged_in and error_code(c) is None,
            5 + REQUEST_TIMEOUT + SLACK,
            "the keep-alive clears the error",
            lambda: status_of(c),
        )
        assert c.session.accessor == accessor  # renewed: the same token survived the fault
        await catalog_has_secret(c)
    finally:
        await c.close()
    assert proxy.stats["forwarded"] > 0
    assert_clean_log(caplog)


async def test_proxy_control_endpoint_drives_the_fault(shared, proxy, tmp_path, caplog):
    """Another process (a browser test) switches the fault over HTTP."""
    c = through_proxy(shared, proxy, tmp_path)
    async with httpx.AsyncClient(base_url=proxy.control_url, timeout=10) as control:
        try:
            await c.session.login()
            reply = await control.post("/mode", json={"mode": "status", "code": 503})
            assert reply.status_code == 200 and reply.json()["code"] == 503
            error = await fails(lambda: c.catalog.get(refresh=True), "vault_error")
            assert "unavailable (HTTP 503: injected)" in error.message
            assert (await control.post("/mode", json={"mode": "nope"})).status_code == 400
            reply = await control.post("/mode", json={"mode": "pass"})
            assert reply.json()["mode"] == "pass"
            await catalog_has_secret(c)
            state = (await control.get("/mode")).json()
            assert state["mode"] == "pass" and state["stats"]["injected"] >= 1
        finally:
            await c.close()
    assert_clean_log(caplog)


async def test_http_500_message_is_actionable(shared, proxy, tmp_path, caplog):
    c = through_proxy(shared, proxy, tmp_path)
    try:
        await c.session.login()
        await proxy.set_mode("status", code=500)
        error = await fails(lambda: c.catalog.get(refresh=True), "vault_error")
        message = error.message
        assert "500" in message and "injected" in message  # Vault's status and words: kept
        assert proxy.url in message, message  # which server (like the other Vault failures)
        assert "refused" not in message, message  # a server error, not a refusal
        assert re.search(r"try again|operator|administrator", message, re.I), message
    finally:
        await proxy.set_mode("pass")
        await c.close()
    assert_clean_log(caplog)


async def test_outage_longer_than_the_token_ttl_recovers_by_itself(shared, proxy, tmp_path, caplog):
    c = through_proxy(shared, proxy, tmp_path, "tiny", lifetime=600)  # 5 s tokens
    try:
        await c.session.login()
        await proxy.set_mode("closed")
        await eventually(
            lambda: not c.session.logged_in, 10, "the token expires", lambda: status_of(c)
        )
        status = c.session.status()
        assert status.error is not None and status.error.code == "vault_unreachable"
        assert not status.logged_out_by_user
        await proxy.set_mode("pass")
        # a retry schedule like the keep-alive's own (first retry after 5 s) would be back by now
        await eventually(
            lambda: c.session.logged_in, 8, "a new login by itself", lambda: status_of(c)
        )
        await catalog_has_secret(c)
    finally:
        await c.close()
    assert_clean_log(caplog)


async def test_faults_are_logged_at_warning(shared, proxy, tmp_path, caplog):
    c = through_proxy(shared, proxy, tmp_path)

    def warned() -> list[str]:
        return [
            r.getMessage()
            for r in product_records(caplog)
            if r.levelno == logging.WARNING and "vault_unreachable" in r.getMessage()
        ]

    try:
        await c.session.login()
        await proxy.set_mode("closed")
        await fails(lambda: c.catalog.get(refresh=True), "vault_unreachable")
        assert len(warned()) == 1, "the failed catalog request is not logged"
        await eventually(lambda: error_code(c) == "vault_unreachable", 5, "keep-alive fails")
        await fails(lambda: c.catalog.get(refresh=True), "vault_unreachable")
        assert len(warned()) == 1, "one WARNING per outage, not one per failure"
        await proxy.set_mode("pass")
        await catalog_has_secret(c)
        answers = [r for r in product_records(caplog) if "answers again" in r.getMessage()]
        assert len(answers) == 1 and answers[0].levelno == logging.INFO
    finally:
        await proxy.set_mode("pass")
        await c.close()
    assert_clean_log(caplog)


async def test_a_success_clears_the_stale_error(shared, proxy, tmp_path, caplog):
    c = through_proxy(shared, proxy, tmp_path)
    try:
        await c.session.login()
        await proxy.set_mode("drop")
        await eventually(lambda: error_code(c) == "vault_unreachable", 5, "keep-alive fails")
        await proxy.set_mode("pass")
        await catalog_has_secret(c)  # Vault answers again...
        assert error_code(c) is None, status_of(c)  # ...so the card should stop saying it does not
    finally:
        await c.close()
    assert_clean_log(caplog)


# --- private servers: stop/restart, seal/unseal ------------------------------------------------


async def test_restart_in_dev_mode_then_reseed(dev_bao, signing_key, tmp_path, caplog):
    """Stopped, then back empty (dev mode): the old token is unknown, the session logs in again."""
    realm = Realm(dev_bao.root, "jwt", signing_key)

    def configure() -> Seeded:  # what the operator does on the new, empty server
        enable_jwt(dev_bao.root, "jwt", signing_key)
        return seed(dev_bao.root, realm, ttls={"short": "12s", "long": "5m"})

    configure()
    # a: 12 s tokens (the keep-alive notices by itself); b: 5 min tokens (a request notices)
    a, b = (
        companion(
            tmp_path / name,
            realm.mint(lifetime=600),
            addr=dev_bao.addr,
            role=role,
            request_timeout=REQUEST_TIMEOUT,
        )
        for name, role in (("a", "short"), ("b", "long"))
    )
    try:
        await asyncio.gather(a.session.login(), b.session.login())
        await asyncio.gather(catalog_has_secret(a), catalog_has_secret(b))
        before = {a.session.accessor, b.session.accessor}

        await asyncio.to_thread(dev_bao.stop)
        error = await fails(lambda: b.catalog.get(refresh=True), "vault_unreachable")
        assert dev_bao.addr in error.message and "running" in error.message
        await eventually(
            lambda: error_code(a) == "vault_unreachable",
            2 + REQUEST_TIMEOUT + SLACK,
            "the keep-alive reports vault_unreachable",
            lambda: status_of(a),
        )
        assert a.session.logged_in  # still holds its token (it may be back)

        await asyncio.to_thread(dev_bao.start)  # empty: no token, no auth method, no secret
        # before the operator re-seeds: the request finds its token gone, the new login fails
        error = await fails(lambda: b.catalog.get(refresh=True), "vault_auth_mount_not_found")
        assert "auth_mount" in error.message
        assert error_code(b) == "vault_auth_mount_not_found"

        await asyncio.to_thread(configure)
        # a: the keep-alive's renewal gets a 403, it logs in again by itself
        await eventually(
            lambda: (
                a.session.logged_in and a.session.accessor not in before and error_code(a) is None
            ),
            10,
            "the keep-alive logs in again on the new server",
            lambda: status_of(a),
        )
        await catalog_has_secret(a)
        # b: the catalog request's 403 -> re-login -> retry
        await catalog_has_secret(b)
        assert b.session.accessor not in before and error_code(b) is None
        for c in (a, b):  # kernels and the CLI get the new token through the token file
            token = c.vault_token_file.read_text().strip()
            assert await asyncio.to_thread(dev_bao.lookup, token) == 200
    finally:
        await asyncio.gather(a.close(), b.close())
    assert_clean_log(caplog)


async def test_sealed_then_unsealed(dev_bao, signing_key, tmp_path, caplog):
    realm = Realm(dev_bao.root, "jwt", signing_key)
    enable_jwt(dev_bao.root, "jwt", signing_key)
    seed(dev_bao.root, realm, ttls={"short": "12s", "long": "5m"})
    a, b = (
        companion(
            tmp_path / name,
            realm.mint(lifetime=600),
            addr=dev_bao.addr,
            role=role,
            request_timeout=REQUEST_TIMEOUT,
        )
        for name, role in (("a", "short"), ("b", "long"))
    )
    try:
        await asyncio.gather(a.session.login(), b.session.login())
        await asyncio.gather(catalog_has_secret(a), catalog_has_secret(b))
        accessors = (a.session.accessor, b.session.accessor)

        dev_bao.root.call("POST", "sys/seal")
        error = await fails(lambda: b.catalog.get(refresh=True), "vault_sealed")
        assert dev_bao.addr in error.message and "unseal" in error.message
        await eventually(
            lambda: error_code(a) == "vault_sealed",
            2 + REQUEST_TIMEOUT + SLACK,
            "the keep-alive reports vault_sealed",
            lambda: status_of(a),
        )
        assert a.session.logged_in

        await asyncio.to_thread(dev_bao.unseal)
        await eventually(dev_bao.healthy, 10, "OpenBao active again")
        await eventually(
            lambda: a.session.logged_in and error_code(a) is None,
            5 + REQUEST_TIMEOUT + SLACK,
            "the keep-alive clears vault_sealed",
            lambda: status_of(a),
        )
        await asyncio.gather(catalog_has_secret(a), catalog_has_secret(b))
        assert (a.session.accessor, b.session.accessor) == accessors  # the tokens survived
    finally:
        await asyncio.gather(a.close(), b.close())
    assert_clean_log(caplog)
