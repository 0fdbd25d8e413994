"""Sign-in through Vault's own OIDC auth method, end to end: the real Keycloak, the real OpenBao
(auth/oidc as Keycloak's client ``vault-oidc``, seeded by demo/openbao_seed.py) and a real
Jupyter server's routes. The pop-up's trip goes to Keycloak and back to the Jupyter server's
callback (callback_mode=client), or Keycloak's device page with OpenBao polling
(callback_mode=device), or back to OpenBao itself (callback_mode=direct); then the Vault session
holds the token and the catalog lists. And the callbacks that must be refused: a replayed one,
one from another browser session, a forged state, and the code without the client nonce.
"""

from __future__ import annotations

import asyncio
import os
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from jupyter_extension_server.tests.conftest import HubUserIdentityProvider

from .keycloak_user import _browser, approve
from .test_browser_keycloak import at_keycloak, call

OPENBAO_ADDR = os.environ.get("OPENBAO_ADDR", "http://127.0.0.1:18200")
ROOT_TOKEN_FILE = os.environ.get("OPENBAO_ROOT_TOKEN_FILE", "")
MOUNT = "oidc"
#: A role of this test: allowed_redirect_uris must list the test server's callback exactly
#: (pytest-jupyter's base_url is /a%40b/; OpenBao ignores the port on loopback).
ROLE = "jupyter-pytest"
CALLBACK = "a%40b/vault-jwt/signin/vault-oidc/callback"


def root() -> httpx.Client:
    with open(ROOT_TOKEN_FILE) as f:
        token = f.read().strip()
    return httpx.Client(
        base_url=f"{OPENBAO_ADDR}/v1/", headers={"X-Vault-Token": token}, timeout=60
    )


#: A role whose tokens reach their max TTL within the test.
SHORT_ROLE = "jupyter-pytest-short"


@pytest.fixture(scope="module", autouse=True)
def pytest_role() -> None:
    """The seeded auth/oidc, plus a role whose redirect URIs are this test server's."""
    if not ROOT_TOKEN_FILE:
        pytest.fail("OPENBAO_ROOT_TOKEN_FILE is not set: run through scripts/test.sh")
    with root() as bao:
        assert bao.get(f"auth/{MOUNT}/config").status_code == 200, "seed auth/oidc first"
        role = bao.get(f"auth/{MOUNT}/role/jupyter").json()["data"]
        keep = ("bound_audiences", "user_claim", "groups_claim", "oidc_scopes", "claim_mappings")
        body = {k: role[k] for k in keep}
        body.update(
            role_type="oidc",
            token_policies=["default"],
            token_ttl="2m",  # noqa: S106 (a duration)
            token_max_ttl="10m",  # noqa: S106
            allowed_redirect_uris=[f"http://{h}/{CALLBACK}" for h in ("localhost", "127.0.0.1")],
        )
        reply = bao.post(f"auth/{MOUNT}/role/{ROLE}", json=body)
        assert reply.status_code in (200, 204), reply.text
        short = {**body, "token_ttl": "15s", "token_max_ttl": "40s"}
        reply = bao.post(f"auth/{MOUNT}/role/{SHORT_ROLE}", json=short)
        assert reply.status_code in (200, 204), reply.text


def server_config(tmp_path, mode: str = "client", role: str = ROLE) -> dict:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        },
        "IdTokenService": {
            "sources": ["vault-oidc"],
            "vault_oidc_role": role,
            "vault_oidc_callback_mode": mode,
        },
        "VaultSession": {
            "address": OPENBAO_ADDR,
            "token_file": str(tmp_path / "vault-token"),
        },
    }


@pytest.fixture
def jp_server_config(tmp_path, request) -> dict:
    mode, role = getattr(request, "param", ("client", ROLE))
    return server_config(tmp_path, mode, role)


async def start(jp_fetch, **kwargs) -> dict:
    status, body = await call(jp_fetch, "signin/vault-oidc", "POST", **kwargs)
    assert status == 200, body
    assert body["state"] == "pending" and body["method"] == "vault-oidc", body
    pending = body["pending"]
    assert pending["method"] == "vault-oidc" and pending["authorization_url"]
    return pending


async def back(jp_fetch, location: str, **kwargs):
    """The pop-up arrives at the Jupyter server's callback route, with Keycloak's query."""
    parts = urlsplit(location)
    assert parts.path.endswith("/vault-jwt/signin/vault-oidc/callback"), location
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return await call(jp_fetch, "signin/vault-oidc/callback", params=params, **kwargs)


