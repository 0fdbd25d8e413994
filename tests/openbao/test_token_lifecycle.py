"""Vault token lifecycle against a REAL OpenBao, counting live tokens with the root token.

Each test logs in with its own role, and OpenBao's root token lists every token accessor
(``LIST auth/token/accessors``) and looks each up (``auth/token/lookup-accessor``), keeping the
live ones whose metadata names that role: the tokens this test's server made and that can still
be used. Checked: replaced tokens end after their grace period, logout and shutdown revoke every
token the server holds (also for a real ``jupyter server`` process stopped with SIGTERM or
SIGINT), forced logins are rate-limited, a token file the user wrote is left alone until they
ask, and two servers sharing one home keep the file filled while one of them is logged in.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import ADDR, REPO, Bao, Realm, companion, unique

from jupyter_extension_server.errors import VaultLoginRateLimited
from jupyter_extension_server.vault.tokenfile import FileState

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/faultproxy.py
from faultproxy import FaultProxy

pytestmark = pytest.mark.asyncio


class LiveTokens:
    """Counts the live tokens made by one role's logins (root's view of OpenBao)."""

    def __init__(self, bao: Bao, mount: str, role: str) -> None:
        self.bao = bao
        self.path = f"auth/{mount}/login"
        self.role = role
        self._foreign: set[str] = set()  # accessors of other roles' tokens (they never change)

    def accessors(self) -> set[str]:
        keys = self.bao.call("LIST", "auth/token/accessors").get("data", {}).get("keys", [])
        live = set()
        for accessor in keys:
            if accessor in self._foreign:
                continue
            response = self.bao.http.post("auth/token/lookup-accessor", json={"accessor": accessor})
            if response.status_code != 200:
                continue  # revoked or expired since the listing
            data = response.json()["data"]
            if data.get("path") == self.path and (data.get("meta") or {}).get("role") == self.role:
                live.add(accessor)
            else:
                self._foreign.add(accessor)
        return live

    def count(self) -> int:
        return len(self.accessors())


def lookup(token: str) -> int:
    """Status of lookup-self with ``token`` (200 valid, 403 revoked/expired)."""
    return httpx.get(
        f"{ADDR}/v1/auth/token/lookup-self", headers={"X-Vault-Token": token}, timeout=10
    ).status_code


async def eventually(check, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met within {timeout} s")
        await asyncio.sleep(0.2)


@pytest.fixture
def role(realm: Realm) -> str:
    """A fresh role (its tokens are told apart from every other test's by ``meta.role``)."""
    return realm.role(unique("life"), [])


async def refresh_id_token(c, realm: Realm, n: int) -> None:
    """Give the server a new id_token and wait for the new login it makes."""
    before = c.session.accessor
    c.set_id_token(realm.mint(sub=f"refresh-{n}"))
    await c.identity.refresh()
    await eventually(
        lambda: c.session.accessor not in (None, before), what=f"new login after refresh {n}"
    )


async def test_refreshes_keep_replaced_tokens_for_the_grace_then_logout_revokes_all(
    bao, realm, role, tmp_path
):
    live = LiveTokens(bao, realm.mount, role)
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role)  # grace 60 s
    try:
        await c.session.login()
        first = c.vault_token_file.read_text()
        for n in range(5):
            await refresh_id_token(c, realm, n)
        # the replaced tokens are still valid during their grace (a kernel read may be running)
        assert lookup(first) == 200
        assert live.count() == 6 and c.session.held_tokens == 6
        current = c.vault_token_file.read_text()
        assert current != first and lookup(current) == 200
        await c.session.logout()
        assert live.count() == 0
        assert c.session.held_tokens == 0 and c.session.status().error is None
        assert not c.vault_token_file.exists()
    finally:
        await c.close()


async def test_replaced_tokens_end_when_their_grace_ends(bao, realm, role, tmp_path):
    live = LiveTokens(bao, realm.mount, role)
    c = companion(
        tmp_path, realm.mint(), auth_mount=realm.mount, role=role, replaced_token_grace=0.5
    )
    try:
        await c.session.login()
        for n in range(4):
            await refresh_id_token(c, realm, n)
        current = c.session.accessor
        await eventually(lambda: live.accessors() == {current}, what="only the current token")
        # The session forgets a replaced token once its revocation's reply is in, which on a busy
        # machine can come a moment after OpenBao has already dropped the token.
        await eventually(lambda: c.session.held_tokens == 1, what="the session holds one token")
    finally:
        await c.close()
    assert live.count() == 0  # shutdown revoked the current one


async def test_shutdown_revokes_every_token_held(bao, realm, role, tmp_path):
    live = LiveTokens(bao, realm.mount, role)
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role)
    await c.session.login()
    for n in range(3):
        await refresh_id_token(c, realm, n)
    assert live.count() == 4
    await c.close()
    assert live.count() == 0
    assert not c.vault_token_file.exists()


