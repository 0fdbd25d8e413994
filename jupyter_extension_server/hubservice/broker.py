"""The id_token broker: a caller's own fresh id_token from the hub's auth_state, and nothing else.

The broker runs beside the hub (a hub-managed service, see :mod:`.app`) with the only token that
may read ``auth_state`` (scopes ``admin:auth_state`` and ``read:users:name``). For each request:

1. **Who is calling** (``GET {api}/user`` with the *caller's* token). JupyterHub authenticates
   the request with that token (``BaseHandler.get_current_user``) and, for a user's token, runs
   ``refresh_auth`` for that user first: at most once per ``Authenticator.auth_refresh_age``,
   it calls ``Authenticator.refresh_user`` and so the expiry-aware ``refresh_user_hook`` of
   :mod:`jupyter_extension_server.hub`. When the hook says the login is over (the IdP refused
   the refresh_token), the hub answers 403: ``login_required``. The caller must be a user (not
   a service) whose token holds ``access:services!service=<name>`` (or ``access:services``).
2. **Their id_token** (``GET {api}/users/{name}`` with the broker's own token): read *after*
   step 1 returned, so the refresh has already been stored. The broker's own request is
   authenticated as a service, for which the hub runs no refresh.
3. The reply holds ``id_token`` only. An expired one (the hub could not refresh it: IdP down)
   is an error, ``stale_id_token``, not a reply.

The OIDC **access token** (some STS servers want it rather than the id_token) is answered only
by a separate call (:meth:`IdTokenBroker.access_token_for`, its own route), and only when the
hub's administrator allowed it twice: the broker runs with ``allow_access_token`` (off by
default) and the caller's token holds :data:`ACCESS_TOKEN_SCOPE` (a custom scope the hub
defines; ``configure_jupyterhub(c, allow_access_token=True)`` sets up both). The same steps
and owner-only checks apply; the access token comes from the same auth_state, so the same
refresh keeps it fresh. The refresh_token is never answered.

Nothing is cached: every request asks the hub again (a cache would serve a stale or revoked
token). Each request has an overall deadline, and each hub reply a size cap. Tokens never
reach a log or an error message.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from ..httpclient import SharedHttpClient

__all__ = ["ACCESS_TOKEN_SCOPE", "MAX_HUB_REPLY_BYTES", "BrokerError", "IdTokenBroker"]

#: The custom scope a caller's token must hold to get the access token (besides the service's
#: access scope), when the broker allows access tokens at all.
ACCESS_TOKEN_SCOPE = "custom:vault-jwt:access-token"  # noqa: S105 - a scope name

#: Largest hub reply read (a user model is a few KiB; auth_state with its tokens < 64 KiB).
MAX_HUB_REPLY_BYTES = 1024 * 1024


#: Seconds past ``exp`` (by the hub's clock) an id_token is still answered, as the servers'
#: ``c.IdTokenService.clock_skew`` allows for a clock between them and the hub.
CLOCK_SKEW_SECONDS = 30


class BrokerError(Exception):
    """A refusal or failure, answered as ``{"error": {"code", "message"}}`` with ``status``.

    The codes are the server companion's identity error codes (``login_required``,
    ``stale_id_token``, ``hub_unreachable``, ``hub_timeout``, ``hub_error``,
    ``hub_misconfigured``, ``no_id_token``; for the access token ``access_token_not_allowed``,
    ``no_access_token``, ``stale_access_token``) plus the broker's own refusals
    (``unauthenticated``, ``forbidden``, ``wrong_user``). Messages never hold a token.
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        """The reply body."""
        return {"error": {"code": self.code, "message": self.message, **self.extra}}

    def __repr__(self) -> str:
        return f"BrokerError(status={self.status}, code={self.code!r})"


