"""The real hub (demo/jupyterhub_config.py + jupyter_extension_server/hub.py) with the real
Keycloak: log in through the OAuth flow without a browser, start a single-user server, read
the id_token through our server extension (from the hub's id_token service), watch the hub
refresh it, and the 403 paths. What no token of a user can read: test_hub_service.py."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from integration_stack import (
    HUB_URL,
    HubBrowser,
    ask_service,
    end_keycloak_sessions_as_admin,
    personal_token,
    service_id_token,
    unverified_claims,
    verify_id_token,
    wait_until_hub_refreshes,
)

IDENTITY_PATH = "/user/alice/vault-jwt/identity"


@pytest.fixture(scope="module")
def alice_server(alice):
    """alice's single-user server, opened once like a browser would; stopped at the end."""
    alice.start_server("alice")
    try:
        lab = alice.open_server("alice")
        assert lab.status_code == 200, lab.text[:500]
        assert lab.url.path == "/user/alice/lab"
        yield lab
    finally:
        alice.stop_server("alice")


def read_identity(browser: HubBrowser) -> dict:
    # As JupyterLab asks: the login cookie and the XSRF token (checked on GET too, issue 11).
    response = browser.client.get(
        f"{HUB_URL}{IDENTITY_PATH}", headers=_server_xsrf(browser, "alice")
    )
    if response.status_code == 404:
        pytest.fail(
            f"{IDENTITY_PATH} answered 404: the jupyter_server extension "
            "(jupyter_extension_server) is not installed or not enabled in .venv "
            "(scripts/setup.sh pip-installs it)",
            pytrace=False,
        )
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_login_stores_the_id_token_and_the_service_hands_it_to_its_user(alice):
    """The login's id_token is kept in auth_state; alice gets it from the id_token service
    (with a token of hers), never auth_state itself."""
    response = alice.api("GET", "/users/alice")
    assert response.status_code == 200
    assert "auth_state" not in response.json()
    claims = verify_id_token(service_id_token(personal_token(alice)))
    assert claims["preferred_username"] == "alice"
    assert claims["email"] == "alice@example.org"
    assert "management" in claims["groups"]
    # Keycloak's groups became hub groups (manage_groups in the demo config).
    assert "management" in response.json()["groups"]


def test_server_reads_its_owners_id_token_through_the_extension(alice, alice_server):
    """The server role's scopes: with $JUPYTERHUB_API_TOKEN the extension gets alice's fresh
    id_token from the hub's id_token service, behind the proxy."""
    identity = read_identity(alice)
    assert identity["source"] == "hub"
    assert identity["source_detail"] == "JupyterHub service vault-jwt-id-token"
    # GET identity carries the claims, never the raw token (issue 11)...
    assert "id_token" not in identity and "eyJ" not in json.dumps(identity)
    assert identity["claims"]["preferred_username"] == "alice"
    # ...which the copy action fetches with an XSRF-checked POST.
    response = alice.client.post(
        f"{HUB_URL}{IDENTITY_PATH}/token", headers=_server_xsrf(alice, "alice")
    )
    assert response.status_code == 200, response.status_code
    claims = verify_id_token(response.json()["id_token"])
    assert claims["preferred_username"] == "alice"
    assert "management" in claims["groups"]
    assert claims["exp"] > time.time()
    assert claims == identity["claims"] or claims["exp"] >= identity["claims"]["exp"]


def test_hub_refreshes_near_expiry_tokens_and_logs_out_ended_sessions(alice, bob):
    """The refresh_user_hook inside the running hub, run for the caller of the id_token
    service: a near-expiry id_token is replaced on the next auth refresh; a user whose
    Keycloak session ended gets login_required (must log in again)."""
    alice_token, bob_token = personal_token(alice), personal_token(bob)
    before = service_id_token(alice_token)
    bob_before = service_id_token(bob_token)
    assert verify_id_token(bob_before)["preferred_username"] == "bob"
    end_keycloak_sessions_as_admin("bob")

    wait_until_hub_refreshes(before)

    after = service_id_token(alice_token)
    assert after != before, "the hub did not refresh the near-expiry id_token"
    assert verify_id_token(after)["exp"] > unverified_claims(before)["exp"]

    # bob's own token reaches the hub's refresh window on its own schedule.
    wait_until_hub_refreshes(bob_before)
    response = ask_service(bob_token)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "login_required")
    assert bob.api("GET", "/users/bob").status_code == 403


