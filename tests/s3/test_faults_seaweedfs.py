"""Faults of the STS named, and recovered from by themselves, against the real SeaweedFS STS
trusting the real Keycloak: TLS with a test CA (a TLS-terminating loopback forwarder in front
of SeaweedFS: tls_forwarder.py), and clock skew (a real id_token that expired at the STS while
this server's clock, faked, runs behind)."""

from __future__ import annotations

import asyncio
import logging
import time

import jwt
import pytest
import pytest_asyncio
from conftest import S3_ENDPOINT, companion, id_token, wait_for
from tls_forwarder import TlsForwarder, make_ca

from jupyter_extension_server.s3 import service
from jupyter_extension_server.s3.errors import StsClockSkew, StsIdTokenExpired, StsTlsError

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def forwarder(tmp_path):
    """https://127.0.0.1:<port> -> the real SeaweedFS; serves a certificate of a test CA."""
    port = int(S3_ENDPOINT.rsplit(":", 1)[1])
    fwd = TlsForwarder(port)
    ca = make_ca(tmp_path, "test-ca")
    fwd.serve(*ca.server_cert(tmp_path, "server"))
    url = await fwd.start()
    yield fwd, url, ca
    await fwd.close()


async def test_tls_verification_is_on_by_default_and_names_an_unknown_ca(tmp_path, forwarder):
    _, url, _ = forwarder
    c = companion(tmp_path, id_token("alice"), endpoint=url)
    try:
        assert c.s3.tls_verify and c.s3.status().tls_verify
        with pytest.raises(StsTlsError) as e:
            await c.s3.renew()
        assert "ca_cert" in e.value.message
        assert c.s3.status().error.code == "sts_tls" and not c.s3.status().active
    finally:
        await c.close()


async def test_the_test_ca_gets_credentials_and_lists_over_tls(tmp_path, forwarder):
    _, url, ca = forwarder
    c = companion(tmp_path, id_token("alice"), endpoint=url, ca_cert=str(ca.pem))
    try:
        await c.s3.renew()
        assert c.s3.status().active and c.s3.status().error is None
        assert await c.s3.buckets() == ["management-data"]  # S3 over the same TLS
        assert [o.key for o in (await c.s3.objects("management-data", "")).objects] == ["team.csv"]
    finally:
        await c.close()


async def test_a_certificate_fixed_at_the_server_recovers_by_itself(tmp_path, forwarder):
    """The server first shows a certificate of another CA; once it serves one of the CA the
    server is configured with, credentials come without any user action."""
    fwd, url, ca = forwarder
    other = make_ca(tmp_path, "other-ca")
    fwd.serve(*other.server_cert(tmp_path, "misissued"))
    c = companion(tmp_path, id_token("alice"), endpoint=url, ca_cert=str(ca.pem))
    try:
        with pytest.raises(StsTlsError):
            await c.s3.renew()
        fwd.serve(*ca.server_cert(tmp_path, "renewed"))
        await wait_for(lambda: c.s3.status().active, 90, "credentials after the certificate fix")
        assert c.s3.status().error is None
    finally:
        await c.close()


async def test_clock_skew_and_an_expired_id_token_are_named_and_recover(tmp_path, caplog):
    """SeaweedFS checks ``exp`` without leeway (and neither ``iat`` nor a missing ``nbf``): a
    real id_token past its ``exp`` at the STS, while this server's clock runs 10 minutes behind
    (faked), is clock skew; with the clock right it is an expired id_token; a fresh id_token in
    the source brings credentials by itself."""
    token = id_token("alice")
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    lifespan = exp - time.time()
    if lifespan > 120:
        pytest.skip("Keycloak's tokens live longer than 2 min here (scripts/test.sh sets 60 s)")
    await wait_for(lambda: time.time() > exp + 2, lifespan + 10, "the id_token to expire")
    behind = [600.0]
    c = companion(tmp_path, token, clock=lambda: time.time() - behind[0])
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(StsClockSkew) as e:
            await c.s3.renew()
        assert "clock" in e.value.message and "s more" in e.value.message
        assert isinstance(e.value, StsIdTokenExpired)  # a kind of it, for callers that ask
        assert c.s3.status().error.code == "sts_clock_skew"
        assert token not in e.value.message and token not in caplog.text

        behind[0] = 0.0  # the clock is right again: the same token is plainly expired
        await wait_for(
            lambda: c.s3.status().error.code == "sts_id_token_expired",
            60,
            "the next attempt to name the expired id_token",
        )
        # A fresh id_token reaches the source (the hub refreshed it): no user action.
        tmp = c.id_token_file.with_suffix(".tmp")
        tmp.write_text(await asyncio.to_thread(id_token, "alice"))
        tmp.replace(c.id_token_file)
        await wait_for(lambda: c.s3.status().active, 90, "credentials with the fresh id_token")
        assert c.s3.status().error is None
    finally:
        await c.close()


async def test_a_new_id_token_after_a_failure_is_tried_at_once(tmp_path, monkeypatch):
    """After a refusal, a new id_token from the source is tried right away, not at the next
    back-off step (pushed an hour away here, so only the new id_token can bring credentials)."""
    monkeypatch.setattr(service, "RETRY_DELAYS", (3600.0,))
    token = id_token("alice")
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    lifespan = exp - time.time()
    if lifespan > 120:
        pytest.skip("Keycloak's tokens live longer than 2 min here (scripts/test.sh sets 60 s)")
    await wait_for(lambda: time.time() > exp + 2, lifespan + 10, "the id_token to expire")
    c = companion(tmp_path, token)
    try:
        with pytest.raises(StsIdTokenExpired):
            await c.s3.renew()
        await c.new_id_token(await asyncio.to_thread(id_token, "alice"))
        await wait_for(lambda: c.s3.status().active, 60, "credentials after the new id_token")
    finally:
        await c.close()
