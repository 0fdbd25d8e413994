"""The user's OIDC id_token: where it comes from, the copy in memory, and its refresh.

Sources, picked by what is configured (the first configured one is used; no fallback on error):

1. JupyterHub: ``GET {JUPYTERHUB_API_URL}/users/{JUPYTERHUB_USER}`` with the server's own token,
   the reply's ``auth_state.id_token`` (not ``/user``: it always answers ``auth_state: null``);
2. an environment variable (``OIDC_ID_TOKEN``);
3. a file (``OIDC_ID_TOKEN_FILE``), read again on every refresh.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx
import jwt
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

from .errors import VaultJwtError
from .singleflight import SingleFlight

NO_SOURCE_HINT = (
    "Run this server from JupyterHub with jupyter_extension_server.hub.configure_jupyterhub(c) "
    "in jupyterhub_config.py, or put an id_token in the environment variable named by "
    "c.IdTokenService.env_var (OIDC_ID_TOKEN), or in the file named by "
    "c.IdTokenService.token_file (or the OIDC_ID_TOKEN_FILE environment variable)."
)

HUB_MISCONFIGURED = (
    "JupyterHub returned no auth_state for this user. The hub needs "
    "c.Authenticator.enable_auth_state = True with JUPYTERHUB_CRYPT_KEY set, and the "
    "'admin:auth_state!user' scope on the 'server' and 'user' roles: call "
    "jupyter_extension_server.hub.configure_jupyterhub(c) in jupyterhub_config.py."
)


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
        Human description of the source.
    fetched_at
        When it was read (epoch seconds).
    exp
        Its ``exp`` claim (epoch seconds).
    """

    id_token: str
    source: str
    source_detail: str
    fetched_at: float
    exp: float


class TokenSource(Protocol):
    """Where an id_token can be read from."""

    name: str
    detail: str

    async def fetch(self) -> str:
        """Read the id_token; raise :class:`VaultJwtError` on failure."""


class HubSource:
    """The id_token in the hub's auth_state, read with the server's own API token."""

    name = "hub"

    def __init__(self, client: httpx.AsyncClient, api_url: str, user: str, api_token: str):
        self._client = client
        self._url = f"{api_url.rstrip('/')}/users/{quote(user, safe='')}"
        self._headers = {"Authorization": f"token {api_token}", "Accept": "application/json"}
        self.detail = f"JupyterHub API users/{user}"

    async def fetch(self) -> str:
        """GET the user model and return ``auth_state.id_token``."""
        try:
            response = await self._client.get(self._url, headers=self._headers)
        except httpx.TimeoutException as e:
            raise VaultJwtError(
                "hub_timeout", "JupyterHub did not answer in time; try again shortly.", 504
            ) from e
        except httpx.HTTPError as e:
            raise VaultJwtError(
                "hub_unreachable",
                f"JupyterHub cannot be reached ({type(e).__name__}); try again shortly.",
                502,
            ) from e
        if response.status_code in (401, 403):
            raise VaultJwtError(
                "login_required",
                "JupyterHub refused this server's token: your hub login has expired. "
                "Log in again at the hub.",
                401,
            )
        if response.status_code != 200:
            raise VaultJwtError(
                "hub_error", f"JupyterHub answered HTTP {response.status_code}.", 502
            )
        try:
            model = response.json()
        except ValueError as e:
            raise VaultJwtError("hub_error", "JupyterHub answered something not JSON.", 502) from e
        auth_state = model.get("auth_state") if isinstance(model, dict) else None
        if not isinstance(auth_state, dict):
            raise VaultJwtError("hub_misconfigured", HUB_MISCONFIGURED, 503)
        token = auth_state.get("id_token")
        if not isinstance(token, str) or not token:
            raise VaultJwtError(
                "no_id_token",
                "The hub's auth_state holds no id_token: the identity provider issued none. "
                "Is the 'openid' scope requested (c.OAuthenticator.scope)?",
                503,
            )
        return token


class EnvSource:
    """An id_token in an environment variable of the server."""

    name = "env"

    def __init__(self, var: str):
        self._var = var
        self.detail = f"environment variable {var}"

    async def fetch(self) -> str:
        """Return the variable's value."""
        token = os.environ.get(self._var, "").strip()
        if not token:
            raise VaultJwtError(
                "source_unreadable", f"The environment variable {self._var} is empty.", 500
            )
        return token


