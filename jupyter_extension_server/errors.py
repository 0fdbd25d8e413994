"""Domain errors of the server companion: a code, an HTTP status and an actionable message.

Handlers turn them into ``{"error": {"code", "message"}}`` replies. Messages never contain a token.
"""

from __future__ import annotations


class VaultJwtError(Exception):
    """A failure the user can act on.

    Parameters
    ----------
    code
        Machine-readable code the frontend switches on (e.g. ``login_required``).
    message
        Human-readable, actionable message (never containing a token).
    status
        HTTP status of the REST reply.
    """

    def __init__(self, code: str, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def to_json(self) -> dict:
        """The body of the REST error reply."""
        return {"error": {"code": self.code, "message": self.message}}
