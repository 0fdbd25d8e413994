"""The object storage transport warnings: plain http to a host that is not loopback, for the STS
and for the S3 API, named with the setting to change (no network: the service is only built)."""

from __future__ import annotations

import logging

import pytest

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.s3 import S3Credentials


@pytest.fixture
def identity(tmp_path, monkeypatch):
    for var in ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "OIDC_ID_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return IdTokenService(env_var="", token_file=str(tmp_path / "id_token"), sources=["file"])


def build(identity, tmp_path, **config) -> S3Credentials:
    return S3Credentials(
        identity=identity,
        role_arn="arn:aws:iam::1:role/r",
        credentials_file=str(tmp_path / "credentials"),
        **config,
    )


@pytest.mark.parametrize(
    ("config", "host", "setting"),
    [
        (
            {"endpoint": "http://sts.example.org:8333"},
            "sts.example.org",
            "c.S3Credentials.endpoint",
        ),
        (
            {"endpoint": "https://sts.example.org", "s3_endpoint": "http://10.0.0.7:9000"},
            "10.0.0.7",
            "c.S3Credentials.s3_endpoint",
        ),
    ],
)
def test_plain_http_to_another_host_is_named_with_its_setting(
    identity, tmp_path, caplog, config, host, setting
):
    with caplog.at_level(logging.WARNING):
        s3 = build(identity, tmp_path, **config)
    warning = s3.tls_warning
    assert warning is not None
    assert warning.startswith(f"Object storage is reached over plain http:// at {host}:")
    assert f"({setting})" in warning
    assert "Vault" not in warning  # not the Vault session's words
    assert s3.status().tls_warning == warning
    assert warning in caplog.text  # logged once at start, as Vault's is


@pytest.mark.parametrize(
    "config",
    [
        {"endpoint": "https://sts.example.org"},
        {"endpoint": "http://127.0.0.1:8333"},
        {"endpoint": "http://localhost:8333", "s3_endpoint": "http://[::1]:9000"},
        {},  # object storage off
    ],
)
def test_https_loopback_and_off_do_not_warn(identity, tmp_path, config):
    assert build(identity, tmp_path, **config).tls_warning is None
