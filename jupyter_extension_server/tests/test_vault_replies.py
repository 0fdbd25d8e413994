"""The Vault routes' replies: the session's state without its token, errors as codes.

These run the real handlers in a Jupyter server; the Vault session is not logged in (no Vault
is needed: the OpenBao integration tests in tests/openbao cover the live paths).
"""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_extension_server.handlers import vault_reply
from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.vault.session import TokenInfo, VaultSession, VaultStatus

PACKAGE = "jupyter_extension_server"


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {"jpserver_extensions": {PACKAGE: True}},
        "VaultSession": {
            "address": "http://127.0.0.1:9",
            "namespace": "team-a",
            "role": "jupyter",
            "token_file": "",
        },
    }


async def test_state_reply_when_logged_out(jp_fetch):
    response = await jp_fetch("vault-jwt", "vault")
    body = json.loads(response.body)
    assert response.headers["Cache-Control"] == "no-store"
    assert body["configured"] is True and body["state"] == "logged_out"
    assert body["address"] == "http://127.0.0.1:9" and body["namespace"] == "team-a"
    assert body["auth_mount"] == "jwt" and body["role"] == "jupyter"
    assert body["tls_verify"] is True and body["token_file"] is None and body["token"] is None


@pytest.mark.parametrize("route", [("vault", "catalog"), ("vault", "secret", "keys")])
async def test_calls_that_need_a_session_say_so(jp_fetch, route):
    params = {"mount": "secret/", "path": "app/db"} if "keys" in route else {}
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("vault-jwt", *route, params=params)
    assert info.value.code == 409
    assert json.loads(info.value.response.body)["error"]["code"] == "vault_not_logged_in"


async def test_bad_secret_path_is_a_bad_request(jp_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("vault-jwt", "vault", "secret", "keys", params={"mount": "secret/"})
    assert info.value.code == 400
    assert json.loads(info.value.response.body)["error"]["code"] == "bad_request"


def test_reply_never_holds_the_token():
    session = VaultSession(identity=IdTokenService(), address="http://127.0.0.1:9")
    info = TokenInfo("acc", "jwt-alice", ("default", "kv-reader"), "ent", True, 300, 2e9, 1e9)
    status = VaultStatus(**{**session.status().__dict__, "logged_in": True, "token": info})
    body = json.loads(vault_reply(status))
    assert body["state"] == "logged_in"
    assert body["token"]["policies"] == ["default", "kv-reader"]
    assert body["token"]["accessor"] == "acc" and body["token"]["entity_id"] == "ent"
    assert set(body["token"]) == {
        "accessor",
        "display_name",
        "policies",
        "entity_id",
        "renewable",
        "ttl",
        "expire_time",
        "issue_time",
        "max_expire_time",
    }


@pytest.mark.parametrize(
    ("configured", "on_path", "expected"),
    [
        ("bao", {"vault"}, "bao"),
        ("VAULT", {"bao"}, "vault"),
        (None, {"bao"}, "bao"),
        (None, {"bao", "vault"}, "vault"),
        (None, set(), "vault"),
    ],
)
def test_cli_is_configured_or_found_on_path(monkeypatch, configured, on_path, expected):
    """Fake boundary: ``shutil.which`` answers from ``on_path`` instead of the real PATH."""
    monkeypatch.setattr(
        "jupyter_extension_server.vault.session.shutil.which",
        lambda name: f"/usr/bin/{name}" if name in on_path else None,
    )
    session = VaultSession(IdTokenService(), address="http://127.0.0.1:9", cli=configured)
    assert session.cli_name == expected
    assert json.loads(vault_reply(session.status()))["cli"] == expected


def test_cli_rejects_other_programs():
    with pytest.raises(Exception, match="cli"):
        VaultSession(IdTokenService(), address="http://127.0.0.1:9", cli="rm -rf /")
