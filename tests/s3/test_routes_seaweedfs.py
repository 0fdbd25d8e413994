"""The object storage routes of a real Jupyter server, against the real SeaweedFS STS and a real
Keycloak id_token: renew, status, buckets, revoke; never a key or a token in a reply."""

from __future__ import annotations

import json
import stat

import pytest
from conftest import ROLE, S3_ENDPOINT, id_token
from tornado.httpclient import HTTPClientError

from jupyter_extension_server.tests.conftest import HubUserIdentityProvider


@pytest.fixture
def token() -> str:
    return id_token("bob")


@pytest.fixture
def paths(tmp_path, token):
    id_file = tmp_path / "id_token"
    id_file.write_text(token)
    return id_file, tmp_path / "home" / ".aws" / "credentials"


@pytest.fixture
def jp_server_config(paths) -> dict:
    id_file, credentials = paths
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        },
        "IdTokenService": {
            "hub_api_url": "",
            "hub_user": "",
            "hub_api_token": "",
            "env_var": "",
            "token_file": str(id_file),
            "sources": ["file"],
        },
        "S3Credentials": {
            "endpoint": S3_ENDPOINT,
            "role_arn": ROLE.format("reader"),
            "duration_seconds": 900,
            "credentials_file": str(credentials),
        },
    }


async def call(jp_fetch, route: str, method: str = "GET", params: dict | None = None):
    """(status, JSON body, raw text) of a route under vault-jwt/."""
    kwargs: dict = {"body": b""} if method == "POST" else {}
    if params is not None:
        kwargs["params"] = params
    try:
        response = await jp_fetch("vault-jwt", *route.split("/"), method=method, **kwargs)
    except HTTPClientError as e:
        response = e.response
    text = response.body.decode()
    return response.code, json.loads(text), text


async def test_renew_status_buckets_revoke_through_the_routes(jp_fetch, paths, token):
    _, credentials = paths
    code, body, _ = await call(jp_fetch, "s3")
    assert code == 200 and body["configured"] and not body["active"]

    code, body, text = await call(jp_fetch, "s3/renew", "POST")
    assert code == 200, body
    assert body["active"] and body["error"] is None and body["role_arn"] == ROLE.format("reader")
    keys = credentials.read_text()
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    secret = next(line.split(" = ", 1)[1] for line in keys.splitlines() if "secret" in line)
    session_token = next(line.split(" = ", 1)[1] for line in keys.splitlines() if "session" in line)
    for value in (secret, session_token, token):
        assert value not in text

    code, body, _ = await call(jp_fetch, "s3/buckets")
    assert (code, body) == (200, {"buckets": ["reader-data"]})

    code, body, _ = await call(
        jp_fetch, "s3/objects", params={"bucket": "reader-data", "prefix": ""}
    )
    assert code == 200 and body["bucket"] == "reader-data" and not body["truncated"]
    assert [o["key"] for o in body["objects"]] == ["team.csv"]
    code, body, _ = await call(jp_fetch, "s3/objects", params={"bucket": "management-data"})
    assert code == 403 and body["error"]["code"] == "s3_access_denied"
    code, body, _ = await call(
        jp_fetch, "s3/objects", params={"bucket": "reader-data", "prefix": "../"}
    )
    assert code == 400 and body["error"]["code"] == "unsafe_path"

    code, body, _ = await call(jp_fetch, "s3/revoke", "POST")
    assert code == 200 and not body["active"] and body["revoked_by_user"]
    assert credentials.read_text() == ""
    code, body, _ = await call(jp_fetch, "s3/buckets")
    assert code == 409 and body["error"]["code"] == "s3_no_credentials"


@pytest.fixture
def untrusted(jp_server_config) -> dict:
    jp_server_config["S3Credentials"]["role_arn"] = ROLE.format("untrusted")
    return jp_server_config


async def test_a_refusal_is_a_specific_error_reply(untrusted, jp_fetch, token):
    code, body, text = await call(jp_fetch, "s3/renew", "POST")
    assert code == 403 and body["error"]["code"] == "sts_role_not_trusted"
    assert token not in text
    code, body, _ = await call(jp_fetch, "s3")
    assert body["error"]["code"] == "sts_role_not_trusted" and not body["active"]