def test_tokens_without_the_scopes_get_403(alice):
    def get_alice(token: str):
        # Token only, no cookies (the hub would fall back to alice's login cookie).
        return httpx.get(
            f"{HUB_URL}/hub/api/users/alice", headers={"Authorization": f"token {token}"}
        )

    assert get_alice("not-a-hub-token").status_code == 403

    def token_with(*scopes: str) -> httpx.Response:
        return alice.api(
            "POST",
            "/users/alice/tokens",
            json={"scopes": list(scopes), "expires_in": 600, "note": "integration test"},
        )

    # Every token may read its owner's name and groups (JupyterHub's "identify" scopes), so
    # a token of alice reads her model, without auth_state; and gets 403 for what it has no
    # scope for.
    response = token_with("access:servers!user=alice")
    assert response.status_code == 201, response.text
    plain = response.json()["token"]
    response = get_alice(plain)
    assert response.status_code == 200
    assert response.json()["name"] == "alice"
    assert "auth_state" not in response.json()
    listing = httpx.get(f"{HUB_URL}/hub/api/users", headers={"Authorization": f"token {plain}"})
    assert listing.status_code == 403
    # alice cannot even make a token that reads her auth_state: she does not have the scope
    # (JupyterHub 5.5 answers 400, "Not assigning requested scopes").
    response = token_with("admin:auth_state!user=alice")
    assert response.status_code in (400, 403), response.status_code
    assert "token" not in response.json()
    # A token without the service's scope is refused by the service.
    response = ask_service(plain)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


def test_other_users_cannot_read_alices_id_token(alice_server):
    mallory = HubBrowser()
    try:
        mallory.login("bob")
        # The hub shows another user's name at most (the demo grants read:users:name, for
        # sharing by name), never their auth_state.
        response = mallory.api("GET", "/users/alice")
        assert response.status_code in (200, 404), response.status_code
        assert "auth_state" not in response.text and "eyJ" not in response.text
        if response.status_code == 200:
            assert set(response.json()) <= {"kind", "name", "admin"}, response.json()
        # Nor can bob use alice's server: the hub does not let him log in to it...
        response = mallory.client.get(f"{HUB_URL}/user/alice/lab", follow_redirects=True)
        assert response.status_code == 403, (response.status_code, response.url)
        assert response.url.path == "/hub/api/oauth2/authorize"
        # ...and without that login the extension answers 403 (JSON API: no redirect).
        response = mallory.client.get(f"{HUB_URL}{IDENTITY_PATH}", follow_redirects=True)
        if response.status_code == 404:
            read_identity(mallory)  # fails with the "extension not installed" message
        assert response.status_code == 403, (response.status_code, response.url)
        assert "id_token" not in response.text
        assert "eyJ" not in response.text
    finally:
        mallory.close()


def _extension_routes() -> list[tuple[str, str]]:
    """``(verb, path)`` of every route of the server companion, from its own route table."""
    from jupyter_extension_server.routes import route_table

    routes = []
    for pattern, handler, _ in route_table(identity=None, vault=None, catalog=None):
        path = pattern.removesuffix("/?")
        for verb in ("get", "post", "put", "patch", "delete"):
            if verb in vars(handler) or any(
                verb in vars(base)
                for base in handler.__mro__[1:-1]
                if base.__module__.startswith("jupyter_extension_server")
            ):
                routes.append((verb.upper(), path))
    assert len(routes) >= 7, routes
    return routes


def _server_xsrf(browser: HubBrowser, owner: str) -> dict[str, str]:
    token = browser.client.cookies.get("_xsrf", path=f"/user/{owner}/")
    return {"X-XSRFToken": token} if token else {}


