"""The server owner's OIDC id_token: where it comes from, the copy in memory, and its refresh.

The source is picked once, by what is configured: the first configured one of the chain
``c.IdTokenService.sources`` (default ``hub, device, env, file``) is used; a failing source does
not fall back to the next one:

1. JupyterHub, when its API URL, user and API token are all set (a spawner sets
   ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_USER`` and ``JUPYTERHUB_API_TOKEN``): the hub's id_token
   service (:mod:`jupyter_extension_server.hubservice`), asked with the server's own token,
   answers the owner's fresh id_token (it lets the hub refresh the tokens first). The server
   itself cannot read ``auth_state``. The service's URL comes from the hub
   (``GET {api_url}/services/{name}``: its ``url`` and ``prefix``) unless
   ``c.IdTokenService.hub_service_url`` sets it.
2. ``device`` / ``browser``: a sign-in from the panel with the OAuth device flow (RFC 8628) or
   in a pop-up (authorization code with PKCE, RFC 7636), when ``oidc_issuer`` and
   ``oidc_client_id`` are set (:mod:`jupyter_extension_server.signin`): the server holds the
   tokens and refreshes them; until the user signs in there is no identity;
3. an environment variable (``OIDC_ID_TOKEN``), when it is set and not empty;
4. a file (``OIDC_ID_TOKEN_FILE``), read again on every refresh.

The server only checks that the token is a JWT with a numeric ``exp``; it does not verify the
signature (Vault does, when it logs in with the token). Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote

import httpx
import jwt
from jupyter_server.utils import url_path_join
from traitlets import (
    Bool,
    CaselessStrEnum,
    Float,
    Int,
    List,
    TraitError,
    Unicode,
    default,
    validate,
)
from traitlets.config import LoggingConfigurable

from ..errors import (
    AccessTokenNotAllowed,
    HubDeadlineExceeded,
    HubError,
    HubMisconfigured,
    HubReplyTooLarge,
    HubTimeout,
    HubUnreachable,
    IdentityError,
    LoginRequired,
    MalformedToken,
    NoAccessToken,
    NoIdToken,
    RefreshRateLimited,
    SourceUnreadable,
    StaleIdToken,
)
from ..httpclient import BoundedReply, DeadlineExceeded, ReplyTooLarge, SharedHttpClient
from ..singleflight import SingleFlight
from .limits import ReadBudget, UnchangedBackoff

SourceName = Literal["hub", "device", "browser", "vault-oidc", "env", "file"]

#: The sources the chain may name.
SOURCE_NAMES: tuple[str, ...] = ("hub", "device", "browser", "vault-oidc", "env", "file")
#: The default chain: every source but ``vault-oidc``, which is used only when named.
DEFAULT_SOURCES: tuple[str, ...] = ("hub", "device", "browser", "env", "file")

#: Vault OIDC callback modes (the role's ``callback_mode``).
VAULT_OIDC_MODES = ("client", "device", "direct")

#: Largest token file read (id_tokens are a few KiB); guards against pointing at a huge file.
MAX_TOKEN_FILE_BYTES = 64 * 1024

HUB_HELPER = "jupyter_extension_server.hub.configure_jupyterhub(c) in jupyterhub_config.py"
#: The hub's id_token service, as configure_jupyterhub names it by default.
HUB_SERVICE_NAME = "vault-jwt-id-token"


@dataclass(frozen=True)
class Identity:
    """An id_token as read from its source.

    Attributes
    ----------
    id_token
        The compact JWT (never logged).
    source
        ``"hub"``, ``"env"`` or ``"file"``.
    source_detail
        Human description of the source, e.g. ``"JupyterHub API users/alice"``.
    fetched_at
        When it was read (epoch seconds).
    exp
        Its ``exp`` claim (epoch seconds).
    """

    id_token: str
    source: SourceName
    source_detail: str
    fetched_at: float
    exp: float

    def __repr__(self) -> str:  # keep the token out of reprs, tracebacks and debuggers
        return (
            f"Identity(source={self.source!r}, source_detail={self.source_detail!r}, "
            f"fetched_at={self.fetched_at}, exp={self.exp})"
        )


class TokenSource(Protocol):
    """Where an id_token can be read from."""

    name: SourceName
    detail: str

    async def fetch(self) -> str:
        """Read the id_token; raise an :class:`~.errors.IdentityError` on failure."""
        ...


class HubSource:
    """The owner's id_token from the hub's id_token service, asked with the server's token.

    The service's base URL is ``service_url`` when given; else it is looked up once, at the
    first fetch, with ``GET {api_url}/services/{service_name}`` (the ``url`` the hub and its
    proxy reach the service at, plus its ``prefix``), and looked up again after the service
    could not be reached. Then each fetch is ``GET {base}id-token?user={user}``; the service's
    error codes become the identity errors of the same codes. :meth:`fetch_access_token` asks
    ``GET {base}access-token?user={user}`` instead (only when the server was configured to want
    the access token: the service answers it only when the hub's administrator allows it).

    Parameters
    ----------
    http
        The shared HTTP client.
    api_url
        JupyterHub's API URL, e.g. ``http://127.0.0.1:8081/hub/api``.
    user
        The hub user who owns this server.
    api_token
        The server's API token (sent in the ``Authorization`` header, never logged).
    service_name
        The id_token service's name.
    service_url
        The service's base URL including its prefix (e.g.
        ``http://hub:8181/services/vault-jwt-id-token/``), or "" to ask the hub.
    """

    name: SourceName = "hub"

    def __init__(
        self,
        http: SharedHttpClient,
        api_url: str,
        user: str,
        api_token: str,
        service_name: str = HUB_SERVICE_NAME,
        service_url: str = "",
    ) -> None:
        self._http = http
        self._user = user
        self._service = service_name
        self._lookup_url = url_path_join(api_url, "services", quote(service_name, safe=""))
        self._whoami_url = url_path_join(api_url, "user")
        self._configured_base = service_url
        self._base: str | None = service_url.rstrip("/") + "/" if service_url else None
        self._headers = {"Authorization": f"token {api_token}", "Accept": "application/json"}
        self.detail = f"JupyterHub service {service_name}"

    def __repr__(self) -> str:
        return f"HubSource(service={self._service!r}, base={self._base!r})"

    async def fetch(self) -> str:
        """Ask the id_token service for the owner's id_token."""
        return await self._ask("id-token", "id_token")

    async def fetch_access_token(self) -> str:
        """Ask the id_token service for the owner's OIDC access token (never stored here)."""
        return await self._ask("access-token", "access_token")

    async def _ask(self, route: str, field: str) -> str:
        base = self._base or await self._look_up()
        response = await self._get(f"{base}{route}", params={"user": self._user})
        if response is None:
            # Unreachable: the hub may have moved it; look the URL up again next time.
            self._base = self._configured_base.rstrip("/") + "/" if self._configured_base else None
            raise HubUnreachable(
                f"The hub's id_token service ({self._service}) cannot be reached; try again in "
                "a moment, or ask the hub's administrator if it persists."
            )
        body = _json_object(response)
        if response.status_code == 200:
            token = body.get(field) if body else None
            if not isinstance(token, str) or not token.strip():
                raise HubError(
                    f"The hub's id_token service ({self._service}) answered without an "
                    f"{field.replace('_', ' ')}."
                )
            return token.strip()
        if field == "access_token" and response.status_code == 404:
            # A service from before access tokens: it has no such route.
            raise AccessTokenNotAllowed(
                f"The hub's id_token service ({self._service}) does not hand out access "
                "tokens (an older version): ask the hub's administrator, or turn "
                "c.S3Credentials.use_access_token off."
            )
        raise self._error_of(response.status_code, body)

    async def _look_up(self) -> str:
        """The service's base URL, from the hub's service model."""
        response = await self._get(self._lookup_url)
        if response is None:
            raise HubUnreachable(
                "JupyterHub's API cannot be reached; try again in a moment, or ask the hub's "
                "administrator if it persists."
            )
        model = _json_object(response)
        if response.status_code == 200 and model:
            url, prefix = model.get("url"), model.get("prefix")
            if isinstance(url, str) and url and isinstance(prefix, str):
                self._base = url_path_join(url, prefix).rstrip("/") + "/"
                return self._base
            raise HubMisconfigured(
                f"The hub's service {self._service} has no URL: set it up with {HUB_HELPER}."
            )
        if response.status_code == 404:
            raise HubMisconfigured(self._not_upgraded())
        if response.status_code in (401, 403):
            # Either this server's token may not read the service (an older hub config) or
            # the hub refuses the token altogether (the login ended): the whoami tells.
            whoami = await self._get(self._whoami_url)
            if whoami is not None and whoami.status_code == 200:
                raise HubMisconfigured(self._not_upgraded())
            raise LoginRequired("Your JupyterHub login has expired; log in again at the hub.")
        raise HubError(
            f"JupyterHub's API answered HTTP {response.status_code} to the lookup of the "
            f"{self._service} service; try again, or ask the hub's administrator if it persists."
        )

    def _not_upgraded(self) -> str:
        return (
            f"JupyterHub has no id_token service {self._service} that this server may use: "
            f"the hub's configuration predates it. Call {HUB_HELPER} (it adds the service and "
            "the scopes), then restart the hub and this server."
        )

    async def _get(self, url: str, params: dict | None = None) -> BoundedReply | None:
        """GET with the server's token; None when unreachable (timeouts raise HubTimeout)."""
        try:
            return await self._http.request("GET", url, headers=self._headers, params=params)
        except DeadlineExceeded as e:
            raise HubDeadlineExceeded(
                f"JupyterHub's API did not complete its answer within the deadline of "
                f"{e.deadline:g} s (c.IdTokenService.request_deadline); try again in a moment."
            ) from e
        except ReplyTooLarge as e:
            raise HubReplyTooLarge(
                f"JupyterHub's API answered more than {e.limit} bytes "
                "(c.IdTokenService.max_reply_bytes); ask the hub's administrator."
            ) from e
        except httpx.TimeoutException as e:
            raise HubTimeout(
                "JupyterHub's API did not answer in time; try again in a moment."
            ) from e
        except httpx.HTTPError:
            return None

    def _error_of(self, status: int, body: dict | None) -> IdentityError:
        error = body.get("error") if body else None
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str) or len(message) > 500:
            message = None
        if code == "login_required":
            return LoginRequired("Your JupyterHub login has expired; log in again at the hub.")
        if code == "stale_id_token":
            exp = error.get("exp")
            ago = (
                f" {format_age(time.time() - exp)} ago"
                if isinstance(exp, int | float) and not isinstance(exp, bool)
                else ""
            )
            return StaleIdToken(
                f"JupyterHub's id_token for you expired{ago} and the hub could not get a new "
                "one from the identity provider (down, or unreachable from the hub). This panel "
                "tries again by itself; if it lasts, log in again at the hub."
            )
        if code == "hub_timeout":
            return HubTimeout("JupyterHub's API did not answer in time; try again in a moment.")
        if code == "hub_unreachable":
            return HubUnreachable(
                "JupyterHub's API cannot be reached from its id_token service; try again in a "
                "moment, or ask the hub's administrator if it persists."
            )
        if code == "hub_misconfigured":
            return HubMisconfigured(message or f"The hub is not set up: {HUB_HELPER}.")
        if code == "no_id_token":
            return NoIdToken(
                message
                or "Your JupyterHub login holds no id_token: the identity provider issued none."
            )
        if code == "access_token_not_allowed":
            return AccessTokenNotAllowed(
                (message or "The hub does not hand out access tokens.")
                + " Ask the hub's administrator, or turn c.S3Credentials.use_access_token off "
                "to use the id_token."
            )
        if code in ("no_access_token", "stale_access_token"):
            return NoAccessToken(
                message or "The hub holds no usable access token for you; log in again at the hub."
            )
        if status == 404:
            # A proxy or server that does not know the route: the service is not there.
            return HubMisconfigured(self._not_upgraded())
        return HubError(
            f"The hub's id_token service ({self._service}) answered HTTP {status}"
            + (f" ({code})" if isinstance(code, str) and code.isidentifier() else "")
            + (f": {message}" if message else "; ask the hub's administrator if it persists.")
        )


