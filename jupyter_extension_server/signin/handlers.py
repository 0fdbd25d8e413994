"""REST routes of the sign-in from the panel, under ``{base_url}vault-jwt/signin``.

Thin: each derives from :class:`~..handlers.BaseHandler` (authenticated, owner only, XSRF on
every verb), calls the sign-in source and answers its state (never a token, never the device
code). See docs/security.md.
"""

from __future__ import annotations

import json

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..handlers import BaseHandler
from .errors import SignInNotConfigured
from .source import SignInSource, unconfigured_status


class SignInBase(BaseHandler):
    """Base of the sign-in routes: the sign-in source, or 409 when there is none."""

    def status(self) -> dict:
        signin = self.identity.signin
        if signin is None:
            source = self.identity.source
            return unconfigured_status(source.name if source is not None else None)
        return {**signin.status(), "source": "device"}

    def require_signin(self) -> SignInSource:
        signin = self.identity.signin
        if signin is None:
            raise SignInNotConfigured(
                "Signing in from the panel is not set up: set c.IdTokenService.oidc_issuer and "
                "c.IdTokenService.oidc_client_id (and keep 'device' in c.IdTokenService.sources)."
            )
        return signin


class SignInHandler(SignInBase):
    """``GET vault-jwt/signin``: the sign-in's state (the panel polls it while pending)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(json.dumps(self.status()))


class SignInDeviceHandler(SignInBase):
    """``POST vault-jwt/signin/device``: start a device sign-in; answers the code to show."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        await self.require_signin().start_device()
        self.finish(json.dumps(self.status()))


class SignInCancelHandler(SignInBase):
    """``POST vault-jwt/signin/cancel``: stop the device sign-in in progress."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        self.require_signin().cancel()
        self.finish(json.dumps(self.status()))


class SignOutHandler(SignInBase):
    """``POST vault-jwt/signin/signout``: revoke the refresh token at the provider, forget the
    tokens and the identity, log out of Vault."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        signin = self.require_signin()
        try:
            revoked = await signin.sign_out()
        finally:
            await self.identity.refresh()  # forgets the identity: nobody is signed in
            if self._vault is not None:
                await self.vault.logout()
        self.finish(json.dumps({**self.status(), "revoked": revoked}))


def signin_routes(namespace: str, services: dict) -> list[tuple[str, type[BaseHandler], dict]]:
    """The sign-in routes, relative to the server's base_url."""
    return [
        (f"/{namespace}/signin", SignInHandler, services),
        (f"/{namespace}/signin/device", SignInDeviceHandler, services),
        (f"/{namespace}/signin/cancel", SignInCancelHandler, services),
        (f"/{namespace}/signin/signout", SignOutHandler, services),
    ]
