"""Thin REST handlers under ``{base_url}vault-jwt/``: authenticate, authorise, call, serialise.

Every route answers JSON with ``Cache-Control: no-store``. Every verb is
``@tornado.web.authenticated`` and ``@authorized`` (resource ``vault-jwt``), and only the server's
owner may call them (JupyterHub 5 sharing lets other hub users reach a server, and JupyterHub's
single-user authorizer lets them do anything there). XSRF is checked on EVERY verb of every
route, GET included, for cookie-authenticated requests (most GETs make the server call Vault or
the hub; JupyterLab's ServerConnection sends ``X-XSRFToken`` on every request), without
jupyter_server's fallback that accepts a same-site ``Referer`` instead on GET. Query parameters
longer than :data:`MAX_PARAMETER_LENGTH` are refused before anything runs. Errors are
``{"error": {"code", "message"}}``. See docs/security.md.
"""

from __future__ import annotations

import json
import math
import re
import time
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .errors import (
    BadRequest,
    CopyDisabled,
    NoIdToken,
    ParameterTooLong,
    UnsafePath,
    VaultJwtError,
)
from .identity import Identity, IdTokenService
from .identity.claims import claims_of, copy_state, fingerprint
from .redaction.matcher import safe_label
from .redaction.service import Finding, RedactionService
from .s3.service import S3Credentials
from .vault.catalog import Catalog, SecretCatalog
from .vault.compact import GZIP_MIN_BYTES, accepts_gzip, by_folder, gzipped
from .vault.kv import SecretKeys
from .vault.session import VaultSession, VaultStatus

if TYPE_CHECKING:
    from .signin.vault_oidc import VaultOidcSource

#: URL namespace of the REST API, under the server's base_url.
NAMESPACE = "vault-jwt"
#: Resource name given to jupyter_server's authorizer.
AUTH_RESOURCE = "vault-jwt"

_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")

#: Longest query parameter accepted (a secret path is at most 4096 characters).
MAX_PARAMETER_LENGTH = 4200

INTERNAL_ERROR = "Internal error in jupyterlab-vault-jwt; the server log has the details."


def error_body(code: str, message: str) -> str:
    """The JSON body of an error reply."""
    return json.dumps({"error": {"code": code, "message": message}})