def _json_object(response: BoundedReply) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class EnvSource:
    """An id_token in an environment variable of the server.

    Parameters
    ----------
    var
        Name of the variable.
    """

    name: SourceName = "env"

    def __init__(self, var: str) -> None:
        self._var = var
        self.detail = f"environment variable {var}"

    async def fetch(self) -> str:
        """Return the variable's value."""
        token = os.environ.get(self._var, "").strip()
        if not token:
            raise SourceUnreadable(f"The environment variable {self._var} is not set or empty.")
        return token


class FileSource:
    """An id_token in a file, read again on every refresh (another tool may rewrite it).

    Parameters
    ----------
    path
        Path of the file (``~`` is expanded).
    """

    name: SourceName = "file"

    def __init__(self, path: str) -> None:
        self._path = Path(path).expanduser()
        self.detail = f"file {self._path}"

    async def fetch(self) -> str:
        """Read the file in a worker thread (no blocking I/O on the event loop)."""
        try:
            data = await asyncio.to_thread(self._read)
        except OSError as e:
            raise SourceUnreadable(
                f"The id_token file {self._path} cannot be read ({e.strerror or type(e).__name__})."
            ) from e
        if len(data) > MAX_TOKEN_FILE_BYTES:
            raise SourceUnreadable(
                f"The id_token file {self._path} is larger than {MAX_TOKEN_FILE_BYTES} bytes: "
                "is it the right file?"
            )
        try:
            token = data.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            raise SourceUnreadable(f"The id_token file {self._path} is not text.") from e
        if not token:
            raise SourceUnreadable(f"The id_token file {self._path} is empty.")
        return token

    def _read(self) -> bytes:
        with self._path.open("rb") as f:
            return f.read(MAX_TOKEN_FILE_BYTES + 1)


