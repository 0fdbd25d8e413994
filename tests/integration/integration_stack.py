"""Addresses of the real stack and helpers shared by the integration tests (see conftest.py)."""

from __future__ import annotations

import html
import os
import re
import time
from functools import cache
from pathlib import Path

import httpx
import jwt
import pytest

KC_URL = os.environ.get("KC_URL", "http://127.0.0.1:18080").rstrip("/")
KC_REALM_URL = KC_URL if "/realms/" in KC_URL else f"{KC_URL}/realms/jupyterhub"
HUB_URL = os.environ.get("HUB_URL", "http://127.0.0.1:18000").rstrip("/")
CLIENT_ID = "jupyterhub"
CLIENT_SECRET = os.environ.get("KC_CLIENT_SECRET", "jupyterhub-demo-secret")
HUB_REFRESH_LEAD_SECONDS = float(os.environ.get("HUB_REFRESH_LEAD_SECONDS", "60"))
HUB_AUTH_REFRESH_AGE = float(os.environ.get("HUB_AUTH_REFRESH_AGE", "30"))
USERS = {"alice": "alice-password", "bob": "bob-password"}
KC_ADMIN = os.environ.get("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
KC_ADMIN_PASSWORD = os.environ.get("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin")
#: The hub's id_token service (configure_jupyterhub in demo/jupyterhub_config.py), through
#: the proxy's route.
SERVICE_NAME = "vault-jwt-id-token"
SERVICE_URL = f"{HUB_URL}/services/{SERVICE_NAME}/"
#: The hub's REST API itself (scripts/hub.sh: HUB_PORT+81), as its servers see it.
HUB_API_URL = f"http://127.0.0.1:{httpx.URL(HUB_URL).port + 81}/hub/api"


@cache
def oidc_configuration() -> dict:
    response = httpx.get(f"{KC_REALM_URL}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


@cache
def _jwks_client() -> jwt.PyJWKClient:
    return jwt.PyJWKClient(oidc_configuration()["jwks_uri"])


def verify_id_token(token: str) -> dict:
    """The claims of a Keycloak id_token, after checking its signature against the realm's
    JWKS, its issuer, its audience (our client) and that it has not expired."""
    key = _jwks_client().get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=oidc_configuration()["issuer"],
        options={"require": ["exp", "iat", "aud", "iss", "sub"]},
    )
    assert claims["typ"] == "ID"
    return claims


def unverified_claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def password_grant(username: str, scope: str = "openid profile email") -> dict:
    """Tokens for a demo user straight from Keycloak's token endpoint."""
    response = httpx.post(
        oidc_configuration()["token_endpoint"],
        data={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": username,
            "password": USERS[username],
            "scope": scope,
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def end_keycloak_session(refresh_token: str) -> None:
    """Log out at Keycloak (back-channel): the SSO session and its refresh tokens end."""
    response = httpx.post(
        oidc_configuration()["end_session_endpoint"],
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": refresh_token,
        },
        timeout=30,
    )
    assert response.status_code in (200, 204), response.text


def end_keycloak_sessions_as_admin(username: str) -> None:
    """End every Keycloak session of ``username``, as a realm administrator would (Keycloak's
    admin API): the hub's refresh_token for that user stops working."""
    base = KC_REALM_URL.split("/realms/")[0]
    token = httpx.post(
        f"{base}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": KC_ADMIN,
            "password": KC_ADMIN_PASSWORD,
        },
        timeout=30,
    )
    assert token.status_code == 200, token.status_code
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    admin = f"{base}/admin/realms/jupyterhub"
    users = httpx.get(
        f"{admin}/users", params={"exact": "true", "username": username}, headers=headers
    ).json()
    assert len(users) == 1, users
    response = httpx.post(f"{admin}/users/{users[0]['id']}/logout", headers=headers, timeout=30)
    assert response.status_code == 204, response.status_code


def ask_service(token: str | None, *, user: str | None = None, url: str = SERVICE_URL, **kw):
    """``GET {service}id-token`` with ``Authorization: token <token>`` (none when None)."""
    headers = {"Authorization": f"token {token}"} if token is not None else {}
    params = {"user": user} if user is not None else None
    return httpx.get(f"{url}id-token", headers=headers, params=params, timeout=30, **kw)


def service_id_token(token: str, **kwargs) -> str:
    """The id_token the hub's id_token service answers to ``token`` (asserting a 200)."""
    response = ask_service(token, **kwargs)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"id_token"}, set(body)
    return body["id_token"]


def server_token_of(user: str) -> str:
    """``$JUPYTERHUB_API_TOKEN`` of the user's running server, read from its process
    environment (as anyone with a terminal on that server can)."""
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            entries = environ.read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in entries if b"=" in e)
        if (
            env.get("JUPYTERHUB_API_URL") == HUB_API_URL
            and env.get("JUPYTERHUB_USER") == user
            and env.get("JUPYTERHUB_API_TOKEN")
            and "JUPYTERHUB_SERVICE_PREFIX" in env  # a server, not the id_token service
        ):
            return env["JUPYTERHUB_API_TOKEN"]
    pytest.fail(f"no running server of {user} found (JUPYTERHUB_API_URL={HUB_API_URL})")


