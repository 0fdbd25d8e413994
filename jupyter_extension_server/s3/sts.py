"""One STS call: ``AssumeRoleWithWebIdentity`` (an unsigned form POST) and its XML reply.

The request is the AWS query API's form (``Action``, ``Version``, ``RoleArn``,
``RoleSessionName``, ``WebIdentityToken``, ``DurationSeconds``), which AWS, MinIO, Ceph RGW and
SeaweedFS all accept. The reply is parsed with ``defusedxml`` (entities and DTDs refused), by local
names, so the namespace the server uses does not matter. A refusal becomes the specific error of
:mod:`.errors`; the STS's own words are kept (shortened, anything shaped like a JWT removed).
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .errors import (
    S3Error,
    StsAudienceRejected,
    StsClockSkew,
    StsIdTokenExpired,
    StsInvalidIdToken,
    StsRefused,
    StsRoleNotFound,
    StsRoleNotTrusted,
    StsTimeout,
    StsTlsError,
    StsUnreachable,
)

#: STS API version of the query protocol.
STS_VERSION = "2011-06-15"
#: Largest STS reply read (a reply is a few KiB).
MAX_REPLY_BYTES = 256 * 1024
#: Longest part of the STS's own message repeated to the user.
MAX_DETAIL = 300
#: An id_token the STS calls expired that this server's clock says is valid for longer than this
#: (seconds) means the clocks disagree.
SKEW_MARGIN_SECONDS = 5.0

_JWT_LIKE = re.compile(r"eyJ[\w-]{4,}\.[\w-]*\.?[\w-]*")
_SESSION_NAME_UNSAFE = re.compile(r"[^\w+=,.@-]")


@dataclass(frozen=True)
class StsCredentials:
    """Temporary credentials from the STS (never logged: see ``__repr__``).

    Attributes
    ----------
    access_key_id, secret_access_key, session_token
        The three parts the SDKs need.
    expiration
        When they expire (timezone-aware).
    assumed_role_arn
        The ARN of the assumed role session, when the STS says it.
    """

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    assumed_role_arn: str = ""

    def __repr__(self) -> str:
        return f"StsCredentials(expiration={self.expiration.isoformat()})"


def session_name(name: str) -> str:
    """A ``RoleSessionName`` from a user name: the characters STS allows, 2 to 64 of them."""
    cleaned = _SESSION_NAME_UNSAFE.sub("-", name)[:64]
    return cleaned if len(cleaned) >= 2 else f"jupyter-{cleaned}".rstrip("-") or "jupyter"


def request_form(
    role_arn: str, web_identity_token: str, role_session_name: str, duration_seconds: int | None
) -> dict[str, str]:
    """The form of an ``AssumeRoleWithWebIdentity`` request."""
    form = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": STS_VERSION,
        "RoleArn": role_arn,
        "RoleSessionName": role_session_name,
        "WebIdentityToken": web_identity_token,
    }
    if duration_seconds:
        form["DurationSeconds"] = str(int(duration_seconds))
    return form


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: Any, name: str) -> str | None:
    for element in root.iter():
        if _local(element.tag) == name:
            return (element.text or "").strip()
    return None


def _parse_xml(body: bytes) -> Any:
    try:
        return ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as e:
        raise S3Error("The STS answered something that is not an STS reply (not XML).") from e


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def parse_credentials(body: bytes) -> StsCredentials:
    """The credentials of a successful ``AssumeRoleWithWebIdentityResponse``.

    Raises
    ------
    S3Error
        When the reply is not XML or lacks a part.
    """
    root = _parse_xml(body)
    parts = {
        name: _find(root, name)
        for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
    }
    missing = [name for name, value in parts.items() if not value]
    if missing:
        raise S3Error(f"The STS reply lacks {', '.join(missing)}: is the endpoint an STS?")
    try:
        expiration = _time(parts["Expiration"] or "")
    except ValueError as e:
        raise S3Error("The STS reply's Expiration is not an ISO 8601 time.") from e
    return StsCredentials(
        access_key_id=parts["AccessKeyId"] or "",
        secret_access_key=parts["SecretAccessKey"] or "",
        session_token=parts["SessionToken"] or "",
        expiration=expiration,
        assumed_role_arn=_find(root, "Arn") or "",
    )


def _detail(message: str) -> str:
    cleaned = _JWT_LIKE.sub("<token>", " ".join(message.split()))
    return cleaned[:MAX_DETAIL]


def refusal(status: int, body: bytes, role_arn: str) -> S3Error:
    """The specific error of an STS error reply (``ErrorResponse`` with ``Code`` and
    ``Message``; AWS, MinIO, Ceph RGW and SeaweedFS codes)."""
    try:
        root = _parse_xml(body)
    except S3Error:
        code, message = "", ""
    else:
        code, message = _find(root, "Code") or "", _find(root, "Message") or ""
    said = f" (the STS said: {code}: {_detail(message)})" if code or message else ""
    lower = message.lower()
    if status >= 500 or code in ("ServiceUnavailable", "InternalError", "InternalFailure"):
        return S3Error(f"The STS failed (HTTP {status}){said}; it is tried again by itself.")
    if code == "ExpiredTokenException" or "expired" in lower or "not valid yet" in lower:
        expired = StsIdTokenExpired(
            f"The STS says the id_token has expired or is not valid yet{said}. A fresh one is "
            "read from your identity provider by itself; if this stays, check the clocks of the "
            "STS and the identity provider (clock skew)."
        )
        expired.said = said
        return expired
    if "audience" in lower or code == "InvalidAudience":
        return StsAudienceRejected(
            f"The STS does not accept the id_token's audience{said}: add the client id of your "
            "JupyterHub (the token's 'aud') to the STS's OIDC provider (client ids), or set "
            "c.S3Credentials.use_access_token if your STS expects the access token."
        )
    if "role not found" in lower or code in ("NoSuchEntity", "NoSuchRole"):
        return StsRoleNotFound(
            f"The STS does not know the role {role_arn}{said}: check c.S3Credentials.role_arn."
        )
    if "trust policy" in lower or "not authorized to perform sts:assumerolewithwebidentity" in (
        lower
    ):
        return StsRoleNotTrusted(
            f"The role {role_arn} does not trust your identity{said}: its trust policy must "
            "allow sts:AssumeRoleWithWebIdentity for your identity provider (Federated "
            "principal), your token's audience and your groups."
        )
    if code in ("InvalidIdentityToken", "InvalidParameterValue", "IDPRejectedClaim"):
        return StsInvalidIdToken(
            f"The STS does not accept the id_token{said}: its OIDC provider must name your "
            "identity provider's issuer and be able to read its keys (JWKS)."
        )
    return StsRefused(f"The STS refused the credentials (HTTP {status}){said}.")


def name_clock_skew(error: StsIdTokenExpired, exp: float, now: float) -> StsIdTokenExpired:
    """The STS called the id_token expired (or not valid yet): when this server's clock says it
    is valid for longer than :data:`SKEW_MARGIN_SECONDS`, that is clock skew, named as such.

    Parameters
    ----------
    error
        The STS's refusal.
    exp
        The id_token's ``exp`` (epoch seconds).
    now
        This server's clock.
    """
    left = exp - now
    if left <= SKEW_MARGIN_SECONDS:
        return error  # expired by this server's clock too: a fresh one is read by itself
    skew = StsClockSkew(
        f"The STS says the id_token has expired or is not valid yet, but by this server's clock "
        f"it is valid for {int(left)} s more{error.said}: the clocks of the STS, "
        "your identity provider and this server disagree (clock skew). Synchronise them (NTP); "
        "the credentials are asked for again by themselves."
    )
    return skew


async def assume_role_with_web_identity(
    client: httpx.AsyncClient,
    endpoint: str,
    form: dict[str, str],
) -> StsCredentials:
    """POST the form to the STS and return the credentials.

    Raises
    ------
    S3Error
        A subclass naming what failed (unreachable, TLS, timeout, refusals).
    """
    try:
        async with client.stream("POST", endpoint, data=form) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_REPLY_BYTES:
                    raise S3Error(f"The STS reply is larger than {MAX_REPLY_BYTES} bytes.")
            status = response.status_code
    except httpx.TimeoutException as e:
        raise StsTimeout(f"The STS at {endpoint} did not answer in time.") from e
    except httpx.ConnectError as e:
        if isinstance(e.__context__, ssl.SSLError) or "CERTIFICATE" in str(e).upper():
            raise StsTlsError(
                f"The TLS certificate of {endpoint} could not be verified ({_detail(str(e))}): "
                "set c.S3Credentials.ca_cert (or AWS_CA_BUNDLE) to your CA's PEM file."
            ) from e
        raise StsUnreachable(
            f"The STS at {endpoint} cannot be reached ({type(e).__name__}); it is tried again "
            "by itself."
        ) from e
    except httpx.TransportError as e:
        raise StsUnreachable(
            f"The STS at {endpoint} cannot be reached ({type(e).__name__}); it is tried again "
            "by itself."
        ) from e
    if status != 200:
        raise refusal(status, body, form.get("RoleArn", ""))
    return parse_credentials(body)
