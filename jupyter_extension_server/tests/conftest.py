"""Fixtures of the server companion's unit tests.

``FakeHub`` is a plainly named fake of the JupyterHub REST routes that the companion and the
hub's id_token service use (``GET /hub/api/services/{name}``, ``/hub/api/user``,
``/hub/api/users/{name}``), served by tornado on a free loopback port in the test's own event
loop, together with the REAL id_token service (``jupyter_extension_server.hubservice``) pointed
at it, so the identity code runs its real HTTP client against real HTTP and the real service.
The integration tests (``tests/integration/``) use a real hub.

Async tests run in pytest-jupyter's event loop (``jp_asyncio_loop``), the loop the Jupyter server
of ``jp_fetch`` runs in; that is why pyproject.toml keeps pytest-asyncio in strict mode.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado import httpserver, testing, web
from traitlets import Unicode

from jupyter_extension_server.hubservice.app import IdTokenHandler
from jupyter_extension_server.hubservice.broker import IdTokenBroker
from jupyter_extension_server.identity import IdTokenService

pytest_plugins = ("pytest_jupyter.jupyter_server",)

HUB_TOKEN = "hub-api-token-of-this-server-0123456789"
OWNER = "alice"
SIGNING_KEY = "unit-test-hs256-signing-key-unit-test-signing-key"
# Every variable the companion reads; cleared in every test so the developer's own environment
# (e.g. a terminal of a hub-spawned server) cannot leak into the tests.
SOURCE_ENV_VARS = (
    "JUPYTERHUB_API_URL",
    "JUPYTERHUB_USER",
    "JUPYTERHUB_API_TOKEN",
    "OIDC_ID_TOKEN",
    "OIDC_ID_TOKEN_FILE",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
)


def mint_id_token(lifetime: float = 300, **claims: Any) -> str:
    """An id_token like Keycloak's, signed HS256 with a test key (the companion checks no
    signature), expiring ``lifetime`` seconds from now."""
    now = int(time.time())
    payload = {
        "iss": "http://127.0.0.1:18080/realms/jupyterhub",
        "aud": "jupyterhub",
        "sub": "8c1f2a44-0b1c-4d8e-9f00-5b7e1a2c3d4e",
        "preferred_username": OWNER,
        "email": "alice@example.org",
        "groups": ["management"],
        "iat": now,
        "exp": now + int(lifetime),
        **claims,
    }
    return jwt.encode(payload, SIGNING_KEY, algorithm="HS256")


SERVICE_TOKEN = "api-token-of-the-id-token-service-0123456789"
SERVICE_NAME = "vault-jwt-id-token"
SERVICE_PREFIX = f"/services/{SERVICE_NAME}/"


class FakeHub:
    """A fake JupyterHub API with the real id_token service beside it: set what the hub
    answers, read what was asked.

    Attributes
    ----------
    url
        The API URL to configure (``http://127.0.0.1:<port>/hub/api``, no trailing slash).
    token
        The only server API token it accepts (others get 403, like a real hub); its owner is
        ``owner``.
    owner
        The user the server token belongs to (``GET /hub/api/user``).
    status
        Status the hub answers the service's "who is calling" request with (200: the model).
    auth_state
        The ``auth_state`` of the user model the service reads (``None``: ``null``).
    include_auth_state
        False leaves the ``auth_state`` key out, as a hub does for a token without the
        ``admin:auth_state`` scope.
    service_present
        False: ``GET /hub/api/services/<name>`` answers 404 (a hub without the service).
    delay
        Seconds the hub waits before answering the "who is calling" request.
    extra_scopes
        Scopes added to the server token's whoami model (e.g. the access token scope).
    old_service
        True: the service answers 404 on ``access-token`` (one from before access tokens).
    broker
        The real id_token service's broker (``broker.allow_access_token`` is the admin's
        setting, off as by default).
    requests
        ``(path, Authorization header)`` of every request the service received.
    lookups
        How many times the service's URL was looked up.
    """

    def __init__(self) -> None:
        self.url = ""
        self.token = HUB_TOKEN
        self.owner = OWNER
        self.status = 200
        self.auth_state: dict | None = {"id_token": mint_id_token()}
        self.include_auth_state = True
        self.service_present = True
        self.extra_scopes: list[str] = []
        self.old_service = False
        self.broker: IdTokenBroker | None = None
        self.delay = 0.0
        self.requests: list[tuple[str, str]] = []
        self.user_params: list[str | None] = []
        self.lookups = 0
        self.active = 0
        self.released = asyncio.Event()
        self.service_base = ""

    @property
    def calls(self) -> int:
        """How many id_token requests the service received."""
        return len(self.requests)

    @property
    def id_token(self) -> str:
        """The id_token it currently serves."""
        assert self.auth_state is not None
        return self.auth_state["id_token"]

    def serve_token(self, token: str) -> None:
        """Answer with ``auth_state.id_token = token`` from now on."""
        self.auth_state = {
            "id_token": token,
            "access_token": "opaque-access-token",
            "refresh_token": "opaque-refresh-token",
        }


def _json(handler: web.RequestHandler, status: int, body: Any) -> None:
    handler.set_status(status)
    handler.set_header("Content-Type", "application/json")
    handler.finish(json.dumps(body))


class _FakeHubHandler(web.RequestHandler):
    def initialize(self, hub: FakeHub, route: str) -> None:
        self.hub = hub
        self.route = route

    async def get(self, name: str | None = None) -> None:
        hub = self.hub
        auth = self.request.headers.get("Authorization")
        if self.route == "service":
            hub.lookups += 1
            if auth != f"token {hub.token}":
                _json(self, 403, {"status": 403, "message": "Missing or invalid credentials."})
            elif not hub.service_present or name != SERVICE_NAME:
                _json(self, 404, {"status": 404, "message": f"No such service: {name}"})
            else:
                _json(
                    self,
                    200,
                    {
                        "kind": "service",
                        "name": name,
                        "url": hub.service_base,
                        "prefix": SERVICE_PREFIX,
                    },
                )
        elif self.route == "user":  # whoami, asked by the service with the caller's token
            hub.active += 1
            try:
                if hub.delay:
                    try:
                        await asyncio.wait_for(hub.released.wait(), hub.delay)
                    except asyncio.TimeoutError:
                        pass
                if auth != f"token {hub.token}":
                    _json(self, 403, {"status": 403, "message": "Missing or invalid credentials."})
                elif hub.status != 200:
                    _json(self, hub.status, {"status": hub.status, "message": "fake hub failure"})
                else:
                    scopes = [
                        f"access:services!service={SERVICE_NAME}",
                        "read:users:name!user",
                        *hub.extra_scopes,
                    ]
                    _json(self, 200, {"kind": "user", "name": hub.owner, "scopes": scopes})
            finally:
                hub.active -= 1
        else:  # users/{name}: only the service's token reads auth_state
            if auth != f"token {SERVICE_TOKEN}":
                _json(self, 403, {"status": 403, "message": "Action is not authorized"})
                return
            model: dict[str, Any] = {"kind": "user", "name": name}
            if hub.include_auth_state:
                model["auth_state"] = hub.auth_state
            _json(self, 200, model)


class _RecordingIdTokenHandler(IdTokenHandler):
    """The real service handler, recording what it was asked."""

    def prepare(self) -> None:
        hub: FakeHub = self.settings["fake_hub"]
        hub.requests.append((self.request.path, self.request.headers.get("Authorization", "")))
        hub.user_params.append(self.get_query_argument("user", None))
        if self.field == "access_token" and hub.old_service:
            raise web.HTTPError(404)


@pytest.fixture
def fake_hub(jp_asyncio_loop) -> Iterator[FakeHub]:
    """A FakeHub and the real id_token service, on a free loopback port in the test's loop."""
    hub = FakeHub()
    sock, port = testing.bind_unused_port()  # 127.0.0.1
    hub.url = f"http://127.0.0.1:{port}/hub/api"
    hub.service_base = f"http://127.0.0.1:{port}"
    broker = hub.broker = IdTokenBroker(hub.url, SERVICE_TOKEN, SERVICE_NAME)
    app = web.Application(
        [
            (r"/hub/api/services/([^/]+)", _FakeHubHandler, {"hub": hub, "route": "service"}),
            (r"/hub/api/users/([^/]+)", _FakeHubHandler, {"hub": hub, "route": "users"}),
            (r"/hub/api/user", _FakeHubHandler, {"hub": hub, "route": "user"}),
            (SERVICE_PREFIX + "id-token", _RecordingIdTokenHandler, {"broker": broker}),
            (
                SERVICE_PREFIX + "access-token",
                _RecordingIdTokenHandler,
                {"broker": broker, "field": "access_token"},
            ),
        ],
        fake_hub=hub,
    )

    async def start() -> httpserver.HTTPServer:
        server = httpserver.HTTPServer(app)
        server.add_socket(sock)
        return server

    server = jp_asyncio_loop.run_until_complete(start())
    yield hub

    async def stop() -> None:
        hub.released.set()  # let slow replies finish before the loop closes
        for _ in range(500):
            if not hub.active:
                break
            await asyncio.sleep(0.01)
        server.stop()
        await server.close_all_connections()
        await broker.close()

    jp_asyncio_loop.run_until_complete(stop())


