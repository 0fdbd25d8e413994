"""Vault OIDC sign-ins waiting to finish: Vault's ``state`` with the server's ``client_nonce``
and the digest of the browser session that started each, kept in a
:class:`~.pending.PendingSignIns` store (a callback is accepted once, from that session, within
:data:`~.pending.STATE_LIFETIME`). And the filter that keeps the query of Vault's callback (code,
nonce) out of httpx's request log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .pending import PendingSignIns


class _QueryRedactor(logging.Filter):
    """Drops the query of URLs in httpx's request log lines (Vault's OIDC callback is a GET
    whose query holds the code and the client nonce)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and "/oidc/" in str(args[1] if len(args) > 1 else ""):
            record.args = tuple(
                str(a).split("?", 1)[0] if i == 1 else a for i, a in enumerate(args)
            )
        return True


_redactor = _QueryRedactor()
if _redactor not in logging.getLogger("httpx").filters:
    logging.getLogger("httpx").addFilter(_redactor)


@dataclass(frozen=True)
class VaultOidcLogin:
    """One Vault OIDC sign-in waiting to finish (never logged: ``__repr__`` hides it)."""

    vault_state: str
    client_nonce: str
    session: str
    url: str
    user_code: str | None
    interval: float
    created: float

    def __repr__(self) -> str:
        return f"VaultOidcLogin(created={self.created})"


class PendingLogins(PendingSignIns[VaultOidcLogin]):
    """The Vault sign-ins started from the panel, keyed by Vault's ``state``."""

    def __init__(self) -> None:
        super().__init__("a Vault sign-in")

    def add(self, login: VaultOidcLogin) -> None:
        """Keep ``login`` under its Vault ``state``."""
        self.keep(login.vault_state, login)
