"""The browser sign-in (authorization code + PKCE) against the real Keycloak, through the real
routes of a Jupyter server: the pop-up's trip to Keycloak and back to the callback route, the
tokens held and refreshed on the server, and the callbacks that must be refused (a state
mismatch, a replayed callback, another browser session, a declined consent), each with its own
message."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_extension_server.tests.conftest import HubUserIdentityProvider

from .keycloak_user import ISSUER, USERS, _browser, _form, forget_consent

PKCE_CLIENT = "jupyterlab-pkce"


@pytest.fixture
def jp_server_config() -> dict:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        },
        "IdTokenService": {
            "oidc_issuer": ISSUER,
            "oidc_client_id": PKCE_CLIENT,
            "sources": ["browser"],
        },
    }


async def call(jp_fetch, route: str, method: str = "GET", **kwargs):
    """(status, body) of a route under vault-jwt/; JSON when it is."""
    if method == "POST":
        kwargs.setdefault("body", b"")
    try:
        response = await jp_fetch("vault-jwt", *route.split("/"), method=method, **kwargs)
    except HTTPClientError as e:
        response = e.response
    text = response.body.decode()
    try:
        return response.code, json.loads(text)
    except ValueError:
        return response.code, text


def at_keycloak(url: str, username: str = "alice", *, accept: bool = True) -> str:
    """The pop-up at Keycloak: log in, consent; returns where Keycloak sends it back."""
    with _browser() as popup:
        popup.follow_redirects = False

        def within_keycloak(page: httpx.Response) -> httpx.Response:
            # Follow Keycloak's own redirects; stop at the one leaving it (to the callback).
            while page.status_code in (302, 303):
                target = page.url.join(page.headers["location"])
                if not str(target).startswith(ISSUER):
                    break
                page = popup.get(target)
            return page

        page = within_keycloak(popup.get(url))
        page = within_keycloak(
            popup.post(
                _form(page, "kc-form-login"),
                data={"username": username, "password": USERS[username], "credentialId": ""},
            )
        )
        if page.status_code == 200 and 'name="accept"' in page.text:
            code = re.search(r'name="code" value="([^"]+)"', page.text)
            choice = {"accept": "Yes"} if accept else {"cancel": "No"}
            page = within_keycloak(popup.post(_form(page), data={"code": code.group(1), **choice}))
        assert page.status_code in (302, 303), (page.status_code, page.text[:300])
        return page.headers["location"]


async def start(jp_fetch, **kwargs) -> str:
    status, body = await call(jp_fetch, "signin/browser", "POST", **kwargs)
    assert status == 200, body
    assert body["state"] == "pending" and body["pending"]["method"] == "browser"
    url = body["pending"]["authorization_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert "code_verifier" not in url
    return url


async def back(jp_fetch, location: str, **kwargs):
    """The pop-up arrives at the callback route (as the browser would, with its query)."""
    parts = urlsplit(location)
    assert parts.path.endswith("/vault-jwt/signin/callback"), location
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return await call(jp_fetch, "signin/callback", params=params, **kwargs)


async def test_browser_sign_in_then_the_callback_cannot_be_replayed(jp_fetch):
    status, body = await call(jp_fetch, "signin")
    assert body["configured"] and body["methods"] == ["browser"] and body["state"] == "signed_out"
    url = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, url)

    status, page = await back(jp_fetch, location)
    assert status == 200 and "You are signed in" in page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_in" and body["method"] == "browser"
    status, identity = await call(jp_fetch, "identity")
    assert identity["source"] == "browser"
    assert identity["claims"]["preferred_username"] == "alice"
    assert "jupyterhub" in identity["claims"]["aud"]

    # The same callback again: refused as a replay, and the sign-in is unchanged.
    status, page = await back(jp_fetch, location)
    assert status == 400 and "signin_replayed" in page and "already used" in page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_in"

    status, body = await call(jp_fetch, "signin/signout", "POST")
    assert status == 200 and body["revoked"] is True and body["state"] == "signed_out"
    status, identity = await call(jp_fetch, "identity")
    assert identity["claims"] is None


async def test_a_callback_with_another_state_is_refused(jp_fetch):
    url = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, url)
    forged = re.sub(r"state=[^&]+", "state=forged-state", location)
    status, page = await back(jp_fetch, forged)
    assert status == 400 and "signin_state_mismatch" in page
    # The genuine callback still works: a refused one does not spend the state.
    status, page = await back(jp_fetch, location)
    assert status == 200, page


async def test_a_callback_in_another_browser_session_is_refused(jp_fetch):
    url = await start(jp_fetch, headers={"Cookie": "_xsrf=session-of-the-user"})
    location = await asyncio.to_thread(at_keycloak, url)
    status, page = await back(jp_fetch, location, headers={"Cookie": "_xsrf=someone-else"})
    assert status == 400 and "signin_state_mismatch" in page and "another browser session" in page


async def test_declined_at_keycloak_is_signin_denied(jp_fetch):
    await asyncio.to_thread(forget_consent, "bob", PKCE_CLIENT)
    url = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, url, "bob", accept=False)
    status, page = await back(jp_fetch, location)
    assert status == 403 and "signin_denied" in page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_out" and body["error"]["code"] == "signin_denied"


def test_keycloak_refuses_a_redirect_uri_it_does_not_list():
    # The client's redirect URIs are what keeps the code from going elsewhere.
    response = httpx.get(
        f"{ISSUER}/protocol/openid-connect/auth",
        params={
            "client_id": PKCE_CLIENT,
            "redirect_uri": "https://evil.example/callback",
            "response_type": "code",
            "scope": "openid",
        },
        timeout=60,
    )
    assert response.status_code == 400
