"""Browser sign-in: the authorization code grant with PKCE (RFC 7636), for providers or clients
without the device flow.

:class:`BrowserAuthorizations` keeps the sign-ins started from the panel: for each, a random
``state``, ``nonce`` and PKCE ``code_verifier`` (S256 challenge), the redirect URI, and a digest
of the browser session that started it (its ``_xsrf`` cookie). The callback is a plain browser
redirect (no XSRF header can come with it), so it is accepted only with a ``state`` that is
pending, from the same browser session, and not older than :data:`STATE_LIFETIME`; each
``state`` works once (a replayed callback is refused, and said to be one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt

from ..errors import IdentityError
from .errors import (
    BrowserSignInUnsupported,
    IdpClientRejected,
    IdpError,
    SignInDenied,
    SignInNonceMismatch,
    SignInReplayed,
    SignInStateMismatch,
)
from .oidc import CLIENT_ERRORS, OAuthError, OidcProvider, TokenSet

#: Seconds a started browser sign-in waits for its callback.
STATE_LIFETIME = 600.0
#: At most this many sign-ins pending at once (the oldest goes first), and used states remembered.
MAX_PENDING = 8
MAX_USED = 256


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def session_digest(session: str) -> str:
    """A digest of the browser session's secret (the ``_xsrf`` cookie), kept instead of it."""
    return hashlib.sha256(session.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class BrowserAuthorization:
    """One browser sign-in waiting for its callback (never logged: ``__repr__`` hides it)."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    session: str
    url: str
    created: float

    def __repr__(self) -> str:
        return f"BrowserAuthorization(created={self.created})"


class BrowserAuthorizations:
    """Pending browser sign-ins of one provider and client.

    Parameters
    ----------
    provider
        The provider and client.
    """

    def __init__(self, provider: OidcProvider) -> None:
        self._provider = provider
        self._pending: dict[str, BrowserAuthorization] = {}
        self._used: dict[str, float] = {}

    @property
    def latest(self) -> BrowserAuthorization | None:
        """The most recent sign-in still waiting, or None."""
        self._expire()
        return next(reversed(self._pending.values()), None)

    def cancel(self) -> None:
        """Forget every pending sign-in (their callbacks will be refused as unknown)."""
        for state in self._pending:
            self._used[state] = time.time()
        self._pending.clear()

    async def start(self, redirect_uri: str, session: str) -> BrowserAuthorization:
        """A new sign-in: the URL of the provider's authorization endpoint to open."""
        endpoints = await self._provider.endpoints()
        if endpoints.authorization_endpoint is None:
            raise BrowserSignInUnsupported(
                f"The identity provider {self._provider.issuer} has no authorization_endpoint."
            )
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        challenge = _b64(hashlib.sha256(verifier.encode("ascii")).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._provider.client_id,
                "redirect_uri": redirect_uri,
                "scope": self._provider.scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        sep = "&" if "?" in endpoints.authorization_endpoint else "?"
        authorization = BrowserAuthorization(
            state=state,
            nonce=nonce,
            verifier=verifier,
            redirect_uri=redirect_uri,
            session=session_digest(session),
            url=f"{endpoints.authorization_endpoint}{sep}{query}",
            created=time.time(),
        )
        self._expire()
        while len(self._pending) >= MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))
        self._pending[state] = authorization
        return authorization

    def take(self, state: str, session: str) -> BrowserAuthorization:
        """The pending sign-in of ``state`` from this session, removed (single use).

        Raises
        ------
        SignInReplayed
            The state was used already.
        SignInStateMismatch
            The state is unknown, expired, or was started by another browser session.
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
                "This sign-in reply does not belong to a sign-in started from this panel (its "
                "state is unknown or expired): it is refused. Click Sign in in the panel to "
                "start one."
            )
        authorization = self._pending[key]
        if not hmac.compare_digest(authorization.session, session_digest(session)):
            raise SignInStateMismatch(
                "This sign-in reply comes from another browser session than the one that "
                "started the sign-in: it is refused. Click Sign in in the panel to start one."
            )
        del self._pending[key]
        self._remember(key)
        return authorization

    async def finish(self, authorization: BrowserAuthorization, code: str) -> TokenSet:
        """Exchange the code (with the verifier) and check the id_token's ``nonce``."""
        try:
            tokens = await self._provider.exchange_code(
                code, authorization.verifier, authorization.redirect_uri
            )
        except OAuthError as e:
            raise self.refusal(e.error, e.description) from e
        try:
            claims = jwt.decode(tokens.id_token, options={"verify_signature": False})
        except jwt.PyJWTError as e:
            raise IdpError("The identity provider's id_token is not a JWT.") from e
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, authorization.nonce):
            raise SignInNonceMismatch(
                "The id_token's nonce is not the one this sign-in sent: it is refused. Click "
                "Sign in again."
            )
        return tokens

    def refusal(self, error: str, description: str = "") -> IdentityError:
        """The error of a provider's refusal (in the callback or at the token endpoint)."""
        if error == "access_denied":
            return SignInDenied(
                "The sign-in was declined at the identity provider; click Sign in to try again."
            )
        if error in CLIENT_ERRORS or error == "unauthorized_client":
            return IdpClientRejected(
                f"The identity provider {self._provider.issuer} refused the client "
                f"'{self._provider.client_id}' ({error}): check c.IdTokenService.oidc_client_id, "
                "that the client is public, allows the standard flow with PKCE, and lists this "
                "server's callback as a redirect URI."
            )
        said = f": {description[:200]}" if description else ""
        return IdpError(
            f"The identity provider {self._provider.issuer} refused the sign-in "
            f"({error[:100]}{said}); click Sign in to try again."
        )

    def _remember(self, state: str) -> None:
        self._used[state] = time.time()
        while len(self._used) > MAX_USED:
            self._used.pop(next(iter(self._used)))

    def _expire(self) -> None:
        now = time.time()
        for state in [s for s, a in self._pending.items() if now - a.created > STATE_LIFETIME]:
            del self._pending[state]
            self._remember(state)
