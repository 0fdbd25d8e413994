"""Keeping the sign-in across server restarts (opt-in), with the real Keycloak: signed in from
the panel's device flow, the service is created again as a restarted server does; with
persistence on it is still signed in (the saved refresh token is used), off it is not, with
another key the saved sign-in is ignored and logged; sign-out removes the file and revokes."""

from __future__ import annotations

import logging

import jwt
import pytest

from jupyter_extension_server.identity import IdTokenService

from .conftest import wait_for
from .keycloak_user import DEVICE_CLIENT, ISSUER, refresh_grant
from .test_device_keycloak import FLOW_TIMEOUT, sign_in

pytestmark = pytest.mark.asyncio


def service(tmp_path, *, persist: bool = True, key: str = "key") -> IdTokenService:
    return IdTokenService(
        oidc_issuer=ISSUER,
        oidc_client_id=DEVICE_CLIENT,
        sources=["device"],
        persist_signin=persist,
        persist_file=str(tmp_path / "data" / "signin.enc"),
        persist_key=str(tmp_path / "keys" / key),  # /tmp: outside the home
    )


async def test_signed_in_after_a_restart_only_with_persistence_and_its_key(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    saved = tmp_path / "data" / "signin.enc"
    first = service(tmp_path)
    try:
        await sign_in(first)
        await wait_for(
            lambda: first.signin.status()["state"] == "signed_in", FLOW_TIMEOUT, "sign-in"
        )
        identity = await first.current()
        assert identity is not None
        await wait_for(saved.exists, 30, "the saved sign-in")
    finally:
        await first.close()  # the server stops: the tokens in memory are gone
    assert saved.stat().st_mode & 0o777 == 0o600
    data = saved.read_bytes()
    assert identity.id_token.encode() not in data
    assert b"eyJ" not in data  # no JWT (id_token, Keycloak's refresh token) in clear

    # Off: a restarted server does not use the file.
    off = service(tmp_path, persist=False)
    try:
        assert not off.signin.signed_in and await off.current() is None
    finally:
        await off.close()

    # Another key: ignored, with a log line that holds no token.
    other = service(tmp_path, key="other-key")
    try:
        assert not other.signin.signed_in and await other.current() is None
        assert "cannot be decrypted" in caplog.text
    finally:
        await other.close()

    # On, with its key: signed in again, without a browser.
    again = service(tmp_path)
    try:
        assert again.signin.signed_in and again.signin.status()["state"] == "signed_in"
        restored = await again.current()
        assert restored is not None and restored.id_token != identity.id_token
        claims = jwt.decode(restored.id_token, options={"verify_signature": False})
        assert claims["preferred_username"] == "alice" and claims["iss"] == ISSUER
        assert "signed in again with the saved sign-in" in caplog.text
        refresh_token = again.signin._tokens.refresh_token

        # Sign-out: the file goes, and Keycloak no longer takes the refresh token.
        assert await again.signin.sign_out() is True
        assert not saved.exists()
        assert refresh_grant(refresh_token).status_code == 400
    finally:
        await again.close()
    assert identity.id_token not in caplog.text and refresh_token not in caplog.text

    # Nothing saved any more: a restart is signed out.
    last = service(tmp_path)
    try:
        assert not last.signin.signed_in
    finally:
        await last.close()
