"""Domain errors of the server companion: a code, an HTTP status and an actionable message.

Each failure the user can act on is a subclass with a fixed ``code`` (the frontend switches on it)
and ``status`` (of the REST reply). The REST handlers turn any :class:`VaultJwtError` into
``{"error": {"code", "message"}}``; the service that raises one logs it (code and status, never a
secret), so handlers do not log it again.

Messages are written for the person in front of JupyterLab: say what failed and what to do. They
never contain a token, a header or a reply body.
"""

from __future__ import annotations

import copy
from typing import ClassVar


class VaultJwtError(Exception):
    """A failure the user can act on.

    Parameters
    ----------
    message
        Human-readable, actionable message (never containing a token).

    Attributes
    ----------
    code
        Machine-readable code the frontend switches on (e.g. ``login_required``).
    status
        HTTP status of the REST reply.
    message
        The message given.
    """

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status})"

    def with_message(self, message: str) -> VaultJwtError:
        """A copy of this error (same class, code and status) with another message."""
        clone = copy.copy(self)
        clone.message = message
        clone.args = (message,)
        return clone


class IdentityError(VaultJwtError):
    """The id_token could not be obtained from its source."""


class LoginRequired(IdentityError):
    """JupyterHub refused the server's token (401/403): the user must log in again."""

    code = "login_required"
    status = 401


class HubUnreachable(IdentityError):
    """JupyterHub's API could not be reached (connection error)."""

    code = "hub_unreachable"
    status = 502


class HubTimeout(IdentityError):
    """JupyterHub's API did not answer within the configured timeout."""

    code = "hub_timeout"
    status = 504


class StaleIdToken(IdentityError):
    """JupyterHub handed out an id_token that has expired: it could not refresh it at the IdP."""

    code = "stale_id_token"
    status = 503


class HubError(IdentityError):
    """JupyterHub's API answered an unexpected status or something that is not a user model."""

    code = "hub_error"
    status = 502


class HubMisconfigured(IdentityError):
    """JupyterHub answered without ``auth_state``: the hub is not set up to share it."""

    code = "hub_misconfigured"
    status = 503


class NoIdToken(IdentityError):
    """``auth_state`` holds no ``id_token``: the identity provider issued none."""

    code = "no_id_token"
    status = 503


class AccessTokenNotAllowed(IdentityError):
    """The hub's id_token service does not hand this server the OIDC access token: the hub's
    administrator has not allowed it (``configure_jupyterhub(c, allow_access_token=True)``),
    or the server's token lacks the scope that allows it."""

    code = "access_token_not_allowed"
    status = 403


class NoAccessToken(IdentityError):
    """There is no usable OIDC access token: the source has none (only the hub's id_token
    service hands one out), the login holds none, or the hub could not refresh it."""

    code = "no_access_token"
    status = 503


class MalformedToken(IdentityError):
    """The source holds something that is not a JWT with a JSON payload and a numeric ``exp``."""

    code = "malformed_token"
    status = 502


class SourceUnreadable(IdentityError):
    """The configured file or environment variable cannot be read or is empty."""

    code = "source_unreadable"
    status = 500


class RefreshRateLimited(IdentityError):
    """The id_token source was read too often lately (``c.IdTokenService.refresh_limit``).

    Parameters
    ----------
    message
        Actionable message.
    retry_after
        Seconds until a read is allowed again (sent as ``Retry-After``).
    """

    code = "refresh_rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(VaultJwtError):
    """The request to the REST API is missing a parameter or has an invalid one."""

    code = "bad_request"
    status = 400


class VaultError(VaultJwtError):
    """A failure talking to Vault/OpenBao."""

    code = "vault_error"
    status = 502


class VaultNotConfigured(VaultError):
    """No Vault address is configured (``c.VaultSession.address``, VAULT_ADDR or BAO_ADDR)."""

    code = "vault_not_configured"
    status = 503


class VaultNotLoggedIn(VaultError):
    """The call needs a Vault session and there is none (the user logged out, or never in)."""

    code = "vault_not_logged_in"
    status = 409


class VaultUnreachable(VaultError):
    """Vault could not be reached (connection refused, DNS, reset...)."""

    code = "vault_unreachable"
    status = 502


class VaultTlsError(VaultError):
    """Vault's TLS certificate could not be verified."""

    code = "vault_tls"
    status = 502


class VaultTimeout(VaultError):
    """Vault did not answer within the configured timeout."""

    code = "vault_timeout"
    status = 504


class VaultSealed(VaultError):
    """Vault answered that it is sealed."""

    code = "vault_sealed"
    status = 503


