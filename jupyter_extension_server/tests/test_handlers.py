"""The REST API through a real jupyter_server (pytest-jupyter), against a FakeHub.

pytest-jupyter serves under the base_url ``/a%40b/``, so a route not joined to base_url fails here.
Authenticated requests come from OWNER (see ``HubUserIdentityProvider`` in conftest).
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from tornado import testing
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.identity.claims import fingerprint

from .conftest import HUB_TOKEN, OWNER, HubUserIdentityProvider, mint_id_token

REPLY_KEYS = {
    "source",
    "source_detail",
    "vault_identity",
    "claims",
    "token_id",
    "fetched_at",
    "server_time",
    "hint",
    "copy",
}
EXTENSION = {"jupyter_extension_server": True}


def server_config(**sections: dict) -> dict:
    """jp_server_config with our extension, the hub-like identity provider and ``sections``."""
    config: dict = {
        "ServerApp": {
            "jpserver_extensions": EXTENSION,
            "identity_provider_class": HubUserIdentityProvider,
        }
    }
    config.update(sections)
    return config


async def call(jp_fetch, *parts: str, method: str = "GET", **kwargs) -> tuple[HTTPResponse, dict]:
    """Call ``vault-jwt/<parts>``; return the response and its JSON body (errors included)."""
    if method in ("POST", "PUT"):
        kwargs.setdefault("body", b"")
    try:
        response = await jp_fetch("vault-jwt", *parts, method=method, **kwargs)
    except HTTPClientError as e:
        response = e.response
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    return response, json.loads(response.body)


async def error_of(jp_fetch, *parts: str, method: str = "GET", **kwargs) -> tuple[int, dict]:
    """Call a route expected to fail; return the status and the ``error`` object."""
    response, body = await call(jp_fetch, *parts, method=method, **kwargs)
    assert response.code >= 400
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert "Traceback" not in response.body.decode()
    return response.code, body["error"]


def cookie_of(response: HTTPResponse) -> str:
    """The ``Cookie`` header a browser would send back after ``response``."""
    cookies = response.headers.get_list("Set-Cookie")
    assert cookies, "the server set its login cookie"
    return "; ".join(c.split(";", 1)[0] for c in cookies)


# -- replies ---------------------------------------------------------------------------------


async def test_get_identity_from_the_hub(hub_env, jp_fetch):
    response, body = await call(jp_fetch, "identity")
    assert response.code == 200
    assert set(body) == REPLY_KEYS
    assert body["source"] == "hub"
    assert body["source_detail"] == "JupyterHub service vault-jwt-id-token"
    # Claims and a fingerprint, never the raw token (issue 11).
    assert hub_env.id_token not in response.body.decode()
    assert body["claims"]["preferred_username"] == OWNER
    assert body["claims"]["aud"] == "jupyterhub"
    assert body["token_id"] == fingerprint(hub_env.id_token)
    assert body["copy"] == {"allowed": True, "reason": None}
    assert body["hint"] is None
    assert isinstance(body["server_time"], float)
    assert abs(body["server_time"] - time.time()) < 5
    assert body["fetched_at"] <= body["server_time"]


async def test_get_is_served_from_memory_and_post_refresh_reads_again(hub_env, jp_fetch):
    _, first = await call(jp_fetch, "identity")
    _, again = await call(jp_fetch, "identity")
    assert again["token_id"] == first["token_id"]
    assert again["fetched_at"] == first["fetched_at"]
    assert hub_env.calls == 1
    hub_env.serve_token(mint_id_token(sub="fresh"))
    response, refreshed = await call(jp_fetch, "identity", "refresh", method="POST")
    assert response.code == 200
    assert set(refreshed) == REPLY_KEYS
    assert refreshed["token_id"] == fingerprint(hub_env.id_token) != first["token_id"]
    assert refreshed["claims"]["sub"] == "fresh"
    assert refreshed["fetched_at"] > first["fetched_at"]
    assert hub_env.calls == 2


async def test_no_source_explains_how_to_configure_one(jp_fetch):
    for parts, method in ((("identity",), "GET"), (("identity", "refresh"), "POST")):
        response, body = await call(jp_fetch, *parts, method=method)
        assert response.code == 200
        keys = ("source", "source_detail", "claims", "token_id", "fetched_at")
        assert {k: body[k] for k in keys} == dict.fromkeys(keys)
        assert isinstance(body["server_time"], float)
        assert "OIDC_ID_TOKEN" in body["hint"]
        assert "configure_jupyterhub" in body["hint"]


@pytest.fixture
def env_token(monkeypatch) -> str:
    """An id_token in OIDC_ID_TOKEN and MY_JWT (set before the server starts: list it first)."""
    token = mint_id_token()
    monkeypatch.setenv("OIDC_ID_TOKEN", token)
    monkeypatch.setenv("MY_JWT", token)
    return token


async def test_env_source(env_token, jp_fetch):
    _, body = await call(jp_fetch, "identity")
    assert (body["source"], body["source_detail"]) == ("env", "environment variable OIDC_ID_TOKEN")
    assert body["token_id"] == fingerprint(env_token)


async def test_the_copy_route_gives_the_raw_token(hub_env, jp_fetch):
    response, body = await call(jp_fetch, "identity", "token", method="POST")
    assert response.code == 200
    assert body == {"id_token": hub_env.id_token, "token_id": fingerprint(hub_env.id_token)}


@pytest.mark.parametrize("jp_server_config", [server_config(IdTokenService={"allow_copy": False})])
async def test_an_admin_can_turn_copying_off(hub_env, jp_fetch):
    _, body = await call(jp_fetch, "identity")
    assert body["copy"]["allowed"] is False
    assert "allow_copy" in body["copy"]["reason"]
    status, error = await error_of(jp_fetch, "identity", "token", method="POST")
    assert (status, error["code"]) == (403, "copy_disabled")
    assert hub_env.id_token not in json.dumps(error)


@pytest.mark.parametrize("jp_server_config", [server_config(IdTokenService={"env_var": "MY_JWT"})])
async def test_server_config_reaches_the_service(env_token, jp_fetch):
    _, body = await call(jp_fetch, "identity")
    assert body["source_detail"] == "environment variable MY_JWT"


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ({"status": 403}, 401, "login_required"),
        ({"token": "another-token"}, 401, "login_required"),
        ({"status": 503}, 502, "hub_error"),
        ({"include_auth_state": False}, 503, "hub_misconfigured"),
        ({"auth_state": None}, 503, "hub_misconfigured"),
        ({"auth_state": {"refresh_token": "r"}}, 503, "no_id_token"),
        ({"auth_state": {"id_token": "garbage"}}, 502, "malformed_token"),
    ],
)
async def test_hub_failures_are_json_errors_with_a_code(hub_env, jp_fetch, setup, status, code):
    for key, value in setup.items():
        setattr(hub_env, key, value)
    for parts, method in ((("identity",), "GET"), (("identity", "refresh"), "POST")):
        got_status, error = await error_of(jp_fetch, *parts, method=method)
        assert (got_status, error["code"]) == (status, code)
        assert error["message"]


@pytest.mark.parametrize(
    "jp_server_config", [server_config(IdTokenService={"request_timeout": 0.2})]
)
async def test_hub_timeout_is_a_504(hub_env, jp_fetch):
    hub_env.delay = 5
    status, error = await error_of(jp_fetch, "identity")
    assert (status, error["code"]) == (504, "hub_timeout")


@pytest.fixture
def unreachable_hub_env(monkeypatch) -> None:
    """A hub spawner's environment whose API URL has nothing listening."""
    sock, port = testing.bind_unused_port()
    sock.close()
    monkeypatch.setenv("JUPYTERHUB_API_URL", f"http://127.0.0.1:{port}/hub/api")
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", HUB_TOKEN)


