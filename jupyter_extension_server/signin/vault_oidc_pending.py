"""Vault OIDC sign-ins waiting to finish: Vault's ``state`` with the server's ``client_nonce``
and the digest of the browser session that started each; a callback is accepted once, from that
session, within :data:`~.pkce.STATE_LIFETIME`. And the filter that keeps the query of Vault's
callback (code, nonce) out of httpx's request log.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass

from .errors import SignInReplayed, SignInStateMismatch
from .pkce import MAX_PENDING, MAX_USED, STATE_LIFETIME, session_digest


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


class PendingLogins:
    """The sign-ins started from the panel, keyed by Vault's ``state``; each callback is
    accepted once, from the browser session that started it, within :data:`STATE_LIFETIME`."""

    def __init__(self) -> None:
        self._pending: dict[str, VaultOidcLogin] = {}
        self._used: dict[str, float] = {}

    @property
    def latest(self) -> VaultOidcLogin | None:
        """The most recent sign-in still waiting, or None."""
        self._expire()
        return next(reversed(self._pending.values()), None)

    def add(self, login: VaultOidcLogin) -> None:
        """Keep ``login`` (the oldest goes when :data:`MAX_PENDING` are waiting)."""
        self._expire()
        while len(self._pending) >= MAX_PENDING:
            self._remember(self._pending.pop(next(iter(self._pending))).vault_state)
        self._pending[login.vault_state] = login

    def cancel(self) -> None:
        """Forget every pending sign-in (their callbacks are refused from now on)."""
        for state in self._pending:
            self._remember(state)
        self._pending.clear()

    def take(self, state: str, session: str) -> VaultOidcLogin:
        """The pending sign-in of ``state`` from this session, removed (single use).

        Raises
        ------
        SignInReplayed
            The state was used already.
        SignInStateMismatch
            The state is unknown or expired, or another browser session started it.
        """
        self._expire()
        key = next((k for k in self._pending if hmac.compare_digest(k, state)), None)
        if key is None:
            if any(hmac.compare_digest(k, state) for k in self._used):
                raise SignInReplayed(
                    "This sign-in reply was already used (a reloaded or replayed callback): it "
                    "is refused. If you are not signed in, click Sign in again."
                )
            raise SignInStateMismatch(
                "This sign-in reply does not belong to a Vault sign-in started from this panel "
                "(its state is unknown or expired): it is refused. Click Sign in in the panel "
                "to start one."
            )
        login = self._pending[key]
        if not hmac.compare_digest(login.session, session_digest(session)):
            raise SignInStateMismatch(
                "This sign-in reply comes from another browser session than the one that "
                "started the sign-in: it is refused. Click Sign in in the panel to start one."
            )
        del self._pending[key]
        self._remember(key)
        return login

    def _remember(self, state: str) -> None:
        self._used[state] = time.time()
        while len(self._used) > MAX_USED:
            self._used.pop(next(iter(self._used)))

    def _expire(self) -> None:
        now = time.time()
        for state in [s for s, x in self._pending.items() if now - x.created > STATE_LIFETIME]:
            del self._pending[state]
            self._remember(state)
