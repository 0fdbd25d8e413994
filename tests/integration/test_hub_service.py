"""Least privilege on the real hub (demo/jupyterhub_config.py: configure_jupyterhub): no token
of a user or of their server reads auth_state from any hub route; the hub's id_token service
answers each caller with their own id_token and nothing else; and the extension still gets a
fresh id_token before expiry (60 s tokens in scripts/test.sh)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from integration_stack import (
    HUB_API_URL,
    HUB_URL,
    SERVICE_NAME,
    SERVICE_URL,
    ask_service,
    personal_token,
    server_token_of,
    service_id_token,
    unverified_claims,
    verify_id_token,
    wait_until_hub_refreshes,
)


@pytest.fixture(scope="module")
def alice_server(alice):
    alice.start_server("alice")
    try:
        assert alice.open_server("alice").status_code == 200
        yield
    finally:
        alice.stop_server("alice")


def hub_get(token: str, path: str) -> httpx.Response:
    return httpx.get(
        f"{HUB_URL}/hub/api{path}", headers={"Authorization": f"token {token}"}, timeout=30
    )


def assert_no_auth_state(response: httpx.Response, where: str) -> None:
    text = response.text
    for secret_key in ("access_token", "refresh_token", "id_token"):
        assert secret_key not in text, f"{where}: {secret_key} in the reply"
    assert "eyJ" not in text, f"{where}: a JWT in the reply"
    if response.headers.get("content-type", "").startswith("application/json"):
        bodies = response.json()
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if isinstance(body, dict):
                assert body.get("auth_state") is None, f"{where}: auth_state in the reply"


def test_no_token_of_alice_or_her_server_reads_auth_state_from_any_hub_route(alice, alice_server):
    server_token = server_token_of("alice")
    tokens = {
        "the server's $JUPYTERHUB_API_TOKEN": server_token,
        "a personal token (every scope alice has)": personal_token(alice),
    }
    token_ids = [t["id"] for t in alice.api("GET", "/users/alice/tokens").json()["api_tokens"]]
    # Every hub route a user's token may GET that returns a user model, a list of them, or a
    # token, server, share, group or service model.
    paths = [
        "/user",
        "/users/alice",
        "/users/alice?include_stopped_servers=1",
        "/users",
        "/users?include_stopped_servers=1&state=active",
        "/users/alice/tokens",
        *[f"/users/alice/tokens/{token_id}" for token_id in token_ids],
        "/users/alice/shared",
        "/shares/alice",
        "/groups",
        "/services",
        f"/services/{SERVICE_NAME}",
        "/info",
        "/",
    ]
    answered = 0
    for what, token in tokens.items():
        for path in paths:
            response = hub_get(token, path)
            assert response.status_code in (200, 403, 404), (what, path, response.status_code)
            answered += response.status_code == 200
            assert_no_auth_state(response, f"GET {path} with {what}")
        # The one route that writes and answers a user model with auth_state needs admin.
        response = httpx.patch(
            f"{HUB_URL}/hub/api/users/alice",
            json={"name": "alice"},
            headers={"Authorization": f"token {token}"},
        )
        assert response.status_code == 403, (what, response.status_code)
        assert_no_auth_state(response, f"PATCH /users/alice with {what}")
        # What the tokens may do, as the hub says: the service, never auth_state.
        scopes = hub_get(token, "/user").json()["scopes"]
        assert f"access:services!service={SERVICE_NAME}" in scopes, (what, scopes)
        assert not [s for s in scopes if "auth_state" in s or s.startswith("admin:")], scopes
    assert answered >= 10, answered  # the routes really answered, not only refused


def test_the_service_answers_the_owners_id_token_and_nothing_else(alice, alice_server):
    server_token = server_token_of("alice")
    direct_url = f"{httpx.get(f'{HUB_URL}/hub/api/services/{SERVICE_NAME}', headers={'Authorization': f'token {server_token}'}).json()['url']}/services/{SERVICE_NAME}/"  # noqa: E501
    for token in (server_token, personal_token(alice)):
        for url in (SERVICE_URL, direct_url):
            for user in (None, "alice"):
                token_ = service_id_token(token, user=user, url=url)
                claims = verify_id_token(token_)
                assert claims["preferred_username"] == "alice"
                assert claims["exp"] > time.time()
        response = ask_service(token)
        assert response.headers["cache-control"] == "no-store"
        assert set(response.json()) == {"id_token"}


def test_the_service_refuses_another_users_token_for_someone_else(alice, bob):
    bob_token = personal_token(bob)
    response = ask_service(bob_token, user="alice")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "wrong_user")
    assert "eyJ" not in response.text
    # Without a name, bob gets bob's token: there is no way to ask for someone else's.
    assert verify_id_token(service_id_token(bob_token))["preferred_username"] == "bob"


def test_the_service_refuses_unauthenticated_calls(alice):
    response = ask_service(None)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthenticated")
    # alice's hub login cookies do not count: only a token in the Authorization header.
    response = alice.client.get(f"{SERVICE_URL}id-token")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthenticated")
    response = ask_service("not-a-hub-token")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "login_required")
    assert "eyJ" not in response.text
    for method in ("PUT", "DELETE"):
        response = httpx.request(method, f"{SERVICE_URL}id-token")
        assert response.status_code == 405


def test_the_extension_gets_a_fresh_id_token_before_expiry(alice, alice_server):
    """With 60 s tokens: the hub refreshes alice's id_token when the server asks the service
    for it within the lead time, and the extension serves the new, still valid one."""
    xsrf = {"X-XSRFToken": alice.client.cookies.get("_xsrf", path="/user/alice/") or ""}

    def refresh() -> str:
        """Refresh, then read the raw token the way the copy action does (GET identity and the
        refresh reply carry claims and a fingerprint only)."""
        response = alice.client.post(
            f"{HUB_URL}/user/alice/vault-jwt/identity/refresh", headers=xsrf
        )
        assert response.status_code == 200, response.text[:300]
        assert "id_token" not in response.json()
        copied = alice.client.post(f"{HUB_URL}/user/alice/vault-jwt/identity/token", headers=xsrf)
        assert copied.status_code == 200, copied.text[:300]
        return copied.json()["id_token"]

    before = refresh()
    wait_until_hub_refreshes(before)
    after = refresh()
    assert after != before
    claims = verify_id_token(after)  # valid: signature, audience, issuer, not expired
    assert claims["exp"] > unverified_claims(before)["exp"]
    assert claims["preferred_username"] == "alice"


def test_the_service_runs_beside_the_hub():
    """It is the hub's managed service: its process has the hub's API URL and its own token."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            entries = environ.read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in entries if b"=" in e)
        if env.get("JUPYTERHUB_SERVICE_NAME") == SERVICE_NAME and (
            env.get("JUPYTERHUB_API_URL") == HUB_API_URL
        ):
            found.append(int(environ.parent.name))
    assert found, "no id_token service process of this hub"
    assert os.getpid() not in found
