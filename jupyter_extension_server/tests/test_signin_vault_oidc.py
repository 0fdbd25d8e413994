"""The Vault OIDC sign-in's parts that need no Vault: the pending sign-ins (session-bound,
single use, expiry), the source chain, and the redaction of httpx's request log. The flows
themselves run against the real OpenBao and Keycloak in tests/signin/test_vault_oidc.py."""

from __future__ import annotations

import logging

import pytest
from traitlets import TraitError

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.signin import pending as pending_store
from jupyter_extension_server.signin.errors import SignInReplayed, SignInStateMismatch
from jupyter_extension_server.signin.pending import session_digest
from jupyter_extension_server.signin.vault_oidc import (
    PendingLogins,
    VaultOidcLogin,
    VaultOidcSource,
)


def login(state: str, session: str = "cookie", created: float | None = None) -> VaultOidcLogin:
    import time

    return VaultOidcLogin(
        vault_state=state,
        client_nonce=f"nonce-of-{state}",
        session=session_digest(session),
        url=f"https://idp.example/auth?state={state}",
        user_code=None,
        interval=5,
        created=time.time() if created is None else created,
    )


def test_a_state_is_taken_once_from_its_own_session():
    pending = PendingLogins()
    pending.add(login("s1"))
    with pytest.raises(SignInStateMismatch, match="another browser session"):
        pending.take("s1", "another-cookie")
    with pytest.raises(SignInStateMismatch, match="unknown or expired"):
        pending.take("forged", "cookie")
    taken = pending.take("s1", "cookie")  # neither refusal spent it
    assert taken.client_nonce == "nonce-of-s1"
    assert "nonce" not in repr(taken)
    with pytest.raises(SignInReplayed):
        pending.take("s1", "cookie")


def test_a_sign_in_being_finished_stays_latest_until_its_block_ends():
    """The panel polls while a sign-in is pending: the callback's exchange (seconds on a busy
    machine) must not show it "signed out", or the panel stops polling before it is signed in."""
    pending = PendingLogins()
    pending.add(login("s1"))
    with pending.finishing("s1", "cookie") as taken:
        assert taken.vault_state == "s1"
        assert pending.latest is taken
        with pytest.raises(SignInReplayed):  # used once, even while it is being finished
            pending.take("s1", "cookie")
    assert pending.latest is None
    pending.add(login("s2"))
    with pytest.raises(RuntimeError), pending.finishing("s2", "cookie"):
        raise RuntimeError("the exchange failed")
    assert pending.latest is None
    with pytest.raises(SignInStateMismatch), pending.finishing("forged", "cookie"):
        pass


def test_expired_and_cancelled_states_are_refused(monkeypatch):
    pending = PendingLogins()
    pending.add(login("old", created=0.0))
    assert pending.latest is None
    with pytest.raises(SignInReplayed):
        pending.take("old", "cookie")
    pending.add(login("s2"))
    pending.cancel()
    with pytest.raises(SignInReplayed):
        pending.take("s2", "cookie")


def test_at_most_max_pending_are_kept(monkeypatch):
    monkeypatch.setattr(pending_store, "MAX_PENDING", 2)
    pending = PendingLogins()
    for state in ("a", "b", "c"):
        pending.add(login(state))
    assert pending.latest is not None and pending.latest.vault_state == "c"
    with pytest.raises(SignInReplayed):
        pending.take("a", "cookie")
    assert pending.take("b", "cookie").vault_state == "b"


def test_the_source_is_used_only_when_named(monkeypatch):
    monkeypatch.delenv("OIDC_ID_TOKEN", raising=False)
    assert IdTokenService().vault_oidc is None  # not in the default chain
    identity = IdTokenService(
        sources=["vault-oidc"], vault_oidc_role="jupyter", vault_oidc_callback_mode="Device"
    )
    source = identity.vault_oidc
    assert isinstance(source, VaultOidcSource)
    assert source.mode == "device" and source.role == "jupyter" and source.mount == "oidc"
    assert identity.signin is None
    assert "no id_token" not in identity.hint and "Sign in" in identity.hint
    with pytest.raises(TraitError):
        IdTokenService(sources=["vault-oidc"], vault_oidc_callback_mode="sideways")


async def test_no_id_token_is_read_from_it():
    identity = IdTokenService(sources=["vault-oidc"])
    assert await identity.current() is None
    assert await identity.refresh() is None
    status = identity.vault_oidc.status()
    assert status["state"] == "signed_out" and status["methods"] == ["vault-oidc"]
    assert status["pending"] is None and status["source"] == "vault-oidc"
    await identity.close()


def test_httpx_request_lines_of_the_callback_lose_their_query(caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d %s"',
        "GET",
        "http://bao/v1/auth/oidc/oidc/callback?state=S&code=THE-CODE&client_nonce=THE-NONCE",
        "HTTP/1.1",
        200,
        "OK",
    )
    assert "oidc/callback" in caplog.text
    assert "THE-CODE" not in caplog.text and "THE-NONCE" not in caplog.text
