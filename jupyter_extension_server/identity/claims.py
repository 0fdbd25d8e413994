"""What the browser learns about the id_token: its claims, never the token itself.

The panel shows who the token says you are and counts down to its ``exp``; it needs the raw
token only to copy it, which it asks for on its own (``POST vault-jwt/identity/token``, XSRF-
checked, and only when the administrator allows copying). The ``token_id`` fingerprint lets the
panel tell one token from the next without holding either.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jwt

from .service import Identity

#: Hex digits of the SHA-256 fingerprint sent as ``token_id``.
FINGERPRINT_HEX = 16


def fingerprint(id_token: str) -> str:
    """A short SHA-256 fingerprint of the token (tells tokens apart; reveals nothing usable)."""
    return hashlib.sha256(id_token.encode()).hexdigest()[:FINGERPRINT_HEX]


def claims_of(identity: Identity) -> dict[str, Any]:
    """The token's payload as decoded (no signature check: Vault verifies the token)."""
    try:
        claims = jwt.decode(identity.id_token, options={"verify_signature": False})
    except jwt.PyJWTError:  # pragma: no cover - the service only keeps decodable tokens
        return {"exp": identity.exp}
    return claims if isinstance(claims, dict) else {"exp": identity.exp}


def copy_state(allowed: bool) -> dict[str, Any]:
    """Whether the panel may offer to copy the token, and why not when it may not."""
    return {
        "allowed": allowed,
        "reason": None
        if allowed
        else "Your administrator turned copying the id_token off (c.IdTokenService.allow_copy).",
    }