async def assert_signed_in_and_lists(jp_fetch, tmp_path) -> None:
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_in" and body["source"] == "vault-oidc", body
    status, vault = await call(jp_fetch, "vault")
    assert vault["state"] == "logged_in" and vault["auth_mount"] == MOUNT, vault
    assert "kv-all" in vault["token"]["policies"]  # alice's group, mapped on auth/oidc
    status, identity = await call(jp_fetch, "identity")
    assert identity["source"] == "vault-oidc" and identity["claims"] is None
    assert "no id_token" in identity["hint"]
    who = identity["vault_identity"]
    assert who["display_name"].endswith("alice") and who["metadata"]["username"] == "alice"
    assert (tmp_path / "vault-token").stat().st_mode & 0o777 == 0o600
    status, catalog = await call(jp_fetch, "vault/catalog")
    assert status == 200, catalog
    mounts = {m["path"]: m for m in catalog["mounts"]}
    assert "secret/" in mounts and mounts["secret/"]["secrets"], catalog


async def test_vault_oidc_sign_in_lists_then_the_callback_cannot_be_replayed(jp_fetch, tmp_path):
    status, body = await call(jp_fetch, "signin")
    assert body["configured"] and body["methods"] == ["vault-oidc"]
    assert body["state"] == "signed_out"
    status, vault = await call(jp_fetch, "vault/login", "POST")
    assert status == 401 and vault["error"]["code"] == "vault_oidc_signin_ended"

    pending = await start(jp_fetch)
    query = parse_qs(urlsplit(pending["authorization_url"]).query)
    assert query["redirect_uri"][0].endswith("/a%40b/vault-jwt/signin/vault-oidc/callback")
    assert "client_nonce" not in pending["authorization_url"]
    location = await asyncio.to_thread(at_keycloak, pending["authorization_url"])

    status, page = await back(jp_fetch, location)
    assert status == 200 and "signed in to Vault" in page, page
    await assert_signed_in_and_lists(jp_fetch, tmp_path)
    token = (tmp_path / "vault-token").read_text().strip()

    # The same callback again: refused as a replay before Vault is asked; still signed in.
    status, page = await back(jp_fetch, location)
    assert status == 400 and "signin_replayed" in page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_in"

    status, body = await call(jp_fetch, "signin/signout", "POST")
    assert status == 200 and body["state"] == "signed_out", body
    status, vault = await call(jp_fetch, "vault")
    assert vault["state"] == "logged_out"
    async with httpx.AsyncClient(timeout=30) as http:
        lookup = await http.get(
            f"{OPENBAO_ADDR}/v1/auth/token/lookup-self", headers={"X-Vault-Token": token}
        )
    assert lookup.status_code == 403  # revoked at sign-out
    assert not (tmp_path / "vault-token").exists()


async def test_a_callback_of_another_session_or_state_is_refused(jp_fetch):
    pending = await start(jp_fetch, headers={"Cookie": "_xsrf=session-of-the-user"})
    location = await asyncio.to_thread(at_keycloak, pending["authorization_url"])
    status, page = await back(jp_fetch, location, headers={"Cookie": "_xsrf=someone-else"})
    assert status == 400 and "signin_state_mismatch" in page and "another browser session" in page
    forged = re.sub(r"state=[^&]+", "state=forged-state", location)
    status, page = await back(jp_fetch, forged, headers={"Cookie": "_xsrf=session-of-the-user"})
    assert status == 400 and "signin_state_mismatch" in page
    # Neither spent the state: the genuine callback still signs in.
    status, page = await back(jp_fetch, location, headers={"Cookie": "_xsrf=session-of-the-user"})
    assert status == 200, page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_in"
    await call(jp_fetch, "signin/signout", "POST")


async def test_the_code_without_the_client_nonce_is_refused_by_vault(jp_fetch):
    # Someone who caught the pop-up's redirect (state and code) but not the server's nonce.
    pending = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, pending["authorization_url"])
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    async with httpx.AsyncClient(timeout=60) as http:
        stolen = await http.get(
            f"{OPENBAO_ADDR}/v1/auth/{MOUNT}/oidc/callback",
            params={"state": query["state"], "code": query["code"]},
        )
    assert stolen.status_code == 400 and "client_nonce" in stolen.text
    assert "client_token" not in stolen.text
    # Vault dropped the sign-in it refused: the genuine callback now fails with its message.
    status, page = await back(jp_fetch, location)
    assert status == 400 and "vault_oidc_refused" in page
    status, body = await call(jp_fetch, "signin")
    assert body["state"] == "signed_out" and body["error"]["code"] == "vault_oidc_refused"


