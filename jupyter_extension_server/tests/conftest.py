"""Fixtures for the server companion's unit tests.

FakeHub is a plainly named fake of JupyterHub's REST API (one route, ``GET
/hub/api/users/{name}``), served on loopback, so the identity code runs its real HTTP client
against it. The integration tests (tests/integration/) use the real hub.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field

import jwt
import pytest
from tornado import httpserver, netutil, web

pytest_plugins = ("pytest_jupyter.jupyter_server",)

HUB_TOKEN = "server-api-token-for-tests"
OWNER = "alice"
TEST_KEY = "unit-test-signing-key-unit-test-signing-key"


def mint_id_token(lifetime: float = 300, **claims) -> str:
    """An id_token signed with a test key (the server companion does not check signatures)."""
    now = int(time.time())
    payload = {
        "iss": "http://127.0.0.1:18080/realms/jupyterhub",
        "aud": "jupyterhub",
        "sub": "0b1c",
        "preferred_username": OWNER,
        "email": "alice@example.org",
        "groups": ["management"],
        "iat": now,
        "exp": now + lifetime,
        **claims,
    }
    return jwt.encode(payload, TEST_KEY, algorithm="HS256")


@dataclass
class FakeHub:
    """A fake JupyterHub API: set ``status``, ``auth_state`` or ``delay``; read ``calls``."""

    url: str = ""
    status: int = 200
    auth_state: dict | None = field(default_factory=lambda: {"id_token": mint_id_token()})
    delay: float = 0.0
    calls: int = 0
    seen_authorization: list[str] = field(default_factory=list)


class _UserHandler(web.RequestHandler):
    def initialize(self, hub: FakeHub) -> None:
        self.hub = hub

    async def get(self, name: str) -> None:
        hub = self.hub
        hub.calls += 1
        hub.seen_authorization.append(self.request.headers.get("Authorization", ""))
        if hub.delay:
            await asyncio.sleep(hub.delay)
        if self.request.headers.get("Authorization") != f"token {HUB_TOKEN}":
            self.set_status(403)
            self.finish(json.dumps({"status": 403, "message": "Forbidden"}))
            return
        self.set_status(hub.status)
        if hub.status != 200:
            self.finish(json.dumps({"status": hub.status, "message": "nope"}))
            return
        self.finish(json.dumps({"name": name, "kind": "user", "auth_state": hub.auth_state}))


@pytest.fixture
def fake_hub():
    """A FakeHub on a free loopback port, served from its own thread and event loop (so it
    answers whichever loop the test and the Jupyter server run on)."""
    hub = FakeHub()
    ready = threading.Event()
    state = {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = web.Application([(r"/hub/api/users/([^/]+)", _UserHandler, {"hub": hub})])
        sockets = netutil.bind_sockets(0, "127.0.0.1")
        server = httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        hub.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hub/api"
        state.update(loop=loop, server=server)
        ready.set()
        loop.run_forever()
        server.stop()
        loop.run_until_complete(server.close_all_connections())
        loop.close()

    thread = threading.Thread(target=serve, name="FakeHub", daemon=True)
    thread.start()
    ready.wait(10)
    yield hub
    state["loop"].call_soon_threadsafe(state["loop"].stop)
    thread.join(10)


@pytest.fixture
def hub_env(monkeypatch, fake_hub):
    """Environment of a single-user server spawned by the FakeHub."""
    monkeypatch.setenv("JUPYTERHUB_API_URL", fake_hub.url)
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", HUB_TOKEN)
    monkeypatch.delenv("OIDC_ID_TOKEN", raising=False)
    monkeypatch.delenv("OIDC_ID_TOKEN_FILE", raising=False)
    return fake_hub


@pytest.fixture
def no_source_env(monkeypatch):
    """Environment with no id_token source at all."""
    for var in (
        "JUPYTERHUB_API_URL",
        "JUPYTERHUB_USER",
        "JUPYTERHUB_API_TOKEN",
        "OIDC_ID_TOKEN",
        "OIDC_ID_TOKEN_FILE",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyter_extension_server": True}}}
