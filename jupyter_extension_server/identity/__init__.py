"""Identity: the server owner's OIDC id_token, its sources and its refresh.

:mod:`.service` holds :class:`IdTokenService` (the source chain, the copy in memory, refresh).
"""

from .service import Identity, IdTokenService, format_age, token_expiry

__all__ = ["IdTokenService", "Identity", "format_age", "token_expiry"]
