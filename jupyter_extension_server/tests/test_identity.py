"""IdTokenService without tornado: source chain, error codes, memory, refresh, single flight."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import weakref

import jwt
import pytest
from tornado import testing

from jupyter_extension_server import errors
from jupyter_extension_server.httpclient import BoundedReply
from jupyter_extension_server.identity import Identity, IdTokenService, format_age
from jupyter_extension_server.singleflight import SingleFlight

from .conftest import HUB_TOKEN, OWNER, SERVICE_NAME, SERVICE_PREFIX, SIGNING_KEY, mint_id_token


async def failure(service: IdTokenService, expected: type[errors.VaultJwtError]):
    """The error ``service.refresh()`` raises, checked to be ``expected``."""
    with pytest.raises(expected) as info:
        await service.refresh()
    return info.value


# -- source chain ---------------------------------------------------------------------------


async def test_hub_source_asks_the_hubs_id_token_service(hub_env, make_service):
    service = make_service()
    before = time.time()
    identity = await service.current()
    assert identity.source == "hub"
    assert identity.source_detail == "JupyterHub service vault-jwt-id-token"
    assert identity.id_token == hub_env.id_token
    assert identity.exp == jwt.decode(identity.id_token, options={"verify_signature": False})["exp"]
    assert before <= identity.fetched_at <= time.time()
    # The service's URL from the hub once, then the service with the server's own token,
    # naming the owner (the service refuses a token of anyone else).
    assert hub_env.lookups == 1
    assert hub_env.requests == [(f"{SERVICE_PREFIX}id-token", f"token {HUB_TOKEN}")]
    assert hub_env.user_params == [OWNER]
    await service.refresh()
    assert (hub_env.lookups, hub_env.calls) == (1, 2)


@pytest.mark.parametrize("user", [OWNER, "a b@x.org", "dev/../admin"])
async def test_the_owner_name_reaches_the_service_intact(hub_env, make_service, user):
    hub_env.owner = user
    service = make_service(hub_user=user)
    assert service.source.detail == "JupyterHub service vault-jwt-id-token"
    await service.refresh()
    assert hub_env.user_params == [user]


async def test_a_token_of_another_user_is_refused_by_the_service(hub_env, make_service):
    hub_env.owner = "bob"  # the hub says the server's token is bob's
    error = await failure(make_service(), errors.HubError)
    assert "wrong_user" in error.message
    assert hub_env.id_token not in error.message


async def test_a_configured_service_url_needs_no_lookup(hub_env, make_service):
    service = make_service(hub_service_url=f"{hub_env.service_base}{SERVICE_PREFIX}")
    assert (await service.refresh()).id_token == hub_env.id_token
    assert hub_env.lookups == 0


async def test_a_hub_without_the_service_says_the_hub_was_not_upgraded(hub_env, make_service):
    hub_env.service_present = False
    error = await failure(make_service(), errors.HubMisconfigured)
    assert (error.code, error.status) == ("hub_misconfigured", 503)
    for advice in ("no id_token service vault-jwt-id-token", "configure_jupyterhub", "restart"):
        assert advice in error.message
    assert hub_env.calls == 0


async def test_a_server_token_that_may_not_see_the_service_says_not_upgraded(
    hub_env, make_service, monkeypatch
):
    """A hub of the old configuration: the lookup is refused (403) but the token is good."""
    service = make_service()
    real_get = service.source._get

    async def refuse_lookup(url, params=None):
        response = await real_get(url, params)
        if url.endswith(f"/services/{SERVICE_NAME}"):
            return BoundedReply(403, b'{"status": 403}')
        return response

    monkeypatch.setattr(service.source, "_get", refuse_lookup)
    error = await failure(service, errors.HubMisconfigured)
    assert "configure_jupyterhub" in error.message
    # ...and when the hub refuses the token itself, it is the login that ended.
    hub_env.token = "a-newer-token"
    await failure(service, errors.LoginRequired)


async def test_an_unreachable_service_is_looked_up_again(hub_env, make_service):
    service = make_service()
    await service.refresh()
    real_base = hub_env.service_base
    sock, port = testing.bind_unused_port()
    sock.close()
    service.source._base = f"http://127.0.0.1:{port}{SERVICE_PREFIX}"  # the service moved
    error = await failure(service, errors.HubUnreachable)
    assert "id_token service" in error.message
    assert hub_env.service_base == real_base
    assert (await service.refresh()).id_token == hub_env.id_token
    assert hub_env.lookups == 2


async def test_hub_comes_first_when_everything_is_configured(
    hub_env, make_service, monkeypatch, tmp_path
):
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token(sub="from-env"))
    service = make_service(token_file=str(tmp_path / "id_token"))
    assert (await service.current()).source == "hub"


async def test_an_incomplete_hub_config_is_skipped_and_logged(
    fake_hub, make_service, monkeypatch, caplog
):
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token())
    caplog.set_level(logging.INFO)
    service = make_service(hub_api_url=fake_hub.url, hub_user=OWNER)  # no API token
    assert service.source.name == "env"
    assert "hub_api_token (JUPYTERHUB_API_TOKEN) not set" in caplog.text
    assert "id_token source: environment variable OIDC_ID_TOKEN" in caplog.text
    assert fake_hub.calls == 0


async def test_env_source(make_service, monkeypatch):
    token = mint_id_token()
    monkeypatch.setenv("OIDC_ID_TOKEN", f"  {token}\n")
    identity = await make_service().current()
    assert (identity.source, identity.id_token) == ("env", token)
    assert identity.source_detail == "environment variable OIDC_ID_TOKEN"


async def test_env_var_name_is_configurable(make_service, monkeypatch):
    monkeypatch.setenv("MY_JWT", mint_id_token())
    service = make_service(env_var="MY_JWT")
    assert service.source.detail == "environment variable MY_JWT"


async def test_an_empty_env_var_is_not_a_source(make_service, monkeypatch, tmp_path):
    monkeypatch.setenv("OIDC_ID_TOKEN", "  ")
    assert make_service().source is None
    assert make_service(token_file=str(tmp_path / "t")).source.name == "file"


async def test_file_source_expands_home_and_is_read_again_on_refresh(
    make_service, monkeypatch, tmp_path
):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("OIDC_ID_TOKEN_FILE", "~/.id_token")
    path = tmp_path / ".id_token"
    path.write_text(mint_id_token(sub="one") + "\n")
    service = make_service()
    first = await service.current()
    assert (first.source, first.source_detail) == ("file", f"file {path}")
    path.write_text(mint_id_token(sub="two"))
    assert (await service.current()) is first  # served from memory
    second = await service.refresh()
    assert second.id_token == path.read_text() != first.id_token


async def test_no_source_is_not_an_error(make_service):
    service = make_service()
    assert service.source is None
    assert await service.current() is None
    assert await service.refresh() is None
    assert service.owner is None
    for advice in ("configure_jupyterhub", "OIDC_ID_TOKEN", "OIDC_ID_TOKEN_FILE", "token_file"):
        assert advice in service.hint


async def test_the_hint_names_the_configured_env_var_and_is_none_with_a_source(
    make_service, monkeypatch
):
    assert "MY_JWT" in make_service(env_var="MY_JWT").hint
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token())
    assert make_service().hint is None


async def test_owner_is_the_hub_user(hub_env, make_service):
    assert make_service().owner == OWNER
    assert make_service(hub_user="bob").owner == "bob"


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_hub_refusing_the_server_means_login_required(hub_env, make_service, status):
    hub_env.status = status
    error = await failure(make_service(), errors.LoginRequired)
    assert (error.code, error.status) == ("login_required", 401)
    assert "log in again at the hub" in error.message


async def test_a_revoked_server_token_means_login_required(hub_env, make_service):
    hub_env.token = "a-newer-token"  # the hub no longer accepts ours
    await failure(make_service(), errors.LoginRequired)


@pytest.mark.parametrize("status", [404, 500, 302])
async def test_other_hub_statuses_are_hub_errors(hub_env, make_service, status):
    hub_env.status = status
    error = await failure(make_service(), errors.HubError)
    assert (error.code, error.status) == ("hub_error", 502)
    assert f"HTTP {status}" in error.message
    assert "fake hub failure" not in error.message  # the status, not the body


async def test_missing_auth_state_key_names_the_service_scope(hub_env, make_service):
    hub_env.include_auth_state = False  # the service's role lacks admin:auth_state
    error = await failure(make_service(), errors.HubMisconfigured)
    assert (error.code, error.status) == ("hub_misconfigured", 503)
    for advice in ("admin:auth_state", "configure_jupyterhub"):
        assert advice in error.message


async def test_null_auth_state_names_the_hub_settings(hub_env, make_service):
    hub_env.auth_state = None
    error = await failure(make_service(), errors.HubMisconfigured)
    for advice in ("enable_auth_state", "JUPYTERHUB_CRYPT_KEY", "log out of the hub"):
        assert advice in error.message


@pytest.mark.parametrize("auth_state", [{"access_token": "x"}, {"id_token": ""}])
async def test_auth_state_without_id_token(hub_env, make_service, auth_state):
    hub_env.auth_state = auth_state
    error = await failure(make_service(), errors.NoIdToken)
    assert (error.code, error.status) == ("no_id_token", 503)
    assert "openid" in error.message


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        mint_id_token(exp="soon"),
        mint_id_token(exp=True),
        jwt.encode({"sub": "no-exp"}, SIGNING_KEY, algorithm="HS256"),
        "eyJhbGciOiJub25lIn0.WzFd.",  # payload is a JSON array
    ],
)
async def test_malformed_tokens(hub_env, make_service, token):
    hub_env.serve_token(token)
    error = await failure(make_service(), errors.MalformedToken)
    assert (error.code, error.status) == ("malformed_token", 502)
    assert "JupyterHub service vault-jwt-id-token" in error.message
    assert token not in error.message


async def test_hub_unreachable(hub_env, make_service):
    sock, port = testing.bind_unused_port()
    sock.close()  # nothing listens there now
    error = await failure(
        make_service(hub_api_url=f"http://127.0.0.1:{port}/hub/api"), errors.HubUnreachable
    )
    assert (error.code, error.status) == ("hub_unreachable", 502)


async def test_hub_timeout(hub_env, make_service):
    # The fake hub answers after 5 s: only the 0.2 s timeout makes this an error.
    hub_env.delay = 5
    error = await failure(make_service(request_timeout=0.2), errors.HubTimeout)
    assert (error.code, error.status) == ("hub_timeout", 504)


async def test_missing_file(make_service, tmp_path):
    path = tmp_path / "absent"
    error = await failure(make_service(token_file=str(path)), errors.SourceUnreadable)
    assert (error.code, error.status) == ("source_unreadable", 500)
    assert str(path) in error.message


@pytest.mark.parametrize(
    ("content", "says"), [(b"  \n", "empty"), (b"\xff\xfe", "not text"), (b"x" * 70_000, "larger")]
)
async def test_unusable_file(make_service, tmp_path, content, says):
    path = tmp_path / "id_token"
    path.write_bytes(content)
    error = await failure(make_service(token_file=str(path)), errors.SourceUnreadable)
    assert says in error.message


async def test_env_var_emptied_after_startup(make_service, monkeypatch):
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token())
    service = make_service()
    monkeypatch.setenv("OIDC_ID_TOKEN", "")
    error = await failure(service, errors.SourceUnreadable)
    assert "OIDC_ID_TOKEN" in error.message


# -- memory and refresh ----------------------------------------------------------------------


async def test_current_is_served_from_memory(hub_env, make_service):
    service = make_service()
    first = await service.current()
    for _ in range(5):
        assert await service.current() is first
    assert hub_env.calls == 1


async def test_an_expired_identity_is_read_again(make_service, tmp_path):
    token_file = tmp_path / "id_token"
    token_file.write_text(mint_id_token(lifetime=-10))
    service = make_service(token_file=str(token_file))
    expired = await service.current()
    assert expired.exp < time.time()  # a file's token is served as is: the client shows "expired"
    token_file.write_text(mint_id_token(lifetime=300))
    fresh = await service.current()
    assert fresh.id_token != expired.id_token
    assert fresh.exp > time.time()
    assert await service.current() is fresh


async def test_an_expired_id_token_from_the_hub_says_the_hub_could_not_refresh_it(
    hub_env, make_service, caplog
):
    service = make_service()
    good = await service.current()
    # The IdP is down: the hub keeps (and hands out) an id_token that has expired.
    hub_env.serve_token(mint_id_token(lifetime=-150))
    error = await failure(service, errors.StaleIdToken)
    assert (error.code, error.status) == ("stale_id_token", 503)
    assert "expired 2 min ago" in str(error)
    assert "could not get a new one from the identity provider" in str(error)
    assert "stale_id_token" in caplog.text
    assert await service.current() is good  # the last good identity is kept
    # The IdP is back: the next read brings the fresh token, no error.
    hub_env.serve_token(mint_id_token(lifetime=300))
    assert (await service.refresh()).id_token == hub_env.id_token


async def test_a_stale_hub_token_with_nothing_in_memory_raises(hub_env, make_service):
    hub_env.serve_token(mint_id_token(lifetime=-45))
    service = make_service()
    with pytest.raises(errors.StaleIdToken, match=r"expired \d+ s ago"):
        await service.current()


async def test_a_hub_token_a_few_seconds_past_exp_is_within_the_clock_skew(hub_env, make_service):
    # The hub's clock may run a little ahead of ours (issue 11): 30 s are allowed by default.
    hub_env.serve_token(mint_id_token(lifetime=-5))
    identity = await make_service().current()
    assert identity is not None and identity.id_token == hub_env.id_token
    with pytest.raises(errors.StaleIdToken):
        await make_service(clock_skew=0).current()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-3, "0 s"),
        (42.4, "42 s"),
        (119, "119 s"),
        (120, "2 min"),
        (7199, "119 min"),
        (7500, "2 h 5 min"),
    ],
)
def test_format_age(seconds, text):
    assert format_age(seconds) == text


async def test_refresh_always_reads_the_source(hub_env, make_service):
    service = make_service()
    await service.current()
    hub_env.serve_token(mint_id_token(sub="new"))
    identity = await service.refresh()
    assert identity.id_token == hub_env.id_token
    assert hub_env.calls == 2


async def test_a_failed_refresh_keeps_the_last_good_identity(hub_env, make_service):
    service = make_service()
    good = await service.current()
    hub_env.status = 403
    await failure(service, errors.LoginRequired)
    assert await service.current() is good
    assert hub_env.calls == 2


async def test_a_failure_with_nothing_in_memory_raises_until_the_source_recovers(
    hub_env, make_service
):
    hub_env.status = 500
    service = make_service()
    with pytest.raises(errors.HubError):
        await service.current()
    hub_env.status = 200
    assert (await service.current()).id_token == hub_env.id_token


# -- single flight ---------------------------------------------------------------------------


async def test_100_concurrent_refreshes_make_one_hub_call(hub_env, make_service):
    hub_env.delay = 0.2
    service = make_service()
    results = await asyncio.gather(*(service.refresh() for _ in range(100)))
    assert hub_env.calls == 1
    assert all(result is results[0] for result in results)
    assert isinstance(results[0], Identity)
    # A refresh arriving after that call finished makes a new one.
    await service.refresh()
    assert hub_env.calls == 2


async def test_concurrent_refreshes_share_the_failure(hub_env, make_service):
    hub_env.delay = 0.2
    hub_env.status = 403
    service = make_service()
    results = await asyncio.gather(*(service.refresh() for _ in range(100)), return_exceptions=True)
    assert hub_env.calls == 1
    assert all(isinstance(r, errors.LoginRequired) for r in results)
    hub_env.status = 200
    assert (await service.refresh()).id_token == hub_env.id_token
    assert hub_env.calls == 2


async def test_current_needing_a_read_joins_a_refresh_in_flight(hub_env, make_service):
    hub_env.delay = 0.2
    service = make_service()
    refreshed, current = await asyncio.gather(service.refresh(), service.current())
    assert current is refreshed
    assert hub_env.calls == 1


async def test_a_client_going_away_does_not_cancel_the_shared_read(hub_env, make_service):
    hub_env.delay = 0.2
    service = make_service()
    leaving = asyncio.ensure_future(service.refresh())
    staying = asyncio.ensure_future(service.refresh())
    await asyncio.sleep(0.05)
    leaving.cancel()
    identity = await staying
    assert leaving.cancelled()
    assert identity.id_token == hub_env.id_token
    assert hub_env.calls == 1


# -- logging ---------------------------------------------------------------------------------


async def test_no_token_is_logged(hub_env, make_service, caplog):
    caplog.set_level(logging.DEBUG)
    service = make_service()
    await service.refresh()
    hub_env.serve_token("not-a-jwt-but-secret-anyway")
    await failure(service, errors.MalformedToken)
    hub_env.status = 403
    await failure(service, errors.LoginRequired)
    logged = "\n".join(
        [r.getMessage() for r in caplog.records]
        + [str(r.exc_info) for r in caplog.records if r.exc_info]
    )
    # The log says what happened...
    assert "id_token source: JupyterHub service vault-jwt-id-token" in logged
    assert "failed: malformed_token (HTTP 502)" in logged
    assert "failed: login_required (HTTP 401)" in logged
    # ...and holds no secret.
    assert mint_id_token()[:40] not in logged  # the header and first claim of our JWTs
    assert "not-a-jwt-but-secret-anyway" not in logged
    assert HUB_TOKEN not in logged
    assert "opaque-access-token" not in logged


# -- the SingleFlight primitive --------------------------------------------------------------


class Result:
    """A result object that can be weakly referenced."""


async def test_single_flight_shares_one_call_and_its_exception():
    flight: SingleFlight[Result] = SingleFlight()
    gate = asyncio.Event()
    calls = 0

    async def failing() -> Result:
        nonlocal calls
        calls += 1
        await gate.wait()
        raise RuntimeError("shared failure")

    waiters = [asyncio.ensure_future(flight.run(failing)) for _ in range(10)]
    await asyncio.sleep(0)
    assert flight.in_flight
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert calls == 1
    assert all(isinstance(r, RuntimeError) and r is results[0] for r in results)
    assert not flight.in_flight


async def test_single_flight_call_survives_all_its_waiters_leaving():
    flight: SingleFlight[Result] = SingleFlight()
    gate = asyncio.Event()
    done = asyncio.Event()

    async def operation() -> Result:
        await gate.wait()
        done.set()
        return Result()

    waiters = [asyncio.ensure_future(flight.run(operation)) for _ in range(3)]
    await asyncio.sleep(0)
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert flight.in_flight  # the call goes on without waiters
    gate.set()
    await asyncio.wait_for(done.wait(), 1)
    await asyncio.sleep(0)
    assert not flight.in_flight


async def test_single_flight_keeps_nothing_after_completion():
    flight: SingleFlight[Result] = SingleFlight()

    async def operation() -> Result:
        return Result()

    first = await flight.run(operation)
    result = await flight.run(operation)
    assert result is not first  # a call after completion is a new call
    ref = weakref.ref(result)
    del result
    await asyncio.sleep(0)  # let the loop drop its wake-up callback holding the shield's future
    gc.collect()
    assert ref() is None  # the finished call (and its result) is not retained


async def test_single_flight_a_cancelled_call_reaches_its_waiters_and_the_next_call_runs():
    flight: SingleFlight[int] = SingleFlight()

    async def cancelled() -> int:
        raise asyncio.CancelledError

    async def ok() -> int:
        return 7

    with pytest.raises(asyncio.CancelledError):
        await flight.run(cancelled)
    assert await flight.run(ok) == 7
