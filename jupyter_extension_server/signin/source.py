"""The id_token source of a sign-in from the panel: tokens held on the server, kept fresh.

:class:`SignInSource` is a source of :class:`~..identity.service.IdTokenService` (``"device"``
in ``c.IdTokenService.sources``). It starts device flows (:mod:`.flow`), holds the id_token and
refresh_token in memory (never in the browser, never logged; on disk only encrypted, when the
administrator turned persistence on: :mod:`.persist`), refreshes
them with the refresh_token grant once half of the id_token's lifetime has passed (a keeper task
asks the identity service to read it again, so the Vault session logs in with the new one,
with or without a browser open), and on sign-out revokes the refresh token at the provider
(RFC 7009) when it offers a ``revocation_endpoint``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from ..errors import IdentityError, NoIdToken
from ..identity.service import SourceName, token_expiry
from .errors import IdpError, IdpUnreachable, SignInExpired
from .flow import DeviceFlow
from .oidc import OAuthError, OidcProvider, TokenSet
from .pending import STATE_LIFETIME
from .persist import SavedSignIn
from .pkce import BrowserAuthorizations

SignInState = Literal["signed_out", "pending", "signed_in"]
SignInMethod = Literal["device", "browser"]

#: Retry delays of the keeper while the provider cannot be reached, in seconds.
KEEPER_RETRY_MIN = 5.0
KEEPER_RETRY_MAX = 60.0


def _error(error: IdentityError | None) -> dict[str, str] | None:
    return {"code": error.code, "message": error.message} if error else None


class SignInSource:
    """Device sign-in at one provider; the tokens it got, refreshed before they expire.

    Parameters
    ----------
    provider
        The provider and client.
    log
        Where to log (never a token).
    """

    def __init__(
        self,
        provider: OidcProvider,
        log: logging.Logger | None = None,
        methods: tuple[SignInMethod, ...] = ("device",),
        store: SavedSignIn | None = None,
    ) -> None:
        self.provider = provider
        self.methods = methods
        self._method: SignInMethod = methods[0]
        self._browser = BrowserAuthorizations(provider)
        self._log = log or logging.getLogger(__name__)
        self._tokens: TokenSet | None = None
        self._exp = 0.0
        self._flow: DeviceFlow | None = None
        self._error: IdentityError | None = None
        self._signed_in_at: float | None = None
        self._due: Callable[[], Awaitable[Any]] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._closed = False
        self._store = store
        saved = store.load() if store is not None else None
        self._saved: dict[str, Any] | None = saved
        if saved is not None:
            if saved.get("method") in methods:
                self._method = saved["method"]
            self._log.info(
                "jupyterlab-vault-jwt: a saved sign-in at %s was found: signed in again at the "
                "first use",
                provider.issuer,
            )

    def __repr__(self) -> str:
        return f"SignInSource({self.provider!r}, signed_in={self.signed_in})"

    @property
    def name(self) -> SourceName:
        """``device`` or ``browser``: how the tokens held were obtained (or will be)."""
        return self._method

    @property
    def detail(self) -> str:
        """Human description of the source."""
        how = "browser sign-in" if self._method == "browser" else "device sign-in"
        return f"{how} at {self.provider.issuer}"

    def when_due(self, read_again: Callable[[], Awaitable[Any]]) -> None:
        """Call ``read_again()`` (the identity service's refresh) when the tokens need it."""
        self._due = read_again

    @property
    def signed_in(self) -> bool:
        """Whether tokens are held (or a saved sign-in waits to be used)."""
        return self._tokens is not None or self._saved is not None

    @property
    def flow(self) -> DeviceFlow | None:
        """The latest device flow (pending or finished), or None."""
        return self._flow

    def status(self) -> dict[str, Any]:
        """The sign-in's state for the panel: never a token, never the device code."""
        flow = self._flow
        device_pending = flow is not None and flow.state == "pending"
        browser = None if self.signed_in else self._browser.latest
        pending = device_pending or browser is not None
        state: SignInState = (
            "signed_in" if self.signed_in else "pending" if pending else "signed_out"
        )
        error = self._error or (flow.error if flow is not None else None)
        details: dict[str, Any] | None = None
        if device_pending and flow is not None:
            details = {
                "method": "device",
                "user_code": flow.authorization.user_code,
                "verification_uri": flow.authorization.verification_uri,
                "verification_uri_complete": flow.authorization.verification_uri_complete,
                "expires_at": flow.authorization.expires_at,
                "interval": flow.interval,
            }
        elif browser is not None:
            details = {
                "method": "browser",
                "authorization_url": browser.url,
                "expires_at": browser.created + STATE_LIFETIME,
                "interval": 2,
            }
        return {
            "configured": True,
            "method": self._method,
            "methods": list(self.methods),
            "issuer": self.provider.issuer,
            "client_id": self.provider.client_id,
            "state": state,
            "signed_in_at": self._signed_in_at if self.signed_in else None,
            "pending": details,
            "warning": _error(flow.warning) if device_pending and flow is not None else None,
            "error": None if self.signed_in or pending else _error(error),
            "persisted": self._store is not None,
            "server_time": time.time(),
        }

    async def start_browser(self, redirect_uri: str, session: str) -> str:
        """Start a browser sign-in (PKCE): the provider's URL to open in a pop-up.

        Parameters
        ----------
        redirect_uri
            This server's callback route, as the browser reaches it.
        session
            The browser session's secret (its ``_xsrf`` cookie): the callback must come with it.
        """
        self.cancel()
        self._flow = None
        self._error = None
        try:
            authorization = await self._browser.start(redirect_uri, session)
        except IdentityError as e:
            self._error = e
            self._log.warning("jupyterlab-vault-jwt: browser sign-in could not start: %s", e.code)
            raise
        self._log.info("jupyterlab-vault-jwt: browser sign-in started at %s", self.provider.issuer)
        return authorization.url

    async def finish_browser(
        self, state: str, session: str, code: str, error: str = "", description: str = ""
    ) -> None:
        """The callback of a browser sign-in: check the state, exchange the code, keep the
        tokens.

        Raises
        ------
        SignInStateMismatch, SignInReplayed
            The callback does not belong to a pending sign-in of this session (nothing changes).
        IdentityError
            The provider refused, or the id_token's nonce did not match (shown in the panel).
        """
        with self._browser.finishing(state, session) as authorization:
            try:
                if error:
                    raise self._browser.refusal(error, description)
                if not code:
                    raise IdpError("The identity provider's reply has no authorization code.")
                tokens = await self._browser.finish(authorization, code)
            except IdentityError as e:
                self._error = e
                self._log.warning("jupyterlab-vault-jwt: browser sign-in failed: %s", e.code)
                raise
            await self._accept(tokens, "browser")

    async def start_device(self) -> None:
        """Start a device sign-in (replacing one in progress).

        Raises
        ------
        IdentityError
            When the provider refused the request or could not be reached.
        """
        self.cancel()
        self._flow = None
        self._error = None
        try:
            authorization = await self.provider.authorize_device()
        except IdentityError as e:
            self._error = e
            self._log.warning("jupyterlab-vault-jwt: device sign-in could not start: %s", e.code)
            raise
        self._flow = DeviceFlow(self.provider, authorization, self._accept_device)
        self._log.info(
            "jupyterlab-vault-jwt: device sign-in started at %s (code expires in %.0f s)",
            self.provider.issuer,
            authorization.expires_at - time.time(),
        )

    def cancel(self) -> None:
        """Stop the sign-in in progress (device or browser)."""
        if self._flow is not None:
            self._flow.cancel()
        self._browser.cancel()

    async def fetch(self) -> str:
        """The id_token; refreshed first when half of its lifetime has passed.

        Raises
        ------
        NoIdToken
            When not signed in.
        SignInExpired
            When the provider refused the refresh token (the tokens are dropped).
        IdpUnreachable, IdpError
            When the refresh could not be made (the tokens are kept).
        """
        tokens = self._tokens
        if tokens is None and self._saved is not None:
            tokens = await self._restore(self._saved)
        if tokens is None:
            raise NoIdToken("Not signed in: click Sign in in the Vault JWT panel.")
        if time.time() >= self._refresh_at(tokens):
            tokens = await self._refresh(tokens)
        return tokens.id_token

    async def sign_out(self) -> bool:
        """Forget the tokens, stop the keeper and any flow; revoke the refresh token.

        Returns
        -------
        bool
            Whether the provider revoked it (False: it has no revocation endpoint, or no
            refresh token was held).

        Raises
        ------
        IdpUnreachable, IdpError
            When the revocation failed (the tokens are forgotten all the same).
        """
        tokens, self._tokens = self._tokens, None
        if tokens is None and self._saved is not None:
            tokens = TokenSet("", self._saved["refresh_token"], 0.0)  # revoke it all the same
        self._forget_saved()
        self._signed_in_at = None
        self._error = None
        self.cancel()
        self._flow = None
        self._stop_keeper()
        if tokens is None or tokens.refresh_token is None:
            return False
        try:
            revoked = await self.provider.revoke(tokens.refresh_token)
        except IdentityError as e:
            self._log.warning("jupyterlab-vault-jwt: revoking the refresh token failed: %s", e.code)
            raise e.with_message(
                f"Signed out on this server, but the refresh token could not be revoked at "
                f"{self.provider.issuer} ({e.message}); it stays valid there until its session "
                "ends."
            ) from e
        self._log.info(
            "jupyterlab-vault-jwt: signed out of %s (refresh token %s)",
            self.provider.issuer,
            "revoked" if revoked else "not revoked: no revocation endpoint",
        )
        return revoked

    async def close(self) -> None:
        """Stop the tasks (on server shutdown); the tokens go with the process."""
        self._closed = True
        self.cancel()
        self._stop_keeper()

    async def _accept_device(self, tokens: TokenSet) -> None:
        await self._accept(tokens, "device")

    async def _accept(self, tokens: TokenSet, method: SignInMethod) -> None:
        """A sign-in's tokens: keep them and have the identity service read them."""
        self._method = method
        self._set(tokens)
        self._signed_in_at = time.time()
        self._log.info("jupyterlab-vault-jwt: signed in at %s", self.provider.issuer)
        self._start_keeper(0.0)

    def _set(self, tokens: TokenSet) -> None:
        self._exp = token_expiry(tokens.id_token, self.detail)
        previous, self._tokens = self._tokens, tokens
        self._error = None
        rotated = previous is None or previous.refresh_token != tokens.refresh_token
        if self._store is not None and tokens.refresh_token and rotated:
            self._store.save(tokens.refresh_token, self._method)

    def _forget_saved(self) -> None:
        self._saved = None
        if self._store is not None:
            self._store.remove()

    async def _restore(self, saved: dict[str, Any]) -> TokenSet | None:
        """Sign in again with the saved refresh token (after a restart).

        Raises
        ------
        SignInExpired
            The provider refused it (the saved sign-in is removed).
        IdpUnreachable, IdpError
            The provider could not be asked (kept for the next try).
        """
        try:
            tokens = await self.provider.refresh(saved["refresh_token"])
        except OAuthError as e:
            if self._saved is saved:
                self._forget_saved()
            self._error = SignInExpired(
                f"Your saved sign-in at {self.provider.issuer} ended (the provider refused it: "
                f"{e.error}). Click Sign in again."
            )
            self._log.warning("jupyterlab-vault-jwt: the saved sign-in was refused: %s", e.error)
            raise self._error from e
        if self._saved is not saved:  # signed out (or in) meanwhile
            return self._tokens
        self._saved = None
        self._log.info("jupyterlab-vault-jwt: signed in again with the saved sign-in")
        await self._accept(tokens, self._method)
        return tokens

    def _refresh_at(self, tokens: TokenSet) -> float:
        """Half-way through the id_token's lifetime (as received)."""
        return tokens.received_at + max(0.0, self._exp - tokens.received_at) / 2

    async def _refresh(self, tokens: TokenSet) -> TokenSet:
        if tokens.refresh_token is None:
            if self._exp > time.time():
                return tokens
            self._tokens = None
            self._forget_saved()
            raise SignInExpired(
                "Your sign-in ended: the identity provider gave no refresh token and the "
                "id_token expired. Click Sign in again."
            )
        try:
            fresh = await self.provider.refresh(tokens.refresh_token)
        except OAuthError as e:
            if self._tokens is tokens:
                self._tokens = None  # the keeper sees it and ends
                self._forget_saved()
            self._error = SignInExpired(
                f"Your sign-in at {self.provider.issuer} ended (the provider refused to refresh "
                f"it: {e.error}; the session expired or was ended there). Click Sign in again."
            )
            self._log.warning("jupyterlab-vault-jwt: refresh refused: %s", e.error)
            raise self._error from e
        if self._tokens is not tokens:  # signed out (or in again) meanwhile
            raise SignInExpired("You signed out while the sign-in was being refreshed.")
        self._set(fresh)
        return fresh

    # --- the keeper: reads the token again when due, with or without a browser ---------------

    def _start_keeper(self, delay: float) -> None:
        if self._closed:
            return
        self._stop_keeper()
        self._keeper = asyncio.get_running_loop().create_task(self._keep(delay))

    def _stop_keeper(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not asyncio.current_task():
            keeper.cancel()

    async def _keep(self, delay: float) -> None:
        retry = KEEPER_RETRY_MIN
        await asyncio.sleep(delay)
        while self._tokens is not None and self._due is not None:
            try:
                await self._due()
            except SignInExpired:
                return
            except IdpUnreachable:
                pass  # logged by the identity service; try again soon
            except IdentityError:
                pass
            except Exception:  # a bug must not end the keeper silently
                self._log.exception("jupyterlab-vault-jwt: the sign-in keeper failed")
            else:
                tokens = self._tokens
                if tokens is None:
                    return
                wait = self._refresh_at(tokens) - time.time()
                if wait > 0:
                    retry = KEEPER_RETRY_MIN
                    await asyncio.sleep(max(1.0, wait))
                    continue
            await asyncio.sleep(retry)
            retry = min(retry * 2, KEEPER_RETRY_MAX)


def unconfigured_status(source: str | None) -> dict[str, Any]:
    """The sign-in's state when the panel cannot sign in (another source, or none)."""
    return {
        "configured": False,
        "method": None,
        "methods": [],
        "source": source,
        "state": "signed_out",
        "pending": None,
        "warning": None,
        "error": None,
        "server_time": time.time(),
    }
