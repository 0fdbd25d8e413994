"""The identity provider's OAuth endpoints, as the server companion calls them.

Discovery (``{issuer}/.well-known/openid-configuration``), the device authorization request and
the device-code token request (RFC 8628), the refresh_token grant and token revocation
(RFC 7009). Every call goes through the bounded HTTP client (deadline, size cap); token requests
are form posts, so tokens travel in bodies, never in URLs (httpx logs URLs). Nothing here logs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from ..httpclient import BoundedReply, DeadlineExceeded, ReplyTooLarge, SharedHttpClient
from .errors import DeviceFlowUnsupported, IdpClientRejected, IdpError, IdpUnreachable


@dataclass(frozen=True)
class Endpoints:
    """What discovery tells about the provider."""

    issuer: str
    token_endpoint: str
    authorization_endpoint: str | None
    device_authorization_endpoint: str | None
    revocation_endpoint: str | None


@dataclass(frozen=True)
class DeviceAuthorization:
    """The provider's answer to a device authorization request (RFC 8628 section 3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float
    interval: float

    def __repr__(self) -> str:  # the device code is a credential until it expires
        return f"DeviceAuthorization(user_code={self.user_code!r}, expires_at={self.expires_at})"


@dataclass(frozen=True)
class TokenSet:
    """Tokens of a grant: held on the server only, never logged (see ``__repr__``)."""

    id_token: str
    refresh_token: str | None
    received_at: float

    def __repr__(self) -> str:
        return f"TokenSet(received_at={self.received_at}, refresh={self.refresh_token is not None})"


