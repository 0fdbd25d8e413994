"""IdTokenService: source chain, errors, memory, single flight (against a FakeHub)."""

from __future__ import annotations

import asyncio

import pytest

from jupyter_extension_server.errors import VaultJwtError
from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.singleflight import SingleFlight

from .conftest import mint_id_token


async def service(**config) -> IdTokenService:
    return IdTokenService(**config)


async def test_hub_source_reads_auth_state_id_token(hub_env):
    svc = await service()
    identity = await svc.current()
    assert identity.source == "hub"
    assert identity.source_detail == "JupyterHub API users/alice"
    assert identity.id_token == hub_env.auth_state["id_token"]
    assert hub_env.seen_authorization == ["token server-api-token-for-tests"]
    await svc.close()


async def test_current_is_served_from_memory(hub_env):
    svc = await service()
    first = await svc.current()
    for _ in range(5):
        assert await svc.current() is first
    assert hub_env.calls == 1
    await svc.close()


async def test_expired_identity_in_memory_is_read_again(hub_env):
    hub_env.auth_state = {"id_token": mint_id_token(lifetime=-10)}
    svc = await service()
    await svc.current()
    hub_env.auth_state = {"id_token": mint_id_token(lifetime=300)}
    identity = await svc.current()
    assert hub_env.calls == 2
    assert identity.id_token == hub_env.auth_state["id_token"]
    await svc.close()


async def test_refresh_always_reads_the_source(hub_env):
    svc = await service()
    await svc.current()
    hub_env.auth_state = {"id_token": mint_id_token(name="new")}
    identity = await svc.refresh()
    assert identity.id_token == hub_env.auth_state["id_token"]
    assert hub_env.calls == 2
    await svc.close()


async def test_concurrent_refreshes_share_one_hub_call(hub_env):
    hub_env.delay = 0.2
    svc = await service()
    results = await asyncio.gather(*(svc.refresh() for _ in range(100)))
    assert hub_env.calls == 1
    assert len({id(r) for r in results}) == 1
    # A refresh after that one finished makes a new call.
    await svc.refresh()
    assert hub_env.calls == 2
    await svc.close()


@pytest.mark.parametrize(
    ("status", "code", "http_status"),
    [(403, "login_required", 401), (401, "login_required", 401), (500, "hub_error", 502)],
)
async def test_hub_status_errors(hub_env, status, code, http_status):
    hub_env.status = status
    svc = await service()
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert (info.value.code, info.value.status) == (code, http_status)
    await svc.close()


async def test_hub_rejecting_the_token_means_login_required(hub_env, monkeypatch):
    svc = await service(hub_api_token="revoked-token")
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert info.value.code == "login_required"
    assert "Log in again" in info.value.message
    await svc.close()


async def test_null_auth_state_says_which_hub_settings_are_missing(hub_env):
    hub_env.auth_state = None
    svc = await service()
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert info.value.code == "hub_misconfigured"
    assert "enable_auth_state" in info.value.message
    assert "JUPYTERHUB_CRYPT_KEY" in info.value.message
    assert "admin:auth_state!user" in info.value.message
    await svc.close()


async def test_auth_state_without_id_token(hub_env):
    hub_env.auth_state = {"access_token": "x"}
    svc = await service()
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert info.value.code == "no_id_token"
    assert "openid" in info.value.message
    await svc.close()


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", mint_id_token(exp="soon")])
async def test_malformed_token(hub_env, token):
    hub_env.auth_state = {"id_token": token}
    svc = await service()
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert info.value.code == "malformed_token"
    await svc.close()


async def test_hub_unreachable(hub_env):
    svc = await service(hub_api_url="http://127.0.0.1:9/hub/api")
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert (info.value.code, info.value.status) == ("hub_unreachable", 502)
    await svc.close()


async def test_hub_timeout(hub_env):
    hub_env.delay = 1.0
    svc = await service(request_timeout=0.2)
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert (info.value.code, info.value.status) == ("hub_timeout", 504)
    await svc.close()


async def test_failed_refresh_keeps_the_last_good_identity(hub_env):
    svc = await service()
    good = await svc.current()
    hub_env.status = 403
    with pytest.raises(VaultJwtError):
        await svc.refresh()
    assert await svc.current() is good
    await svc.close()


async def test_env_source(no_source_env, monkeypatch):
    token = mint_id_token()
    monkeypatch.setenv("OIDC_ID_TOKEN", token)
    svc = await service()
    identity = await svc.current()
    assert (identity.source, identity.id_token) == ("env", token)
    assert identity.source_detail == "environment variable OIDC_ID_TOKEN"


async def test_file_source_is_read_again_on_refresh(no_source_env, tmp_path, monkeypatch):
    path = tmp_path / "id_token"
    path.write_text(mint_id_token(name="one") + "\n")
    monkeypatch.setenv("OIDC_ID_TOKEN_FILE", str(path))
    svc = await service()
    first = await svc.current()
    assert first.source == "file"
    assert first.source_detail == f"file {path}"
    path.write_text(mint_id_token(name="two"))
    second = await svc.refresh()
    assert second.id_token == path.read_text()


async def test_missing_file(no_source_env, tmp_path):
    svc = await service(token_file=str(tmp_path / "absent"))
    with pytest.raises(VaultJwtError) as info:
        await svc.refresh()
    assert info.value.code == "source_unreadable"
    assert "absent" in info.value.message


async def test_hub_comes_first_in_the_chain(hub_env, monkeypatch, tmp_path):
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token())
    svc = await service(token_file=str(tmp_path / "x"))
    assert svc.source.name == "hub"
    await svc.close()


async def test_no_source(no_source_env):
    svc = await service()
    assert svc.source is None
    assert await svc.current() is None
    assert svc.owner is None


async def test_single_flight_shares_exceptions_and_survives_a_cancelled_waiter():
    flight: SingleFlight[int] = SingleFlight()
    calls = 0
    gate = asyncio.Event()

    async def failing():
        nonlocal calls
        calls += 1
        await gate.wait()
        raise RuntimeError("boom")

    waiters = [asyncio.ensure_future(flight.run(failing)) for _ in range(3)]
    await asyncio.sleep(0)
    waiters[0].cancel()
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert calls == 1
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(isinstance(r, RuntimeError) for r in results[1:])
    assert not flight.in_flight

    async def ok():
        nonlocal calls
        calls += 1
        return 7

    assert await flight.run(ok) == 7
    assert calls == 2