class BaseHandler(APIHandler):
    """Base of every handler of the extension: owner only, no caching, errors as JSON.

    Parameters
    ----------
    identity
        The id_token service (given by the route table).
    vault
        The Vault session.
    catalog
        The catalog of readable secrets.
    """

    auth_resource = AUTH_RESOURCE

    def initialize(
        self,
        identity: IdTokenService,
        vault: VaultSession | None = None,
        catalog: SecretCatalog | None = None,
        redaction: RedactionService | None = None,
        s3: S3Credentials | None = None,
    ) -> None:
        self.identity = identity
        self._vault = vault
        self._catalog = catalog
        self._redaction = redaction
        self._s3 = s3

    @property
    def vault(self) -> VaultSession:
        """The Vault session (every Vault route is given one)."""
        assert self._vault is not None
        return self._vault

    @property
    def catalog(self) -> SecretCatalog:
        """The catalog service (every Vault route is given one)."""
        assert self._catalog is not None
        return self._catalog

    @property
    def redaction(self) -> RedactionService:
        """The redaction service (every redaction route is given one)."""
        assert self._redaction is not None
        return self._redaction

    @property
    def s3(self) -> S3Credentials:
        """The object storage credentials (every S3 route is given them)."""
        assert self._s3 is not None
        return self._s3

    def set_default_headers(self) -> None:
        """Forbid caching of every reply, errors included (tornado calls this on ``clear()``)."""
        super().set_default_headers()
        self.set_header("Cache-Control", "no-store")

    async def prepare(self) -> None:
        """Authenticate (jupyter_server: user, XSRF on POST), then refuse everyone but the owner.

        Unauthenticated requests pass through here and are refused by ``@authenticated``.
        Outside JupyterHub there is no owner: whoever the server authenticates owns it.
        """
        await super().prepare()
        owner = self.identity.owner
        user = self.current_user
        if user is not None and owner is not None and user.username != owner:
            raise tornado.web.HTTPError(
                403, "This server belongs to another user: only its owner may use this API."
            )
        if user is not None:
            self._check_xsrf_every_verb()
            self._check_parameters()

    def _check_xsrf_every_verb(self) -> None:
        """XSRF on GET too, with no exemption.

        Tornado checks it before POST (and JupyterHub, when the cookie authenticates a POST); on
        GET, jupyter_server accepts a same-site ``Referer`` instead of the token, and JupyterHub
        skips the check for navigations and requests without ``Sec-Fetch-*`` headers (a cross-site
        link, curl): not here. Token-authenticated requests (``Authorization`` header) cannot be
        forged cross-site and are exempt, as in jupyter_server.
        """
        method = self.request.method or ""
        if method not in ("GET", "HEAD"):
            return
        if self.token_authenticated or self.settings.get("disable_check_xsrf", False):
            return
        token = (
            self.get_argument("_xsrf", None)
            or self.request.headers.get("X-Xsrftoken")
            or self.request.headers.get("X-Csrftoken")
        )
        if not token:
            raise tornado.web.HTTPError(403, f"'_xsrf' argument missing from {method}")
        if hasattr(type(self), "_xsrf_token_id"):
            # JupyterHub's HubOAuth replaced the XSRF token with one bound to the hub session
            # (jupyterhub._xsrf_utils); compare with it as its own check does, without its skips.
            if token.encode("utf8", "replace") != self.xsrf_token:
                raise tornado.web.HTTPError(403, f"XSRF cookie does not match {method} argument")
            return
        tornado.web.RequestHandler.check_xsrf_cookie(self)

    def _check_parameters(self) -> None:
        """Refuse absurdly long parameters, and control characters in any (tornado would
        silently remove them from ``get_query_argument``, turning ``app/db\\x00`` into a
        different, valid name)."""
        for name, values in self.request.query_arguments.items():
            for value in values:
                if len(value) > MAX_PARAMETER_LENGTH:
                    raise ParameterTooLong(
                        f"The parameter '{name[:40]}' is {len(value)} bytes long; at most "
                        f"{MAX_PARAMETER_LENGTH} are accepted."
                    )
                if _CONTROL_BYTES.search(value):
                    raise UnsafePath(
                        f"The parameter '{name[:40]}' holds a control character; Vault names "
                        "may not."
                    )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error as ``{"error": {"code", "message"}}``, never with a traceback."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, VaultJwtError):
            self.set_status(exc.status)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:  # a rate limit says when to ask again
                self.set_header("Retry-After", str(max(1, math.ceil(retry_after))))
            body = error_body(exc.code, exc.message)
        elif isinstance(exc, tornado.web.HTTPError) or exc is None:
            body = error_body(_http_code(status_code), _http_message(status_code, exc))
        else:
            body = error_body("internal", INTERNAL_ERROR)
        self.finish(body)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Log failures without secrets.

        Tornado's default logs the request URI, whose query may hold the server's token
        (``?token=``); this logs the path only. Domain errors were logged by the service that
        raised them; refusals (``HTTPError``) get one line; unexpected exceptions their traceback.
        """
        request = self.request
        if isinstance(value, VaultJwtError):
            return
        if isinstance(value, tornado.web.HTTPError):
            if value.log_message:
                self.log.warning(
                    "jupyterlab-vault-jwt: %d %s %s: %s",
                    value.status_code,
                    request.method,
                    request.path,
                    _http_message(value.status_code, value),
                )
            return
        self.log.error(
            "jupyterlab-vault-jwt: unexpected error answering %s %s",
            request.method,
            request.path,
            exc_info=(typ, value, tb),
        )


def _http_code(status: int) -> str:
    return "forbidden" if status == 403 else f"http_{status}"


def _http_message(status: int, exc: tornado.web.HTTPError | None) -> str:
    if exc is not None and exc.log_message:
        try:
            return exc.log_message % exc.args
        except (TypeError, ValueError):
            return exc.log_message
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def identity_reply(
    identity: Identity | None,
    hint: str | None,
    copy_allowed: bool,
    vault_oidc: VaultOidcSource | None = None,
) -> str:
    """The JSON reply of the identity routes: the claims, never the raw token.

    Parameters
    ----------
    identity
        The identity, or None when no source is configured.
    hint
        How to configure a source (when there is none).
    copy_allowed
        Whether the administrator lets the owner copy the raw token.
    vault_oidc
        The Vault OIDC sign-in when it is the source (no id_token: ``vault_identity`` tells
        what Vault knows of the user).
    """
    return json.dumps(
        {
            "source": identity.source if identity else vault_oidc.name if vault_oidc else None,
            "source_detail": identity.source_detail
            if identity
            else vault_oidc.detail
            if vault_oidc
            else None,
            "vault_identity": vault_oidc.who if vault_oidc else None,
            "claims": claims_of(identity) if identity else None,
            "token_id": fingerprint(identity.id_token) if identity else None,
            "fetched_at": identity.fetched_at if identity else None,
            "server_time": time.time(),
            "hint": None if identity else hint,
            "copy": copy_state(copy_allowed),
        }
    )


class IdentityHandler(BaseHandler):
    """``GET vault-jwt/identity``: the current id_token, served from memory."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        identity = await self.identity.current()
        self.finish(
            identity_reply(
                identity, self.identity.hint, self.identity.allow_copy, self.identity.vault_oidc
            )
        )


