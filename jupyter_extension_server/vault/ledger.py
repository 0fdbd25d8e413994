"""Every Vault token this server made and still holds, and their revocation.

A JWT login makes a new token each time (every id_token refresh, every forced login, every new
login at the max TTL). The session's *current* token is the one in use; a *replaced* one is
revoked after a grace period (code in a kernel that read it from ``~/.vault-token`` just before
it was replaced can finish its read), and at logout and shutdown every token still held is
revoked, within a time budget. A token is held from the moment Vault hands it out (a login whose
lookup then fails does not leak it) until it is revoked, found gone, or expired.

Revocation is ``POST auth/token/revoke-self`` with the token itself (the ``default`` policy allows
it): a 403 means the token is already gone. Nothing here ever logs a token; accessors only.

:meth:`TokenLedger.revoke_all_blocking` is the last resort at interpreter exit (``atexit``), for a
server that stops without running its shutdown hooks: a plain ``jupyter server`` without a
terminal turns SIGINT into ``KeyboardInterrupt``, which ends the event loop before the extensions'
``stop_extension`` runs, and JupyterHub's spawners send SIGINT first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ..errors import VaultError, VaultPermissionDenied
from .api import VaultApi

REVOKE_PATH = "auth/token/revoke-self"
#: Delays before trying again to revoke a replaced token while Vault is unavailable (seconds).
REVOKE_RETRY_DELAYS = (15.0, 60.0, 300.0)


@dataclass
class HeldToken:
    """A token this server holds (never logged; its accessor may be)."""

    token: str
    accessor: str = ""
    expire_time: float | None = None
    #: When a replaced token is due to be revoked (epoch seconds), or None while current.
    revoke_at: float | None = None
    timer: asyncio.Task | None = field(default=None, repr=False)

    def expired(self, now: float) -> bool:
        """Whether Vault has already dropped it (its TTL ended)."""
        return self.expire_time is not None and self.expire_time <= now


@dataclass(frozen=True)
class RevokeReport:
    """What a revocation round did."""

    revoked: int = 0
    failed: int = 0
    #: Tokens not revoked because the time budget ran out.
    timed_out: int = 0

    @property
    def complete(self) -> bool:
        """Whether no token is left valid by this round."""
        return self.failed == 0 and self.timed_out == 0


class TokenLedger:
    """The tokens one server made and holds, with their grace-period and bulk revocation.

    Parameters
    ----------
    api
        The Vault server that issued them.
    log
        Where revocations are logged (accessors only).
    clock
        Epoch seconds (replaceable in tests).
    """

    def __init__(
        self, api: VaultApi, log: logging.Logger, clock: Callable[[], float] = time.time
    ) -> None:
        self._api = api
        self._log = log
        self._clock = clock
        self._held: dict[str, HeldToken] = {}

    def __len__(self) -> int:
        self._prune()
        return len(self._held)

    def __contains__(self, token: object) -> bool:
        return token in self._held

    @property
    def tokens(self) -> list[str]:
        """The tokens held now (expired ones dropped)."""
        self._prune()
        return list(self._held)

    @property
    def retiring(self) -> list[HeldToken]:
        """The replaced tokens waiting for their grace period to end."""
        self._prune()
        return [h for h in self._held.values() if h.revoke_at is not None]

    def add(self, token: str) -> None:
        """Hold ``token``, as soon as Vault hands it out."""
        self._held.setdefault(token, HeldToken(token))

    def describe(self, token: str, accessor: str, expire_time: float | None) -> None:
        """Record what lookup-self said about a held token."""
        held = self._held.get(token)
        if held is not None:
            held.accessor = accessor
            held.expire_time = expire_time

    def forget(self, token: str) -> None:
        """Stop holding ``token`` (it expired, or Vault said it is gone)."""
        held = self._held.pop(token, None)
        if held is not None and held.timer is not None:
            held.timer.cancel()

    def retire(self, token: str, grace: float | None) -> None:
        """``token`` was replaced: revoke it after ``grace`` seconds (None: only at logout or
        shutdown, or when it expires)."""
        held = self._held.get(token)
        if held is None or held.revoke_at is not None:
            return
        if grace is None:
            held.revoke_at = float("inf")
            return
        held.revoke_at = self._clock() + grace
        held.timer = asyncio.ensure_future(self._revoke_later(held, grace))

    async def revoke(self, token: str) -> bool:
        """Revoke one token now.

        Returns
        -------
        bool
            True when it is gone (revoked, or Vault says it already was), False when Vault
            could not be asked (it stays held).
        """
        held = self._held.get(token)
        try:
            await self._api.request("POST", REVOKE_PATH, token=token)
        except VaultPermissionDenied:
            pass  # already revoked or expired
        except VaultError as e:
            self._log.warning(
                "jupyterlab-vault-jwt: revoking the Vault token %s failed: %s",
                held.accessor if held else "(unknown accessor)",
                e.code,
            )
            return False
        if held is not None and held.timer is not None and held.timer is not asyncio.current_task():
            held.timer.cancel()
        self._held.pop(token, None)
        self._log.debug(
            "jupyterlab-vault-jwt: Vault token %s revoked", held.accessor if held else "(unknown)"
        )
        return True

    async def revoke_all(self, budget: float) -> RevokeReport:
        """Revoke every token held, concurrently, within ``budget`` seconds."""
        self._prune()
        tokens = list(self._held)
        for held in self._held.values():
            if held.timer is not None:
                held.timer.cancel()
                held.timer = None
        if not tokens:
            return RevokeReport()
        tasks = [asyncio.ensure_future(self.revoke(t)) for t in tokens]
        done, pending = await asyncio.wait(tasks, timeout=max(budget, 0.0))
        for task in pending:
            task.cancel()
        revoked = sum(1 for t in done if not t.cancelled() and t.exception() is None and t.result())
        return RevokeReport(revoked, len(done) - revoked, len(pending))

    def revoke_all_blocking(self, budget: float, client: httpx.Client) -> RevokeReport:
        """Revoke every token held with a blocking client, within ``budget`` seconds (for
        ``atexit``, when the event loop is gone)."""
        self._prune()
        deadline = time.monotonic() + max(budget, 0.0)
        revoked = failed = 0
        tokens = list(self._held)
        for index, token in enumerate(tokens):
            left = deadline - time.monotonic()
            if left <= 0:
                return RevokeReport(revoked, failed, len(tokens) - index)
            try:
                response = client.post(REVOKE_PATH, headers={"X-Vault-Token": token}, timeout=left)
            except httpx.HTTPError:
                failed += 1
                continue
            if response.status_code < 300 or response.status_code == 403:
                revoked += 1
                self._held.pop(token, None)
            else:
                failed += 1
        return RevokeReport(revoked, failed, 0)

    def cancel_timers(self) -> None:
        """Cancel the grace-period timers (the tokens stay held)."""
        for held in self._held.values():
            if held.timer is not None:
                held.timer.cancel()
                held.timer = None

    async def _revoke_later(self, held: HeldToken, grace: float) -> None:
        """Revoke after the grace period; while Vault cannot be asked, try again later (until
        the token expires, or logout or shutdown revoke it)."""
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(grace)
            for delay in (*REVOKE_RETRY_DELAYS, None):
                if held.token not in self._held or await self.revoke(held.token):
                    break
                if delay is None or held.expired(self._clock() + delay):
                    break
                await asyncio.sleep(delay)
            held.timer = None

    def _prune(self) -> None:
        now = self._clock()
        for token in [t for t, h in self._held.items() if h.expired(now)]:
            self.forget(token)