class FileSource:
    """An id_token in a file, read again on every refresh (another tool may rewrite it)."""

    name = "file"

    def __init__(self, path: str):
        self._path = Path(path).expanduser()
        self.detail = f"file {self._path}"

    async def fetch(self) -> str:
        """Read the file (in a thread: no blocking I/O on the event loop)."""
        try:
            text = await asyncio.to_thread(self._path.read_text, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise VaultJwtError(
                "source_unreadable",
                f"The id_token file {self._path} cannot be read ({type(e).__name__}).",
                500,
            ) from e
        token = text.strip()
        if not token:
            raise VaultJwtError(
                "source_unreadable", f"The id_token file {self._path} is empty.", 500
            )
        return token


def token_expiry(token: str, source_detail: str) -> float:
    """The ``exp`` of a JWT, without checking its signature (Vault does that).

    Raises
    ------
    VaultJwtError
        ``malformed_token`` when it is not a JWT with a numeric ``exp``.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError as e:
        raise VaultJwtError(
            "malformed_token",
            f"The id_token from {source_detail} is not a valid JWT ({type(e).__name__}).",
            502,
        ) from e
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise VaultJwtError(
            "malformed_token", f"The id_token from {source_detail} has no numeric 'exp'.", 502
        )
    return float(exp)


class IdTokenService(LoggingConfigurable):
    """Serves the server owner's id_token from memory and refreshes it from its source."""

    hub_api_url = Unicode(
        config=True,
        help="JupyterHub's REST API URL. Default: the JUPYTERHUB_API_URL environment variable.",
    )
    hub_user = Unicode(
        config=True,
        help="The hub user who owns this server. Default: the JUPYTERHUB_USER environment "
        "variable. Only this user may use the REST API of the extension.",
    )
    hub_api_token = Unicode(
        config=True,
        help="The server's JupyterHub API token (never logged). Default: the "
        "JUPYTERHUB_API_TOKEN environment variable.",
    )
    env_var = Unicode(
        "OIDC_ID_TOKEN",
        config=True,
        help="Outside JupyterHub: name of an environment variable holding an id_token.",
    )
    token_file = Unicode(
        config=True,
        help="Outside JupyterHub: path of a file holding an id_token, read again on every "
        "refresh ('~' is expanded). Default: the OIDC_ID_TOKEN_FILE environment variable.",
    )
    request_timeout = Float(
        10.0, config=True, help="Timeout of each request to JupyterHub, in seconds."
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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._client: httpx.AsyncClient | None = None
        self._identity: Identity | None = None
        self._flight: SingleFlight[Identity | None] = SingleFlight()
        self._source = self._pick_source()
        if self._source is None:
            self.log.info("jupyterlab-vault-jwt: no id_token source is configured.")
        else:
            self.log.info("jupyterlab-vault-jwt: id_token source: %s", self._source.detail)

    @property
    def source(self) -> TokenSource | None:
        """The configured source, or None."""
        return self._source

    @property
    def owner(self) -> str | None:
        """The hub user who owns this server, or None outside JupyterHub."""
        return self.hub_user or None

    async def current(self) -> Identity | None:
        """The identity in memory; read from the source when there is none or it expired."""
        identity = self._identity
        if identity is not None and identity.exp > time.time():
            return identity
        return await self.refresh()

    async def refresh(self) -> Identity | None:
        """Read the source again. Concurrent calls share one read.

        A failure leaves the last good identity in memory and raises.
        """
        if self._source is None:
            return None
        return await self._flight.run(self._read)

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _read(self) -> Identity:
        source = self._source
        assert source is not None
        try:
            token = await source.fetch()
            exp = token_expiry(token, source.detail)
        except VaultJwtError as e:
            self.log.warning(
                "jupyterlab-vault-jwt: reading the id_token from %s failed: %s (HTTP %s)",
                source.detail,
                e.code,
                e.status,
            )
            raise
        identity = Identity(token, source.name, source.detail, time.time(), exp)
        self._identity = identity
        self.log.debug(
            "jupyterlab-vault-jwt: read the id_token from %s (expires in %.0fs)",
            source.detail,
            exp - identity.fetched_at,
        )
        return identity

    def _pick_source(self) -> TokenSource | None:
        if self.hub_api_url and self.hub_user and self.hub_api_token:
            return HubSource(self._http(), self.hub_api_url, self.hub_user, self.hub_api_token)
        if self.env_var and os.environ.get(self.env_var, "").strip():
            return EnvSource(self.env_var)
        if self.token_file:
            return FileSource(self.token_file)
        return None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.request_timeout,
                limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
                follow_redirects=False,
            )
        return self._client