class IdentityRefreshHandler(BaseHandler):
    """``POST vault-jwt/identity/refresh``: read the id_token from its source again."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        identity = await self.identity.refresh()
        self.finish(
            identity_reply(
                identity, self.identity.hint, self.identity.allow_copy, self.identity.vault_oidc
            )
        )


class IdentityTokenHandler(BaseHandler):
    """``POST vault-jwt/identity/token``: the raw id_token, for the copy action only.

    A POST (XSRF-checked), refused with ``copy_disabled`` when ``c.IdTokenService.allow_copy``
    is off.
    """

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        if not self.identity.allow_copy:
            raise CopyDisabled(copy_state(False)["reason"])
        identity = await self.identity.current()
        if identity is None:
            raise NoIdToken(self.identity.hint or "There is no id_token.")
        self.finish(
            json.dumps({"id_token": identity.id_token, "token_id": fingerprint(identity.id_token)})
        )


def _error(error: VaultJwtError | None) -> dict[str, str] | None:
    return {"code": error.code, "message": error.message} if error else None


def vault_reply(status: VaultStatus) -> str:
    """The JSON reply of the Vault session routes (never the Vault token itself)."""
    token = status.token
    return json.dumps(
        {
            "configured": status.configured,
            "hint": status.hint,
            "address": status.address,
            "namespace": status.namespace,
            "auth_mount": status.auth_mount,
            "role": status.role,
            "tls_verify": status.tls_verify,
            "ca": status.ca,
            "token_file": status.token_file,
            "token_file_state": status.token_file_state,
            "cli": status.cli,
            "state": "logged_in" if status.logged_in else "logged_out",
            "logged_out_by_user": status.logged_out_by_user,
            "token": None
            if token is None
            else {
                "accessor": token.accessor,
                "display_name": token.display_name,
                "policies": list(token.policies),
                "entity_id": token.entity_id,
                "renewable": token.renewable,
                "ttl": max(0, round(token.expire_time - time.time())),
                "expire_time": token.expire_time,
                "issue_time": token.issue_time,
                "max_expire_time": token.max_expire_time,
            },
            "error": _error(status.error),
            "tls_warning": status.tls_warning,
            "server_time": time.time(),
        }
    )


def catalog_body(catalog: Catalog) -> bytes:
    """The JSON of a catalog without the per-request fields, built once per catalog (it is
    invalidated when paths are added by hand). Path lists are grouped by folder
    (:mod:`.vault.compact`)."""
    if catalog.encoded is None:
        catalog.encoded = json.dumps(
            {
                "format": "by-folder",
                "generated_at": catalog.generated_at,
                "requests": catalog.requests,
                "duration_ms": round(catalog.duration * 1000),
                "notices": catalog.notices,
                "retried": catalog.retried,
                "mounts": [
                    {
                        "path": m.mount.path,
                        "version": m.mount.version,
                        "description": m.mount.description,
                        "method": m.method,
                        "error": _error(m.error),
                        "secrets": by_folder(m.secrets),
                        "unlisted": by_folder(m.unlisted),
                        "unchecked": by_folder(m.unchecked),
                        "manual": by_folder(m.manual),
                        "states": m.states,
                        "unbrowsable": m.unbrowsable,
                        "missing": [
                            {"path": x.path, "what": x.what, "reason": x.reason} for x in m.missing
                        ],
                    }
                    for m in catalog.mounts
                ],
            },
            separators=(",", ":"),
        ).encode()
    return catalog.encoded


def catalog_reply(catalog: Catalog, cached: bool) -> bytes:
    """The JSON reply of ``GET vault/catalog``: paths only, never a value."""
    head = json.dumps({"server_time": time.time(), "cached": cached}).encode()
    return head[:-1] + b"," + catalog_body(catalog)[1:]


def keys_reply(keys: SecretKeys) -> str:
    """The JSON reply of ``GET vault/secret/keys``: key names, never values."""
    return json.dumps(
        {
            "mount": keys.mount,
            "path": keys.path,
            "version": keys.version,
            "keys": keys.keys,
            "metadata": keys.metadata,
            "state": keys.state,
            "details": keys.details,
        }
    )


def _flag(handler: APIHandler, name: str) -> bool:
    value = handler.get_query_argument(name, "false").lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("", "0", "false", "no"):
        return False
    raise BadRequest(f"The parameter '{name}' must be true or false.")


class VaultHandler(BaseHandler):
    """``GET vault-jwt/vault``: the Vault session's state."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(vault_reply(self.vault.status()))


