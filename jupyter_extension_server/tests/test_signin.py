"""The device sign-in's logic against ``FakeIdp``, a plainly named fake of an identity
provider's discovery, device authorization, token and revocation endpoints (tornado, loopback),
scripted per test. The real Keycloak runs in tests/signin."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from tornado import httpserver, testing, web
from traitlets import TraitError

from jupyter_extension_server.signin.errors import SignInNonceMismatch, SignInReplayed
from jupyter_extension_server.signin.source import SignInSource

from .conftest import mint_id_token


class FakeIdp:
    """Scripted replies of a fake identity provider; records what it was sent."""

    def __init__(self) -> None:
        self.issuer = ""
        self.poll_replies: list[tuple[int, dict]] = []
        self.refresh_replies: list[tuple[int, dict]] = []
        self.polls: list[float] = []
        self.forms: list[dict[str, str]] = []
        self.revoked: list[str] = []
        self.device_status = 200
        self.revocation = True


class _Handler(web.RequestHandler):
    def initialize(self, idp: FakeIdp, route: str) -> None:
        self.idp, self.route = idp, route

    def reply(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def get(self) -> None:
        config = {
            "issuer": self.idp.issuer,
            "token_endpoint": f"{self.idp.issuer}/token",
            "device_authorization_endpoint": f"{self.idp.issuer}/device",
            "authorization_endpoint": f"{self.idp.issuer}/auth",
        }
        if self.idp.revocation:
            config["revocation_endpoint"] = f"{self.idp.issuer}/revoke"
        self.reply(200, config)

    def post(self) -> None:
        form = {k: self.get_body_argument(k) for k in self.request.body_arguments}
        self.idp.forms.append(form)
        if self.route == "device":
            if self.idp.device_status != 200:
                self.reply(self.idp.device_status, {"error": "invalid_client"})
                return
            self.reply(
                200,
                {
                    "device_code": "device-code-secret-0123456789",
                    "user_code": "WDJB-MJHT",
                    "verification_uri": f"{self.idp.issuer}/verify",
                    "verification_uri_complete": f"{self.idp.issuer}/verify?user_code=WDJB-MJHT",
                    "expires_in": 60,
                    "interval": 1,
                },
            )
        elif self.route == "revoke":
            self.idp.revoked.append(form["token"])
            self.reply(200, {})
        elif form["grant_type"] == "refresh_token":
            self.reply(*self.idp.refresh_replies.pop(0))
        else:
            self.idp.polls.append(time.monotonic())
            self.reply(*self.idp.poll_replies.pop(0))


@pytest.fixture
def fake_idp(jp_asyncio_loop) -> Iterator[FakeIdp]:
    idp = FakeIdp()
    sock, port = testing.bind_unused_port()
    idp.issuer = f"http://127.0.0.1:{port}/realms/test"
    base = "/realms/test"
    app = web.Application(
        [
            (f"{base}/.well-known/openid-configuration", _Handler, {"idp": idp, "route": "conf"}),
            (f"{base}/device", _Handler, {"idp": idp, "route": "device"}),
            (f"{base}/token", _Handler, {"idp": idp, "route": "token"}),
            (f"{base}/revoke", _Handler, {"idp": idp, "route": "revoke"}),
        ]
    )

    async def start() -> httpserver.HTTPServer:
        server = httpserver.HTTPServer(app)
        server.add_socket(sock)
        return server

    server = jp_asyncio_loop.run_until_complete(start())
    yield idp
    server.stop()


def tokens(lifetime: float = 300, refresh: str | None = "refresh-token-1") -> tuple[int, dict]:
    body = {
        "id_token": mint_id_token(lifetime, jti=uuid.uuid4().hex),
        "access_token": "opaque",
        "token_type": "Bearer",
    }
    if refresh:
        body["refresh_token"] = refresh
    return 200, body


def tokens_with(**claims) -> tuple[int, dict]:
    """A token reply whose id_token has ``claims`` (e.g. the sign-in's nonce)."""
    status, body = tokens()
    body["id_token"] = mint_id_token(300, jti=uuid.uuid4().hex, **claims)
    return status, body


PENDING = (400, {"error": "authorization_pending"})
SLOW_DOWN = (400, {"error": "slow_down"})


async def wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_the_source_chain_is_configurable(make_service, monkeypatch):
    monkeypatch.setenv("OIDC_ID_TOKEN", mint_id_token())
    signin = {"oidc_issuer": "https://idp.example/realms/a", "oidc_client_id": "lab"}
    assert isinstance(make_service(**signin).source, SignInSource)  # device before env
    assert make_service(sources=["env", "device"], **signin).source.name == "env"
    assert make_service(sources=["file"], **signin).source is None
    assert make_service(oidc_issuer="https://idp.example/realms/a").source.name == "env"
    with pytest.raises(TraitError, match="unknown source"):
        make_service(sources=["hub", "kerberos"])


async def test_device_sign_in_honours_slow_down_then_holds_and_revokes(make_service, fake_idp):
    service = make_service(oidc_issuer=fake_idp.issuer, oidc_client_id="lab", sources=["device"])
    signin = service.signin
    assert await service.current() is None
    fake_idp.poll_replies = [PENDING, SLOW_DOWN, tokens()]
    await signin.start_device()
    status = signin.status()
    assert status["state"] == "pending"
    assert status["pending"]["user_code"] == "WDJB-MJHT"
    assert "device-code-secret" not in json.dumps(status)
    await wait_for(lambda: signin.status()["state"] == "signed_in")
    # slow_down adds 5 s to the interval (RFC 8628 section 3.5).
    assert fake_idp.polls[2] - fake_idp.polls[1] >= 5
    assert signin.flow.interval == 6
    identity = await service.current()
    assert identity is not None and identity.source == "device"
    assert fake_idp.forms[0] == {"client_id": "lab", "scope": "openid profile email"}

    assert await signin.sign_out() is True
    assert fake_idp.revoked == ["refresh-token-1"]
    assert await service.refresh() is None
    assert await service.current() is None


async def test_refresh_at_half_life_and_a_refused_refresh_ends_the_sign_in(make_service, fake_idp):
    service = make_service(oidc_issuer=fake_idp.issuer, oidc_client_id="lab", sources=["device"])
    signin = service.signin
    seen: list[str] = []
    service.on_new_token(lambda i: seen.append(i.id_token))
    fake_idp.poll_replies = [tokens(lifetime=4, refresh="r1")]
    fake_idp.refresh_replies = [
        tokens(lifetime=4, refresh=None),  # not rotated: r1 is kept
        (400, {"error": "invalid_grant", "error_description": "Session not active"}),
    ]
    await signin.start_device()
    await wait_for(lambda: len(seen) == 2)  # the keeper refreshed, nobody asked
    refresh_forms = [f for f in fake_idp.forms if f.get("grant_type") == "refresh_token"]
    assert refresh_forms[0]["refresh_token"] == "r1"
    await wait_for(lambda: not signin.signed_in)
    status = signin.status()
    assert status["state"] == "signed_out"
    assert status["error"]["code"] == "signin_expired"
    assert [f["refresh_token"] for f in fake_idp.forms if "refresh_token" in f] == ["r1", "r1"]


async def test_a_refused_client_and_an_idp_without_revocation(make_service, fake_idp):
    service = make_service(oidc_issuer=fake_idp.issuer, oidc_client_id="nope", sources=["device"])
    fake_idp.device_status = 401
    with pytest.raises(Exception) as refused:
        await service.signin.start_device()
    assert refused.value.code == "idp_client_rejected"
    assert "'nope'" in refused.value.message

    other = make_service(oidc_issuer=fake_idp.issuer, oidc_client_id="lab", sources=["device"])
    fake_idp.device_status, fake_idp.revocation = 200, False
    fake_idp.poll_replies = [tokens()]
    await other.signin.start_device()
    await wait_for(lambda: other.signin.signed_in)
    assert await other.signin.sign_out() is False
    assert fake_idp.revoked == []


async def test_browser_sign_in_sends_the_pkce_verifier_and_refuses_an_id_token_of_another_nonce(
    make_service, fake_idp
):
    # The code grant's replies come from the fake's token route (scripted like the polls).
    service = make_service(oidc_issuer=fake_idp.issuer, oidc_client_id="lab", sources=["browser"])
    signin = service.signin
    callback = "http://127.0.0.1:8888/vault-jwt/signin/callback"
    browser_session = "the-xsrf-cookie-of-this-browser"

    url = await signin.start_browser(callback, browser_session)
    sent = urlsplit(url)
    assert f"{sent.scheme}://{sent.netloc}{sent.path}" == f"{fake_idp.issuer}/auth"
    query = {k: v[0] for k, v in parse_qs(sent.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "lab"
    assert query["redirect_uri"] == callback and query["code_challenge_method"] == "S256"
    assert signin.status()["state"] == "pending"

    # An id_token whose nonce is not this sign-in's (one injected into the callback): refused.
    injected = mint_id_token(nonce="a-nonce-of-another-sign-in", jti=uuid.uuid4().hex)
    fake_idp.poll_replies = [(200, {"id_token": injected, "refresh_token": "r-injected"})]
    with pytest.raises(SignInNonceMismatch) as refused:
        await signin.finish_browser(query["state"], browser_session, "code-1")
    assert refused.value.code == "signin_nonce_mismatch"
    assert signin.status()["error"]["code"] == "signin_nonce_mismatch"
    assert not signin.signed_in and await service.current() is None
    # The code went with the verifier whose S256 digest the pop-up's URL announced (RFC 7636).
    exchange = fake_idp.forms[-1]
    assert {k: exchange[k] for k in ("grant_type", "code", "redirect_uri", "client_id")} == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": callback,
        "client_id": "lab",
    }
    digest = hashlib.sha256(exchange["code_verifier"].encode("ascii")).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]
    # Its state is spent: the same callback again is a replay, and reaches no provider.
    exchanges = len(fake_idp.forms)
    with pytest.raises(SignInReplayed):
        await signin.finish_browser(query["state"], browser_session, "code-1")
    assert len(fake_idp.forms) == exchanges

    # A new sign-in whose id_token carries its own nonce is accepted.
    query = {
        k: v[0]
        for k, v in parse_qs(
            urlsplit(await signin.start_browser(callback, browser_session)).query
        ).items()
    }
    fake_idp.poll_replies = [tokens_with(nonce=query["nonce"])]
    await signin.finish_browser(query["state"], browser_session, "code-2")
    identity = await service.current()
    assert identity is not None and identity.source == "browser"
    assert signin.status()["state"] == "signed_in"
    assert await signin.sign_out() is True
    assert fake_idp.revoked == ["refresh-token-1"]
