"""Browser sign-in: the authorization code grant with PKCE (RFC 7636), for providers or clients
without the device flow.

:class:`BrowserAuthorizations` starts the sign-ins of the panel: for each, a random ``state``,
``nonce`` and PKCE ``code_verifier`` (S256 challenge), the redirect URI, and a digest of the
browser session that started it (its ``_xsrf`` cookie), kept in a :class:`~.pending.PendingSignIns`
store: the callback is accepted only with a ``state`` that is pending, from the same browser
session, not older than :data:`~.pending.STATE_LIFETIME`, and once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from contextlib import AbstractContextManager
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
)
from .oidc import CLIENT_ERRORS, OAuthError, OidcProvider, TokenSet
from .pending import PendingSignIns, session_digest


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


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
        self._pending: PendingSignIns[BrowserAuthorization] = PendingSignIns("a sign-in")

    @property
    def latest(self) -> BrowserAuthorization | None:
        """The most recent sign-in still waiting, or None."""
        return self._pending.latest

    def cancel(self) -> None:
        """Forget every pending sign-in (their callbacks are refused from now on)."""
        self._pending.cancel()

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
        self._pending.keep(state, authorization)
        return authorization

    def finishing(self, state: str, session: str) -> AbstractContextManager[BrowserAuthorization]:
        """The pending sign-in of ``state`` from this session, removed (single use) and still
        :attr:`latest` while the block runs; see :meth:`.pending.PendingSignIns.finishing`."""
        return self._pending.finishing(state, session)

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
