"""Sign in with Vault's own OIDC auth method (``auth/oidc``): Vault talks to the identity
provider, and the Vault token it answers becomes the Vault session's token.

:class:`VaultOidcSource` is a source of :class:`~..identity.service.IdTokenService`
(``"vault-oidc"`` in ``c.IdTokenService.sources``) that holds no id_token: the identity the card
shows is what Vault knows (the token's display name, metadata and entity). Three callback modes,
as the role of the auth method is set up:

- ``client`` (Vault's default): ``POST auth/<mount>/oidc/auth_url`` with the role, the Jupyter
  server's callback (``{base_url}vault-jwt/signin/vault-oidc/callback``) as ``redirect_uri`` and a
  random ``client_nonce``; the pop-up goes to the provider and comes back to that route, which
  checks its ``state`` (pending, from the same browser session, used once: :class:`PendingLogins`)
  and hands ``state``, ``code`` and the nonce to ``GET auth/<mount>/oidc/callback``.
- ``device`` (OpenBao): ``auth_url`` answers the provider's verification URL (and a user code);
  OpenBao runs the device flow with the provider and the server polls ``oidc/poll`` with the state
  and nonce until the user approved.
- ``direct`` (OpenBao): the provider sends the pop-up back to OpenBao's own callback
  (``{address}/v1/auth/<mount>/oidc/callback``), and the server polls ``oidc/poll`` likewise.

The client nonce, the state and the code never leave the server except to Vault, and are never
logged: the one request that carries them in its URL (Vault's callback is a GET) is kept out of
httpx's request log (:mod:`.vault_oidc_pending`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

from ..errors import IdentityError, NoIdToken, VaultHttpError, VaultJwtError
from ..identity.service import SourceName
from ..vault.api import quote_path
from .errors import (
    VaultOidcRefused,
    VaultOidcSignInEnded,
    VaultOidcUnavailable,
)
from .pending import STATE_LIFETIME, session_digest
from .vault_oidc_pending import PendingLogins, VaultOidcLogin

if TYPE_CHECKING:
    from ..vault.session import VaultSession

CallbackMode = Literal["client", "device", "direct"]

#: The modes whose sign-in the server finishes by polling Vault (no callback to Jupyter).
POLLED_MODES = ("device", "direct")


def _error(error: IdentityError | None) -> dict[str, str] | None:
    return {"code": error.code, "message": error.message} if error else None


class VaultOidcSource:
    """Sign-in through Vault's OIDC auth method; the Vault session holds the token it gets.

    Parameters
    ----------
    mount
        Path of the OIDC auth method (``vault auth enable -path=<this> oidc``).
    role
        Its role, or "" for the auth method's ``default_role``.
    mode
        The role's ``callback_mode``: ``client``, ``device`` or ``direct``.
    redirect_uri
        ``client``: the callback to send instead of the request's own (a proxy rewriting the
        host); ``direct``: Vault's callback, default ``{address}/v1/auth/<mount>/oidc/callback``.
    log
        Where to log (never a token, state, code or nonce).
    """

    name: SourceName = "vault-oidc"

    def __init__(
        self,
        mount: str,
        role: str,
        mode: CallbackMode,
        redirect_uri: str = "",
        log: logging.Logger | None = None,
    ) -> None:
        self.mount = mount.strip("/") or "oidc"
        self.role = role
        self.mode = mode
        self.redirect_uri = redirect_uri
        self._log = log or logging.getLogger(__name__)
        self._vault: VaultSession | None = None
        self._pending = PendingLogins()
        self._poller: asyncio.Task[None] | None = None
        self._error: IdentityError | None = None
        self._warning: IdentityError | None = None
        self._token: str | None = None
        self._signed_in_at: float | None = None
        self._who: dict[str, Any] | None = None
        self.detail = f"Vault OIDC (auth/{self.mount}, role {role or '(default_role)'})"

    def __repr__(self) -> str:
        return f"VaultOidcSource(mount={self.mount!r}, mode={self.mode!r})"

    def bind(self, vault: VaultSession) -> None:
        """The Vault session whose token a sign-in sets (the server's wiring calls this)."""
        self._vault = vault

    @property
    def vault(self) -> VaultSession:
        """The bound Vault session."""
        if self._vault is None:
            raise RuntimeError("VaultOidcSource.bind() was not called")
        return self._vault

    # --- the identity source side ---------------------------------------------------------

    async def fetch(self) -> str:
        """No id_token here: Vault holds the sign-in.

        Raises
        ------
        NoIdToken
            Always.
        """
        raise NoIdToken("You sign in with Vault's OIDC auth method: this server holds no id_token.")

    @property
    def signed_in(self) -> bool:
        """Whether the Vault session holds the token of a sign-in of this source."""
        vault = self._vault
        return (
            self._token is not None
            and vault is not None
            and vault.logged_in
            and vault.holds(self._token)
        )

    @property
    def who(self) -> dict[str, Any] | None:
        """What Vault knows of the signed-in user (never a token), or None."""
        return self._who if self.signed_in else None

    @property
    def hint(self) -> str:
        """What the identity card says in place of an id_token."""
        if self.signed_in:
            return (
                "Signed in with Vault's OIDC auth method: this server holds no id_token; the "
                "identity shown is what Vault knows."
            )
        return f"Not signed in: click Sign in to sign in through Vault (auth/{self.mount})."

    def status(self) -> dict[str, Any]:
        """The sign-in's state for the panel: never a token, state, code or nonce."""
        signed_in = self.signed_in
        login = None if signed_in else self._pending.latest
        pending = None
        if login is not None:
            pending = {
                "method": "vault-oidc",
                "authorization_url": login.url,
                "user_code": login.user_code,
                "expires_at": login.created + STATE_LIFETIME,
                "interval": max(1.0, login.interval) if self.mode in POLLED_MODES else 2,
            }
        error = self._error
        if error is None and not signed_in and self._token is not None:
            error = VaultOidcSignInEnded(
                "Your Vault sign-in ended (its token reached its maximum lifetime, or was "
                "revoked): click Sign in to sign in again."
            )
        state = "signed_in" if signed_in else "pending" if pending else "signed_out"
        vault = self._vault
        return {
            "configured": True,
            "method": "vault-oidc",
            "methods": ["vault-oidc"],
            "source": "vault-oidc",
            "issuer": f"{vault.address if vault else 'Vault'} (auth/{self.mount})",
            "client_id": self.role or None,
            "mode": self.mode,
            "state": state,
            "signed_in_at": self._signed_in_at if signed_in else None,
            "pending": pending,
            "warning": _error(self._warning) if pending else None,
            "error": None if signed_in or pending else _error(error),
            "server_time": time.time(),
        }

    # --- sign-in ----------------------------------------------------------------------------

    async def start(self, callback_uri: str, session: str) -> VaultOidcLogin:
        """Ask Vault for the provider's URL (and, in device mode, a user code).

        Parameters
        ----------
        callback_uri
            This server's callback route as the browser reaches it (``client`` mode).
        session
            The browser session's secret (its ``_xsrf`` cookie): the callback must come with it.

        Raises
        ------
        VaultOidcUnavailable
            Vault answered no URL (not an OIDC mount, unknown role, redirect URI not allowed).
        VaultJwtError
            Vault could not be reached.
        """
        self.cancel()
        self._error = self._warning = None
        nonce = secrets.token_urlsafe(32)
        body: dict[str, str] = {"client_nonce": nonce}
        if self.role:
            body["role"] = self.role
        if self.mode == "client":
            body["redirect_uri"] = self.redirect_uri or callback_uri
        elif self.mode == "direct":
            body["redirect_uri"] = self.redirect_uri or (
                f"{self.vault.address.rstrip('/')}/v1/auth/{self.mount}/oidc/callback"
            )
        try:
            reply = await self.vault.api.request(
                "POST", f"auth/{quote_path(self.mount)}/oidc/auth_url", json=body
            )
            data = reply.get("data") or {}
            url = data.get("auth_url")
            if not isinstance(url, str) or not url:
                raise self._unavailable(body.get("redirect_uri"))
            state = data.get("state")
            if self.mode in POLLED_MODES and not isinstance(state, str):
                raise VaultOidcUnavailable(
                    f"Vault's auth/{self.mount} answered no state to poll with: is the role's "
                    f"callback_mode '{self.mode}' (c.IdTokenService.vault_oidc_callback_mode)?"
                )
            if self.mode == "client":
                state = _query_state(url)
            if not state:
                raise VaultOidcUnavailable(
                    f"Vault's auth/{self.mount} answered a URL with no state."
                )
        except VaultHttpError as e:
            error = self._refused(e, "start")
            self._error = error
            self._log.warning(
                "jupyterlab-vault-jwt: Vault OIDC sign-in could not start: %s", error.code
            )
            raise error from e
        except IdentityError as e:
            self._error = e
            self._log.warning(
                "jupyterlab-vault-jwt: Vault OIDC sign-in could not start: %s", e.code
            )
            raise
        user_code = data.get("user_code")
        try:
            interval = float(data.get("poll_interval") or 5)
        except (TypeError, ValueError):
            interval = 5.0
        login = VaultOidcLogin(
            vault_state=state,
            client_nonce=nonce,
            session=session_digest(session),
            url=url,
            user_code=user_code if isinstance(user_code, str) and user_code else None,
            interval=interval,
            created=time.time(),
        )
        self._pending.add(login)
        if self.mode in POLLED_MODES:
            self._poller = asyncio.get_running_loop().create_task(self._poll(login))
        self._log.info(
            "jupyterlab-vault-jwt: Vault OIDC sign-in started at auth/%s (%s mode)",
            self.mount,
            self.mode,
        )
        return login

    async def finish(
        self, state: str, session: str, code: str, error: str = "", description: str = ""
    ) -> None:
        """The callback (``client`` mode): check the state, hand it with the code and the nonce
        to Vault, keep the Vault token it answers.

        Raises
        ------
        SignInStateMismatch, SignInReplayed
            The callback does not belong to a pending sign-in of this session (nothing is sent
            to Vault, nothing changes).
        IdentityError
            The provider or Vault refused (shown in the panel).
        """
        with self._pending.finishing(state, session) as login:
            await self._finish(login, state, code, error, description)

    async def _finish(
        self, login: VaultOidcLogin, state: str, code: str, error: str, description: str
    ) -> None:
        try:
            if error:
                raise VaultOidcRefused(
                    f"The identity provider refused the sign-in ({error[:100]}"
                    + (f": {description[:200]}" if description else "")
                    + "); click Sign in to try again."
                )
            try:
                reply = await self.vault.api.request(
                    "GET",
                    f"auth/{quote_path(self.mount)}/oidc/callback",
                    params={"state": state, "code": code, "client_nonce": login.client_nonce},
                )
            except VaultHttpError as e:
                raise self._refused(e, "callback") from e
            await self._adopt(reply)
        except VaultJwtError as e:
            err = e if isinstance(e, IdentityError) else VaultOidcRefused(e.message)
            self._error = err
            self._log.warning("jupyterlab-vault-jwt: Vault OIDC sign-in failed: %s", err.code)
            raise err from e

    def cancel(self) -> None:
        """Stop the sign-in in progress."""
        poller, self._poller = self._poller, None
        if poller is not None and poller is not asyncio.current_task():
            poller.cancel()
        self._pending.cancel()

    async def sign_out(self) -> bool:
        """Forget the sign-in; the caller logs the Vault session out (revoking the token).

        Returns
        -------
        bool
            False: there is no refresh token to revoke at the provider.
        """
        self.cancel()
        self._token = self._who = self._signed_in_at = None
        self._error = None
        self._log.info("jupyterlab-vault-jwt: signed out of the Vault OIDC sign-in")
        return False

    async def close(self) -> None:
        """Stop the poller (on server shutdown)."""
        self.cancel()

    # --- internals --------------------------------------------------------------------------

    async def _poll(self, login: VaultOidcLogin) -> None:
        """Poll ``oidc/poll`` until Vault answers a token, refuses, or the sign-in expires."""
        interval = max(1.0, login.interval)
        path = f"auth/{quote_path(self.mount)}/oidc/poll"
        try:
            while time.time() - login.created < STATE_LIFETIME:
                await asyncio.sleep(interval)
                try:
                    reply = await self.vault.api.request(
                        "POST",
                        path,
                        json={"state": login.vault_state, "client_nonce": login.client_nonce},
                    )
                except VaultHttpError as e:
                    said = " ".join(e.errors).lower()
                    if "authorization_pending" in said:
                        self._warning = None
                        continue
                    if "slow_down" in said:
                        interval += 5
                        continue
                    if e.vault_status >= 500:
                        self._warning = VaultOidcRefused(e.message)
                        continue
                    raise self._refused(e, "poll") from e
                except VaultJwtError as e:  # unreachable, timeout: keep trying until expiry
                    self._warning = VaultOidcRefused(
                        f"Vault cannot be reached while waiting for your approval ({e.code}); "
                        "still trying."
                    )
                    continue
                self._pending.cancel()
                await self._adopt(reply)
                return
            self._pending.cancel()
            self._error = VaultOidcRefused(
                "The Vault sign-in was not finished in time; click Sign in to try again."
            )
        except asyncio.CancelledError:
            raise
        except VaultJwtError as e:
            self._pending.cancel()
            self._error = e if isinstance(e, IdentityError) else VaultOidcRefused(e.message)
            self._log.warning(
                "jupyterlab-vault-jwt: Vault OIDC sign-in failed: %s", self._error.code
            )
        except Exception:
            self._pending.cancel()
            self._log.exception("jupyterlab-vault-jwt: the Vault OIDC poller failed")

    async def _adopt(self, reply: dict[str, Any]) -> None:
        auth = reply.get("auth") or {}
        token = auth.get("client_token")
        if not isinstance(token, str) or not token:
            raise VaultOidcRefused(f"Vault's answer at auth/{self.mount} holds no token.")
        info = await self.vault.adopt(token)
        meta = auth.get("metadata") if isinstance(auth.get("metadata"), dict) else {}
        self._who = {
            "display_name": info.display_name,
            "entity_id": info.entity_id,
            "policies": list(info.policies),
            "metadata": {
                str(k): str(v) for k, v in meta.items() if not str(k).startswith("oauth2_")
            },
        }
        self._token = token
        self._signed_in_at = time.time()
        self._error = self._warning = None
        self._log.info(
            "jupyterlab-vault-jwt: signed in through Vault OIDC (auth/%s) as %s",
            self.mount,
            info.display_name,
        )

    def _unavailable(self, redirect_uri: str | None) -> VaultOidcUnavailable:
        role = self.role or "(default_role)"
        if self.mode == "client":
            return VaultOidcUnavailable(
                f"Vault's auth/{self.mount} answered no sign-in URL for role {role}: its "
                f"allowed_redirect_uris must list this server's callback ({redirect_uri}) "
                "exactly (or set c.IdTokenService.vault_oidc_redirect_uri)."
            )
        return VaultOidcUnavailable(
            f"Vault's auth/{self.mount} answered no sign-in URL for role {role} "
            f"(callback_mode {self.mode}): check the role and the auth method's configuration."
        )

    def _refused(self, e: VaultHttpError, step: str) -> IdentityError:
        said = "; ".join(e.errors)[:300] or f"HTTP {e.vault_status}"
        low = said.lower()
        if step == "start":
            if "not configured for this mount" in low or e.vault_status in (403, 404, 405):
                return VaultOidcUnavailable(
                    f"auth/{self.mount} is not an OIDC auth method Vault can sign in with "
                    f"({said}): check c.IdTokenService.vault_oidc_mount."
                )
            return VaultOidcUnavailable(
                f"Vault refused to start a sign-in at auth/{self.mount} ({said}): check "
                "c.IdTokenService.vault_oidc_role and the role."
            )
        if "expired or missing oauth state" in low:
            return VaultOidcRefused(
                "Vault no longer knows this sign-in (expired, or used already): click Sign in "
                "to start again."
            )
        if "access_denied" in low:
            return VaultOidcRefused(
                "The sign-in was declined at the identity provider; click Sign in to try again."
            )
        return VaultOidcRefused(
            f"Vault refused the sign-in at auth/{self.mount} ({said}); click Sign in to try again."
        )


def _query_state(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("state")
    return values[0] if values else None