@pytest.mark.parametrize("jp_server_config", [("client", SHORT_ROLE)], indirect=True)
async def test_at_the_max_ttl_the_panel_asks_to_sign_in_again(jp_fetch, tmp_path):
    pending = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, pending["authorization_url"])
    status, page = await back(jp_fetch, location)
    assert status == 200, page
    first = (tmp_path / "vault-token").read_text().strip()
    assert first
    # Renewed as usual until the max TTL (40 s), then no login can make another token.
    renewed = ended = None
    deadline = asyncio.get_running_loop().time() + 150
    while ended is None:
        assert asyncio.get_running_loop().time() < deadline, "the sign-in never ended"
        _, vault = await call(jp_fetch, "vault")
        if vault["state"] == "logged_in" and vault["token"]["expire_time"] > (
            vault["token"]["issue_time"] + 16
        ):
            renewed = True
        _, body = await call(jp_fetch, "signin")
        if body["state"] == "signed_out":
            ended = body
        await asyncio.sleep(1)
    assert renewed, "the token was never renewed"
    assert ended["error"]["code"] == "vault_oidc_signin_ended", ended
    assert "Sign in" in ended["error"]["message"]
    _, vault = await call(jp_fetch, "vault")
    assert vault["state"] == "logged_out"
    assert vault["error"]["code"] == "vault_oidc_signin_ended"
    assert not (tmp_path / "vault-token").exists()  # the expired token's file is released
    async with httpx.AsyncClient(timeout=30) as http:
        lookup = await http.get(
            f"{OPENBAO_ADDR}/v1/auth/token/lookup-self", headers={"X-Vault-Token": first}
        )
    assert lookup.status_code == 403


@pytest.mark.parametrize("jp_server_config", [("client", "no-such-role")], indirect=True)
async def test_an_unknown_role_says_so(jp_fetch):
    status, body = await call(jp_fetch, "signin/vault-oidc", "POST")
    assert status == 502 and body["error"]["code"] == "vault_oidc_unavailable", body
    assert "no-such-role" in body["error"]["message"]


@pytest.mark.parametrize("jp_server_config", [("device", "jupyter-device")], indirect=True)
async def test_callback_mode_device_openbao_polls_keycloak(jp_fetch, tmp_path):
    pending = await start(jp_fetch)
    url = pending["authorization_url"]
    code = pending["user_code"] or parse_qs(urlsplit(url).query)["user_code"][0]
    verification = url.split("?", 1)[0]
    await asyncio.to_thread(approve, verification, code)
    await wait_for_signed_in(jp_fetch)
    await assert_signed_in_and_lists(jp_fetch, tmp_path)
    await call(jp_fetch, "signin/signout", "POST")


def at_openbao(location: str) -> None:
    """The pop-up arrives at OpenBao's own callback (direct mode). OpenBao shows a page that
    asks to confirm the sign-in (its button reloads the page with ``confirmation=1``): the
    user confirms."""
    assert location.startswith(OPENBAO_ADDR), location
    with _browser() as popup:
        page = popup.get(location)
        assert page.status_code == 200 and "confirm-button" in page.text, page.text[:300]
        page = popup.get(f"{location}&confirmation=1")
        assert page.status_code == 200, (page.status_code, page.text[:300])
        assert "confirm-button" not in page.text


@pytest.mark.parametrize("jp_server_config", [("direct", "jupyter-direct")], indirect=True)
async def test_callback_mode_direct_the_popup_returns_to_openbao(jp_fetch, tmp_path):
    pending = await start(jp_fetch)
    location = await asyncio.to_thread(at_keycloak, pending["authorization_url"])
    await asyncio.to_thread(at_openbao, location)
    await wait_for_signed_in(jp_fetch)
    await assert_signed_in_and_lists(jp_fetch, tmp_path)
    await call(jp_fetch, "signin/signout", "POST")


async def wait_for_signed_in(jp_fetch) -> None:
    state: dict = {}

    async def poll() -> None:
        state["body"] = (await call(jp_fetch, "signin"))[1]

    deadline = asyncio.get_running_loop().time() + 120
    while True:
        await poll()
        if state["body"]["state"] == "signed_in":
            return
        assert state["body"]["state"] == "pending", state["body"]
        assert asyncio.get_running_loop().time() < deadline, "never signed in"
        await asyncio.sleep(0.5)
