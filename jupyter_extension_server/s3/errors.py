"""Errors of the object storage credentials (STS ``AssumeRoleWithWebIdentity``): a code the
panel switches on, an HTTP status and a message that says what to do. Never a token, a key or a
reply body in a message.
"""

from __future__ import annotations

from ..errors import VaultJwtError


class S3Error(VaultJwtError):
    """Base of the object storage errors."""

    code = "s3_error"
    status = 502


class S3NotConfigured(S3Error):
    """No STS endpoint is configured (``c.S3Credentials.endpoint``)."""

    code = "s3_not_configured"
    status = 503


class S3NoCredentials(S3Error):
    """The call needs credentials and there are none (never asked for, or dropped by the user)."""

    code = "s3_no_credentials"
    status = 409


class StsUnreachable(S3Error):
    """The STS endpoint could not be reached (connection refused, DNS, reset)."""

    code = "sts_unreachable"
    status = 502


class StsTlsError(S3Error):
    """The STS endpoint's TLS certificate could not be verified."""

    code = "sts_tls"
    status = 502


class StsTimeout(S3Error):
    """The STS endpoint did not answer in time."""

    code = "sts_timeout"
    status = 504


class StsRefused(S3Error):
    """The STS refused the request for a reason the other classes do not name."""

    code = "sts_refused"
    status = 403


class StsRoleNotTrusted(StsRefused):
    """The role's trust policy does not let this identity (provider, audience, claims) in."""

    code = "sts_role_not_trusted"


class StsRoleNotFound(StsRefused):
    """The role ARN is not known to the STS."""

    code = "sts_role_not_found"


class StsAudienceRejected(StsRefused):
    """The id_token's audience is not a client id the STS's OIDC provider accepts."""

    code = "sts_audience_rejected"


class StsIdTokenExpired(StsRefused):
    """The STS says the id_token has expired (or is not valid yet: clock skew)."""

    code = "sts_id_token_expired"
    status = 401
    #: What the STS said, as the message quotes it (`` (the STS said: …)``), or empty.
    said: str = ""


class StsInvalidIdToken(StsRefused):
    """The STS does not accept the id_token (unknown issuer, bad signature, malformed)."""

    code = "sts_invalid_id_token"


class S3AccessDenied(S3Error):
    """The object storage refused the credentials an operation (the role's policy)."""

    code = "s3_access_denied"
    status = 403


class S3ProfileError(S3Error):
    """The credentials file could not be written (or holds something we must not touch)."""

    code = "s3_profile_error"
    status = 500


class S3NoSuchBucket(S3Error):
    """The bucket asked for does not exist at the object storage."""

    code = "s3_no_such_bucket"
    status = 404


class StsClockSkew(StsIdTokenExpired):
    """The STS calls the id_token expired (or not valid yet) while this server's clock says it
    is valid: the clocks of the STS, the identity provider and this server disagree."""

    code = "sts_clock_skew"
