"""Thin REST handlers: authenticate, authorise (owner only), call a service, serialise."""

from __future__ import annotations

import json
import time
from http import HTTPStatus

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .errors import VaultJwtError
from .identity import NO_SOURCE_HINT, Identity, IdTokenService

NAMESPACE = "vault-jwt"
AUTH_RESOURCE = "vault-jwt"


class BaseHandler(APIHandler):
    """JSON in and out, ``Cache-Control: no-store``, owner-only, domain errors as JSON."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, identity: IdTokenService) -> None:
        self.identity = identity

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Cache-Control", "no-store")

    async def prepare(self) -> None:
        await super().prepare()
        owner = self.identity.owner
        user = self.current_user
        # JupyterHub 5 sharing lets other hub users reach this server: only its owner may use
        # the id_token (outside a hub, whoever holds the server's token is the owner).
        if user is not None and owner is not None and getattr(user, "username", None) != owner:
            raise tornado.web.HTTPError(403, "Only the owner of this server may use this API.")

    def write_error(self, status_code: int, **kwargs) -> None:
        """Every error as ``{"error": {"code", "message"}}``, never a traceback."""
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, VaultJwtError):
            body = exc.to_json()
        elif isinstance(exc, tornado.web.HTTPError):
            reason = exc.log_message or exc.reason or HTTPStatus(status_code).phrase
            code = "forbidden" if status_code == 403 else f"http_{status_code}"
            body = {"error": {"code": code, "message": reason}}
        else:
            body = {
                "error": {
                    "code": "internal",
                    "message": "Internal error in jupyterlab-vault-jwt; see the server log.",
                }
            }
        self.finish(json.dumps(body))

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, VaultJwtError):
            # Expected, already logged by the service without secrets: no traceback.
            if not self._finished:
                self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


def identity_reply(identity: Identity | None) -> dict:
    """The JSON reply for an identity (or for no configured source)."""
    if identity is None:
        return {
            "source": None,
            "source_detail": None,
            "id_token": None,
            "fetched_at": None,
            "server_time": time.time(),
            "hint": NO_SOURCE_HINT,
        }
    return {
        "source": identity.source,
        "source_detail": identity.source_detail,
        "id_token": identity.id_token,
        "fetched_at": identity.fetched_at,
        "server_time": time.time(),
        "hint": None,
    }


class IdentityHandler(BaseHandler):
    """``GET vault-jwt/identity``: the current id_token, served from memory."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(json.dumps(identity_reply(await self.identity.current())))


class IdentityRefreshHandler(BaseHandler):
    """``POST vault-jwt/identity/refresh``: read the id_token from its source again."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        self.finish(json.dumps(identity_reply(await self.identity.refresh())))


def route_table(identity: IdTokenService) -> list[tuple[str, type, dict]]:
    """The extension's routes (relative to the server's base_url)."""
    services = {"identity": identity}
    return [
        (rf"/{NAMESPACE}/identity", IdentityHandler, services),
        (rf"/{NAMESPACE}/identity/refresh", IdentityRefreshHandler, services),
    ]
