"""One device sign-in in progress (RFC 8628): poll the token endpoint as the provider asks until
the user approves, declines, or the code expires.

Polling waits ``interval`` seconds between requests, adds 5 s on ``slow_down`` (section 3.5),
and doubles the wait (up to 60 s) while the provider cannot be reached, reporting that as a
warning until the code expires. The device code never leaves the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from ..errors import IdentityError
from .errors import (
    DeviceCodeExpired,
    IdpClientRejected,
    IdpError,
    IdpUnreachable,
    SignInDenied,
)
from .oidc import CLIENT_ERRORS, DeviceAuthorization, OAuthError, OidcProvider, TokenSet

FlowState = Literal["pending", "done", "failed", "cancelled"]

#: Longest wait between two polls while the provider cannot be reached, in seconds.
MAX_UNREACHABLE_INTERVAL = 60.0


class DeviceFlow:
    """Polls for the tokens of one device authorization, in a task of its own.

    Parameters
    ----------
    provider
        The provider and client.
    authorization
        The provider's answer to the device authorization request.
    on_tokens
        Awaited with the tokens once the user approved.
    """

    def __init__(
        self,
        provider: OidcProvider,
        authorization: DeviceAuthorization,
        on_tokens: Callable[[TokenSet], Awaitable[None]],
    ) -> None:
        self._provider = provider
        self.authorization = authorization
        self._on_tokens = on_tokens
        self.state: FlowState = "pending"
        self.error: IdentityError | None = None
        self.warning: IdentityError | None = None
        self.interval = authorization.interval
        self.polls = 0
        self._task = asyncio.get_running_loop().create_task(self._run())

    def __repr__(self) -> str:
        return f"DeviceFlow(state={self.state!r}, {self.authorization!r})"

    @property
    def task(self) -> asyncio.Task[None]:
        """The polling task."""
        return self._task

    def cancel(self) -> None:
        """Stop polling (a new sign-in or a sign-out replaced this one)."""
        if self.state == "pending":
            self.state = "cancelled"
        self._task.cancel()

    async def _run(self) -> None:
        try:
            tokens = await self._poll()
        except IdentityError as e:
            self.state, self.error = "failed", e
            return
        await self._on_tokens(tokens)
        self.state = "done"

    async def _poll(self) -> TokenSet:
        auth = self.authorization
        interval = self.interval
        while True:
            remaining = auth.expires_at - time.time()
            if remaining <= 0:
                raise self._expired()
            await asyncio.sleep(min(interval, remaining))
            self.polls += 1
            try:
                tokens = await self._provider.poll_device(auth.device_code)
            except OAuthError as e:
                if e.error == "authorization_pending":
                    self.warning = None
                    interval = self.interval
                    continue
                if e.error == "slow_down":
                    self.warning = None
                    self.interval += 5
                    interval = self.interval
                    continue
                raise self._refusal(e) from e
            except IdpUnreachable:
                minutes = max(1, round((auth.expires_at - time.time()) / 60))
                self.warning = IdpUnreachable(
                    f"The identity provider {self._provider.issuer} cannot be reached while "
                    f"waiting for your approval; still trying for up to {minutes} min, until "
                    f"the code {auth.user_code} expires."
                )
                interval = min(max(interval * 2, self.interval), MAX_UNREACHABLE_INTERVAL)
                continue
            except IdpError as e:
                self.warning = e
                continue
            self.warning = None
            return tokens

    def _expired(self) -> IdentityError:
        if self.warning is not None and isinstance(self.warning, IdpUnreachable):
            return IdpUnreachable(
                f"The identity provider {self._provider.issuer} could not be reached while "
                f"waiting for your approval, and the code {self.authorization.user_code} "
                "expired meanwhile; click Sign in again once it is back."
            )
        return DeviceCodeExpired(
            f"The code {self.authorization.user_code} expired before it was approved at the "
            "identity provider; click Sign in for a new code."
        )

    def _refusal(self, e: OAuthError) -> IdentityError:
        if e.error == "access_denied":
            return SignInDenied(
                "The sign-in was declined at the identity provider; click Sign in to try again."
            )
        if e.error == "expired_token":
            return self._expired()
        if e.error in CLIENT_ERRORS:
            return IdpClientRejected(
                f"The identity provider {self._provider.issuer} refused the client "
                f"'{self._provider.client_id}' ({e.error}): check "
                "c.IdTokenService.oidc_client_id and the client's settings."
            )
        return IdpError(
            f"The identity provider {self._provider.issuer} refused the sign-in ({e.error}"
            + (f": {e.description}" if e.description else "")
            + "); click Sign in to try again."
        )
