"""Sign-ins started from the panel and waiting for their callback, keyed by their ``state``.

A callback is a plain browser redirect (no XSRF header can come with it), so it is accepted only
with a ``state`` that is pending, from the browser session that started the sign-in (a digest of
its ``_xsrf`` cookie is kept, not the cookie), and not older than :data:`STATE_LIFETIME`; each
``state`` works once (a replayed callback is refused, and said to be one). The browser sign-in
(:mod:`.pkce`) and the Vault OIDC sign-in (:mod:`.vault_oidc`) keep theirs here.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

from .errors import SignInReplayed, SignInStateMismatch

#: Seconds a started sign-in waits for its callback.
STATE_LIFETIME = 600.0
#: At most this many sign-ins pending at once (the oldest goes first), and used states remembered.
MAX_PENDING = 8
MAX_USED = 256


def session_digest(session: str) -> str:
    """A digest of the browser session's secret (the ``_xsrf`` cookie), kept instead of it."""
    return hashlib.sha256(session.encode("utf-8", "replace")).hexdigest()


class PendingSignIn(Protocol):
    """What the store needs of a sign-in: the session digest that started it, and when."""

    @property
    def session(self) -> str: ...

    @property
    def created(self) -> float: ...


T = TypeVar("T", bound=PendingSignIn)


class PendingSignIns(Generic[T]):
    """The sign-ins of one kind waiting for their callback.

    Parameters
    ----------
    kind
        How the refusals name the sign-in: ``"a sign-in"``, ``"a Vault sign-in"``.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._pending: dict[str, T] = {}
        self._used: dict[str, float] = {}
        self._finishing: T | None = None

    @property
    def latest(self) -> T | None:
        """The most recent sign-in still waiting, or the one whose callback is being finished
        (it is still pending for the panel, which polls until it ends), or None."""
        self._expire()
        return next(reversed(self._pending.values()), None) or self._finishing

    @contextmanager
    def finishing(self, state: str, session: str) -> Iterator[T]:
        """:meth:`take` the sign-in of ``state``, and count it as :attr:`latest` while the block
        runs (the callback's exchange with the provider or Vault: seconds on a busy machine,
        during which the panel must not see "signed out" and stop polling)."""
        sign_in = self.take(state, session)
        self._finishing = sign_in
        try:
            yield sign_in
        finally:
            if self._finishing is sign_in:
                self._finishing = None

    def keep(self, state: str, sign_in: T) -> None:
        """Keep ``sign_in`` under ``state`` (the oldest goes when :data:`MAX_PENDING` wait)."""
        self._expire()
        while len(self._pending) >= MAX_PENDING:
            oldest = next(iter(self._pending))
            del self._pending[oldest]
            self._remember(oldest)
        self._pending[state] = sign_in

    def cancel(self) -> None:
        """Forget every pending sign-in (their callbacks are refused from now on)."""
        for state in self._pending:
            self._remember(state)
        self._pending.clear()
        self._finishing = None

    def take(self, state: str, session: str) -> T:
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
                f"This sign-in reply does not belong to {self._kind} started from this panel "
                "(its state is unknown or expired): it is refused. Click Sign in in the panel "
                "to start one."
            )
        sign_in = self._pending[key]
        if not hmac.compare_digest(sign_in.session, session_digest(session)):
            raise SignInStateMismatch(
                "This sign-in reply comes from another browser session than the one that "
                "started the sign-in: it is refused. Click Sign in in the panel to start one."
            )
        del self._pending[key]
        self._remember(key)
        return sign_in

    def _remember(self, state: str) -> None:
        self._used[state] = time.time()
        while len(self._used) > MAX_USED:
            self._used.pop(next(iter(self._used)))

    def _expire(self) -> None:
        now = time.time()
        for state in [s for s, x in self._pending.items() if now - x.created > STATE_LIFETIME]:
            del self._pending[state]
            self._remember(state)