def format_age(seconds: float) -> str:
    """``seconds`` as ``42 s``, ``3 min`` or ``2 h 5 min``, for messages."""
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def token_expiry(token: str, source_detail: str) -> float:
    """The ``exp`` claim of a JWT, without checking its signature (Vault does that).

    Parameters
    ----------
    token
        The compact JWT.
    source_detail
        Where it came from (for the error message).

    Returns
    -------
    float
        ``exp`` in epoch seconds.

    Raises
    ------
    MalformedToken
        When it is not a JWT with a JSON object payload and a numeric ``exp``.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        raise MalformedToken(
            f"The id_token from {source_detail} is not a JWT ({type(e).__name__})."
        ) from e
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise MalformedToken(f"The id_token from {source_detail} has no numeric 'exp' claim.")
    return float(exp)


def _jwt_exp(token: str) -> float | None:
    """The ``exp`` of a JWT access token, or None (opaque, or no numeric ``exp``)."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return None if isinstance(exp, bool) or not isinstance(exp, int | float) else float(exp)


class IdTokenService(LoggingConfigurable):
    """Serves the server owner's id_token from memory and refreshes it from its source.

    Configured with ``c.IdTokenService.<trait>``; the defaults come from the environment a
    JupyterHub spawner sets. Create it with ``parent=serverapp`` so the server's config applies,
    and :meth:`close` it on shutdown.
    """

    hub_api_url = Unicode(
        config=True,
        help="JupyterHub's REST API URL, e.g. http://127.0.0.1:8081/hub/api. "
        "Default: the JUPYTERHUB_API_URL environment variable.",
    )
    hub_user = Unicode(
        config=True,
        help="The JupyterHub user who owns this server, whose id_token is served. When set, "
        "only this user may use the extension's REST API (other hub users that the server is "
        "shared with get 403). Default: the JUPYTERHUB_USER environment variable.",
    )
    hub_api_token = Unicode(
        config=True,
        help="This server's JupyterHub API token, sent to the hub's id_token service to get the "
        "owner's id_token (never logged, never returned). Default: the JUPYTERHUB_API_TOKEN "
        "environment variable.",
    )
    hub_service_name = Unicode(
        HUB_SERVICE_NAME,
        config=True,
        help="Name of the hub's id_token service (configure_jupyterhub's service_name).",
    )
    hub_service_url = Unicode(
        config=True,
        help="Base URL of the hub's id_token service as this server reaches it, prefix "
        "included (e.g. http://hub:8181/services/vault-jwt-id-token/). Default: asked from the "
        "hub (GET {hub_api_url}/services/{hub_service_name}: its url and prefix).",
    )
    request_timeout = Float(
        10.0,
        config=True,
        help="Timeout of each phase of a request to JupyterHub's API (connect, each read...), "
        "in seconds.",
    )
    request_deadline = Float(
        20.0,
        config=True,
        help="Overall deadline of each request to JupyterHub's API, from connecting to the "
        "last byte of the reply, in seconds.",
    )
    max_reply_bytes = Int(
        1024 * 1024,
        config=True,
        help="Largest reply read from JupyterHub's API, in bytes (a larger one is an error).",
    )
    clock_skew = Float(
        30.0,
        config=True,
        help="Clock skew allowed between this server and the hub when judging whether the "
        "hub's id_token has expired, in seconds.",
    )
    allow_copy = Bool(
        True,
        config=True,
        help="Let the owner copy the raw id_token from the panel (POST vault-jwt/identity/"
        "token). Off: the copy action is disabled and the panel says the administrator "
        "turned it off.",
    )
    env_var = Unicode(
        "OIDC_ID_TOKEN",
        config=True,
        help="Outside JupyterHub: name of an environment variable holding an id_token. "
        "Used when it is set and not empty.",
    )
    token_file = Unicode(
        config=True,
        help="Outside JupyterHub: path of a file holding an id_token, read again on every "
        "refresh ('~' is expanded). Used when no id_token is in the environment variable. "
        "Default: the OIDC_ID_TOKEN_FILE environment variable.",
    )

    sources = List(
        Unicode(),
        default_value=list(DEFAULT_SOURCES),
        config=True,
        help="The id_token sources to consider, in order; the first one configured is used: "
        "'hub' (JupyterHub's id_token service), 'device' (sign in from the panel with the "
        "OAuth device flow; needs oidc_issuer and oidc_client_id), 'browser' (sign in from the "
        "panel in a pop-up: authorization code with PKCE; same settings; the sign-in offers "
        "each of the two the chain names), 'vault-oidc' (sign in from the panel through "
        "Vault's own OIDC auth method: Vault talks to the provider and the Vault token it "
        "answers is the session's; no id_token is held; see vault_oidc_mount, vault_oidc_role; "
        "not in the default chain), 'env' (env_var), 'file' (token_file). Leave one out to "
        "never use it.",
    )
    persist_signin = Bool(
        False,
        config=True,
        help="Keep the panel's sign-in ('device' / 'browser': its refresh token) across server "
        "restarts, encrypted (Fernet) in persist_file with the key of persist_key. Off by "
        "default: whoever can read both the file and the key can use the sign-in until the "
        "provider's session ends (see docs/security.md). Needs the cryptography package "
        "(pip install 'jupyterlab-vault-jwt[persist]').",
    )
    persist_file = Unicode(
        config=True,
        help="Where the encrypted sign-in is kept (mode 0600, written atomically, removed at "
        "sign-out). Default: {jupyter_data_dir}/vault-jwt/signin.enc.",
    )
    persist_key = Unicode(
        "",
        config=True,
        help="The encryption key of persist_file: the absolute path of a key file OUTSIDE the "
        "home directory (created, 0600, when missing; e.g. under /run/user/<uid>/ or a mounted "
        "secret), or 'keyring:' for the OS keyring (the keyring package with a usable backend). "
        "Without a usable key, the sign-in is not kept and the log says why.",
    )
    vault_oidc_mount = Unicode(
        "oidc",
        config=True,
        help="Path of Vault's OIDC auth method the 'vault-oidc' source signs in at "
        "(vault auth enable -path=<this> oidc).",
    )
    vault_oidc_role = Unicode(
        "",
        config=True,
        help="Role of Vault's OIDC auth method to sign in with. Empty: the auth method's "
        "default_role.",
    )
    vault_oidc_callback_mode = CaselessStrEnum(
        list(VAULT_OIDC_MODES),
        default_value="client",
        config=True,
        help="The role's callback_mode: 'client' (Vault's default: the identity provider sends "
        "the pop-up back to this server's {base_url}vault-jwt/signin/vault-oidc/callback, which "
        "the role's allowed_redirect_uris must list exactly), 'device' (OpenBao: OpenBao runs "
        "the device flow with the provider, this server polls) or 'direct' (OpenBao: the "
        "provider sends the pop-up back to OpenBao's own callback, this server polls).",
    )
    vault_oidc_redirect_uri = Unicode(
        "",
        config=True,
        help="'client' mode: the redirect URI to send when the browser reaches this server at "
        "another address than the one it asks (a proxy rewriting the host); default: the "
        "callback route at the host and base URL of the request that starts the sign-in. "
        "'direct' mode: OpenBao's callback as the browser reaches it; default "
        "{VaultSession.address}/v1/auth/{vault_oidc_mount}/oidc/callback.",
    )
    oidc_issuer = Unicode(
        config=True,
        help="Outside JupyterHub: the OIDC issuer URL to sign in at from the panel, e.g. "
        "https://keycloak.example.org/realms/main (discovery: "
        "{issuer}/.well-known/openid-configuration). Default: the OIDC_ISSUER environment "
        "variable.",
    )
    oidc_client_id = Unicode(
        config=True,
        help="The public OIDC client of the panel's sign-in, allowed the device authorization "
        "grant (RFC 8628) and/or the authorization code flow with PKCE, with this server's "
        "callback ({base_url}vault-jwt/signin/callback) as a redirect URI. Default: the "
        "OIDC_CLIENT_ID environment variable.",
    )
    oidc_redirect_uri = Unicode(
        config=True,
        help="The browser sign-in's redirect URI, when the browser reaches this server at "
        "another address than the one it asks (a proxy rewriting the host). Default: the "
        "callback route at the host and base URL of the request that starts the sign-in.",
    )
    oidc_scope = Unicode(
        "openid profile email",
        config=True,
        help="Scope asked for at sign-in ('openid' is always included). Add offline_access "
        "only if the provider's sessions are too short for a working day.",
    )

    @validate("sources")
    def _check_sources(self, proposal):
        unknown = [name for name in proposal["value"] if name not in SOURCE_NAMES]
        if unknown:
            raise TraitError(
                f"c.IdTokenService.sources: unknown source(s) {unknown}; known: "
                f"{', '.join(SOURCE_NAMES)}"
            )
        return proposal["value"]

    refresh_limit = Int(
        10,
        config=True,
        help="Most reads of the id_token source (JupyterHub's API, the file, the variable) in any "
        "refresh_window seconds; past it, a refresh is answered 429 (refresh_rate_limited) "
        "until the window moves on, so no client bug can turn into a storm against the hub or "
        "the identity provider. Concurrent refreshes share one read and count once. "
        "0 turns the limit off.",
    )
    refresh_window = Float(
        60.0,
        config=True,
        help="Length in seconds of the sliding window of refresh_limit.",
    )

    @default("hub_api_url")
    def _default_hub_api_url(self) -> str:
        return os.environ.get("JUPYTERHUB_API_URL", "")

    @default("hub_user")
    def _default_hub_user(self) -> str:
        return os.environ.get("JUPYTERHUB_USER", "")

    @default("hub_api_token")
    def _default_hub_api_token(self) -> str:
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    @default("token_file")
    def _default_token_file(self) -> str:
        return os.environ.get("OIDC_ID_TOKEN_FILE", "")

    @default("persist_file")
    def _default_persist_file(self) -> str:
        return default_persist_path()

    @default("oidc_issuer")
    def _default_oidc_issuer(self) -> str:
        return os.environ.get("OIDC_ISSUER", "")

    @default("oidc_client_id")
    def _default_oidc_client_id(self) -> str:
        return os.environ.get("OIDC_CLIENT_ID", "")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._http = SharedHttpClient(
            timeout=self.request_timeout,
            deadline=self.request_deadline,
            max_bytes=self.max_reply_bytes,
        )
        self._identity: Identity | None = None
        self._flight: SingleFlight[Identity] = SingleFlight()
        self._listeners: list[Callable[[Identity], None]] = []
        self._source = self._pick_source()
        self._budget = ReadBudget(self.refresh_limit, self.refresh_window)
        self._unchanged = UnchangedBackoff()
        self._access_token_wanted = False

    @property
    def source(self) -> TokenSource | None:
        """The configured source, or None."""
        return self._source

    @property
    def signin(self) -> SignInSource | None:
        """The sign-in from the panel, when it is the source; else None."""
        return self._source if isinstance(self._source, SignInSource) else None

    @property
    def vault_oidc(self) -> VaultOidcSource | None:
        """The sign-in through Vault's OIDC auth method, when it is the source; else None."""
        return self._source if isinstance(self._source, VaultOidcSource) else None

    @property
    def limits(self) -> tuple[ReadBudget, UnchangedBackoff]:
        """The read budget (rate limit) and the back-off after unchanged reads."""
        return self._budget, self._unchanged

    @property
    def owner(self) -> str | None:
        """The hub user who owns this server (``hub_user``), or None outside JupyterHub."""
        return self.hub_user or None

    @property
    def hint(self) -> str | None:
        """How to configure a source, when none is configured; else None."""
        if self._source is not None:
            if isinstance(self._source, VaultOidcSource):
                return self._source.hint
            if isinstance(self._source, SignInSource) and not self._source.signed_in:
                return f"Not signed in: click Sign in to sign in at {self._source.provider.issuer}."
            return None
        return (
            "No id_token source is configured. Run this server from JupyterHub with "
            f"{HUB_HELPER}; or put an id_token in the environment variable {self.env_var} "
            "(c.IdTokenService.env_var names it); or in a file named by the OIDC_ID_TOKEN_FILE "
            "environment variable or c.IdTokenService.token_file; or set "
            "c.IdTokenService.oidc_issuer and oidc_client_id to sign in from the panel."
        )

    def on_new_token(self, callback: Callable[[Identity], None]) -> None:
        """Call ``callback(identity)`` each time a read brings a token different from the last.

        The Vault session uses it to log in again with the new id_token. Callbacks run on the
        event loop, synchronously: they must only schedule work.
        """
        self._listeners.append(callback)

    async def current(self) -> Identity | None:
        """The identity in memory; read from the source when there is none or it has expired.

        Returns
        -------
        Identity or None
            None when no source is configured.

        Raises
        ------
        IdentityError
            When a read was needed and failed.
        """
        identity = self._identity
        if identity is not None and identity.exp > time.time():
            return identity
        if identity is not None and self._unchanged.holding():
            return identity  # it came back unchanged just now: no read sooner than the back-off
        return await self.refresh()

    async def refresh(self) -> Identity | None:
        """Read the source again; concurrent calls (and :meth:`current`) share one read.

        A failure leaves the last good identity in memory. Reads are rate limited
        (:attr:`refresh_limit`): past the budget this raises
        :class:`~..errors.RefreshRateLimited` without reading.

        Returns
        -------
        Identity or None
            None when no source is configured.

        Raises
        ------
        IdentityError
            When the read failed.
        """
        if self._source is None:
            return None
        if isinstance(self._source, SignInSource) and not self._source.signed_in:
            self._identity = None  # signed out: forget the last identity too
            return None
        if isinstance(self._source, VaultOidcSource):
            return None  # Vault holds the sign-in: there is no id_token
        return await self._flight.run(self._load)

    def want_access_token(self) -> None:
        """Allow :meth:`access_token` (``c.S3Credentials.use_access_token`` calls this): a
        server that did not ask never reads the access token."""
        self._access_token_wanted = True

    async def access_token(self) -> str:
        """The owner's current OIDC access token, read from the hub's id_token service each
        time (kept by the caller for the one request that needs it; never stored, logged or
        answered by this server).

        Raises
        ------
        NoAccessToken
            The source is not the hub (only its id_token service hands out access tokens), or
            the hub holds no usable one.
        AccessTokenNotAllowed
            The hub's administrator has not allowed it.
        IdentityError
            The hub failed, or reads were rate limited.
        RuntimeError
            When :meth:`want_access_token` was not called (a programming error).
        """
        if not self._access_token_wanted:
            raise RuntimeError("access_token() without want_access_token()")
        source = self._source
        if not isinstance(source, HubSource):
            raise NoAccessToken(
                "Only JupyterHub's id_token service hands out an OIDC access token, and this "
                f"server reads its id_token from {source.detail if source else 'nowhere'}: "
                "turn c.S3Credentials.use_access_token off."
            )
        try:
            self._budget.acquire(source.detail)
            token = await source.fetch_access_token()
            exp = _jwt_exp(token)
            if exp is not None and exp + self.clock_skew <= time.time():
                raise NoAccessToken(
                    f"JupyterHub's access token for you expired {format_age(time.time() - exp)} "
                    "ago and the hub could not get a new one; this is tried again by itself."
                )
        except IdentityError as e:
            self.log.warning(
                "jupyterlab-vault-jwt: reading the access token from %s failed: %s (HTTP %s)",
                source.detail,
                e.code,
                e.status,
            )
            raise
        return token

    async def close(self) -> None:
        """Stop the sign-in's tasks and close the HTTP client (on server shutdown)."""
        if isinstance(self._source, SignInSource | VaultOidcSource):
            await self._source.close()
        await self._http.aclose()

    async def _load(self) -> Identity:
        source = self._source
        if source is None:  # pragma: no cover - refresh() checks it
            raise RuntimeError("no id_token source")
        try:
            self._budget.acquire(source.detail)
        except RefreshRateLimited as e:
            if self._budget.refused == 1:  # once per run of refusals, not once per request
                self.log.warning("jupyterlab-vault-jwt: %s", e.message)
            raise
        try:
            token = await source.fetch()
            exp = token_expiry(token, source.detail)
            if source.name == "hub" and exp + self.clock_skew <= time.time():
                # The hub refreshes an id_token before it expires; an expired one means the
                # refresh failed (the IdP down or unreachable from the hub) and the hub kept it.
                raise StaleIdToken(
                    f"JupyterHub's id_token for you expired {format_age(time.time() - exp)} ago "
                    "and the hub could not get a new one from the identity provider (down, or "
                    "unreachable from the hub). This panel tries again by itself; if it lasts, "
                    "log in again at the hub."
                )
        except IdentityError as e:
            self.log.warning(
                "jupyterlab-vault-jwt: reading the id_token from %s failed: %s (HTTP %s)",
                source.detail,
                e.code,
                e.status,
            )
            raise
        identity = Identity(token, source.name, source.detail, time.time(), exp)
        previous, self._identity = self._identity, identity
        changed = previous is None or previous.id_token != token
        self._unchanged.read(changed)
        if changed:
            for callback in self._listeners:
                try:
                    callback(identity)
                except Exception:  # a listener's bug must not fail the refresh
                    self.log.exception("jupyterlab-vault-jwt: an id_token listener failed")
        self.log.debug(
            "jupyterlab-vault-jwt: read an id_token from %s, expiring in %.0f s",
            source.detail,
            exp - identity.fetched_at,
        )
        return identity

    def _pick_source(self) -> TokenSource | None:
        source: TokenSource | None = None
        for name in self.sources:
            source = self._configured(name)
            if source is not None:
                break
        if source is None:
            self.log.info("jupyterlab-vault-jwt: no id_token source is configured")
        else:
            self.log.info("jupyterlab-vault-jwt: id_token source: %s", source.detail)
        return source

    def _configured(self, name: str) -> TokenSource | None:
        """The source ``name`` when it is configured, else None."""
        if name == "hub":
            return self._hub_source()
        if name in ("device", "browser"):
            if not (self.oidc_issuer and self.oidc_client_id):
                if self.oidc_issuer or self.oidc_client_id:
                    self.log.warning(
                        "jupyterlab-vault-jwt: no sign-in from the panel: both "
                        "c.IdTokenService.oidc_issuer and oidc_client_id must be set"
                    )
                return None
            provider = OidcProvider(
                self._http, self.oidc_issuer, self.oidc_client_id, self.oidc_scope
            )
            # One sign-in source offers every sign-in method the chain names.
            methods = tuple(m for m in self.sources if m in ("device", "browser"))
            store = open_saved_signin(
                self.persist_signin,
                self.persist_file,
                self.persist_key,
                f"{provider.issuer}\0{provider.client_id}",
                self.log,
            )
            signin = SignInSource(provider, self.log, methods, store)  # type: ignore[arg-type]
            signin.when_due(self.refresh)
            return signin
        if name == "vault-oidc":
            return VaultOidcSource(
                self.vault_oidc_mount,
                self.vault_oidc_role,
                self.vault_oidc_callback_mode.lower(),  # type: ignore[arg-type]
                self.vault_oidc_redirect_uri,
                self.log,
            )
        if name == "env":
            if self.env_var and os.environ.get(self.env_var, "").strip():
                return EnvSource(self.env_var)
            return None
        if name == "file":
            return FileSource(self.token_file) if self.token_file else None
        return None  # pragma: no cover - validated

    def _hub_source(self) -> TokenSource | None:
        hub = {
            "hub_api_url (JUPYTERHUB_API_URL)": self.hub_api_url,
            "hub_user (JUPYTERHUB_USER)": self.hub_user,
            "hub_api_token (JUPYTERHUB_API_TOKEN)": self.hub_api_token,
        }
        if all(hub.values()):
            return HubSource(
                self._http,
                self.hub_api_url,
                self.hub_user,
                self.hub_api_token,
                self.hub_service_name,
                self.hub_service_url,
            )
        if any(hub.values()):
            missing = ", ".join(name for name, value in hub.items() if not value)
            self.log.warning(
                "jupyterlab-vault-jwt: not reading the id_token from JupyterHub: %s not set",
                missing,
            )
        return None


# The sign-in imports this module (Identity, token_expiry): imported last, after both exist.
from ..signin.oidc import OidcProvider  # noqa: E402
from ..signin.persist import default_path as default_persist_path  # noqa: E402
from ..signin.persist import open_saved_signin  # noqa: E402
from ..signin.source import SignInSource  # noqa: E402
from ..signin.vault_oidc import VaultOidcSource  # noqa: E402
