"""The refresh_user_hook of jupyter_extension_server.hub against the REAL Keycloak token
endpoint, inside a real GenericOAuthenticator configured by demo/jupyterhub_config.py (the
same file the hub runs), called the way the hub calls it: ``authenticator.refresh_user``."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
import pytest
from integration_stack import (
    CLIENT_ID,
    CLIENT_SECRET,
    KC_URL,
    end_keycloak_session,
    oidc_configuration,
    unverified_claims,
    verify_id_token,
)
from oauthenticator.generic import GenericOAuthenticator
from traitlets.config import PyFileConfigLoader

DEMO = Path(__file__).resolve().parents[2] / "demo"


class HubUser:
    """The part of jupyterhub.user.User that refresh_user uses."""

    def __init__(self, name: str, auth_state: dict | None):
        self.name = name
        self._auth_state = auth_state

    async def get_auth_state(self):
        return self._auth_state


@pytest.fixture
def demo_authenticator(monkeypatch, tmp_path):
    """Build a GenericOAuthenticator from demo/jupyterhub_config.py with a given lead time."""

    def build(lead_seconds: float) -> GenericOAuthenticator:
        monkeypatch.setenv("STACK_DIR", str(tmp_path))
        monkeypatch.setenv("KC_URL", KC_URL)
        monkeypatch.setenv("HUB_REFRESH_LEAD_SECONDS", str(lead_seconds))
        monkeypatch.setenv("JUPYTERHUB_CRYPT_KEY", secrets.token_hex(32))
        config = PyFileConfigLoader("jupyterhub_config.py", path=str(DEMO)).load_config()
        authenticator = GenericOAuthenticator(config=config)
        assert authenticator.token_url == oidc_configuration()["token_endpoint"]
        assert authenticator.refresh_user_hook.lead_seconds == lead_seconds
        return authenticator

    return build


async def log_in(authenticator: GenericOAuthenticator, username: str, password: str) -> dict:
    """auth_state as after a login, made by the authenticator itself from Keycloak's answer
    (password grant instead of the browser's authorization code: same token response)."""
    token_info = await authenticator.get_token_info(
        None,
        {
            "grant_type": "password",
            "username": username,
            "password": password,
            "scope": " ".join(authenticator.scope),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    model = await authenticator._token_to_auth_model(token_info)
    assert model["name"] == username
    return model["auth_state"]


def lifespan(id_token: str) -> int:
    claims = unverified_claims(id_token)
    return claims["exp"] - claims["iat"]


@pytest.mark.asyncio
async def test_near_expiry_id_token_is_refreshed_by_keycloak(demo_authenticator):
    # Any id_token of this realm is "near expiry" when the lead time exceeds its lifespan.
    probe = demo_authenticator(60)
    state = await log_in(probe, "alice", "alice-password")
    authenticator = demo_authenticator(lifespan(state["id_token"]) + 60)
    await asyncio.sleep(1.1)  # Keycloak's exp has a one-second resolution

    model = await authenticator.refresh_user(HubUser("alice", state))

    assert isinstance(model, dict), f"expected a new auth model, got {model!r}"
    assert model["name"] == "alice"
    new = model["auth_state"]
    assert set(new) == set(state)  # same shape as after a login
    assert new["id_token"] != state["id_token"]
    old_claims = verify_id_token(state["id_token"])
    claims = verify_id_token(new["id_token"])  # signed by Keycloak, valid, for our client
    assert claims["exp"] > old_claims["exp"]
    assert claims["iat"] > old_claims["iat"]
    assert claims["sid"] == old_claims["sid"]  # the same Keycloak session, refreshed
    assert claims["preferred_username"] == "alice"
    assert "management" in claims["groups"]
    assert new["oauth_user"]["preferred_username"] == "alice"
    assert new["access_token"] != state["access_token"]


@pytest.mark.asyncio
async def test_id_token_far_from_expiry_is_kept(demo_authenticator):
    authenticator = demo_authenticator(0)
    state = await log_in(authenticator, "alice", "alice-password")

    assert await authenticator.refresh_user(HubUser("alice", state)) is True


@pytest.mark.asyncio
async def test_ended_keycloak_session_means_log_in_again(demo_authenticator):
    probe = demo_authenticator(60)
    state = await log_in(probe, "bob", "bob-password")
    authenticator = demo_authenticator(lifespan(state["id_token"]) + 60)
    end_keycloak_session(state["refresh_token"])

    # What Keycloak itself answers to that refresh_token now:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            oidc_configuration()["token_endpoint"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": state["refresh_token"],
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"

    assert await authenticator.refresh_user(HubUser("bob", state)) is False


@pytest.mark.asyncio
async def test_invalid_refresh_token_means_log_in_again(demo_authenticator):
    probe = demo_authenticator(60)
    state = await log_in(probe, "alice", "alice-password")
    authenticator = demo_authenticator(lifespan(state["id_token"]) + 60)
    forged = dict(state, refresh_token=state["refresh_token"][:-8] + "AAAAAAAA")

    assert await authenticator.refresh_user(HubUser("alice", forged)) is False
