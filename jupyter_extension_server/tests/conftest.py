"""Fixtures of the server companion's unit tests.

``FakeHub`` is a plainly named fake of the one JupyterHub REST route the companion uses,
``GET /hub/api/users/{name}``, served by tornado on a free loopback port in the test's own event
loop, so the identity code runs its real HTTP client against real HTTP. The integration tests
(``tests/integration/``) use a real hub.

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


class FakeHub:
    """A fake JupyterHub API: set what it answers, read what it was asked.

    Attributes
    ----------
    url
        The API URL to configure (``http://127.0.0.1:<port>/hub/api``, no trailing slash).
    token
        The only API token it accepts (others get 403, like a real hub).
    status
        Status to answer an authorised request with (200: the user model).
    auth_state
        The ``auth_state`` of the user model (``None`` answers ``"auth_state": null``).
    include_auth_state
        False leaves the ``auth_state`` key out, as a hub does for a token without the
        ``admin:auth_state`` scope.
    delay
        Seconds to wait before answering.
    requests
        ``(path, Authorization header)`` of every request received.
    """

    def __init__(self) -> None:
        self.url = ""
        self.token = HUB_TOKEN
        self.status = 200
        self.auth_state: dict | None = {"id_token": mint_id_token()}
        self.include_auth_state = True
        self.delay = 0.0
        self.requests: list[tuple[str, str]] = []
        self.active = 0
        self.released = asyncio.Event()

    @property
    def calls(self) -> int:
        """How many requests it received."""
        return len(self.requests)

    @property
    def id_token(self) -> str:
        """The id_token it currently serves."""
        assert self.auth_state is not None
        return self.auth_state["id_token"]

    def serve_token(self, token: str) -> None:
        """Answer with ``auth_state.id_token = token`` from now on."""
        self.auth_state = {"id_token": token, "access_token": "opaque-access-token"}

    def user_model(self, name: str) -> dict:
        model: dict[str, Any] = {"kind": "user", "name": name, "admin": False, "groups": []}
        if self.include_auth_state:
            model["auth_state"] = self.auth_state
        return model


class _FakeHubHandler(web.RequestHandler):
    def initialize(self, hub: FakeHub) -> None:
        self.hub = hub

    async def get(self, name: str | None = None) -> None:
        hub = self.hub
        hub.requests.append((self.request.path, self.request.headers.get("Authorization", "")))
        hub.active += 1
        try:
            if hub.delay:
                try:
                    await asyncio.wait_for(hub.released.wait(), hub.delay)
                except asyncio.TimeoutError:
                    pass
            self.set_header("Content-Type", "application/json")
            if self.request.headers.get("Authorization") != f"token {hub.token}":
                self.set_status(403)
                self.finish(
                    json.dumps({"status": 403, "message": "Missing or invalid credentials."})
                )
            elif name is None:
                # GET /hub/api/user: a real hub never includes auth_state here (jupyterhub#5103).
                self.finish(json.dumps({**hub.user_model(OWNER), "auth_state": None}))
            elif hub.status != 200:
                self.set_status(hub.status)
                self.finish(json.dumps({"status": hub.status, "message": "fake hub failure"}))
            else:
                self.finish(json.dumps(hub.user_model(name)))
        finally:
            hub.active -= 1


@pytest.fixture
def fake_hub(jp_asyncio_loop) -> Iterator[FakeHub]:
    """A FakeHub listening on a free loopback port in the test's event loop."""
    hub = FakeHub()
    app = web.Application(
        [
            (r"/hub/api/users/([^/]+)", _FakeHubHandler, {"hub": hub}),
            (r"/hub/api/user", _FakeHubHandler, {"hub": hub}),
        ]
    )
    sock, port = testing.bind_unused_port()  # 127.0.0.1

    async def start() -> httpserver.HTTPServer:
        server = httpserver.HTTPServer(app)
        server.add_socket(sock)
        return server

    server = jp_asyncio_loop.run_until_complete(start())
    hub.url = f"http://127.0.0.1:{port}/hub/api"
    yield hub

    async def stop() -> None:
        hub.released.set()  # let slow replies finish before the loop closes
        for _ in range(500):
            if not hub.active:
                break
            await asyncio.sleep(0.01)
        server.stop()
        await server.close_all_connections()

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