async def test_hub_unreachable_is_a_502(unreachable_hub_env, jp_fetch):
    status, error = await error_of(jp_fetch, "identity")
    assert (status, error["code"]) == (502, "hub_unreachable")


@pytest.fixture
def missing_token_file(monkeypatch, tmp_path) -> None:
    """OIDC_ID_TOKEN_FILE names a file that does not exist."""
    monkeypatch.setenv("OIDC_ID_TOKEN_FILE", str(tmp_path / "missing-token"))


async def test_unreadable_file_is_a_500_naming_the_path(missing_token_file, jp_fetch):
    status, error = await error_of(jp_fetch, "identity")
    assert (status, error["code"]) == (500, "source_unreadable")
    assert "missing-token" in error["message"]


async def test_unexpected_exception_is_a_500_without_details(hub_env, jp_fetch, monkeypatch):
    async def broken(self):
        raise RuntimeError("internal detail that must stay on the server")

    monkeypatch.setattr(IdTokenService, "refresh", broken)
    status, error = await error_of(jp_fetch, "identity", "refresh", method="POST")
    assert (status, error["code"]) == (500, "internal")
    assert "internal detail" not in error["message"]
    assert "server log" in error["message"]


async def test_tornado_errors_are_json_too(hub_env, jp_fetch):
    status, error = await error_of(jp_fetch, "identity", method="PUT")
    assert (status, error["code"]) == (405, "http_405")
    assert hub_env.calls == 0


# -- access ----------------------------------------------------------------------------------


async def test_unauthenticated_requests_are_refused(hub_env, jp_fetch):
    for parts, method in ((("identity",), "GET"), (("identity", "refresh"), "POST")):
        status, error = await error_of(
            jp_fetch, *parts, method=method, headers={"Authorization": ""}
        )
        assert (status, error["code"]) == (403, "forbidden")
    assert hub_env.calls == 0