async def test_forced_logins_are_limited_and_the_replaced_ones_end(bao, realm, role, tmp_path):
    live = LiveTokens(bao, realm.mount, role)
    c = companion(
        tmp_path,
        realm.mint(),
        auth_mount=realm.mount,
        role=role,
        force_login_limit=4,
        force_login_period=600,
        replaced_token_grace=0.5,
    )
    try:
        await c.session.login()
        for _ in range(4):
            before = c.session.accessor
            await c.session.login(force=True, requested=True)
            assert c.session.accessor != before
        with pytest.raises(VaultLoginRateLimited) as info:
            await c.session.login(force=True, requested=True)
        assert info.value.code == "vault_login_rate_limited" and info.value.status == 429
        assert 0 < info.value.retry_after <= 600
        # the session's own forced logins (renewal at the max TTL, a revoked token) are not limited
        await c.session.login(force=True)
        current = c.session.accessor
        await eventually(lambda: live.accessors() == {current}, what="only the current token")
    finally:
        await c.close()
    assert live.count() == 0


async def test_a_token_file_the_user_wrote_is_left_alone_until_they_ask(bao, realm, role, tmp_path):
    c = companion(tmp_path, realm.mint(), auth_mount=realm.mount, role=role)
    c.vault_token_file.write_text("s.the-users-own-token\n")
    try:
        before = c.session.api.requests
        await c.session.login()
        assert c.session.api.requests - before == 2  # login + lookup: the user's token unsent
        assert c.vault_token_file.read_text() == "s.the-users-own-token\n"
        assert c.session.status().token_file_state == FileState.OTHER
        await refresh_id_token(c, realm, 0)  # a new login leaves it alone too
        assert c.vault_token_file.read_text() == "s.the-users-own-token\n"
        # the user asks: the session's token goes in, and from then on follows the session
        await c.session.use_token_file()
        assert c.vault_token_file.read_text() == c.session.require_token()
        assert c.session.status().token_file_state == FileState.SESSION
        await refresh_id_token(c, realm, 1)
        assert c.vault_token_file.read_text() == c.session.require_token()
        # the user writes another one during the session: left alone again
        c.vault_token_file.write_text("s.written-later")
        await refresh_id_token(c, realm, 2)
        assert c.vault_token_file.read_text() == "s.written-later"
        assert c.session.status().token_file_state == FileState.OTHER
        await c.session.logout()
        assert c.vault_token_file.read_text() == "s.written-later"  # not ours: not removed
    finally:
        await c.close()


async def test_two_sessions_sharing_a_home_keep_the_file_filled(bao, realm, role, tmp_path):
    a = companion(
        tmp_path / "a", realm.mint(), auth_mount=realm.mount, role=role,
        token_file_check_interval=0.2,
    )  # fmt: skip
    home_file = a.vault_token_file
    b = companion(
        tmp_path / "b", realm.mint(sub="b"), auth_mount=realm.mount, role=role,
        token_file=str(home_file), token_file_check_interval=0.2,
    )  # fmt: skip
    try:
        await a.session.login()
        await b.session.login()
        # a wrote it first; for b it holds a token b did not write: b leaves it
        assert home_file.read_text() == a.session.require_token()
        assert b.session.status().token_file_state == FileState.OTHER
        await a.session.logout()
        # by b's next check, the file holds b's valid token
        await eventually(
            lambda: home_file.exists() and home_file.read_text() == b.session.require_token(),
            what="b's token in the shared file",
        )
        assert lookup(home_file.read_text()) == 200
        assert b.session.status().token_file_state == FileState.SESSION
        # a logs in again: the file is b's (valid), a leaves it
        await a.session.login()
        assert home_file.read_text() == b.session.require_token()
        await b.session.logout()
        await eventually(
            lambda: home_file.exists() and home_file.read_text() == a.session.require_token(),
            what="a's token in the shared file",
        )
    finally:
        await a.close()
        await b.close()
    assert not home_file.exists()


async def test_a_token_a_killed_server_left_is_replaced_once_vault_refuses_it(
    bao, realm, role, tmp_path
):
    # a server that stops without revoking (as if killed) leaves its token in the file
    a = companion(tmp_path / "a", realm.mint(), auth_mount=realm.mount, role=role)
    a.session.revoke_on_shutdown = False
    await a.session.login()
    left, accessor = a.session.require_token(), a.session.accessor
    await a.close()
    home_file = a.vault_token_file
    assert home_file.read_text() == left
    b = companion(
        tmp_path / "b", realm.mint(sub="b"), auth_mount=realm.mount, role=role,
        token_file=str(home_file), token_file_check_interval=0.2,
    )  # fmt: skip
    try:
        # still valid: it may be a sibling's in use, so it is left
        await b.session.login()
        assert home_file.read_text() == left
        assert b.session.status().token_file_state == FileState.OTHER
        # once Vault no longer accepts it (its TTL ended, or it was revoked), b's token goes in
        bao.call("POST", "auth/token/revoke-accessor", {"accessor": accessor})
        b.session._checked_other = None  # do not wait the 5 minutes before checking again
        await eventually(
            lambda: home_file.read_text() == b.session.require_token(),
            what="b's token over the dead one",
        )
        assert b.session.status().token_file_state == FileState.SESSION
    finally:
        await b.close()
    assert not home_file.exists()