def personal_token(browser: HubBrowser, note: str = "integration test", **model) -> str:
    """A personal API token the logged-in user makes through the hub API (default scopes:
    everything the user may do)."""
    name = browser.client.get(f"{browser.hub_url}/hub/api/user").json()["name"]
    response = browser.api(
        "POST", f"/users/{name}/tokens", json={"note": note, "expires_in": 3600, **model}
    )
    assert response.status_code == 201, response.text[:300]
    return response.json()["token"]


class HubBrowser:
    """An httpx client that logs in to the hub the way a browser does: the hub's OAuth login,
    Keycloak's login form, back to the hub's callback; cookies kept (hub's and Keycloak's).

    Keycloak marks its cookies ``Secure``; browsers send those over http://127.0.0.1 and
    http://localhost (loopback counts as a secure context), httpx does not: after each response
    the flag is cleared on loopback cookies, which is what a browser effectively does.
    """

    LOOPBACK = frozenset({"127.0.0.1", "localhost"})

    def __init__(self, hub_url: str = HUB_URL):
        self.hub_url = hub_url
        self.client = httpx.Client(
            timeout=60,
            follow_redirects=False,
            event_hooks={"response": [self._loopback_cookies_are_secure]},
        )

    def _loopback_cookies_are_secure(self, response: httpx.Response) -> None:
        for cookie in self.client.cookies.jar:
            if cookie.secure and cookie.domain in self.LOOPBACK:
                cookie.secure = False

    def close(self) -> None:
        self.client.close()

    def login(self, username: str, password: str | None = None) -> None:
        password = password if password is not None else USERS[username]
        response = self.client.get(f"{self.hub_url}/hub/oauth_login")
        assert response.status_code == 302, response.text
        login_page = self.client.get(response.headers["location"])
        assert login_page.status_code == 200, login_page.text[:500]
        assert login_page.url.host == httpx.URL(KC_REALM_URL).host
        match = re.search(r'<form[^>]*\bid="kc-form-login"[^>]*\baction="([^"]+)"', login_page.text)
        assert match, "no login form on Keycloak's page"
        response = self.client.post(
            html.unescape(match.group(1)),
            data={"username": username, "password": password, "credentialId": ""},
        )
        assert response.status_code == 302, f"Keycloak refused the login: {response.status_code}"
        callback = response.headers["location"]
        assert callback.startswith(f"{self.hub_url}/hub/oauth_callback?"), callback
        response = self.client.get(callback)
        assert response.status_code == 302, response.text[:500]
        assert self.client.cookies.get("jupyterhub-hub-login", path="/hub/")

    @property
    def xsrf_headers(self) -> dict[str, str]:
        """Cookie-authenticated POST/DELETE to the hub API need the _xsrf cookie echoed."""
        token = self.client.cookies.get("_xsrf", path="/hub/")
        if not token:
            self.client.get(f"{self.hub_url}/hub/home")
            token = self.client.cookies.get("_xsrf", path="/hub/")
        assert token, "the hub set no _xsrf cookie"
        return {"X-XSRFToken": token}

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if method.upper() not in ("GET", "HEAD"):
            headers.update(self.xsrf_headers)
        return self.client.request(
            method, f"{self.hub_url}/hub/api{path}", headers=headers, **kwargs
        )

    def start_server(self, username: str, timeout: float = 90) -> dict:
        response = self.api("POST", f"/users/{username}/server")
        assert response.status_code in (201, 202, 400), response.text
        if response.status_code == 400:
            assert "already running" in response.text, response.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{username}").json()
            server = model["servers"].get("")
            if server and server.get("ready"):
                return server
            time.sleep(0.5)
        raise AssertionError(f"the server of {username} was not ready within {timeout}s")

    def stop_server(self, username: str, timeout: float = 60) -> None:
        response = self.api("DELETE", f"/users/{username}/server")
        assert response.status_code in (202, 204, 400), response.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.api("GET", f"/users/{username}").json()["servers"]:
                return
            time.sleep(0.5)
        raise AssertionError(f"the server of {username} did not stop within {timeout}s")

    def open_server(self, username: str) -> httpx.Response:
        """Open the user's JupyterLab like a browser: the single-user server's own OAuth
        round trip through the hub leaves its cookie in the jar."""
        response = self.client.get(f"{self.hub_url}/user/{username}/lab", follow_redirects=True)
        return response


def wait_until_hub_refreshes(id_token: str) -> None:
    """Sleep until the hub's next auth refresh for the token's user must refresh this id_token:
    at least auth_refresh_age after the last check, and the token within the lead time."""
    exp = unverified_claims(id_token)["exp"]
    due = max(HUB_AUTH_REFRESH_AGE, exp - HUB_REFRESH_LEAD_SECONDS - time.time()) + 2
    if due > 150:
        pytest.fail(
            f"the hub would refresh this id_token only in {due:.0f}s: start Keycloak with a "
            "short token lifespan (KC_TOKEN_LIFESPAN=60, as scripts/test.sh does) or the hub "
            "with a larger HUB_REFRESH_LEAD_SECONDS",
            pytrace=False,
        )
    time.sleep(due)
