"""Domain errors of the server companion: a code, an HTTP status and an actionable message.

Each failure the user can act on is a subclass with a fixed ``code`` (the frontend switches on it)
and ``status`` (of the REST reply). The REST handlers turn any :class:`VaultJwtError` into
``{"error": {"code", "message"}}``; the service that raises one logs it (code and status, never a
secret), so handlers do not log it again.

Messages are written for the person in front of JupyterLab: say what failed and what to do. They
never contain a token, a header or a reply body.
"""

from __future__ import annotations

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


class MalformedToken(IdentityError):
    """The source holds something that is not a JWT with a JSON payload and a numeric ``exp``."""

    code = "malformed_token"
    status = 502


class SourceUnreadable(IdentityError):
    """The configured file or environment variable cannot be read or is empty."""

    code = "source_unreadable"
    status = 500