async def test_logout_with_vault_hanging_ends_within_its_budget_and_says_so(
    bao, realm, role, tmp_path
):
    live = LiveTokens(bao, realm.mount, role)
    upstream = urlsplit(ADDR)
    async with FaultProxy(
        upstream=(upstream.hostname or "127.0.0.1", upstream.port or 8200),
        control="127.0.0.1:0",
    ) as proxy:
        c = companion(
            tmp_path,
            realm.mint(),
            addr=proxy.url,
            auth_mount=realm.mount,
            role=role,
            revoke_timeout=0.5,
        )
        try:
            await c.session.login()
            await refresh_id_token(c, realm, 0)
            assert live.count() == 2
            await proxy.set_mode("latency", seconds=60)
            # a hang would fail here instead of stalling the run
            await asyncio.wait_for(c.session.logout(), 30)
            status = c.session.status()
            assert not status.logged_in
            assert status.error is not None and status.error.code == "vault_revoke_failed"
            assert "2 of this server's tokens" in status.error.message
            assert not c.vault_token_file.exists()
            assert c.session.held_tokens == 2 and live.count() == 2  # still valid, and held
            await proxy.set_mode("pass")
        finally:
            await c.close()  # shutdown revokes what logout could not
    assert live.count() == 0


# --- a real `jupyter server` process, stopped with a signal -------------------------------------


def _server_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTERHUB_", "VAULT_", "BAO_", "OIDC_", "JUPYTER_"))
    }
    env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"), PYTHONUNBUFFERED="1")
    # this checkout's package, not the copy installed in the venv
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_server_stopped_by_a_signal_revokes_everything(bao, realm, role, tmp_path, sig):
    live = LiveTokens(bao, realm.mount, role)
    home = tmp_path / "home"
    (home / "runtime").mkdir(parents=True)
    id_file = tmp_path / "id_token"
    id_file.write_text(realm.mint())
    token_file = home / ".vault-token"
    token_file.write_text("s.the-users-own-token")  # the user's: left alone until asked
    server_token = secrets.token_hex(16)
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        *[
            sys.executable,
            "-m",
            "jupyter_server",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port=0",  # an ephemeral port, read back from the runtime file
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={tmp_path}",
            f"--IdentityProvider.token={server_token}",
            "--allow-root",
            f"--IdTokenService.token_file={id_file}",
            f"--VaultSession.address={ADDR}",
            f"--VaultSession.auth_mount={realm.mount}",
            f"--VaultSession.role={role}",
            "--VaultSession.force_login_limit=2",
        ],
        stdin=asyncio.subprocess.DEVNULL,  # no terminal: SIGINT is not the interactive prompt
        # SIGINT as a hub or a terminal leaves it (a shell's `cmd &` starts it ignored)
        preexec_fn=_default_sigint,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
        env=_server_env(home),
        cwd=tmp_path,
    )
    try:
        url = await _wait_for_server(process, home / "runtime", log_path)
        headers = {"Authorization": f"token {server_token}"}
        async with httpx.AsyncClient(base_url=f"{url}vault-jwt/", headers=headers) as http:
            reply = (await http.post("vault/login", timeout=30)).json()
            assert reply["state"] == "logged_in", reply
            assert reply["token_file_state"] == FileState.OTHER
            assert token_file.read_text() == "s.the-users-own-token"
            for _ in range(2):  # within the limit
                assert (await http.post("vault/login?force=true", timeout=30)).status_code == 200
            limited = await http.post("vault/login?force=true", timeout=30)
            assert limited.status_code == 429
            assert limited.json()["error"]["code"] == "vault_login_rate_limited"
            assert int(limited.headers["Retry-After"]) >= 1
            # the user asks for the session's token in the file (XSRF-free: token auth)
            reply = (await http.post("vault/token-file", timeout=30)).json()
            assert reply["token_file_state"] == FileState.SESSION
            vault_token = token_file.read_text()
            assert lookup(vault_token) == 200
        assert live.count() == 3  # the current token and two replaced ones in their grace
        process.send_signal(sig)
        await asyncio.wait_for(process.wait(), 60)
        text = _tail(log_path, 1_000_000)
        assert live.count() == 0, text[-3000:]
        assert not token_file.exists()
        assert vault_token not in text  # never a Vault token in the log
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 10)
        log.close()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _tail(log: Path, size: int = 3000) -> str:
    return log.read_text(errors="replace")[-size:]


async def _wait_for_server(process: asyncio.subprocess.Process, runtime: Path, log: Path) -> str:
    """The base URL of the server once it answers (from its jpserver-<pid>.json)."""
    deadline = time.monotonic() + 90
    info = runtime / f"jpserver-{process.pid}.json"
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"jupyter server exited: {_tail(log)}")
        if info.exists():
            try:
                url = json.loads(info.read_text())["url"]
                async with httpx.AsyncClient() as http:
                    if (await http.get(f"{url}api/status", timeout=5)).status_code in (200, 403):
                        return url
            except (ValueError, KeyError, httpx.HTTPError):
                pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"jupyter server did not start: {_tail(log)}")