class VaultHttpError(VaultError):
    """Vault answered an error status.

    Parameters
    ----------
    message
        Actionable message.
    vault_status
        The HTTP status Vault answered.
    errors
        The ``errors`` list of Vault's reply (Vault's own words; never holds a token).
    """

    def __init__(self, message: str, vault_status: int, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.vault_status = vault_status
        self.errors = list(errors or [])


class VaultPermissionDenied(VaultHttpError):
    """Vault answered 403: the token may not do this (or is no longer valid)."""

    code = "vault_permission_denied"
    status = 403


class VaultNotFound(VaultHttpError):
    """Vault answered 404 for a path.

    Attributes
    ----------
    kv_metadata
        The version metadata KV v2 sends with a 404 for a deleted or destroyed version, or None.
    """

    code = "vault_not_found"
    status = 404
    kv_metadata: dict | None = None


class SecretNotFound(VaultError):
    """The secret asked for does not exist (or was deleted)."""

    code = "secret_not_found"
    status = 404


class VaultLoginRefused(VaultError):
    """Vault refused the JWT login for a reason not covered by a subclass."""

    code = "vault_login_refused"
    status = 502


class VaultAuthMountNotFound(VaultLoginRefused):
    """No JWT auth method answers at the configured mount path."""

    code = "vault_auth_mount_not_found"


class VaultRoleMissing(VaultLoginRefused):
    """No role is configured and the auth method has no ``default_role``."""

    code = "vault_role_missing"


class VaultRoleNotFound(VaultLoginRefused):
    """The configured role does not exist on the auth method."""

    code = "vault_role_not_found"


class VaultRoleTypeOidc(VaultLoginRefused):
    """The role has ``role_type=oidc`` (the default), which refuses JWT logins."""

    code = "vault_role_type_oidc"


class VaultAudienceNotBound(VaultLoginRefused):
    """The id_token's ``aud`` is not in the role's ``bound_audiences``."""

    code = "vault_audience_not_bound"


class VaultIssuerRejected(VaultLoginRefused):
    """The id_token's ``iss`` does not match the auth method's ``bound_issuer``."""

    code = "vault_issuer_rejected"


class VaultSignatureRejected(VaultLoginRefused):
    """Vault could not verify the id_token's signature with the keys it trusts."""

    code = "vault_signature_rejected"


class VaultClaimsRejected(VaultLoginRefused):
    """The id_token's claims do not satisfy the role (bound_claims, bound_subject, ...)."""

    code = "vault_claims_rejected"


class VaultIdTokenExpired(VaultLoginRefused):
    """Vault found the id_token expired (or not yet valid)."""

    code = "vault_id_token_expired"
    status = 401


class VaultRevokeFailed(VaultError):
    """Logged out, but Vault could not revoke the token (it lives out its TTL)."""

    code = "vault_revoke_failed"


class VaultLoginRateLimited(VaultError):
    """Too many forced logins were asked for (``c.VaultSession.force_login_limit``).

    Parameters
    ----------
    message
        Actionable message.
    retry_after
        Seconds until a forced login is allowed again (sent as ``Retry-After``).
    """

    code = "vault_login_rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VaultTokenFileOff(VaultError):
    """The token file was asked for, and it is switched off (``c.VaultSession.token_file``)."""

    code = "vault_token_file_off"
    status = 409


# --- refusals and limits (issue 11) ----------------------------------------------------------


class UnsafePath(BadRequest):
    """A Vault path or mount with an empty, ``.`` or ``..`` segment (raw or percent-encoded), a
    backslash or a control character: refused before any call reaches Vault."""

    code = "unsafe_path"


class ParameterTooLong(BadRequest):
    """A request parameter longer than the REST API accepts: refused before anything runs."""

    code = "parameter_too_long"


class CopyDisabled(IdentityError):
    """The administrator turned copying the id_token off (``c.IdTokenService.allow_copy``)."""

    code = "copy_disabled"
    status = 403


class HubDeadlineExceeded(HubTimeout):
    """A call to JupyterHub's API did not complete within its overall deadline."""

    code = "hub_deadline"
    status = 504


class HubReplyTooLarge(HubError):
    """JupyterHub's API answered more bytes than the configured cap."""

    code = "hub_reply_too_large"
    status = 502


class VaultDeadlineExceeded(VaultTimeout):
    """A call to Vault did not complete within its overall deadline (a slow or stuck reply)."""

    code = "vault_deadline"
    status = 504


class VaultReplyTooLarge(VaultError):
    """Vault answered more bytes than the configured cap."""

    code = "vault_reply_too_large"
    status = 502


class RedactionMandatory(VaultJwtError):
    """The user asked to turn masking off where the administrator made it mandatory
    (``c.RedactionService.mandatory``)."""

    code = "redaction_mandatory"
    status = 403
