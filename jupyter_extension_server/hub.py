"""JupyterHub side of jupyterlab-vault-jwt: one helper to call from ``jupyterhub_config.py``.

The single-user server companion gets its owner's OIDC ``id_token`` from the **id_token
service** (:mod:`jupyter_extension_server.hubservice`), a hub-managed service that runs beside
the hub: the server asks it with its own API token and gets that user's fresh id_token and
nothing else. Only the service may read ``auth_state``; no token of a user or of their servers
can (they would get the access_token and the refresh_token, which outlive the server). For that
to work and for the token to stay fresh, :func:`configure_jupyterhub` sets:

- ``enable_auth_state`` (and thus ``JUPYTERHUB_CRYPT_KEY``), so tokens are kept at all;
- the service (``c.JupyterHub.services``: name, URL, command) and its role: ``admin:auth_state``
  and ``read:users:name``, the least that lets it read ``GET /users/{name}`` with auth_state;
- ``access:services!service=<name>`` (to call it) and ``read:services!service=<name>`` (to look
  up its URL) in BOTH the ``user`` role (a token never gets more than its owner has) and the
  ``server`` role (the scopes of ``$JUPYTERHUB_API_TOKEN``); any ``admin:auth_state`` scope
  configured on these two roles (what earlier versions of this helper added) is removed;
- a short ``auth_refresh_age``: the service's "who is calling" request, made with the caller's
  token, lets the hub refresh that user's auth (at most this often) before the service reads it;
- only with ``allow_access_token=True`` (off by default): the service also answers a caller's
  own OIDC access token (for an STS that wants it, ``c.S3Credentials.use_access_token``) to
  tokens holding the custom scope ``custom:vault-jwt:access-token``, which it defines and
  grants to the ``user`` and ``server`` roles; never the refresh_token;
- an expiry-aware ``refresh_user_hook`` (oauthenticator >= 17.3): stock ``refresh_user`` only
  uses the refresh_token once the userinfo endpoint rejects the access token and never looks
  at the id_token's ``exp``, so the stored id_token can be expired for a while. The hook
  refreshes with the refresh_token grant when ``exp`` is within a lead time.

Usage, in ``jupyterhub_config.py``::

    from jupyter_extension_server.hub import configure_jupyterhub

    c.JupyterHub.authenticator_class = "generic-oauth"  # any OAuthenticator
    ...
    configure_jupyterhub(c)  # service on http://127.0.0.1:8181

On Kubernetes (Zero to JupyterHub), where servers reach the hub pod by the name ``hub``::

    configure_jupyterhub(c, service_url="http://hub:8181", service_bind_url="http://0.0.0.0:8181")
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from .hubservice.broker import ACCESS_TOKEN_SCOPE

__all__ = [
    "ACCESS_TOKEN_SCOPE",
    "DEFAULT_SERVICE_NAME",
    "DEFAULT_SERVICE_URL",
    "SERVICE_ROLE_SCOPES",
    "HubConfigError",
    "caller_scopes",
    "configure_jupyterhub",
    "id_token_seconds_left",
    "make_refresh_user_hook",
]

# Used when the authenticator has no logger of its own (JupyterHub's is ``authenticator.log``).
_fallback_log = logging.getLogger(__name__)

#: The id_token service's name (``/services/<name>/`` on the proxy).
DEFAULT_SERVICE_NAME = "vault-jwt-id-token"
#: Where the service listens by default: loopback, beside the hub.
DEFAULT_SERVICE_URL = "http://127.0.0.1:8181"
#: The service's own scopes: read any user's auth_state (``admin:auth_state`` alone does not
#: open ``GET /users/{name}``, which needs one of its read scopes: the smallest is the name).
SERVICE_ROLE_SCOPES = ("admin:auth_state", "read:users:name")


def caller_scopes(service_name: str = DEFAULT_SERVICE_NAME) -> tuple[str, ...]:
    """Scopes added to the ``user`` and ``server`` roles: call the service, look up its URL."""
    return (
        f"access:services!service={service_name}",
        f"read:services!service={service_name}",
    )


# HTTP statuses from the token endpoint that mean "this refresh_token is no good":
# RFC 6749 section 5.2 (invalid_grant/invalid_client...: 400 or 401); some proxies say 403.
_REFUSED = frozenset({400, 401, 403})

RefreshResult = bool | dict[str, Any] | None
RefreshUserHook = Callable[[Any, Any, dict[str, Any] | None], Awaitable[RefreshResult]]


class HubConfigError(RuntimeError):
    """The hub cannot be configured as asked (e.g. ``JUPYTERHUB_CRYPT_KEY`` is missing)."""


def configure_jupyterhub(
    c: Any,
    *,
    refresh_lead_seconds: float = 60,
    auth_refresh_age: int = 30,
    require_crypt_key: bool = True,
    service_name: str = DEFAULT_SERVICE_NAME,
    service_url: str = DEFAULT_SERVICE_URL,
    service_bind_url: str | None = None,
    service_command: list[str] | None = None,
    allow_access_token: bool = False,
) -> None:
    """Configure JupyterHub so single-user servers can get a fresh id_token of their owner.

    Parameters
    ----------
    c
        The config object of ``jupyterhub_config.py`` (a ``traitlets.config.Config``).
    refresh_lead_seconds
        Refresh the tokens (refresh_token grant) when the stored id_token expires within this
        many seconds. Keep it below the IdP's token lifespan (Keycloak: 300 s by default), or
        every check refreshes.
    auth_refresh_age
        ``Authenticator.auth_refresh_age``: the hub re-checks a user's tokens at most this often
        (seconds), when a request authenticated as that user arrives (the id_token service's
        "who is calling" request, made with the server's token, is one). The service then
        hands out an id_token valid for at least about
        ``refresh_lead_seconds - auth_refresh_age`` seconds.
    require_crypt_key
        Fail unless ``JUPYTERHUB_CRYPT_KEY`` is set (or ``c.CryptKeeper.keys``): without it
        JupyterHub cannot store auth_state.
    service_name
        Name of the id_token service (the servers' ``c.IdTokenService.hub_service_name`` must
        match; both default to ``vault-jwt-id-token``).
    service_url
        Where the hub, the proxy and the single-user servers reach the service. The hub gives
        it to the servers (``GET /hub/api/services/<name>``). Default: loopback port 8181,
        for a hub and servers on one machine.
    service_bind_url
        Where the service listens, when the host of ``service_url`` is not an address of the
        hub's machine (Kubernetes: ``service_url="http://hub:8181"``,
        ``service_bind_url="http://0.0.0.0:8181"``). Default: ``service_url``.
    service_command
        The command that runs the service. Default: this Python running
        ``-m jupyter_extension_server.hubservice``.
    allow_access_token
        Let the service also hand each user's server (and every other token of the user that
        holds the service's scopes, kernels and terminals of the server included) the user's
        current OIDC access token, on its own route (``access-token``) that only a server
        configured with ``c.S3Credentials.use_access_token`` calls. Off by default: an access
        token is a bearer token for the IdP's APIs and every audience it names (see
        docs/security.md). The refresh_token is never handed out.

    Raises
    ------
    HubConfigError
        When the crypt key is missing or the numbers or names make no sense.

    Notes
    -----
    What it sets:

    - ``c.Authenticator.enable_auth_state = True``
    - ``c.Authenticator.auth_refresh_age`` and ``c.Authenticator.refresh_pre_spawn = True``
    - ``c.OAuthenticator.refresh_user_hook`` = :func:`make_refresh_user_hook` (applies to every
      OAuthenticator subclass unless configured more specifically, e.g.
      ``c.GenericOAuthenticator.refresh_user_hook``)
    - ``c.JupyterHub.services``: the service (replacing an entry of the same name), managed
      (the hub starts it, restarts it when it exits, and stops it), not shown on the home page;
    - ``c.JupyterHub.load_roles``: a role ``<name>-service`` with :data:`SERVICE_ROLE_SCOPES`
      for the service; the ``user`` and ``server`` roles get :func:`caller_scopes` added and
      lose any ``admin:auth_state`` scope; their default scopes (or those already configured)
      and every other role are kept.
    - with ``allow_access_token``: ``--allow-access-token`` on the service's command, the custom
      scope :data:`ACCESS_TOKEN_SCOPE` in ``c.JupyterHub.custom_scopes`` and in the ``user`` and
      ``server`` roles. Without it, that scope is removed from those two roles.
    """
    if refresh_lead_seconds < 0:
        raise HubConfigError("refresh_lead_seconds must be >= 0")
    if auth_refresh_age <= 0:
        raise HubConfigError(
            "auth_refresh_age must be > 0: with 0 the hub never refreshes auth_state on its own"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", service_name):
        raise HubConfigError(
            f"service_name {service_name!r}: use lowercase letters, digits, '.', '_' and '-'"
        )
    for label, url in (("service_url", service_url), ("service_bind_url", service_bind_url)):
        if url is not None and not re.fullmatch(r"https?://[^/?#\s]+:\d+/?", url):
            raise HubConfigError(f"{label} must look like http://host:port, not {url!r}")
    if require_crypt_key and not _has_crypt_key(c):
        raise HubConfigError(
            "jupyterlab-vault-jwt needs JupyterHub's auth_state, which needs JUPYTERHUB_CRYPT_KEY "
            "to encrypt it. Generate a key once with `openssl rand -hex 32`, keep it secret and "
            "stable, and export JUPYTERHUB_CRYPT_KEY=<key> in the hub's environment."
        )

    c.Authenticator.enable_auth_state = True
    c.Authenticator.auth_refresh_age = int(auth_refresh_age)
    c.Authenticator.refresh_pre_spawn = True
    c.OAuthenticator.refresh_user_hook = make_refresh_user_hook(refresh_lead_seconds)

    command = list(service_command or [sys.executable, "-m", "jupyter_extension_server.hubservice"])
    if service_bind_url:
        command.append(f"--bind-url={service_bind_url}")
    if allow_access_token:
        command.append("--allow-access-token")
        custom = dict(c.JupyterHub.custom_scopes) if "custom_scopes" in c.JupyterHub else {}
        custom[ACCESS_TOKEN_SCOPE] = {
            "description": "Get your own current OIDC access token from the "
            f"{service_name} service (jupyterlab-vault-jwt)",
        }
        c.JupyterHub.custom_scopes = custom
    service = {
        "name": service_name,
        "url": service_url.rstrip("/"),
        "command": command,
        "display": False,
    }
    services = [
        s for s in _configured_list(c.JupyterHub, "services") if s.get("name") != service_name
    ]
    c.JupyterHub.services = [*services, service]

    callers = caller_scopes(service_name) + ((ACCESS_TOKEN_SCOPE,) if allow_access_token else ())
    roles = _merge_roles(
        _configured_list(c.JupyterHub, "load_roles"),
        {"user": callers, "server": callers},
        drop_access_token_scope=not allow_access_token,
    )
    role_name = f"{service_name}-service"
    roles = [role for role in roles if role.get("name") != role_name]
    roles.append(
        {
            "name": role_name,
            "description": "jupyterlab-vault-jwt: reads a user's auth_state to hand the user "
            "their own fresh id_token",
            "scopes": list(SERVICE_ROLE_SCOPES),
            "services": [service_name],
        }
    )
    c.JupyterHub.load_roles = roles


def _configured_list(section: Any, key: str) -> list[Any]:
    """The list configured as ``section.key`` so far ([] if unset), also when it was only
    ``.append()``-ed or ``.extend()``-ed (a traitlets ``LazyConfigValue``)."""
    from traitlets.config import LazyConfigValue

    if key not in section:
        return []
    value = section[key]
    if isinstance(value, LazyConfigValue):
        return list(value.get_value([]))
    return list(value)


def _has_crypt_key(c: Any) -> bool:
    if os.environ.get("JUPYTERHUB_CRYPT_KEY", "").strip():
        return True
    return "CryptKeeper" in c and bool(c.CryptKeeper.get("keys"))


def _grants_auth_state(scope: str) -> bool:
    """Whether ``scope`` (filtered or not) is ``admin:auth_state``."""
    return scope.partition("!")[0] == "admin:auth_state"


def _merge_roles(
    roles: list[dict[str, Any]],
    extra: dict[str, tuple[str, ...]],
    *,
    drop_access_token_scope: bool = False,
) -> list[dict[str, Any]]:
    """Return a copy of ``roles`` where each role named in ``extra`` has those scopes too, and
    no ``admin:auth_state`` scope (nor :data:`ACCESS_TOKEN_SCOPE` with
    ``drop_access_token_scope``).

    JupyterHub merges a configured default role with its defaults key by key, so a configured
    ``scopes`` list *replaces* the default scopes: when we add a role spec we start from the
    default scopes, and when the config already has one we keep its scopes.
    """
    from jupyterhub.roles import get_default_roles

    defaults = {role["name"]: role for role in get_default_roles()}
    merged = [copy.deepcopy(dict(role)) for role in roles]
    for name, scopes in extra.items():
        spec = next((role for role in merged if role.get("name") == name), None)
        if spec is None:
            spec = {
                "name": name,
                "description": defaults[name]["description"],
                "scopes": list(defaults[name]["scopes"]),
            }
            merged.append(spec)
        elif "scopes" not in spec:
            spec["scopes"] = list(defaults[name]["scopes"])
        dropped = [s for s in spec["scopes"] if _grants_auth_state(s)]
        if dropped:
            _fallback_log.warning(
                "jupyterlab-vault-jwt: removing %s from the %r role: a user's tokens and "
                "servers must not read auth_state (the id_token service hands out the id_token)",
                ", ".join(dropped),
                name,
            )
        kept = [
            s
            for s in spec["scopes"]
            if not _grants_auth_state(s)
            and not (drop_access_token_scope and s == ACCESS_TOKEN_SCOPE)
        ]
        spec["scopes"] = kept + [s for s in scopes if s not in kept]
    return merged


def id_token_seconds_left(
    auth_state: dict[str, Any] | None, now: float | None = None
) -> float | None:
    """Seconds until the ``exp`` of ``auth_state["id_token"]``, or None if unknown.

    The signature is not checked: the hub got the token from the IdP itself, and only its
    expiry is read here. Negative when already expired.
    """
    token = (auth_state or {}).get("id_token")
    if not token or not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return None
    return float(exp) - (time.time() if now is None else now)


def make_refresh_user_hook(
    lead_seconds: float = 60, *, clock: Callable[[], float] = time.time
) -> RefreshUserHook:
    """Build an expiry-aware ``OAuthenticator.refresh_user_hook`` (oauthenticator >= 17.3).

    oauthenticator calls it as ``await hook(authenticator, user, auth_state)`` from
    ``refresh_user`` (whenever JupyterHub refreshes a user's auth: at most every
    ``auth_refresh_age`` seconds on requests authenticated as that user, and before a spawn
    with ``refresh_pre_spawn``) and uses what it returns:

    - ``True``: the auth state is fine as it is (the id_token is valid for more than
      ``lead_seconds``; or the IdP could not be reached, which is logged as a warning and the
      current state kept, so a blip at the IdP does not log everyone out);
    - a new auth model (``{"name", "admin", "auth_state", ...}``): the tokens were refreshed with
      the refresh_token grant at the authenticator's ``token_url``; built by the authenticator's
      own code (``build_refresh_token_request_params``, ``get_token_info`` and the same
      token-to-auth-model step as a login), so ``auth_state`` keeps its usual shape;
    - ``False``: the user must log in again: there is no auth_state or refresh_token, or the IdP
      refused the refresh_token (HTTP 400/401/403, e.g. ``invalid_grant`` after the SSO session
      ended). JupyterHub then treats the user's cookies and tokens as logged out (its API
      answers 403 to the single-user server's requests).

    A missing or unreadable id_token counts as expired. Concurrent refreshes for one user share
    one request to the IdP (an IdP that rotates refresh tokens would refuse the second one).
    Tokens are never logged.
    """
    if lead_seconds < 0:
        raise ValueError("lead_seconds must be >= 0")
    in_flight: dict[str, asyncio.Future[RefreshResult]] = {}

    async def refresh_user_hook(authenticator, user, auth_state):
        log = getattr(authenticator, "log", None) or _fallback_log
        name = getattr(user, "name", str(user))
        left = id_token_seconds_left(auth_state, now=clock())
        if left is not None and left > lead_seconds:
            return True
        if not auth_state:
            log.info("No auth_state for %s: a new login is required.", name)
            return False
        if not auth_state.get("refresh_token"):
            log.info(
                "The id_token of %s %s and there is no refresh_token: a new login is required.",
                name,
                _describe(left),
            )
            return False

        pending = in_flight.get(name)
        if pending is not None:
            result = await asyncio.shield(pending)
            return copy.deepcopy(result) if isinstance(result, dict) else result

        future: asyncio.Future[RefreshResult] = asyncio.get_running_loop().create_future()
        in_flight[name] = future
        try:
            result = await _refresh(authenticator, log, name, auth_state, left)
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # mark retrieved: followers (if any) get it from their await
            raise
        else:
            future.set_result(result)
            return result
        finally:
            in_flight.pop(name, None)

    refresh_user_hook.lead_seconds = lead_seconds  # type: ignore[attr-defined]
    return refresh_user_hook


def _describe(left: float | None) -> str:
    if left is None:
        return "is missing or unreadable"
    if left <= 0:
        return f"expired {-left:.0f}s ago"
    return f"expires in {left:.0f}s"


async def _refresh(
    authenticator, log: logging.Logger, name: str, auth_state: dict[str, Any], left: float | None
):
    from tornado.httpclient import HTTPClientError
    from tornado.web import HTTPError

    refresh_token = auth_state["refresh_token"]
    log.info("The id_token of %s %s: refreshing the tokens.", name, _describe(left))
    params = authenticator.build_refresh_token_request_params(refresh_token)
    try:
        # oauthenticator's get_token_info ignores its handler argument.
        token_info = await authenticator.get_token_info(None, params)
    except HTTPClientError as e:
        if e.code in _REFUSED:
            log.warning(
                "The IdP refused the refresh_token of %s (HTTP %s%s): a new login is required.",
                name,
                e.code,
                _oauth_error(e),
            )
            return False
        if e.code == 599:  # tornado: timeout or connection closed, no HTTP response
            log.warning(
                "Could not refresh the tokens of %s: the IdP is unreachable (%s); "
                "keeping the current auth_state.",
                name,
                e.message,
            )
        else:
            log.warning(
                "Could not refresh the tokens of %s: the IdP's token endpoint answered "
                "HTTP %s%s; keeping the current auth_state.",
                name,
                e.code,
                _oauth_error(e),
            )
        return True
    except HTTPError as e:
        # get_token_info raises 403 for a 200 response with error_description, 500 for a
        # response without access_token. Their messages may quote the response: not logged.
        if e.status_code == 403:
            log.warning("The IdP refused the refresh_token of %s: a new login is required.", name)
            return False
        log.warning(
            "Could not refresh the tokens of %s: unusable token response (HTTP %s); "
            "keeping the current auth_state.",
            name,
            e.status_code,
        )
        return True
    except (OSError, asyncio.TimeoutError) as e:
        log.warning(
            "Could not refresh the tokens of %s: the IdP is unreachable (%s); "
            "keeping the current auth_state.",
            name,
            type(e).__name__,
        )
        return True

    # The IdP may not send a new refresh_token: keep the current one (as refresh_user does).
    if not token_info.get("refresh_token"):
        token_info["refresh_token"] = refresh_token
    try:
        # The same step `authenticate` and `refresh_user` use (userinfo request, username,
        # build_auth_state_dict, modify_auth_state_hook, update_auth_model, managed groups).
        auth_model = await authenticator._token_to_auth_model(token_info)
    except HTTPClientError as e:
        if e.code in _REFUSED:
            log.warning(
                "The IdP rejected the fresh access token of %s at the userinfo endpoint "
                "(HTTP %s): a new login is required.",
                name,
                e.code,
            )
            return False
        log.warning(
            "Could not refresh the tokens of %s: the userinfo endpoint answered HTTP %s; "
            "keeping the current auth_state.",
            name,
            e.code,
        )
        return True
    except (OSError, asyncio.TimeoutError) as e:
        log.warning(
            "Could not refresh the tokens of %s: the userinfo endpoint is unreachable (%s); "
            "keeping the current auth_state.",
            name,
            type(e).__name__,
        )
        return True

    new_left = id_token_seconds_left(auth_model.get("auth_state"))
    if new_left is None:
        log.warning("Refreshed the tokens of %s, but the IdP sent no usable id_token.", name)
    else:
        log.info("Refreshed the tokens of %s: the id_token is valid for %.0fs.", name, new_left)
    return auth_model


def _oauth_error(e: Any) -> str:
    """The OAuth ``error`` code of a token endpoint error response, e.g. ', invalid_grant'."""
    response = getattr(e, "response", None)
    body = getattr(response, "body", None)
    if not body:
        return ""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    return f", {error}" if isinstance(error, str) and error.isascii() and len(error) < 64 else ""