class OAuthError(Exception):
    """A token endpoint's OAuth error reply (``{"error": ..., "error_description": ...}``)."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


#: OAuth error codes that mean the client itself is wrong (unknown, not allowed the grant).
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client", "unsupported_grant_type"})


class OidcProvider:
    """One OIDC provider and one public client of it.

    Parameters
    ----------
    http
        The bounded HTTP client.
    issuer
        The issuer URL (discovery is ``{issuer}/.well-known/openid-configuration``).
    client_id
        The client's id.
    scope
        The scope asked for (``openid`` is added when missing).
    """

    def __init__(self, http: SharedHttpClient, issuer: str, client_id: str, scope: str) -> None:
        self._http = http
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        words = scope.split()
        self.scope = " ".join(words if "openid" in words else ["openid", *words])
        self._endpoints: Endpoints | None = None

    def __repr__(self) -> str:
        return f"OidcProvider(issuer={self.issuer!r}, client_id={self.client_id!r})"

    async def endpoints(self) -> Endpoints:
        """The discovery document's endpoints (read once, again after a failure)."""
        if self._endpoints is not None:
            return self._endpoints
        url = f"{self.issuer}/.well-known/openid-configuration"
        reply = await self._send("GET", url)
        body = _json(reply)
        if reply.status_code != 200 or body is None:
            raise IdpError(
                f"The identity provider's discovery document ({url}) answered HTTP "
                f"{reply.status_code}: is c.IdTokenService.oidc_issuer the issuer URL?"
            )
        token = body.get("token_endpoint")
        if not isinstance(token, str) or not token:
            raise IdpError(f"The discovery document of {self.issuer} names no token_endpoint.")
        if body.get("issuer") not in (self.issuer, self.issuer + "/"):
            raise IdpError(
                f"The discovery document at {url} names another issuer "
                f"({str(body.get('issuer'))[:200]}): set c.IdTokenService.oidc_issuer to it."
            )
        device = body.get("device_authorization_endpoint")
        revocation = body.get("revocation_endpoint")
        authorization = body.get("authorization_endpoint")
        self._endpoints = Endpoints(
            issuer=self.issuer,
            token_endpoint=token,
            authorization_endpoint=authorization
            if isinstance(authorization, str) and authorization
            else None,
            device_authorization_endpoint=device if isinstance(device, str) and device else None,
            revocation_endpoint=revocation if isinstance(revocation, str) and revocation else None,
        )
        return self._endpoints

    async def authorize_device(self) -> DeviceAuthorization:
        """Ask for a device code and user code (RFC 8628 section 3.1)."""
        endpoints = await self.endpoints()
        if endpoints.device_authorization_endpoint is None:
            raise DeviceFlowUnsupported(
                f"The identity provider {self.issuer} does not offer the device flow "
                "(its discovery document has no device_authorization_endpoint)."
            )
        reply = await self._send(
            "POST",
            endpoints.device_authorization_endpoint,
            data={"client_id": self.client_id, "scope": self.scope},
        )
        body = _json(reply)
        if reply.status_code != 200:
            raise self._client_error(reply.status_code, body, "the device authorization request")
        try:
            assert body is not None
            device_code, user_code = body["device_code"], body["user_code"]
            uri = body.get("verification_uri") or body["verification_url"]  # Google's old name
            expires_in = float(body["expires_in"])
            interval = float(body.get("interval", 5))
            complete = body.get("verification_uri_complete")
            if not all(isinstance(v, str) and v for v in (device_code, user_code, uri)):
                raise TypeError
        except (AssertionError, KeyError, TypeError, ValueError) as e:
            raise IdpError(
                f"The identity provider {self.issuer} answered the device authorization "
                "request without a device code, user code, verification URI and expiry."
            ) from e
        return DeviceAuthorization(
            device_code=device_code,
            user_code=user_code,
            verification_uri=uri,
            verification_uri_complete=complete if isinstance(complete, str) else None,
            expires_at=time.time() + expires_in,
            interval=max(1.0, interval),
        )

    async def poll_device(self, device_code: str) -> TokenSet:
        """One device access token request (RFC 8628 section 3.4).

        Raises
        ------
        OAuthError
            ``authorization_pending``, ``slow_down``, ``access_denied``, ``expired_token`` or
            another OAuth error the provider answered.
        """
        return await self._token(
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": device_code,
                "client_id": self.client_id,
            }
        )

    async def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> TokenSet:
        """The authorization code grant with its PKCE verifier (RFC 7636 section 4.5).

        Raises
        ------
        OAuthError
            e.g. ``invalid_grant`` for a used or expired code.
        """
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "code_verifier": verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        """The refresh_token grant; the provider may rotate the refresh token.

        Raises
        ------
        OAuthError
            e.g. ``invalid_grant`` when the session ended.
        """
        tokens = await self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
                "scope": self.scope,
            }
        )
        if tokens.refresh_token is None:  # not rotated: keep using the old one
            return TokenSet(tokens.id_token, refresh_token, tokens.received_at)
        return tokens

    async def revoke(self, refresh_token: str) -> bool:
        """Revoke the refresh token (RFC 7009); False when the provider has no endpoint.

        Raises
        ------
        IdpUnreachable, IdpError
            When the provider could not be reached or refused.
        """
        endpoints = await self.endpoints()
        if endpoints.revocation_endpoint is None:
            return False
        reply = await self._send(
            "POST",
            endpoints.revocation_endpoint,
            data={
                "token": refresh_token,
                "token_type_hint": "refresh_token",
                "client_id": self.client_id,
            },
        )
        if reply.status_code != 200:
            raise IdpError(
                f"The identity provider {self.issuer} answered HTTP {reply.status_code} to the "
                "revocation of the sign-in's refresh token."
            )
        return True

    async def _token(self, form: dict[str, str]) -> TokenSet:
        endpoints = await self.endpoints()
        reply = await self._send("POST", endpoints.token_endpoint, data=form)
        body = _json(reply)
        if reply.status_code != 200:
            error = body.get("error") if body else None
            if isinstance(error, str) and error:
                description = body.get("error_description") if body else None
                raise OAuthError(
                    error[:100],
                    description[:300] if isinstance(description, str) else "",
                    reply.status_code,
                )
            raise IdpError(
                f"The identity provider's token endpoint answered HTTP {reply.status_code}."
            )
        id_token = body.get("id_token") if body else None
        if not isinstance(id_token, str) or not id_token:
            raise IdpError(
                f"The identity provider {self.issuer} answered without an id_token: the client "
                "must ask for the openid scope (c.IdTokenService.oidc_scope)."
            )
        refresh = body.get("refresh_token") if body else None
        return TokenSet(
            id_token, refresh if isinstance(refresh, str) and refresh else None, time.time()
        )

    def _client_error(self, status: int, body: dict | None, what: str) -> Exception:
        error = body.get("error") if body else None
        if error in CLIENT_ERRORS or status == 401:
            description = body.get("error_description") if body else None
            said = f" ({description[:200]})" if isinstance(description, str) and description else ""
            return IdpClientRejected(
                f"The identity provider {self.issuer} refused the client "
                f"'{self.client_id}'{said}: check c.IdTokenService.oidc_client_id and that the "
                "client is public and allowed the device authorization grant."
            )
        return IdpError(f"The identity provider {self.issuer} answered HTTP {status} to {what}.")

    async def _send(self, method: str, url: str, **kwargs: Any) -> BoundedReply:
        try:
            return await self._http.request(
                method, url, headers={"Accept": "application/json"}, **kwargs
            )
        except (DeadlineExceeded, httpx.TimeoutException) as e:
            self._endpoints = None
            raise IdpUnreachable(
                f"The identity provider {self.issuer} did not answer in time; try again in a "
                "moment."
            ) from e
        except ReplyTooLarge as e:
            raise IdpError(
                f"The identity provider {self.issuer} answered more than {e.limit} bytes."
            ) from e
        except httpx.HTTPError as e:
            self._endpoints = None
            raise IdpUnreachable(
                f"The identity provider {self.issuer} cannot be reached "
                f"({type(e).__name__}); try again in a moment."
            ) from e


def _json(reply: BoundedReply) -> dict | None:
    try:
        body = reply.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
