"""How often the id_token source is read (issue 17): the rate limit on refreshes, and the back-off
after a read that brought the same token. Time is a :class:`FakeClock` the tests move by hand,
so nothing sleeps; the reads are real (FakeHub over HTTP, or a real file).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_extension_server import errors
from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.identity.claims import fingerprint
from jupyter_extension_server.identity.limits import ReadBudget, UnchangedBackoff

from .conftest import mint_id_token
from .test_handlers import server_config


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def controlled(service: IdTokenService) -> FakeClock:
    """Put ``service``'s rate limit and back-off on a FakeClock."""
    clock = FakeClock()
    budget, backoff = service.limits
    budget.clock = clock
    backoff.clock = clock
    return clock


# -- the two guards alone --------------------------------------------------------------------


def test_budget_allows_limit_reads_per_window_then_says_when_to_come_back():
    clock = FakeClock()
    budget = ReadBudget(3, 60.0, clock)
    for _ in range(3):
        budget.acquire("the file f")
        clock.advance(10)
    # Reads at 0, 10, 20; now 30: the one at 0 leaves the window at 60.
    with pytest.raises(errors.RefreshRateLimited) as info:
        budget.acquire("the file f")
    error = info.value
    assert (error.code, error.status, error.retry_after) == ("refresh_rate_limited", 429, 30)
    assert "at most 3 times in 60 s" in error.message
    assert "the file f" in error.message
    assert "Try again in 30 s" in error.message
    assert "c.IdTokenService.refresh_limit" in error.message
    assert budget.refused == 1
    clock.advance(29)
    with pytest.raises(errors.RefreshRateLimited) as info:
        budget.acquire("the file f")
    assert info.value.retry_after == 1
    assert budget.refused == 2
    clock.advance(1)
    budget.acquire("the file f")  # the read at 0 left the window
    assert budget.refused == 0
    with pytest.raises(errors.RefreshRateLimited):
        budget.acquire("the file f")  # the reads at 10, 20 and 60 fill it again


def test_a_limit_of_zero_turns_the_budget_off():
    budget = ReadBudget(0, 60.0, FakeClock())
    for _ in range(1000):
        budget.acquire("x")


def test_unchanged_backoff_doubles_up_to_five_minutes_and_a_new_token_ends_it():
    clock = FakeClock()
    backoff = UnchangedBackoff(clock)
    assert not backoff.holding()
    backoff.read(changed=True)
    assert not backoff.holding() and backoff.delay == 0
    delays = []
    for _ in range(7):
        backoff.read(changed=False)
        delays.append(backoff.delay)
    assert delays == [15, 30, 60, 120, 240, 300, 300]
    assert backoff.holding()
    clock.advance(299)
    assert backoff.holding()
    clock.advance(1)
    assert not backoff.holding()
    backoff.read(changed=True)
    assert not backoff.holding() and backoff.delay == 0


# -- IdTokenService --------------------------------------------------------------------------


async def test_refreshes_past_the_budget_are_refused_without_a_hub_call_and_it_recovers(
    hub_env, make_service, caplog
):
    service = make_service(refresh_limit=3, refresh_window=60.0)
    clock = controlled(service)
    for _ in range(3):
        await service.refresh()
    assert hub_env.calls == 3
    for _ in range(5):
        with pytest.raises(errors.RefreshRateLimited) as info:
            await service.refresh()
    assert hub_env.calls == 3  # refused before reaching the hub
    assert info.value.retry_after == 60
    assert "JupyterHub service vault-jwt-id-token" in info.value.message
    # One warning for the run of refusals, not one per request.
    assert caplog.text.count("Too many id_token refreshes") == 1
    clock.advance(60)
    hub_env.serve_token(mint_id_token(sub="after-the-window"))
    identity = await service.refresh()
    assert identity.id_token == hub_env.id_token
    assert hub_env.calls == 4


async def test_concurrent_refreshes_share_one_read_of_the_budget(hub_env, make_service):
    hub_env.delay = 0.2
    service = make_service(refresh_limit=1, refresh_window=60.0)
    controlled(service)
    results = await asyncio.gather(*(service.refresh() for _ in range(50)))
    assert hub_env.calls == 1
    assert all(r is results[0] for r in results)
    with pytest.raises(errors.RefreshRateLimited):
        await service.refresh()