class VaultLoginHandler(BaseHandler):
    """``POST vault-jwt/vault/login[?force=true]``: log in with the id_token (single flight)."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.vault.login(force=_flag(self, "force"), requested=True)
        self.finish(vault_reply(self.vault.status()))


class VaultLogoutHandler(BaseHandler):
    """``POST vault-jwt/vault/logout``: revoke the token and stay logged out."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.vault.logout()
        self.finish(vault_reply(self.vault.status()))


class VaultTokenFileHandler(BaseHandler):
    """``POST vault-jwt/vault/token-file``: write the session's token into the token file, over
    a token the server did not write (the user asked for it)."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.vault.use_token_file()
        self.finish(vault_reply(self.vault.status()))


class CatalogHandler(BaseHandler):
    """``GET vault-jwt/vault/catalog[?refresh=true]``: every readable KV secret path."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        catalog, cached = await self.catalog.get(refresh=_flag(self, "refresh"))
        body = catalog_reply(catalog, cached)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Vary", "Accept-Encoding")
        if len(body) >= GZIP_MIN_BYTES and accepts_gzip(
            self.request.headers.get("Accept-Encoding", "")
        ):
            self.set_header("Content-Encoding", "gzip")
            body = gzipped(body)
        self.finish(body)


class ManualPathHandler(BaseHandler):
    """``POST|DELETE vault-jwt/vault/catalog/manual?mount=<mount>&path=<path>``: add a secret path
    by hand (once Vault says it is readable) or forget one; remembered per user."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        mount = self.get_query_argument("mount", "")
        path = self.get_query_argument("path", "")
        mount, path = await self.catalog.add_manual(mount, path)
        self.finish(json.dumps({"mount": mount, "path": path, "added": True}))

    @tornado.web.authenticated
    @authorized
    async def delete(self) -> None:
        mount = self.get_query_argument("mount", "")
        path = self.get_query_argument("path", "")
        removed = await self.catalog.remove_manual(mount, path)
        self.finish(json.dumps({"mount": mount, "path": path, "removed": removed}))


class SecretKeysHandler(BaseHandler):
    """``GET vault-jwt/vault/secret/keys?mount=<mount>&path=<path>``: a secret's key names."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        mount = self.get_query_argument("mount", "")
        path = self.get_query_argument("path", "")
        keys = await self.catalog.key_names(mount, path)
        self.finish(keys_reply(keys))


def redaction_reply(service: RedactionService) -> str:
    """The JSON reply of ``vault-jwt/redaction``: the settings in force, never a value."""
    return json.dumps(
        {
            "active": service.active,
            "enabled": service.enabled,
            "mandatory": service.mandatory,
            "user_enabled": service.user_enabled,
            "min_length": service.min_length,
            "known_secrets": len(service.known()),
        }
    )


def scan_reply(findings: list[Finding], unreadable: list[str]) -> str:
    """The JSON reply of a scan: cell indexes and secret labels, never a value."""
    return json.dumps(
        {
            "findings": [{"cell": f.cell, "secrets": f.secrets} for f in findings],
            "unreadable": unreadable,
        }
    )


def _json_body(handler: APIHandler) -> dict[str, Any]:
    try:
        body = json.loads(handler.request.body or b"{}")
    except ValueError as e:
        raise BadRequest("The request body must be JSON.") from e
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


class RedactionHandler(BaseHandler):
    """``GET vault-jwt/redaction``: masking settings; ``POST {"enabled": bool}``: the user's
    choice (refused with ``redaction_mandatory`` when the administrator made it mandatory)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(redaction_reply(self.redaction))

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        enabled = _json_body(self).get("enabled")
        if not isinstance(enabled, bool):
            raise BadRequest('Give {"enabled": true|false}.')
        self.redaction.set_user_enabled(enabled)
        self.finish(redaction_reply(self.redaction))


class RedactionScanHandler(BaseHandler):
    """``POST vault-jwt/redaction/scan {"notebook": <nbformat 4>}``: which cells' outputs hold
    the values of which secrets (labels and cell indexes only)."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        notebook = _json_body(self).get("notebook")
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise BadRequest('Give {"notebook": <the notebook\'s JSON>}.')
        unreadable = await self.redaction.learn_from_notebook(notebook)
        findings = self.redaction.scan_notebook(notebook)
        self.finish(scan_reply(findings, sorted(safe_label(ref.name) for ref in unreadable)))
