"""Unit tests of jupyter_extension_server.hub: the jupyterhub_config.py helper (also loaded by
JupyterHub's own role and service set-up) and the expiry-aware refresh_user_hook, run through
oauthenticator's real refresh_user against a loopback fake of an IdP's token and userinfo
endpoints (FakeTokenEndpoint)."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import sys
import time
import uuid

import jwt
import pytest
import pytest_asyncio
from jupyterhub.roles import get_default_roles
from oauthenticator.generic import GenericOAuthenticator
from tornado import httpserver, netutil, web
from traitlets.config import Config

from jupyter_extension_server.hub import (
    ACCESS_TOKEN_SCOPE,
    DEFAULT_SERVICE_NAME,
    SERVICE_ROLE_SCOPES,
    HubConfigError,
    caller_scopes,
    configure_jupyterhub,
    id_token_seconds_left,
    make_refresh_user_hook,
)

CLIENT_ID = "jupyterhub"
CLIENT_SECRET = "unit-test-secret"
FAKE_IDP_KEY = "fake-idp-signing-key-for-unit-tests-only"


def default_scopes(role: str) -> list[str]:
    return next(r["scopes"] for r in get_default_roles() if r["name"] == role)


def role(c: Config, name: str) -> dict:
    matches = [r for r in c.JupyterHub.load_roles if r["name"] == name]
    assert len(matches) == 1, c.JupyterHub.load_roles
    return matches[0]


@pytest.fixture
def crypt_key(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_CRYPT_KEY", secrets.token_hex(32))


# --- configure_jupyterhub ----------------------------------------------------------------


def test_configure_enables_auth_state_refresh_and_hook(crypt_key):
    c = Config()
    configure_jupyterhub(c, refresh_lead_seconds=45, auth_refresh_age=20)

    assert c.Authenticator.enable_auth_state is True
    assert c.Authenticator.auth_refresh_age == 20
    assert c.Authenticator.refresh_pre_spawn is True
    assert c.OAuthenticator.refresh_user_hook.lead_seconds == 45

    # A real authenticator configured from it (as in demo/jupyterhub_config.py) uses them.
    authenticator = GenericOAuthenticator(config=c)
    assert authenticator.refresh_user_hook is c.OAuthenticator.refresh_user_hook
    assert authenticator.enable_auth_state is True
    assert authenticator.auth_refresh_age == 20
    assert authenticator.refresh_pre_spawn is True


CALLER_SCOPES = list(caller_scopes())


def test_roles_give_callers_the_service_only_and_keep_the_defaults(crypt_key):
    c = Config()
    configure_jupyterhub(c)

    user = role(c, "user")
    server = role(c, "server")
    # JupyterHub replaces a default role's scopes by the configured ones: the defaults must
    # be in the list, or users and servers would lose e.g. 'self' / 'users:activity!user'.
    assert user["scopes"] == [*default_scopes("user"), *CALLER_SCOPES]
    assert server["scopes"] == [*default_scopes("server"), *CALLER_SCOPES]
    assert CALLER_SCOPES == [
        "access:services!service=vault-jwt-id-token",
        "read:services!service=vault-jwt-id-token",
    ]
    # No token of a user or of their server may read auth_state: only the service may.
    for spec in (user, server):
        assert not [s for s in spec["scopes"] if "auth_state" in s], spec
    service_role = role(c, "vault-jwt-id-token-service")
    assert service_role["scopes"] == list(SERVICE_ROLE_SCOPES)
    assert SERVICE_ROLE_SCOPES == ("admin:auth_state", "read:users:name")
    assert service_role["services"] == [DEFAULT_SERVICE_NAME]
    assert {r["name"] for r in c.JupyterHub.load_roles} == {
        "user",
        "server",
        "vault-jwt-id-token-service",
    }


def test_the_service_is_managed_by_the_hub_on_loopback(crypt_key):
    c = Config()
    configure_jupyterhub(c)
    (service,) = c.JupyterHub.services
    assert service == {
        "name": "vault-jwt-id-token",
        "url": "http://127.0.0.1:8181",
        "command": [sys.executable, "-m", "jupyter_extension_server.hubservice"],
        "display": False,
    }


def test_service_name_url_bind_url_and_command_are_configurable(crypt_key):
    c = Config()
    configure_jupyterhub(
        c,
        service_name="idtok",
        service_url="http://hub:8181/",
        service_bind_url="http://0.0.0.0:8181",
        service_command=["/opt/hub/bin/python", "-m", "jupyter_extension_server.hubservice"],
    )
    (service,) = c.JupyterHub.services
    assert service["name"] == "idtok"
    assert service["url"] == "http://hub:8181"
    assert service["command"] == [
        "/opt/hub/bin/python",
        "-m",
        "jupyter_extension_server.hubservice",
        "--bind-url=http://0.0.0.0:8181",
    ]
    assert "access:services!service=idtok" in role(c, "server")["scopes"]
    assert role(c, "idtok-service")["services"] == ["idtok"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"service_name": "Vault JWT"}, "service_name"),
        ({"service_name": ""}, "service_name"),
        ({"service_url": "127.0.0.1:8181"}, "service_url"),
        ({"service_url": "http://127.0.0.1"}, "service_url"),
        ({"service_bind_url": "http://0.0.0.0:8181/x"}, "service_bind_url"),
    ],
)
def test_bad_service_settings_are_refused(crypt_key, kwargs, message):
    with pytest.raises(HubConfigError, match=message):
        configure_jupyterhub(Config(), **kwargs)


def test_roles_merge_into_existing_config(crypt_key):
    culler = {
        "name": "jupyterhub-idle-culler-role",
        "scopes": ["list:users", "read:users:activity", "delete:servers"],
        "services": ["jupyterhub-idle-culler-service"],
    }
    culler_service = {"name": "jupyterhub-idle-culler-service", "command": ["cull"]}
    c = Config()
    c.JupyterHub.services = [culler_service]
    c.JupyterHub.load_roles = [
        culler,
        {"name": "user", "scopes": ["self", "shares!user"]},
        {"name": "server", "description": "Servers of our users"},
    ]
    configure_jupyterhub(c)
    configure_jupyterhub(c)  # idempotent

    assert c.JupyterHub.load_roles[0] == culler
    assert role(c, "user")["scopes"] == ["self", "shares!user", *CALLER_SCOPES]
    server = role(c, "server")
    assert server["description"] == "Servers of our users"
    assert server["scopes"] == [*default_scopes("server"), *CALLER_SCOPES]
    assert len(c.JupyterHub.load_roles) == 4
    assert [s["name"] for s in c.JupyterHub.services] == [
        "jupyterhub-idle-culler-service",
        "vault-jwt-id-token",
    ]


def test_upgrading_removes_the_auth_state_scopes_of_earlier_versions(crypt_key, caplog):
    """What the helper used to add (or an operator copied into load_roles) goes away."""
    c = Config()
    c.JupyterHub.load_roles = [
        {"name": "user", "scopes": ["self", "admin:auth_state!user"]},
        {"name": "server", "scopes": ["users:activity!user", "admin:auth_state!user=alice"]},
    ]
    with caplog.at_level(logging.WARNING):
        configure_jupyterhub(c)
    assert role(c, "user")["scopes"] == ["self", *CALLER_SCOPES]
    assert role(c, "server")["scopes"] == ["users:activity!user", *CALLER_SCOPES]
    assert "removing admin:auth_state!user from the 'user' role" in caplog.text


def test_roles_appended_lazily_are_kept(crypt_key):
    c = Config()
    c.JupyterHub.load_roles.append({"name": "auditor", "scopes": ["read:users"], "users": ["x"]})
    c.JupyterHub.services.append({"name": "other", "url": "http://127.0.0.1:9999"})
    configure_jupyterhub(c)
    assert [r["name"] for r in c.JupyterHub.load_roles] == [
        "auditor",
        "user",
        "server",
        "vault-jwt-id-token-service",
    ]
    assert [s["name"] for s in c.JupyterHub.services] == ["other", "vault-jwt-id-token"]


@pytest.mark.asyncio
async def test_jupyterhub_loads_it_and_only_the_service_may_read_auth_state(crypt_key, tmp_path):
    """JupyterHub's own start-up steps take the configuration (as demo/jupyterhub_config.py
    calls it): the expanded scopes of a user, of a server token and of a personal token hold
    the service access and no auth_state; the service holds admin:auth_state."""
    from jupyterhub import orm
    from jupyterhub import scopes as hub_scopes
    from jupyterhub.app import JupyterHub

    c = Config()
    c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", "admin:auth_state!user"]}]
    configure_jupyterhub(c)
    hub = JupyterHub(config=c, db_url=f"sqlite:///{tmp_path / 'hub.sqlite'}")
    hub.cookie_secret = secrets.token_bytes(32)
    hub.init_db()
    hub.init_hub()
    hub.init_oauth()
    await hub.init_role_creation()
    hub.init_services()
    await hub.init_api_tokens()
    await hub.init_role_assignment()

    service = hub._service_map["vault-jwt-id-token"]
    assert service.managed
    assert service.url == "http://127.0.0.1:8181"
    assert service.server.base_url == "/services/vault-jwt-id-token/"
    assert service.display is False
    service_scopes = hub_scopes.get_scopes_for(service.orm)
    assert {"admin:auth_state", "read:users:name"} <= service_scopes

    user = orm.User(name="alice")
    hub.db.add(user)
    hub.db.commit()
    from jupyterhub.roles import assign_default_roles

    assign_default_roles(hub.db, entity=user)
    server_token = user.new_api_token(roles=["server"], note="Server at /user/alice/")
    personal = user.new_api_token(note="personal")  # inherits everything alice has
    for who in (user, orm.APIToken.find(hub.db, server_token), orm.APIToken.find(hub.db, personal)):
        expanded = hub_scopes.get_scopes_for(who)
        assert "access:services!service=vault-jwt-id-token" in expanded, who
        assert not [s for s in expanded if s.startswith("admin:")], (who, expanded)
    hub.db.close()


def test_access_tokens_stay_off_unless_the_admin_allows_them(crypt_key):
    c = Config()
    # An earlier allow_access_token=True, then turned off: the grant goes away.
    c.JupyterHub.load_roles = [{"name": "server", "scopes": ["self", ACCESS_TOKEN_SCOPE]}]
    configure_jupyterhub(c)
    (service,) = c.JupyterHub.services
    assert "--allow-access-token" not in service["command"]
    assert "custom_scopes" not in c.JupyterHub
    for name in ("user", "server"):
        assert ACCESS_TOKEN_SCOPE not in role(c, name)["scopes"]


def test_allow_access_token_sets_the_service_flag_and_grants_the_scope(crypt_key):
    c = Config()
    c.JupyterHub.custom_scopes = {"custom:other:thing": {"description": "kept"}}
    configure_jupyterhub(c, allow_access_token=True)
    (service,) = c.JupyterHub.services
    assert service["command"][-1] == "--allow-access-token"
    assert set(c.JupyterHub.custom_scopes) == {"custom:other:thing", ACCESS_TOKEN_SCOPE}
    for name in ("user", "server"):
        assert role(c, name)["scopes"][-1] == ACCESS_TOKEN_SCOPE
    assert ACCESS_TOKEN_SCOPE not in role(c, "vault-jwt-id-token-service")["scopes"]


@pytest.mark.asyncio
async def test_jupyterhub_gives_the_server_token_the_access_token_scope(crypt_key, tmp_path):
    """JupyterHub's own start-up steps take the custom scope: the server token's expanded
    scopes hold it with allow_access_token=True and not without."""
    from jupyterhub import orm
    from jupyterhub import scopes as hub_scopes
    from jupyterhub.app import JupyterHub
    from jupyterhub.roles import assign_default_roles

    for allowed in (True, False):
        c = Config()
        configure_jupyterhub(c, allow_access_token=allowed)
        hub = JupyterHub(config=c, db_url=f"sqlite:///{tmp_path / f'hub-{allowed}.sqlite'}")
        hub.cookie_secret = secrets.token_bytes(32)
        hub.init_db()
        hub.init_hub()
        hub.init_oauth()
        await hub.init_role_creation()
        hub.init_services()
        await hub.init_api_tokens()
        await hub.init_role_assignment()
        user = orm.User(name="alice")
        hub.db.add(user)
        hub.db.commit()
        assign_default_roles(hub.db, entity=user)
        server_token = user.new_api_token(roles=["server"], note="Server at /user/alice/")
        expanded = hub_scopes.get_scopes_for(orm.APIToken.find(hub.db, server_token))
        assert (ACCESS_TOKEN_SCOPE in expanded) is allowed, expanded
        hub.db.close()


def test_missing_crypt_key_fails_fast(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_CRYPT_KEY", raising=False)
    c = Config()
    with pytest.raises(HubConfigError, match="JUPYTERHUB_CRYPT_KEY"):
        configure_jupyterhub(c)
    assert "enable_auth_state" not in c.Authenticator
    assert "load_roles" not in c.JupyterHub


def test_crypt_key_from_cryptkeeper_config(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_CRYPT_KEY", raising=False)
    c = Config()
    c.CryptKeeper.keys = [secrets.token_bytes(32)]
    configure_jupyterhub(c)
    assert c.Authenticator.enable_auth_state is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"auth_refresh_age": 0}, "auth_refresh_age"), ({"refresh_lead_seconds": -1}, "lead")],
)
def test_nonsense_numbers_are_refused(crypt_key, kwargs, message):
    with pytest.raises(HubConfigError, match=message):
        configure_jupyterhub(Config(), **kwargs)


# --- a loopback fake IdP --------------------------------------------------------------------


def mint(kind: str, lifespan: float, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": "http://fake-idp.invalid/realms/test",
        "sub": "alice-id",
        "aud": CLIENT_ID,
        "typ": kind,
        "iat": now,
        "exp": int(now + lifespan),
        "jti": str(uuid.uuid4()),
        "preferred_username": "alice",
        **claims,
    }
    return jwt.encode(payload, FAKE_IDP_KEY, algorithm="HS256")


class FakeTokenEndpoint:
    """A stand-in for an IdP's /token and /userinfo endpoints on 127.0.0.1.

    ``mode`` selects the token endpoint's answer: "ok" (fresh tokens), "ok-no-refresh-token",
    "invalid_grant" (400), "invalid_client" (401) or "unavailable" (503). ``requests`` holds
    the form fields of each token request.
    """

    def __init__(self, lifespan: float = 300):
        self.mode = "ok"
        self.lifespan = lifespan
        self.requests: list[dict[str, str]] = []
        self.issued: list[dict] = []
        self.delay = 0.0
        endpoint = self

        class Token(web.RequestHandler):
            async def post(self):
                endpoint.requests.append(
                    {k: self.get_body_argument(k) for k in self.request.body_arguments}
                )
                if endpoint.delay:
                    await asyncio.sleep(endpoint.delay)
                self.set_header("Content-Type", "application/json")
                errors = {
                    "invalid_grant": (400, "Token is not active"),
                    "invalid_client": (401, "Invalid client credentials"),
                    "unavailable": (503, "down for maintenance"),
                }
                if endpoint.mode in errors:
                    status, description = errors[endpoint.mode]
                    self.set_status(status)
                    self.finish({"error": endpoint.mode, "error_description": description})
                    return
                tokens = {
                    "access_token": mint("Bearer", endpoint.lifespan),
                    "id_token": mint("ID", endpoint.lifespan, groups=["management"]),
                    "refresh_token": mint("Refresh", 1800),
                    "token_type": "Bearer",
                    "expires_in": endpoint.lifespan,
                    "scope": "openid profile email",
                }
                if endpoint.mode == "ok-no-refresh-token":
                    del tokens["refresh_token"]
                endpoint.issued.append(tokens)
                self.finish(tokens)

        class UserInfo(web.RequestHandler):
            def get(self):
                auth = self.request.headers.get("Authorization", "")
                issued = [t["access_token"] for t in endpoint.issued]
                if not auth.startswith("Bearer ") or auth.split(" ", 1)[1] not in issued:
                    self.set_status(401)
                    self.finish({"error": "invalid_token"})
                    return
                self.finish(
                    {"sub": "alice-id", "preferred_username": "alice", "groups": ["management"]}
                )

        self.app = web.Application([(r"/token", Token), (r"/userinfo", UserInfo)])

    async def __aenter__(self):
        sockets = netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self.server = httpserver.HTTPServer(self.app)
        self.server.add_sockets(sockets)
        return self

    async def __aexit__(self, *exc):
        self.server.stop()
        await self.server.close_all_connections()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeUser:
    """The part of jupyterhub.user.User that refresh_user uses."""

    def __init__(self, name: str, auth_state: dict | None):
        self.name = name
        self._auth_state = auth_state

    async def get_auth_state(self):
        return self._auth_state


def make_authenticator(base_url: str, lead_seconds: float):
    c = Config()
    c.GenericOAuthenticator.client_id = CLIENT_ID
    c.GenericOAuthenticator.client_secret = CLIENT_SECRET
    c.GenericOAuthenticator.token_url = f"{base_url}/token"
    c.GenericOAuthenticator.userdata_url = f"{base_url}/userinfo"
    c.GenericOAuthenticator.username_claim = "preferred_username"
    c.GenericOAuthenticator.allow_all = True
    configure_jupyterhub(c, refresh_lead_seconds=lead_seconds, auth_refresh_age=30)
    return GenericOAuthenticator(config=c)


async def logged_in_auth_state(authenticator, idp: FakeTokenEndpoint, id_token_lifespan: float):
    """An auth_state as a login leaves it (built by the authenticator itself), with an
    id_token that expires in ``id_token_lifespan`` seconds."""
    saved, idp.lifespan = idp.lifespan, id_token_lifespan
    try:
        tokens = await authenticator.get_token_info(None, {"grant_type": "password"})
    finally:
        idp.lifespan = saved
    idp.requests.clear()
    model = await authenticator._token_to_auth_model(tokens)
    return model["auth_state"]


def assert_no_tokens_logged(caplog, *auth_states):
    for state in auth_states:
        for key in ("access_token", "refresh_token", "id_token"):
            value = (state or {}).get(key)
            if value:
                assert value not in caplog.text, f"{key} was logged"


@pytest_asyncio.fixture
async def idp():
    async with FakeTokenEndpoint() as endpoint:
        yield endpoint


# --- the refresh_user_hook, through oauthenticator's refresh_user ------------------------


@pytest.mark.asyncio
async def test_fresh_id_token_needs_no_refresh(idp, crypt_key, caplog):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=300)

    assert await authenticator.refresh_user(FakeUser("alice", state)) is True
    assert idp.requests == []


@pytest.mark.asyncio
async def test_near_expiry_refreshes_with_the_refresh_token(idp, crypt_key, caplog):
    caplog.set_level(logging.DEBUG)
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=30)
    await asyncio.sleep(1.1)  # so the new token's exp is a later second

    model = await authenticator.refresh_user(FakeUser("alice", state))

    assert isinstance(model, dict)
    assert model["name"] == "alice"
    [request] = idp.requests
    assert request == {
        "grant_type": "refresh_token",
        "refresh_token": state["refresh_token"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    new = model["auth_state"]
    assert set(new) == set(state)  # same shape as after a login
    assert new["id_token"] != state["id_token"]
    assert new["refresh_token"] == idp.issued[-1]["refresh_token"] != state["refresh_token"]
    old_exp = jwt.decode(state["id_token"], options={"verify_signature": False})["exp"]
    new_claims = jwt.decode(new["id_token"], options={"verify_signature": False})
    assert new_claims["exp"] > old_exp
    assert new_claims["preferred_username"] == "alice"
    assert new["oauth_user"]["groups"] == ["management"]
    assert 290 < id_token_seconds_left(new) <= 300
    assert "refreshing the tokens" in caplog.text
    assert_no_tokens_logged(caplog, state, new)


@pytest.mark.asyncio
async def test_expired_or_missing_id_token_is_refreshed(idp, crypt_key):
    authenticator = make_authenticator(idp.url, lead_seconds=10)
    expired = await logged_in_auth_state(authenticator, idp, id_token_lifespan=-5)
    assert id_token_seconds_left(expired) < 0
    assert isinstance(await authenticator.refresh_user(FakeUser("alice", expired)), dict)

    for broken in (None, "not-a-jwt"):
        state = dict(expired, id_token=broken)
        assert id_token_seconds_left(state) is None
        assert isinstance(await authenticator.refresh_user(FakeUser("alice", state)), dict)
    assert len(idp.requests) == 3


@pytest.mark.asyncio
async def test_refresh_keeps_the_refresh_token_when_none_is_sent(idp, crypt_key):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    idp.mode = "ok-no-refresh-token"

    model = await authenticator.refresh_user(FakeUser("alice", state))

    assert model["auth_state"]["refresh_token"] == state["refresh_token"]
    assert model["auth_state"]["id_token"] != state["id_token"]


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["invalid_grant", "invalid_client"])
async def test_idp_refusal_means_log_in_again(idp, crypt_key, caplog, mode):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    idp.mode = mode

    assert await authenticator.refresh_user(FakeUser("alice", state)) is False
    assert len(idp.requests) == 1
    assert "a new login is required" in caplog.text
    assert mode in caplog.text
    assert_no_tokens_logged(caplog, state)


@pytest.mark.asyncio
async def test_no_refresh_token_means_log_in_again(idp, crypt_key):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    state["refresh_token"] = None

    assert await authenticator.refresh_user(FakeUser("alice", state)) is False
    assert idp.requests == []


@pytest.mark.asyncio
async def test_no_auth_state_means_log_in_again(idp, crypt_key):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    assert await authenticator.refresh_user(FakeUser("alice", None)) is False
    assert idp.requests == []


@pytest.mark.asyncio
async def test_unreachable_idp_keeps_the_current_state(idp, crypt_key, caplog):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    authenticator.token_url = f"http://127.0.0.1:{closed_port()}/token"

    assert await authenticator.refresh_user(FakeUser("alice", state)) is True
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unreachable" in r.getMessage() for r in warnings), caplog.text
    assert_no_tokens_logged(caplog, state)


@pytest.mark.asyncio
async def test_idp_server_error_keeps_the_current_state(idp, crypt_key, caplog):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    idp.mode = "unavailable"

    assert await authenticator.refresh_user(FakeUser("alice", state)) is True
    assert "HTTP 503" in caplog.text


@pytest.mark.asyncio
async def test_concurrent_refreshes_share_one_request(idp, crypt_key):
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=5)
    idp.delay = 0.3

    user = FakeUser("alice", state)
    first, second = await asyncio.gather(
        authenticator.refresh_user(user), authenticator.refresh_user(user)
    )

    assert len(idp.requests) == 1
    assert first["auth_state"]["id_token"] == second["auth_state"]["id_token"]
    assert first is not second  # each caller may modify its model


@pytest.mark.asyncio
async def test_hook_decision_uses_the_clock(idp, crypt_key):
    """The lead time is measured against the id_token's exp, with an injectable clock."""
    authenticator = make_authenticator(idp.url, lead_seconds=60)
    state = await logged_in_auth_state(authenticator, idp, id_token_lifespan=300)
    exp = jwt.decode(state["id_token"], options={"verify_signature": False})["exp"]

    early = make_refresh_user_hook(60, clock=lambda: exp - 61)
    assert await early(authenticator, FakeUser("alice", state), state) is True
    assert idp.requests == []
    late = make_refresh_user_hook(60, clock=lambda: exp - 59)
    assert isinstance(await late(authenticator, FakeUser("alice", state), state), dict)
    assert len(idp.requests) == 1


def test_id_token_seconds_left_reads_exp_without_verifying():
    token = jwt.encode({"exp": 1_000_100}, "some-other-key-that-nobody-checks-here", "HS256")
    assert id_token_seconds_left({"id_token": token}, now=1_000_000) == 100
    assert id_token_seconds_left({"id_token": token}, now=1_000_200) == -100
    no_exp = jwt.encode({"sub": "x"}, "some-other-key-that-nobody-checks-here", "HS256")
    assert id_token_seconds_left({"id_token": no_exp}) is None
    assert id_token_seconds_left({}) is None
    assert id_token_seconds_left(None) is None


def test_refusal_message_names_only_the_oauth_error():
    from jupyter_extension_server.hub import _oauth_error

    class Response:
        body = json.dumps({"error": "invalid_grant", "error_description": "Token is not active"})

    class Error:
        response = Response()

    assert _oauth_error(Error()) == ", invalid_grant"
    Response.body = b"<html>not json</html>"
    assert _oauth_error(Error()) == ""
