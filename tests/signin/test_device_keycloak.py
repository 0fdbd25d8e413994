"""The device sign-in (RFC 8628) against the real Keycloak: sign in as the user on Keycloak's
device page, the refresh before expiry, sign-out's revocation, and the faults (code expired,
consent declined, Keycloak down while polling, wrong client), each with its own message."""

from __future__ import annotations

import asyncio
import logging

import jwt
import pytest
from faultproxy import FaultProxy

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.signin.errors import IdpClientRejected

from .conftest import wait_for
from .keycloak_user import (
    DEVICE_CLIENT,
    ISSUER,
    KC_BASE,
    approve,
    create_device_client,
    delete_client,
    forget_consent,
    refresh_grant,
)

pytestmark = pytest.mark.asyncio

#: Generous on a busy 2-core machine: Keycloak's pages can take many seconds.
FLOW_TIMEOUT = 180


def service(issuer: str = ISSUER, client_id: str = DEVICE_CLIENT) -> IdTokenService:
    return IdTokenService(oidc_issuer=issuer, oidc_client_id=client_id, sources=["device"])


async def sign_in(identity: IdTokenService, username: str = "alice", *, accept: bool = True):
    signin = identity.signin
    assert signin is not None
    await signin.start_device()
    pending = signin.status()["pending"]
    assert signin.status()["state"] == "pending"
    await asyncio.to_thread(
        approve, pending["verification_uri"], pending["user_code"], username, accept=accept
    )
    return pending


async def test_sign_in_on_keycloaks_device_page_then_refresh_and_sign_out(caplog):
    caplog.set_level(logging.DEBUG)
    identity = service()
    try:
        signin = identity.signin
        assert signin is not None
        assert await identity.current() is None
        assert "Not signed in" in (identity.hint or "")
        seen: list[str] = []
        identity.on_new_token(lambda i: seen.append(i.id_token))

        pending = await sign_in(identity)
        assert pending["user_code"] and pending["verification_uri"].startswith(ISSUER)
        assert pending["interval"] >= 1
        await wait_for(lambda: signin.status()["state"] == "signed_in", FLOW_TIMEOUT, "sign-in")
        first = await wait_for(lambda: seen and seen[0], 30, "the identity to fill in")
        claims = jwt.decode(first, options={"verify_signature": False})
        assert claims["preferred_username"] == "alice"
        assert claims["iss"] == ISSUER
        # Vault's role binds the hub's audience; the realm's mapper adds it for this client.
        assert "jupyterhub" in claims["aud"] and DEVICE_CLIENT in claims["aud"]
        assert identity.source is not None and identity.source.name == "device"

        # No browser, no request: the server refreshes by itself before the token expires.
        lifetime = claims["exp"] - claims["iat"]
        await wait_for(lambda: len(seen) >= 2, lifetime + 60, "a refreshed id_token")
        assert seen[1] != first
        fresh = jwt.decode(seen[1], options={"verify_signature": False})
        assert fresh["exp"] > claims["exp"]
        assert (await identity.current()).id_token == seen[1]

        refresh_token = signin._tokens.refresh_token  # the test looks inside, to check revocation
        assert refresh_token
        assert await signin.sign_out() is True
        assert await identity.refresh() is None
        assert signin.status()["state"] == "signed_out"
        refused = await asyncio.to_thread(refresh_grant, refresh_token)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    finally:
        await identity.close()
    # Token hygiene: no token in the logs.
    for token in seen:
        assert token not in caplog.text
    assert refresh_token not in caplog.text


async def test_declined_consent_is_signin_denied():
    forget_consent("bob")
    identity = service()
    try:
        await sign_in(identity, "bob", accept=False)
        signin = identity.signin
        status = await wait_for(
            lambda: (s := signin.status())["state"] == "signed_out" and s, FLOW_TIMEOUT, "refusal"
        )
        assert status["error"]["code"] == "signin_denied"
        assert "declined" in status["error"]["message"]
        assert await identity.current() is None
    finally:
        await identity.close()


async def test_a_code_nobody_approves_expires():
    client_id = await asyncio.to_thread(create_device_client, 10)
    identity = service(client_id=client_id)
    try:
        signin = identity.signin
        await signin.start_device()
        code = signin.status()["pending"]["user_code"]
        status = await wait_for(
            lambda: (s := signin.status())["state"] == "signed_out" and s, 120, "expiry"
        )
        assert status["error"]["code"] == "device_code_expired"
        assert code in status["error"]["message"] and "new code" in status["error"]["message"]
    finally:
        await identity.close()
        await asyncio.to_thread(delete_client, client_id)


async def test_keycloak_down_while_polling_is_reported_and_survived():
    upstream = KC_BASE.removeprefix("http://")
    async with FaultProxy(upstream=upstream) as proxy:
        identity = service(issuer=f"{proxy.url.rstrip('/')}/realms/jupyterhub")
        try:
            signin = identity.signin
            await signin.start_device()
            pending = signin.status()["pending"]
            await proxy.set_mode("closed")
            status = await wait_for(
                lambda: (s := signin.status())["warning"] and s, 120, "the warning"
            )
            assert status["state"] == "pending"
            assert status["warning"]["code"] == "idp_unreachable"
            assert "cannot be reached while waiting" in status["warning"]["message"]
            await proxy.set_mode("pass")
            # The user approves on Keycloak itself; polling goes on through the proxy.
            await asyncio.to_thread(approve, f"{ISSUER}/device", pending["user_code"])
            await wait_for(lambda: signin.status()["state"] == "signed_in", FLOW_TIMEOUT, "sign-in")
            assert signin.status()["warning"] is None
        finally:
            await identity.close()


async def test_keycloak_down_until_the_code_expires_says_so():
    client_id = await asyncio.to_thread(create_device_client, 10)
    upstream = KC_BASE.removeprefix("http://")
    try:
        async with FaultProxy(upstream=upstream) as proxy:
            identity = service(
                issuer=f"{proxy.url.rstrip('/')}/realms/jupyterhub", client_id=client_id
            )
            try:
                signin = identity.signin
                await signin.start_device()
                await proxy.set_mode("closed")
                status = await wait_for(
                    lambda: (s := signin.status())["state"] == "signed_out" and s, 120, "expiry"
                )
                assert status["error"]["code"] == "idp_unreachable"
                assert "expired meanwhile" in status["error"]["message"]
            finally:
                await identity.close()
    finally:
        await asyncio.to_thread(delete_client, client_id)


@pytest.mark.parametrize("client_id", ["no-such-client", "jupyterhub"])
async def test_a_wrong_client_is_refused_with_its_name(client_id):
    # An unknown client (invalid_client), and the hub's confidential client without its secret.
    identity = service(client_id=client_id)
    try:
        with pytest.raises(IdpClientRejected) as refused:
            await identity.signin.start_device()
        assert refused.value.code == "idp_client_rejected"
        assert f"'{client_id}'" in refused.value.message
        status = identity.signin.status()
        assert status["state"] == "signed_out"
        assert status["error"]["code"] == "idp_client_rejected"
    finally:
        await identity.close()