def _accept_share(browser: HubBrowser, owner: str) -> None:
    """Open a server shared with us: the hub asks to authorize the access; accept, as a user
    clicking "Authorize" would, and land in the owner's JupyterLab."""
    page = browser.open_server(owner)
    assert page.url.path == "/hub/api/oauth2/authorize", page.url
    fields = re.findall(r'<input type="hidden" name="(_xsrf|scopes)" value="([^"]*)"', page.text)
    form = {
        "_xsrf": next(value for name, value in fields if name == "_xsrf"),
        "scopes": [value for name, value in fields if name == "scopes"],
    }
    assert form["scopes"], page.text[:500]
    lab = browser.client.post(str(page.url), data=form, follow_redirects=True)
    assert lab.status_code == 200 and lab.url.path == f"/user/{owner}/lab", (
        lab.status_code,
        lab.url,
    )


def test_a_user_alice_shares_her_server_with_still_gets_403_from_every_route(alice, alice_server):
    """JupyterHub 5 sharing lets bob into alice's server; the extension stays owner-only."""
    response = alice.api("POST", "/shares/alice/", json={"user": "bob"})
    assert response.status_code in (200, 201), response.text
    bob = HubBrowser()
    try:
        bob.login("bob")
        _accept_share(bob, "alice")
        xsrf = _server_xsrf(bob, "alice")
        assert xsrf, "alice's server set no _xsrf cookie for bob"
        # bob is really in: the server's own API answers him...
        contents = bob.client.get(f"{HUB_URL}/user/alice/api/contents", headers=xsrf)
        assert contents.status_code == 200, contents.status_code
        # ...but none of the extension's routes does.
        for verb, path in _extension_routes():
            response = bob.client.request(
                verb,
                f"{HUB_URL}/user/alice{path}",
                headers=xsrf,
                params={"mount": "secret/", "path": "apps/billing/db"},
            )
            assert response.status_code == 403, (verb, path, response.status_code)
            assert response.json()["error"]["code"] == "forbidden", response.text
            assert "eyJ" not in response.text
    finally:
        bob.close()
        alice.api("DELETE", "/shares/alice/", json={"user": "bob"})


def test_every_route_needs_the_xsrf_token(alice, alice_server):
    """Cookie-authenticated requests without X-XSRFToken are refused, GET included (issue 11:
    a cross-site link or <img> to vault/secret/keys?path=../sys/mounts or catalog?refresh=true
    carried the cookie); with it, they work."""
    cross_site = [
        {},  # like curl: no Sec-Fetch headers (JupyterHub itself skips its check for these)
        {"Referer": "https://evil.example/x.html"},
        {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "cross-site"},  # a link on a site
        {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"},  # an <img>
    ]
    for verb, path in _extension_routes():
        for headers in cross_site:
            response = alice.client.request(
                verb,
                f"{HUB_URL}/user/alice{path}",
                headers=headers,
                params={"mount": "secret/", "path": "apps/billing/db", "refresh": "true"},
            )
            if path.endswith(("/signin/callback", "/signin/vault-oidc/callback")):
                # The sign-in callbacks (browser, Vault OIDC) are redirects from the identity
                # provider and carry no XSRF header: their single-use state bound to the browser
                # session is what refuses them (docs/security.md); under a hub no sign-in is
                # configured (409).
                # JupyterHub itself refuses a cross-site no-cors request (403) before it.
                assert response.status_code in (400, 403, 409), (
                    path,
                    headers,
                    response.status_code,
                )
                assert response.status_code == 403 or "signin_" in response.text
                continue
            assert response.status_code == 403, (verb, path, headers, response.status_code)
            assert "eyJ" not in response.text
    response = alice.client.get(
        f"{HUB_URL}/user/alice/vault-jwt/vault/catalog", headers=_server_xsrf(alice, "alice")
    )
    assert response.status_code in (200, 409), response.text[:300]  # 409: not logged in yet
    response = alice.client.post(
        f"{HUB_URL}/user/alice/vault-jwt/identity/refresh", headers=_server_xsrf(alice, "alice")
    )
    assert response.status_code == 200, response.text[:300]