class IdTokenBroker:
    """Answers a caller's token with the caller's own fresh id_token.

    Parameters
    ----------
    api_url
        The hub's API URL (``JUPYTERHUB_API_URL``, e.g. ``http://127.0.0.1:8081/hub/api``).
    api_token
        The broker's own API token (``JUPYTERHUB_API_TOKEN`` of the managed service; never
        logged).
    service_name
        The broker's service name: callers need ``access:services!service=<name>``.
    request_timeout
        Timeout of each request to the hub (seconds).
    deadline
        Overall deadline of one answer, both hub requests included (seconds). Keep it below
        the server companion's own timeout (``c.IdTokenService.request_timeout``, 10 s), so
        the companion gets the broker's ``hub_timeout`` rather than a timeout of its own.
    max_connections
        Size of the connection pool to the hub.
    allow_access_token
        Answer :meth:`access_token_for` (callers also need :data:`ACCESS_TOKEN_SCOPE`). Off by
        default: the access token is a bearer token for the IdP's APIs and every audience it
        names, so only the id_token leaves the hub.
    """

    def __init__(
        self,
        api_url: str,
        api_token: str,
        service_name: str,
        *,
        request_timeout: float = 5.0,
        deadline: float = 8.0,
        max_connections: int = 20,
        allow_access_token: bool = False,
    ) -> None:
        if not api_url or not api_token or not service_name:
            raise ValueError("api_url, api_token and service_name are required")
        self._api = api_url.rstrip("/")
        self._auth = {"Authorization": f"token {api_token}", "Accept": "application/json"}
        self.service_name = service_name
        self._access = {"access:services", f"access:services!service={service_name}"}
        self._deadline = deadline
        self.allow_access_token = allow_access_token
        self._http = SharedHttpClient(timeout=request_timeout, max_connections=max_connections)

    def __repr__(self) -> str:
        return f"IdTokenBroker(api={self._api!r}, service={self.service_name!r})"

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def id_token_for(self, caller_token: str, expected_user: str | None = None) -> str:
        """The caller's own fresh id_token.

        Parameters
        ----------
        caller_token
            The caller's hub API token (a single-user server's ``$JUPYTERHUB_API_TOKEN`` or a
            personal token of the user).
        expected_user
            When given, refuse (``wrong_user``) unless the token belongs to this user.

        Raises
        ------
        BrokerError
            Refused, or the hub failed; see the class for the codes.
        """
        return await self._within_deadline(self._id_token_for(caller_token, expected_user))

    async def access_token_for(self, caller_token: str, expected_user: str | None = None) -> str:
        """The caller's own fresh OIDC access token, when the administrator allows it.

        The same checks as :meth:`id_token_for`, then: the broker must run with
        ``allow_access_token`` and the caller's token must hold :data:`ACCESS_TOKEN_SCOPE`
        (else ``access_token_not_allowed``, 403).

        Raises
        ------
        BrokerError
            Refused, or the hub failed; see the class for the codes.
        """
        return await self._within_deadline(self._access_token_for(caller_token, expected_user))

    async def _within_deadline(self, work: Any) -> str:
        try:
            return await asyncio.wait_for(work, self._deadline)
        except asyncio.TimeoutError as e:
            raise BrokerError(
                504,
                "hub_timeout",
                f"JupyterHub's API did not answer within {self._deadline:g} s.",
            ) from e

    async def _id_token_for(self, caller_token: str, expected_user: str | None) -> str:
        name, _ = await self._caller(caller_token, expected_user)
        return _id_token_in(await self._auth_state_of(name))

    async def _access_token_for(self, caller_token: str, expected_user: str | None) -> str:
        name, scopes = await self._caller(caller_token, expected_user)
        if not self.allow_access_token:
            raise BrokerError(
                403,
                "access_token_not_allowed",
                f"The {self.service_name} service hands out id_tokens only: the hub's "
                "administrator has not allowed access tokens "
                "(configure_jupyterhub(c, allow_access_token=True)).",
            )
        if ACCESS_TOKEN_SCOPE not in scopes:
            raise BrokerError(
                403,
                "access_token_not_allowed",
                f"This token may not get the access token: it needs the {ACCESS_TOKEN_SCOPE} "
                "scope (configure_jupyterhub(c, allow_access_token=True) grants it to the "
                "user and server roles).",
            )
        return _access_token_in(name, await self._auth_state_of(name))

    async def _caller(self, caller_token: str, expected_user: str | None) -> tuple[str, list]:
        """The caller's user name and token scopes, once the caller may use the service."""
        caller = await self._whoami(caller_token)
        name = caller.get("name")
        if caller.get("kind") != "user" or not isinstance(name, str) or not name:
            raise BrokerError(
                403, "forbidden", "Only a user's token gets an id_token, and only its own."
            )
        scopes = caller.get("scopes")
        if not isinstance(scopes, list) or not self._access.intersection(scopes):
            raise BrokerError(
                403,
                "forbidden",
                f"This token may not use the {self.service_name} service: it needs the "
                f"access:services!service={self.service_name} scope.",
            )
        if expected_user is not None and expected_user != name:
            raise BrokerError(
                403,
                "wrong_user",
                "This token belongs to another user: the service answers each user with "
                "their own id_token only.",
            )
        return name, scopes

    async def _whoami(self, caller_token: str) -> dict[str, Any]:
        status, model = await self._get(
            f"{self._api}/user",
            {"Authorization": f"token {caller_token}", "Accept": "application/json"},
        )
        if status in (401, 403):
            # An unknown or revoked token, or the hub's refresh hook ended the login.
            raise BrokerError(
                401, "login_required", "JupyterHub refused the token: log in again at the hub."
            )
        if status != 200 or not isinstance(model, dict):
            raise BrokerError(
                502, "hub_error", f"JupyterHub's API answered HTTP {status} to the token check."
            )
        return model

    async def _auth_state_of(self, name: str) -> dict[str, Any]:
        status, model = await self._get(f"{self._api}/users/{quote(name, safe='')}", self._auth)
        if status == 404:
            raise BrokerError(401, "login_required", f"JupyterHub has no user {name} any more.")
        if status in (401, 403):
            raise BrokerError(
                503,
                "hub_misconfigured",
                f"The {self.service_name} service may not read auth_state: its role needs the "
                "admin:auth_state and read:users:name scopes (configure_jupyterhub sets them).",
            )
        if status != 200 or not isinstance(model, dict):
            raise BrokerError(
                502, "hub_error", f"JupyterHub's API answered HTTP {status} for the user model."
            )
        if "auth_state" not in model:
            raise BrokerError(
                503,
                "hub_misconfigured",
                f"The {self.service_name} service may not read auth_state: its role needs the "
                "admin:auth_state scope (configure_jupyterhub sets it).",
            )
        state = model["auth_state"]
        if not isinstance(state, dict):
            raise BrokerError(
                503,
                "hub_misconfigured",
                f"JupyterHub holds no auth_state for {name}: the hub needs "
                "c.Authenticator.enable_auth_state = True with JUPYTERHUB_CRYPT_KEY set. If it "
                "was enabled after the login, log out of the hub and in again.",
            )
        return state

    async def _get(self, url: str, headers: dict[str, str]) -> tuple[int, Any]:
        """GET ``url``: the status and the JSON body (None when it is not JSON)."""
        try:
            async with self._http.client.stream("GET", url, headers=headers) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_HUB_REPLY_BYTES:
                        raise BrokerError(
                            502,
                            "hub_error",
                            f"JupyterHub's API answered more than {MAX_HUB_REPLY_BYTES} bytes.",
                        )
                status = response.status_code
        except httpx.TimeoutException as e:
            raise BrokerError(504, "hub_timeout", "JupyterHub's API did not answer in time.") from e
        except httpx.HTTPError as e:
            raise BrokerError(
                502,
                "hub_unreachable",
                f"JupyterHub's API cannot be reached ({type(e).__name__}).",
            ) from e
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None