@pytest.mark.parametrize(
    "jp_server_config", [server_config(HubUserIdentityProvider={"username": "mallory"})]
)
async def test_other_users_are_forbidden(hub_env, jp_fetch):
    # The server belongs to alice (JUPYTERHUB_USER); mallory reaches it (e.g. hub sharing).
    for parts, method in ((("identity",), "GET"), (("identity", "refresh"), "POST")):
        status, error = await error_of(jp_fetch, *parts, method=method)
        assert (status, error["code"]) == (403, "forbidden")
        assert "owner" in error["message"]
    assert hub_env.calls == 0


@pytest.mark.parametrize(
    "jp_server_config", [server_config(HubUserIdentityProvider={"username": "mallory"})]
)
async def test_outside_a_hub_the_authenticated_user_is_the_owner(env_token, jp_fetch):
    response, body = await call(jp_fetch, "identity")
    assert (response.code, body["source"]) == (200, "env")


async def test_cookie_authenticated_post_needs_the_xsrf_token(hub_env, jp_fetch, jp_serverapp):
    assert not jp_serverapp.web_app.settings.get("disable_check_xsrf")
    login, _ = await call(jp_fetch, "identity")  # token-authenticated: sets the login cookie
    cookie = cookie_of(login)
    as_browser = {"Authorization": "", "Cookie": cookie}
    # The cookie alone does not authorise a GET (issue 11: GETs make the server call the hub
    # and Vault; a cross-site <img> or fetch could send the cookie)...
    status, error = await error_of(jp_fetch, "identity", headers=as_browser)
    assert (status, error["code"]) == (403, "forbidden")
    assert "xsrf" in error["message"].lower()
    # ...even with a same-site Referer (jupyter_server's GET fallback is not used)...
    status, _ = await error_of(
        jp_fetch, "identity", headers={**as_browser, "Referer": "http://localhost/lab"}
    )
    assert status == 403
    # ...nor a POST without the XSRF token (a cross-site form could send the cookie)...
    status, error = await error_of(
        jp_fetch, "identity", "refresh", method="POST", headers=as_browser
    )
    assert (status, error["code"]) == (403, "forbidden")
    assert "xsrf" in error["message"].lower()
    # ...while the same POST with a matching _xsrf cookie and header (what JupyterLab sends) works.
    xsrf = "0123456789abcdef"
    response, body = await call(
        jp_fetch,
        "identity",
        "refresh",
        method="POST",
        headers={"Authorization": "", "Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
    )
    assert (response.code, body["source"]) == (200, "hub")
    response, _ = await call(
        jp_fetch,
        "identity",
        headers={"Authorization": "", "Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
    )
    assert response.code == 200
    assert hub_env.calls == 2


# -- logs ------------------------------------------------------------------------------------


async def test_no_secret_in_any_log_record(hub_env, jp_fetch, jp_serverapp, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    server_token = jp_serverapp.identity_provider.token
    served = hub_env.id_token
    await call(jp_fetch, "identity")
    await call(jp_fetch, "identity", "refresh", method="POST")
    hub_env.status = 403
    await error_of(jp_fetch, "identity", "refresh", method="POST")
    hub_env.status = 200
    hub_env.serve_token("garbage-token-value")
    await error_of(jp_fetch, "identity", "refresh", method="POST")

    async def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(IdTokenService, "refresh", broken)
    # A token in the URL (allowed by jupyter_server) must not reach the log with the traceback.
    await error_of(
        jp_fetch,
        "identity",
        "refresh",
        method="POST",
        headers={"Authorization": ""},
        params={"token": server_token},
    )
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [caplog.text]  # formatted, with tracebacks
    )
    # The run was logged (requests, the hub failures, the unexpected error)...
    assert "vault-jwt/identity" in logged
    assert "login_required (HTTP 401)" in logged
    assert "unexpected error answering POST" in logged
    assert "RuntimeError: boom" in logged
    # ...without any secret.
    for secret in (served, "garbage-token-value", HUB_TOKEN, server_token, "opaque-access-token"):
        assert secret not in logged, secret
    assert OWNER in logged  # sanity: the user name is not a secret, and the log is the real one


@pytest.mark.parametrize(
    "jp_server_config", [server_config(HubUserIdentityProvider={"username": "mallory"})]
)
async def test_a_refusal_does_not_log_a_token_in_the_url(hub_env, jp_fetch, jp_serverapp, caplog):
    caplog.set_level(logging.DEBUG)
    server_token = jp_serverapp.identity_provider.token
    status, _ = await error_of(
        jp_fetch, "identity", headers={"Authorization": ""}, params={"token": server_token}
    )
    assert status == 403  # authenticated by the URL token, but mallory is not the owner
    assert "only its owner may use this API" in caplog.text
    assert server_token not in caplog.text