async def test_a_refused_read_keeps_the_identity_in_memory(hub_env, make_service):
    service = make_service(refresh_limit=1, refresh_window=60.0)
    controlled(service)
    good = await service.current()
    with pytest.raises(errors.RefreshRateLimited):
        await service.refresh()
    assert await service.current() is good


async def test_an_expired_token_handed_back_unchanged_is_not_read_again_before_the_backoff(
    make_service, tmp_path
):
    """The server's copy of the panel's guard: an expired identity is read again by current()
    (every GET identity, every Vault login), but not sooner than the back-off after a read that
    brought the same token, whatever its exp says."""
    token_file = tmp_path / "id_token"
    token_file.write_text(mint_id_token(lifetime=-600))
    service = make_service(token_file=str(token_file), refresh_limit=0)
    clock = controlled(service)
    reads = 0
    source = service.source
    fetch = source.fetch

    async def counted() -> str:
        nonlocal reads
        reads += 1
        return await fetch()

    source.fetch = counted  # type: ignore[method-assign]
    first = await service.current()  # read 1: nothing in memory
    assert await service.current() is not first  # read 2: expired, read again: same token
    assert reads == 2
    for _ in range(20):
        await service.current()  # within 15 s: from memory
    assert reads == 2
    clock.advance(15)
    await service.current()  # read 3, same again: now 30 s
    assert reads == 3
    clock.advance(29)
    await service.current()
    assert reads == 3
    clock.advance(1)
    await service.current()
    assert reads == 4
    # An explicit refresh still reads (the user may just have rewritten the file)...
    token_file.write_text(fresh := mint_id_token(lifetime=300))
    assert (await service.refresh()).id_token == fresh
    assert reads == 5
    # ...and a fresh token is served from memory as before.
    assert (await service.current()).id_token == fresh
    assert reads == 5


# -- the REST API ----------------------------------------------------------------------------


def service_of(jp_serverapp) -> IdTokenService:
    """The IdTokenService of the running extension."""
    apps = jp_serverapp.extension_manager.extension_apps["jupyter_extension_server"]
    (app,) = apps
    return app.identity


@pytest.fixture
def token_file(monkeypatch, tmp_path):
    """OIDC_ID_TOKEN_FILE holding a 5-minute id_token (set before the server starts)."""
    path = tmp_path / "id_token"
    path.write_text(mint_id_token(lifetime=300))
    monkeypatch.setenv("OIDC_ID_TOKEN_FILE", str(path))
    return path


@pytest.mark.parametrize(
    "jp_server_config",
    [server_config(IdTokenService={"refresh_limit": 4, "refresh_window": 60.0})],
)
async def test_refresh_answers_429_past_its_budget_then_recovers(
    token_file, jp_fetch, jp_serverapp
):
    clock = controlled(service_of(jp_serverapp))

    async def refresh():
        try:
            return await jp_fetch("vault-jwt", "identity", "refresh", method="POST", body=b"")
        except HTTPClientError as e:
            return e.response

    for _ in range(4):
        assert (await refresh()).code == 200
    clock.advance(45)
    refused = await refresh()
    assert refused.code == 429
    assert refused.headers["Retry-After"] == "15"
    assert refused.headers["Cache-Control"] == "no-store"
    error = json.loads(refused.body)["error"]
    assert error["code"] == "refresh_rate_limited"
    assert error["message"].startswith("Too many id_token refreshes")
    assert "Try again in 15 s" in error["message"]
    assert "eyJ" not in refused.body.decode()
    # GET identity is served from memory: not limited.
    assert (await jp_fetch("vault-jwt", "identity")).code == 200
    # The window moves on: refreshes are answered again.
    clock.advance(15)
    token_file.write_text(new := mint_id_token(lifetime=600))
    answered = await refresh()
    assert answered.code == 200
    # The reply names the new token by its fingerprint (never the raw token).
    assert json.loads(answered.body)["token_id"] == fingerprint(new)


async def test_the_default_budget_is_a_few_reads_a_minute(token_file, jp_fetch, jp_serverapp):
    service = service_of(jp_serverapp)
    budget, _ = service.limits
    assert (service.refresh_limit, service.refresh_window) == (10, 60.0)
    assert (budget.limit, budget.window) == (10, 60.0)
    controlled(service)
    codes = []
    for _ in range(12):
        try:
            codes.append(
                (await jp_fetch("vault-jwt", "identity", "refresh", method="POST", body=b"")).code
            )
        except HTTPClientError as e:
            codes.append(e.code)
    assert codes == [200] * 10 + [429] * 2