@pytest.fixture(autouse=True)
def _clean_source_env(monkeypatch) -> None:
    for var in SOURCE_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def hub_env(monkeypatch, fake_hub) -> FakeHub:
    """The environment a hub spawner gives a single-user server of OWNER, against the FakeHub."""
    monkeypatch.setenv("JUPYTERHUB_API_URL", fake_hub.url)
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", HUB_TOKEN)
    return fake_hub


@pytest.fixture
def make_service(jp_asyncio_loop) -> Iterator[Callable[..., IdTokenService]]:
    """Build IdTokenServices (keyword arguments set traits); closes them after the test."""
    services: list[IdTokenService] = []

    def make(**traits: Any) -> IdTokenService:
        service = IdTokenService(**traits)
        services.append(service)
        return service

    yield make
    for service in services:
        jp_asyncio_loop.run_until_complete(service.close())


class HubUserIdentityProvider(PasswordIdentityProvider):
    """jupyter_server's token/password login, with users named like JupyterHub names them.

    jupyter_server names a token-authenticated user randomly; under JupyterHub the user is named
    by their hub name, which the owner check compares with JUPYTERHUB_USER.
    """

    username = Unicode(OWNER, config=True, help="Name of every authenticated user.")

    def generate_anonymous_user(self, handler: web.RequestHandler) -> User:
        return User(username=self.username, name=self.username)


@pytest.fixture
def jp_server_config() -> dict:
    """Our extension, and authenticated requests made by OWNER."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        }
    }
