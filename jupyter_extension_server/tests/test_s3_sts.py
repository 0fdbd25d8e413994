"""Parsing STS replies (defused XML) and naming its refusals. The replies are written here the
way AWS, MinIO and SeaweedFS send them (plain text, no server: the real STS is in tests/s3)."""

from __future__ import annotations

import pytest

from jupyter_extension_server.s3 import errors
from jupyter_extension_server.s3.buckets import parse_buckets
from jupyter_extension_server.s3.sts import parse_credentials, refusal, session_name

OK = b"""<?xml version="1.0" encoding="UTF-8"?>
<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleWithWebIdentityResult><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/alice</Arn>
</AssumedRoleUser><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey>
<SessionToken>tok</SessionToken><Expiration>2026-12-07T08:11:00Z</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"""


def error(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
        f"</Type><Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>"
    ).encode()


def test_credentials_are_parsed_and_kept_out_of_repr():
    c = parse_credentials(OK)
    assert (c.access_key_id, c.secret_access_key, c.session_token) == ("ASIA1", "s3cr3t", "tok")
    assert c.expiration.isoformat() == "2026-12-07T08:11:00+00:00"
    assert c.assumed_role_arn == "arn:aws:sts::1:assumed-role/r/alice"
    assert "s3cr3t" not in repr(c) and "tok" not in repr(c)


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',  # entities refused (billion laughs)
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',  # external entity
        b"not xml",
        OK.replace(b"<SessionToken>tok</SessionToken>", b""),
        OK.replace(b"2026-12-07T08:11:00Z", b"tomorrow"),
    ],
)
def test_hostile_or_broken_replies_are_errors(body):
    with pytest.raises(errors.S3Error):
        parse_credentials(body)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, error("ExpiredTokenException", "Token has expired"), errors.StsIdTokenExpired),
        (
            400,
            error("InvalidParameterValue", "invalid token: token audience matches none"),
            errors.StsAudienceRejected,
        ),
        (
            400,
            error("InvalidIdentityToken", "Incorrect token audience"),
            errors.StsAudienceRejected,
        ),
        (
            403,
            error("AccessDenied", "trust policy validation failed: trust policy denies"),
            errors.StsRoleNotTrusted,
        ),
        (
            403,
            error("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
            errors.StsRoleNotTrusted,
        ),
        (403, error("AccessDenied", "role not found: x"), errors.StsRoleNotFound),
        (400, error("InvalidIdentityToken", "issuer mismatch"), errors.StsInvalidIdToken),
        (403, error("AccessDenied", "no"), errors.StsRefused),
        (503, error("ServiceUnavailable", "STS service not ready"), errors.S3Error),
        (502, b"<html>bad gateway</html>", errors.S3Error),
    ],
)
def test_refusals_are_named(status, body, expected):
    e = refusal(status, body, "arn:aws:iam::role/r")
    assert type(e) is expected


def test_a_token_echoed_by_the_sts_is_not_repeated():
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    e = refusal(400, error("InvalidIdentityToken", f"bad token {jwt_like}"), "r")
    assert jwt_like not in e.message and "<token>" in e.message


def test_session_names_are_what_sts_accepts():
    assert session_name("alice@example.org") == "alice@example.org"
    assert session_name("a b/c") == "a-b-c"
    assert session_name("x") == "jupyter-x"
    assert len(session_name("u" * 100)) == 64


def test_bucket_list():
    body = (
        b'<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>'
        b"<Bucket><Name>b2</Name></Bucket><Bucket><Name>a1</Name></Bucket></Buckets>"
        b"</ListAllMyBucketsResult>"
    )
    assert parse_buckets(body) == ["a1", "b2"]
