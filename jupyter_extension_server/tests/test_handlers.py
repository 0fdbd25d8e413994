"""The REST API through a real jupyter_server (pytest-jupyter), against a FakeHub."""

from __future__ import annotations

import json
import logging

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_extension_server.identity import IdTokenService

from .conftest import OWNER, mint_id_token


async def fetch_json(jp_fetch, *parts, method="GET", **kwargs):
    if method == "POST":
        kwargs.setdefault("body", b"")
    response = await jp_fetch("vault-jwt", *parts, method=method, **kwargs)
    return response, json.loads(response.body)


async def error_of(jp_fetch, *parts, method="GET", **kwargs):
    with pytest.raises(HTTPClientError) as info:
        await fetch_json(jp_fetch, *parts, method=method, **kwargs)
    response = info.value.response
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    return response.code, json.loads(response.body)["error"]


@pytest.fixture
def as_owner(monkeypatch, hub_env):
    """Authenticated requests come from the server's owner (JUPYTERHUB_USER), as under a hub.

    jupyter_server's token login names its user randomly; this renames it to the owner.
    """
    from jupyter_server.auth.identity import IdentityProvider

    original = IdentityProvider.get_user

    async def get_user(self, handler):
        user = original(self, handler)
        if hasattr(user, "__await__"):
            user = await user
        return None if user is None else _user(OWNER)

    monkeypatch.setattr(IdentityProvider, "get_user", get_user)


def _user(name):
    from jupyter_server.auth.identity import User

    return User(username=name)


async def test_get_identity_from_the_hub(hub_env, as_owner, jp_fetch):
    response, body = await fetch_json(jp_fetch, "identity")
    assert response.code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert body["source"] == "hub"
    assert body["source_detail"] == "JupyterHub API users/alice"
    assert body["id_token"] == hub_env.auth_state["id_token"]
    assert body["hint"] is None
    assert isinstance(body["server_time"], float)
    assert body["fetched_at"] <= body["server_time"]


async def test_post_refresh_reads_the_hub_again(hub_env, as_owner, jp_fetch):
    await fetch_json(jp_fetch, "identity")
    hub_env.auth_state = {"id_token": mint_id_token(name="fresh")}
    response, body = await fetch_json(jp_fetch, "identity", "refresh", method="POST")
    assert response.code == 200
    assert body["id_token"] == hub_env.auth_state["id_token"]
    assert hub_env.calls == 2


async def test_no_source_explains_how_to_configure_one(no_source_env, jp_fetch):
    response, body = await fetch_json(jp_fetch, "identity")
    assert response.code == 200
    assert body["source"] is None
    assert body["id_token"] is None
    assert "OIDC_ID_TOKEN" in body["hint"]
    assert "configure_jupyterhub" in body["hint"]


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ({"status": 403}, 401, "login_required"),
        ({"status": 503}, 502, "hub_error"),
        ({"auth_state": None}, 503, "hub_misconfigured"),
        ({"auth_state": {}}, 503, "no_id_token"),
        ({"auth_state": {"id_token": "garbage"}}, 502, "malformed_token"),
    ],
)
async def test_errors_are_json_with_a_code(hub_env, as_owner, jp_fetch, setup, status, code):
    for key, value in setup.items():
        setattr(hub_env, key, value)
    got_status, error = await error_of(jp_fetch, "identity", "refresh", method="POST")
    assert (got_status, error["code"]) == (status, code)
    assert error["message"]
    assert "Traceback" not in error["message"]


async def test_unexpected_exception_is_a_500_without_traceback(
    hub_env, as_owner, jp_fetch, monkeypatch
):
    async def boom(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(IdTokenService, "refresh", boom)
    status, error = await error_of(jp_fetch, "identity", "refresh", method="POST")
    assert (status, error["code"]) == (500, "internal")
    assert "secret internals" not in error["message"]
    assert "Traceback" not in json.dumps(error)


async def test_other_users_are_forbidden(hub_env, jp_fetch):
    # The test client is authenticated as a random user, not the server's owner (alice).
    status, error = await error_of(jp_fetch, "identity")
    assert (status, error["code"]) == (403, "forbidden")
    assert hub_env.calls == 0


async def test_the_owner_is_allowed(hub_env, as_owner, jp_fetch):
    response, body = await fetch_json(jp_fetch, "identity")
    assert response.code == 200
    assert body["source"] == "hub"


async def test_unauthenticated_requests_are_refused(hub_env, jp_fetch):
    for parts, method in ((("identity",), "GET"), (("identity", "refresh"), "POST")):
        status, _ = await error_of(jp_fetch, *parts, method=method, headers={"Authorization": ""})
        assert status == 403
    assert hub_env.calls == 0


async def test_post_needs_xsrf_with_cookie_auth(hub_env, as_owner, jp_fetch, jp_serverapp):
    # A browser request authenticated by cookie, without the _xsrf token, is refused.
    jp_serverapp.web_app.settings["disable_check_xsrf"] = False
    response, _ = await fetch_json(jp_fetch, "identity")  # token auth works
    cookie = response.headers.get_list("Set-Cookie")
    assert cookie, "the server set a login cookie"
    cookie_header = "; ".join(c.split(";", 1)[0] for c in cookie)
    # The cookie alone authenticates a GET...
    response, _ = await fetch_json(
        jp_fetch, "identity", headers={"Authorization": "", "Cookie": cookie_header}
    )
    assert response.code == 200
    # ...but not a POST without the _xsrf token.
    status, error = await error_of(
        jp_fetch,
        "identity",
        "refresh",
        method="POST",
        headers={"Authorization": "", "Cookie": cookie_header},
    )
    assert status == 403
    assert "xsrf" in error["message"].lower()


async def test_no_token_in_any_log_line(hub_env, as_owner, jp_fetch, caplog):
    caplog.set_level(logging.DEBUG)
    await fetch_json(jp_fetch, "identity")
    await fetch_json(jp_fetch, "identity", "refresh", method="POST")
    hub_env.status = 403
    await error_of(jp_fetch, "identity", "refresh", method="POST")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "vault-jwt/identity" in text or "id_token" in text
    assert hub_env.auth_state["id_token"] not in text
    assert "server-api-token-for-tests" not in text
