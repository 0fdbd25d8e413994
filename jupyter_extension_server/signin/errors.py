"""Errors of the sign-in outside JupyterHub (device flow): a code the panel switches on, a status
and a message that says what to do. Identity errors, so the identity routes answer them as such.
"""

from __future__ import annotations

from ..errors import IdentityError


class SignInNotConfigured(IdentityError):
    """No sign-in is configured (issuer URL and client id), or the source chain leaves it out."""

    code = "signin_not_configured"
    status = 409


class IdpUnreachable(IdentityError):
    """The identity provider cannot be reached (connection refused, reset, timeout)."""

    code = "idp_unreachable"
    status = 502


class IdpError(IdentityError):
    """The identity provider answered something unexpected (status, body, discovery)."""

    code = "idp_error"
    status = 502


class DeviceFlowUnsupported(IdentityError):
    """The provider's discovery document has no ``device_authorization_endpoint``."""

    code = "device_flow_unsupported"
    status = 502


class IdpClientRejected(IdentityError):
    """The provider does not know the client, or the client may not use the device flow."""

    code = "idp_client_rejected"
    status = 502


class DeviceCodeExpired(IdentityError):
    """The user code expired before the user approved it (RFC 8628 ``expired_token``)."""

    code = "device_code_expired"
    status = 410


class SignInDenied(IdentityError):
    """The user declined at the provider (RFC 8628 ``access_denied``)."""

    code = "signin_denied"
    status = 403


class SignInExpired(IdentityError):
    """The provider refused the refresh token (session ended, revoked, idle too long)."""

    code = "signin_expired"
    status = 401


class BrowserSignInUnsupported(IdentityError):
    """The provider's discovery document has no ``authorization_endpoint``."""

    code = "browser_signin_unsupported"
    status = 502


class SignInStateMismatch(IdentityError):
    """A sign-in callback whose ``state`` belongs to no sign-in started from this session."""

    code = "signin_state_mismatch"
    status = 400


class SignInReplayed(IdentityError):
    """A sign-in callback whose ``state`` was already used (a replayed or reloaded callback)."""

    code = "signin_replayed"
    status = 400


class SignInNonceMismatch(IdentityError):
    """The id_token's ``nonce`` is not the one sent with the sign-in (a token injected)."""

    code = "signin_nonce_mismatch"
    status = 400


class VaultOidcUnavailable(IdentityError):
    """Vault's OIDC auth method refused to start a sign-in (not an OIDC mount, unknown role, a
    redirect URI the role does not allow)."""

    code = "vault_oidc_unavailable"
    status = 502


class VaultOidcRefused(IdentityError):
    """Vault refused the OIDC callback or the poll (a code or nonce it does not accept, a claim
    the role does not bind, the provider's refusal)."""

    code = "vault_oidc_refused"
    status = 400


class VaultOidcSignInEnded(IdentityError):
    """The Vault token of a Vault OIDC sign-in can no longer be renewed (its max TTL) or was
    revoked: only a new sign-in makes another."""

    code = "vault_oidc_signin_ended"
    status = 401
