"""Vault settings read like the Vault CLI reads them, and transport warnings (issue 11, item 7)."""

from __future__ import annotations

import logging

import pytest
from traitlets import TraitError

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.vault.session import VaultSession, parse_go_bool, plain_http_warning

GO_TRUE = ["1", "t", "T", "TRUE", "true", "True"]
GO_FALSE = ["0", "f", "F", "FALSE", "false", "False"]
NOT_GO = ["yes", "no", "on", "off", "y", "tRuE", " true", "2", "enabled"]


@pytest.fixture(autouse=True)
def _no_vault_env(monkeypatch):
    for name in ("VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY", "VAULT_ADDR", "BAO_ADDR"):
        monkeypatch.delenv(name, raising=False)


def session(**traits) -> VaultSession:
    identity = IdTokenService(hub_api_url="", hub_user="", hub_api_token="", env_var="")
    return VaultSession(identity=identity, token_file="", **traits)


@pytest.mark.parametrize("value", GO_TRUE + GO_FALSE)
def test_parse_go_bool_accepts_what_strconv_accepts(value):
    assert parse_go_bool(value, "X") is (value in GO_TRUE)


@pytest.mark.parametrize("value", NOT_GO)
def test_parse_go_bool_refuses_the_rest(value):
    with pytest.raises(ValueError, match="not a boolean the Vault CLI accepts"):
        parse_go_bool(value, "VAULT_SKIP_VERIFY")


@pytest.mark.parametrize(("value", "verify"), [("true", False), ("1", False), ("False", True)])
def test_skip_verify_from_the_environment(monkeypatch, value, verify):
    monkeypatch.setenv("VAULT_SKIP_VERIFY", value)
    assert session(address="https://vault.example.org").tls_verify is verify


def test_an_unparsable_skip_verify_is_an_error_at_start_not_on(monkeypatch):
    # Was: "yes" turned verification off, where the Vault CLI refuses the value.
    monkeypatch.setenv("VAULT_SKIP_VERIFY", "yes")
    with pytest.raises(TraitError, match="VAULT_SKIP_VERIFY='yes'"):
        session(address="https://vault.example.org")
    monkeypatch.delenv("VAULT_SKIP_VERIFY")
    monkeypatch.setenv("BAO_SKIP_VERIFY", "on")
    with pytest.raises(TraitError, match="BAO_SKIP_VERIFY"):
        session(address="https://vault.example.org")
    # An explicit setting does not read the environment.
    assert session(address="https://vault.example.org", tls_verify=True).tls_verify is True


@pytest.mark.parametrize(
    "address",
    ["http://vault.example.org:8200", "http://10.0.0.5:8200", "HTTP://vault", "http://[fd00::1]"],
)
def test_plain_http_to_another_host_warns(address):
    assert "plain http://" in plain_http_warning(address)


@pytest.mark.parametrize(
    "address",
    [
        "https://vault.example.org",
        "http://127.0.0.1:8200",
        "http://127.3.4.5",
        "http://localhost:8200",
        "http://[::1]:8200",
        "http://vault.localhost",
    ],
)
def test_https_and_loopback_do_not_warn(address):
    assert plain_http_warning(address) is None


def test_the_warning_is_logged_once_and_in_the_status(caplog):
    caplog.set_level(logging.WARNING)
    s = session(address="http://vault.example.org:8200")
    warnings = [r for r in caplog.records if "plain http://" in r.getMessage()]
    assert len(warnings) == 1
    s.status()
    s.status()
    assert len([r for r in caplog.records if "plain http://" in r.getMessage()]) == 1
    assert "vault.example.org" in s.status().tls_warning
    assert session(address="https://vault.example.org").status().tls_warning is None
