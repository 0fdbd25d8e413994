"""The hub's id_token service (jupyter_extension_server.hubservice), its real web app over real
HTTP, against ``FakeHubApi``: a plainly named fake of the two JupyterHub routes it calls
(``GET /hub/api/user`` with the caller's token, ``GET /hub/api/users/{name}`` with its own).
The real hub is in tests/integration/test_hub_service.py."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
import pytest
from tornado import httpserver, testing, web

from jupyter_extension_server.hubservice import make_app
from jupyter_extension_server.hubservice.app import _parse_args
from jupyter_extension_server.hubservice.broker import (
    ACCESS_TOKEN_SCOPE,
    MAX_HUB_REPLY_BYTES,
    IdTokenBroker,
)

from .conftest import mint_id_token

NAME = "vault-jwt-id-token"
PREFIX = f"/services/{NAME}/"
SERVICE_TOKEN = "the-services-own-token-0123456789"
ACCESS = f"access:services!service={NAME}"


class FakeHubApi:
    """Tokens -> whoami models, users -> auth_state; records every request in order."""

    def __init__(self) -> None:
        self.whoami: dict[str, dict[str, Any]] = {
            "alice-server-token": {"kind": "user", "name": "alice", "scopes": [ACCESS]},
            "alice-personal-token": {
                "kind": "user",
                "name": "alice",
                "scopes": ["access:services"],
            },
            "alice-narrow-token": {"kind": "user", "name": "alice", "scopes": ["read:users:name"]},
            "bob-server-token": {"kind": "user", "name": "bob", "scopes": [ACCESS]},
            "other-service-token": {"kind": "service", "name": "culler", "scopes": [ACCESS]},
        }
        self.tokens = {"alice": mint_id_token(sub="alice"), "bob": mint_id_token(sub="bob")}
        self.auth_states: dict[str, Any] = {
            name: {"id_token": token, "access_token": f"at-{name}", "refresh_token": f"rt-{name}"}
            for name, token in self.tokens.items()
        }
        self.whoami_status = 200
        self.users_status = 200
        self.delay = 0.0
        self.huge = False
        self.log: list[tuple[str, str]] = []
        self.broker: IdTokenBroker | None = None


class _Handler(web.RequestHandler):
    def initialize(self, api: FakeHubApi) -> None:
        self.api = api

    async def get(self, name: str | None = None) -> None:
        api = self.api
        auth = self.request.headers.get("Authorization", "").removeprefix("token ")
        self.api.log.append((self.request.path, auth))
        self.set_header("Content-Type", "application/json")
        if api.delay:
            await asyncio.sleep(api.delay)
        if api.huge:
            self.finish(" " * (MAX_HUB_REPLY_BYTES + 10))
            return
        if name is None:
            if api.whoami_status != 200 or auth not in api.whoami:
                self.set_status(api.whoami_status if api.whoami_status != 200 else 403)
                self.finish("{}")
                return
            self.finish(json.dumps(api.whoami[auth]))
            return
        if auth != SERVICE_TOKEN or api.users_status != 200:
            self.set_status(api.users_status if api.users_status != 200 else 403)
            self.finish("{}")
            return
        model = {"kind": "user", "name": name}
        if name in api.auth_states:
            model["auth_state"] = api.auth_states[name]
        self.finish(json.dumps(model))


@pytest.fixture
def stack(jp_asyncio_loop):
    """(FakeHubApi, the service's base URL) on free loopback ports in the test's loop."""
    api = FakeHubApi()
    hub_sock, hub_port = testing.bind_unused_port()
    svc_sock, svc_port = testing.bind_unused_port()
    broker = api.broker = IdTokenBroker(
        f"http://127.0.0.1:{hub_port}/hub/api", SERVICE_TOKEN, NAME, deadline=1.0
    )
    hub_app = web.Application(
        [
            (r"/hub/api/user", _Handler, {"api": api}),
            (r"/hub/api/users/([^/]+)", _Handler, {"api": api}),
        ]
    )

    async def start():
        servers = [httpserver.HTTPServer(hub_app), httpserver.HTTPServer(make_app(broker, PREFIX))]
        servers[0].add_socket(hub_sock)
        servers[1].add_socket(svc_sock)
        return servers

    servers = jp_asyncio_loop.run_until_complete(start())
    yield api, f"http://127.0.0.1:{svc_port}{PREFIX}"

    async def stop():
        for server in servers:
            server.stop()
            await server.close_all_connections()
        await broker.close()

    jp_asyncio_loop.run_until_complete(stop())


async def ask(base: str, token: str | None, *, method="GET", user=None, **kwargs) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = f"token {token}"
    params = {"user": user} if user is not None else None
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.request(
            method, f"{base}id-token", headers=headers, params=params, **kwargs
        )


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


async def test_the_owner_gets_their_id_token_and_nothing_else(stack):
    api, base = stack
    for method in ("GET", "POST"):
        response = await ask(base, "alice-server-token", method=method, user="alice")
        assert response.status_code == 200
        assert response.json() == {"id_token": api.tokens["alice"]}
        assert "rt-alice" not in response.text and "at-alice" not in response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in response.headers
    # First who is calling (with the caller's token: the hub refreshes that user then), then
    # the auth_state with the service's token; nothing cached between two calls.
    assert (
        api.log
        == [
            ("/hub/api/user", "alice-server-token"),
            ("/hub/api/users/alice", SERVICE_TOKEN),
        ]
        * 2
    )


async def test_a_personal_token_with_the_service_scope_gets_its_owners_token(stack):
    api, base = stack
    response = await ask(base, "alice-personal-token")
    assert response.json() == {"id_token": api.tokens["alice"]}


async def test_each_caller_gets_their_own_token_and_never_someone_elses(stack):
    api, base = stack
    response = await ask(base, "bob-server-token")
    assert response.json() == {"id_token": api.tokens["bob"]}
    response = await ask(base, "bob-server-token", user="alice")
    assert (response.status_code, error_code(response)) == (403, "wrong_user")
    assert api.tokens["alice"] not in response.text and api.tokens["bob"] not in response.text
    assert ("/hub/api/users/alice", SERVICE_TOKEN) not in api.log


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, None),
        ({"Authorization": "Basic YWxpY2U6cHc="}, None),
        ({"Authorization": "token"}, None),
        ({"Cookie": "jupyterhub-session-id=x; jupyterhub-hub-login=y"}, None),
        ({}, {"token": "alice-server-token"}),
    ],
)
async def test_calls_without_a_token_header_are_refused_without_asking_the_hub(
    stack, headers, params
):
    api, base = stack
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base}id-token", headers=headers, params=params)
    assert (response.status_code, error_code(response)) == (401, "unauthenticated")
    assert api.log == []


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        ("not-a-hub-token", 401, "login_required"),
        ("alice-narrow-token", 403, "forbidden"),
        ("other-service-token", 403, "forbidden"),
    ],
)
async def test_refused_tokens(stack, token, status, code):
    api, base = stack
    response = await ask(base, token)
    assert (response.status_code, error_code(response)) == (status, code)
    assert "eyJ" not in response.text
    assert [path for path, _ in api.log] == ["/hub/api/user"]


async def test_bearer_is_accepted_too(stack):
    api, base = stack
    response = await ask(base, None, headers={"Authorization": "Bearer alice-server-token"})
    assert response.json() == {"id_token": api.tokens["alice"]}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_only_get_and_post(stack, method):
    api, base = stack
    response = await ask(base, "alice-server-token", method=method)
    assert response.status_code == 405
    assert api.log == []


async def test_the_hub_ending_the_login_means_login_required(stack):
    api, base = stack
    api.whoami_status = 403  # what the hub answers when the refresh hook said "log in again"
    response = await ask(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (401, "login_required")


async def test_an_expired_id_token_is_stale_not_served(stack):
    api, base = stack
    api.auth_states["alice"]["id_token"] = expired = mint_id_token(lifetime=-30)
    response = await ask(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (503, "stale_id_token")
    assert expired not in response.text
    assert response.json()["error"]["exp"] <= time.time() - 29


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"users_status": 403}, 503, "hub_misconfigured"),
        ({"users_status": 500}, 502, "hub_error"),
        ({"whoami_status": 500}, 502, "hub_error"),
        ({"users_status": 404}, 401, "login_required"),
        ({"huge": True}, 502, "hub_error"),
    ],
)
async def test_hub_failures(stack, change, status, code):
    api, base = stack
    for key, value in change.items():
        setattr(api, key, value)
    response = await ask(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (status, code)


@pytest.mark.parametrize(
    ("state", "code", "advice"),
    [
        ("absent", "hub_misconfigured", "admin:auth_state"),
        (None, "hub_misconfigured", "enable_auth_state"),
        ({"access_token": "x"}, "no_id_token", "openid"),
    ],
)
async def test_auth_state_problems(stack, state, code, advice):
    api, base = stack
    if state == "absent":
        del api.auth_states["alice"]
    else:
        api.auth_states["alice"] = state
    response = await ask(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (503, code)
    assert advice in response.json()["error"]["message"]


async def test_a_hanging_hub_is_cut_by_the_deadline(stack):
    api, base = stack
    # The fake hub answers after 5 s: only the broker's 1 s deadline makes this a 504.
    api.delay = 5
    response = await ask(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (504, "hub_timeout")


async def test_an_unreachable_hub(jp_asyncio_loop):
    sock, port = testing.bind_unused_port()
    sock.close()
    broker = IdTokenBroker(f"http://127.0.0.1:{port}/hub/api", SERVICE_TOKEN, NAME)
    try:
        with pytest.raises(Exception) as info:
            await broker.id_token_for("alice-server-token")
        assert (info.value.status, info.value.code) == (502, "hub_unreachable")
    finally:
        await broker.close()


async def test_liveness_route_needs_no_token_and_tells_nothing(stack):
    api, base = stack
    async with httpx.AsyncClient() as client:
        response = await client.get(base)
    assert response.json() == {"service": NAME}
    assert api.log == []


async def test_no_token_is_logged(stack, caplog):
    api, base = stack
    caplog.set_level(logging.DEBUG)
    await ask(base, "alice-server-token", user="alice")
    await ask(base, "bob-server-token", user="alice")
    api.auth_states["alice"]["id_token"] = mint_id_token(lifetime=-30)
    await ask(base, "alice-server-token")
    logged = caplog.text
    assert "id-token" in logged  # requests are logged...
    for secret in (
        "alice-server-token",
        "bob-server-token",
        SERVICE_TOKEN,
        api.tokens["alice"],
        api.tokens["bob"],
        "rt-alice",
    ):
        assert secret not in logged  # ...without a token


def test_the_command_line_reads_the_hubs_environment(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_NAME", "idtok")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://hub:8181")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/services/idtok/")
    args = _parse_args(["--bind-url=http://0.0.0.0:8181"])
    assert (args.name, args.prefix, args.bind_url) == (
        "idtok",
        "/services/idtok/",
        "http://0.0.0.0:8181",
    )
    assert _parse_args([]).bind_url == "http://hub:8181"
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN")
    with pytest.raises(SystemExit):
        _parse_args([])


# -- the access token (off unless the admin allows it) ---------------------------------------


async def ask_access(base: str, token: str, **params) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{base}access-token", headers={"Authorization": f"token {token}"}, params=params
        )


def grant_access_token_scope(api: FakeHubApi) -> None:
    """The scope that configure_jupyterhub(c, allow_access_token=True) grants, on alice's and
    bob's server tokens (not on alice's personal token)."""
    for token in ("alice-server-token", "bob-server-token", "other-service-token"):
        api.whoami[token]["scopes"] = [*api.whoami[token]["scopes"], ACCESS_TOKEN_SCOPE]


async def test_the_access_token_is_refused_while_the_admin_has_not_allowed_it(stack):
    api, base = stack
    grant_access_token_scope(api)
    response = await ask_access(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (403, "access_token_not_allowed")
    assert "at-alice" not in response.text and "eyJ" not in response.text
    # auth_state is not even read.
    assert [path for path, _ in api.log] == ["/hub/api/user"]


async def test_the_owner_gets_their_access_token_and_nothing_else_when_allowed(stack):
    api, base = stack
    api.broker.allow_access_token = True
    grant_access_token_scope(api)
    response = await ask_access(base, "alice-server-token", user="alice")
    assert response.status_code == 200
    assert response.json() == {"access_token": "at-alice"}
    assert response.headers["Cache-Control"] == "no-store"
    # The id-token route still answers the id_token only.
    response = await ask(base, "alice-server-token")
    assert response.json() == {"id_token": api.tokens["alice"]}


@pytest.mark.parametrize(
    ("token", "user", "status", "code"),
    [
        # alice's personal token has the service's scope but not the access token's
        ("alice-personal-token", None, 403, "access_token_not_allowed"),
        ("alice-narrow-token", None, 403, "forbidden"),
        ("bob-server-token", "alice", 403, "wrong_user"),
        ("other-service-token", None, 403, "forbidden"),
        ("not-a-hub-token", None, 401, "login_required"),
    ],
)
async def test_access_token_refusals_when_allowed(stack, token, user, status, code):
    api, base = stack
    api.broker.allow_access_token = True
    grant_access_token_scope(api)
    params = {"user": user} if user else {}
    response = await ask_access(base, token, **params)
    assert (response.status_code, error_code(response)) == (status, code)
    for secret in ("at-alice", "at-bob", "rt-alice", "rt-bob", "eyJ"):
        assert secret not in response.text
    assert ("/hub/api/users/alice", SERVICE_TOKEN) not in api.log


async def test_bob_asking_without_a_name_gets_bobs_access_token(stack):
    api, base = stack
    api.broker.allow_access_token = True
    grant_access_token_scope(api)
    response = await ask_access(base, "bob-server-token")
    assert response.json() == {"access_token": "at-bob"}


@pytest.mark.parametrize(
    ("access_token", "code"),
    [(None, "no_access_token"), ("", "no_access_token"), ("expired", "stale_access_token")],
)
async def test_no_usable_access_token(stack, access_token, code):
    api, base = stack
    api.broker.allow_access_token = True
    grant_access_token_scope(api)
    if access_token == "expired":
        access_token = mint_id_token(lifetime=-60)
    api.auth_states["alice"]["access_token"] = access_token
    response = await ask_access(base, "alice-server-token")
    assert (response.status_code, error_code(response)) == (503, code)
    assert "rt-alice" not in response.text and "eyJ" not in response.text


def test_the_command_line_leaves_access_tokens_off_unless_asked(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8181")
    assert _parse_args([]).allow_access_token is False
    assert _parse_args(["--allow-access-token"]).allow_access_token is True
