"""Signed in once, then no browser and no request for 3 minutes with 60 s id_tokens: the server
refreshes the id_token by itself, the Vault session logs in again with each new one, and every
read in between works. Needs Keycloak (tokens of 60 s: scripts/test.sh) and OpenBao with
auth/jwt trusting it (OPENBAO_ADDR; scripts/test.sh seeds it). Asserts no timing: it counts what
happened over the period.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import jwt
import pytest

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.vault.session import VaultSession

from .conftest import wait_for
from .keycloak_user import DEVICE_CLIENT, ISSUER, approve

pytestmark = pytest.mark.asyncio

OPENBAO_ADDR = os.environ.get("OPENBAO_ADDR", "http://127.0.0.1:18200")
PERIOD = 180.0


async def test_three_minutes_without_a_browser_the_vault_session_stays_alive(tmp_path):
    identity = IdTokenService(oidc_issuer=ISSUER, oidc_client_id=DEVICE_CLIENT, sources=["device"])
    token_file = tmp_path / ".vault-token"
    session = VaultSession(
        identity=identity,
        address=OPENBAO_ADDR,
        auth_mount="jwt",
        role="jupyter",
        token_file=str(token_file),
    )
    id_tokens: list[str] = []
    identity.on_new_token(lambda i: id_tokens.append(i.id_token))
    try:
        signin = identity.signin
        await signin.start_device()
        pending = signin.status()["pending"]
        await asyncio.to_thread(approve, pending["verification_uri"], pending["user_code"])
        await wait_for(lambda: id_tokens, 180, "the sign-in")
        lifetime = (lambda c: c["exp"] - c["iat"])(
            jwt.decode(id_tokens[0], options={"verify_signature": False})
        )
        assert lifetime <= 120, "run with short tokens (KC_TOKEN_LIFESPAN=60)"
        await session.login(requested=True)
        assert session.status().logged_in

        vault_tokens: set[str] = set()
        reads = failures = 0
        end = time.monotonic() + PERIOD
        async with httpx.AsyncClient(base_url=OPENBAO_ADDR, timeout=30) as vault:
            while time.monotonic() < end:
                # As a kernel does: whatever token the file holds now.
                token = token_file.read_text().strip()
                vault_tokens.add(token)
                reply = await vault.get(
                    "/v1/auth/token/lookup-self", headers={"X-Vault-Token": token}
                )
                reads += 1
                failures += reply.status_code != 200
                await asyncio.sleep(5)
        assert reads >= 10
        assert failures == 0
        # The id_token was refreshed on the server, and Vault logged in again with the new ones.
        assert len(set(id_tokens)) >= 3
        assert len(vault_tokens) >= 2
        claims = jwt.decode(id_tokens[-1], options={"verify_signature": False})
        assert claims["preferred_username"] == "alice"
        assert session.status().logged_in
    finally:
        await session.close()
        await identity.close()
