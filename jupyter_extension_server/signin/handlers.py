"""REST routes of the sign-in from the panel, under ``{base_url}vault-jwt/signin``.

Thin: each derives from :class:`~..handlers.BaseHandler` (authenticated, owner only, XSRF on
every verb), calls the sign-in source and answers its state (never a token, never the device
code). See docs/security.md.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ..errors import IdentityError
from ..handlers import BaseHandler
from .errors import SignInNotConfigured
from .source import SignInSource, unconfigured_status
from .vault_oidc import VaultOidcSource

#: The browser sign-in's callback route, under the server's base_url.
CALLBACK_PATH = "vault-jwt/signin/callback"
#: The Vault OIDC sign-in's callback route (callback_mode=client), under the server's base_url.
VAULT_OIDC_CALLBACK_PATH = "vault-jwt/signin/vault-oidc/callback"


class SignInBase(BaseHandler):
    """Base of the sign-in routes: the sign-in source, or 409 when there is none."""

    def status(self) -> dict:
        vault_oidc = self.identity.vault_oidc
        if vault_oidc is not None:
            return vault_oidc.status()
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

    def require_vault_oidc(self) -> VaultOidcSource:
        vault_oidc = self.identity.vault_oidc
        if vault_oidc is None:
            raise SignInNotConfigured(
                "Signing in through Vault's OIDC auth method is not set up: put 'vault-oidc' in "
                "c.IdTokenService.sources (and set c.IdTokenService.vault_oidc_role)."
            )
        return vault_oidc

    def callback_page(self, title: str, message: str, code: str) -> None:
        """A short HTML page for the pop-up (the panel shows the outcome)."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # APIHandler.finish would label it JSON: finish as the handler below it does.
        super(APIHandler, self).finish(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>"
            f"<p id='vault-jwt-signin-outcome' data-code='{html.escape(code)}'>"
            f"{html.escape(message)}</p></body></html>"
        )


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


class SignInBrowserHandler(SignInBase):
    """``POST vault-jwt/signin/browser``: start a browser sign-in (PKCE); answers the URL the
    panel opens in a pop-up (``pending.authorization_url``)."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        redirect_uri = self.identity.oidc_redirect_uri or (
            f"{self.request.protocol}://{self.request.host}"
            + url_path_join(self.base_url, CALLBACK_PATH)
        )
        session = self.get_cookie("_xsrf", "") or ""
        await self.require_signin().start_browser(redirect_uri, session)
        self.finish(json.dumps(self.status()))


class _CallbackBase(SignInBase):
    """Where the identity provider sends the pop-up back: hands the query to a sign-in's
    ``finish(state, session, code, error, error_description)`` and answers a short HTML page
    (the panel shows the outcome).

    A browser redirect carries no XSRF header, so these routes alone skip that check: they act
    only on a ``state`` that a sign-in of this browser session (its ``_xsrf`` cookie) started,
    once; anything else is refused (``signin_state_mismatch``, ``signin_replayed``) before any
    request leaves the server. See docs/security.md.
    """

    #: The page's text once signed in.
    signed_in = "You are signed in. This window closes by itself; if not, close it."

    def _check_xsrf_every_verb(self) -> None:
        """The state bound to the session and used once stands in for the XSRF token."""

    def finisher(self) -> Callable[..., Awaitable[Any]]:
        raise NotImplementedError

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        finish = self.finisher()
        try:
            await finish(
                self.get_query_argument("state", ""),
                self.get_cookie("_xsrf", "") or "",
                self.get_query_argument("code", ""),
                self.get_query_argument("error", "")[:100],
                self.get_query_argument("error_description", "")[:300],
            )
        except IdentityError as e:
            self.set_status(e.status)
            self.callback_page("Sign-in refused", e.message, e.code)
            return
        self.callback_page("Signed in", self.signed_in, "")


class SignInCallbackHandler(_CallbackBase):
    """``GET vault-jwt/signin/callback?state=&code=``: the browser sign-in's callback (the
    state comes from :mod:`.pkce`)."""

    def finisher(self) -> Callable[..., Awaitable[Any]]:
        return self.require_signin().finish_browser


class VaultOidcStartHandler(SignInBase):
    """``POST vault-jwt/signin/vault-oidc``: start a sign-in through Vault's OIDC auth method;
    answers the URL the panel opens in a pop-up (``pending.authorization_url``, and in device
    mode ``pending.user_code``)."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        vault_oidc = self.require_vault_oidc()
        callback = f"{self.request.protocol}://{self.request.host}" + url_path_join(
            self.base_url, VAULT_OIDC_CALLBACK_PATH
        )
        await vault_oidc.start(callback, self.get_cookie("_xsrf", "") or "")
        self.finish(json.dumps(self.status()))


class VaultOidcCallbackHandler(_CallbackBase):
    """``GET vault-jwt/signin/vault-oidc/callback?state=&code=``: the Vault OIDC sign-in's
    callback (callback_mode=client); the state, the code and the client nonce go to Vault."""

    signed_in = "You are signed in to Vault. This window closes by itself; if not, close it."

    def finisher(self) -> Callable[..., Awaitable[Any]]:
        return self.require_vault_oidc().finish


class SignInCancelHandler(SignInBase):
    """``POST vault-jwt/signin/cancel``: stop the sign-in in progress."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        vault_oidc = self.identity.vault_oidc
        (vault_oidc or self.require_signin()).cancel()
        self.finish(json.dumps(self.status()))


class SignOutHandler(SignInBase):
    """``POST vault-jwt/signin/signout``: revoke the refresh token at the provider, forget the
    tokens and the identity, log out of Vault."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        signin = self.identity.vault_oidc or self.require_signin()
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
        (f"/{namespace}/signin/browser", SignInBrowserHandler, services),
        (f"/{namespace}/signin/callback", SignInCallbackHandler, services),
        (f"/{namespace}/signin/vault-oidc", VaultOidcStartHandler, services),
        (f"/{namespace}/signin/vault-oidc/callback", VaultOidcCallbackHandler, services),
        (f"/{namespace}/signin/cancel", SignInCancelHandler, services),
        (f"/{namespace}/signin/signout", SignOutHandler, services),
    ]