def _id_token_in(state: dict[str, Any]) -> str:
    """The id_token of ``state`` (a user's auth_state), unless missing or expired."""
    token = state.get("id_token")
    if not isinstance(token, str) or not token.strip():
        raise BrokerError(
            503,
            "no_id_token",
            "The login holds no id_token: the identity provider issued none (is the "
            "'openid' scope requested?).",
        )
    token = token.strip()
    exp = _exp_of(token)
    # A token just past exp by the hub's clock is still handed out: the single-user server
    # judges it with its own clock and its own allowance (c.IdTokenService.clock_skew).
    if exp is not None and exp + CLOCK_SKEW_SECONDS <= time.time():
        raise BrokerError(
            503,
            "stale_id_token",
            "The hub's id_token has expired and the hub could not get a new one from the "
            "identity provider (down, or unreachable from the hub).",
            exp=exp,
        )
    return token


def _access_token_in(name: str, state: dict[str, Any]) -> str:
    """The access token of ``state`` (never the refresh_token), unless missing or expired.

    Its expiry is known when it is a JWT (Keycloak's are); an opaque one is answered as it is
    (the hub's refresh follows the id_token, issued with it).
    """
    token = state.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise BrokerError(503, "no_access_token", f"The login of {name} holds no access token.")
    token = token.strip()
    exp = _exp_of(token)
    if exp is not None and exp + CLOCK_SKEW_SECONDS <= time.time():
        raise BrokerError(
            503,
            "stale_access_token",
            "The hub's access token has expired and the hub could not get a new one from the "
            "identity provider (down, or unreachable from the hub).",
            exp=exp,
        )
    return token


def _exp_of(token: str) -> float | None:
    """The ``exp`` claim of a JWT (signature not checked: the hub got it from the IdP)."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)
