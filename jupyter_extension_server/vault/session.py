"""The owner's Vault/OpenBao session: JWT login with the id_token, kept alive, revoked at the end.

- **Login**: ``POST auth/<mount>/login {"role", "jwt"}`` with the id_token of
  :class:`~.identity.IdTokenService`, then ``auth/token/lookup-self``. Concurrent callers share one
  login (single flight); a login with the same id_token as the current session is not repeated.
- **Kept alive**: a background task renews the token (``renew-self``) when a third of its TTL is
  left, while it is renewable and its max TTL allows; otherwise, and when renewal fails because the
  token is gone, it logs in again with the current id_token (read from the hub if it expired).
  Each new id_token (the sidebar's refresh, or this task's) also triggers a new login.
- **A 403 on a call** (:meth:`VaultSession.run`): when the token turns out invalid (lookup-self
  refused), the session logs in once more and retries the call once before reporting.
- **Replaced tokens** (each new login replaces the token) are revoked after a grace period
  (``replaced_token_grace``), so code in a kernel that read the old one can finish; every token the
  server made and still holds is in a :class:`~.ledger.TokenLedger`.
- **Logout** and **shutdown** (unless ``revoke_on_shutdown`` is off) revoke every token held,
  within ``revoke_timeout`` seconds, and remove the token file when it holds one of ours; a server
  stopped without its shutdown hooks (SIGINT without a terminal) does the same at exit.
- **Forced logins** asked for through the REST API are limited (``force_login_limit`` per
  ``force_login_period``): error ``vault_login_rate_limited``.
- The token never leaves the server except into the token-helper file (``~/.vault-token``,
  0600, see :mod:`.tokenfile`) so hvac and the CLI in kernels and terminals can use it; a file
  holding a token the server did not write is left alone unless the user asks
  (:meth:`VaultSession.use_token_file`), and a missing one is written again on a periodic check.

Configured with ``c.VaultSession.<trait>``; defaults come from the standard VAULT_* variables (and
their BAO_* equivalents), like the Vault CLI.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import ipaddress
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import jwt
from traitlets import Bool, CaselessStrEnum, Float, Int, TraitError, Unicode, default
from traitlets.config import LoggingConfigurable

from ..errors import (
    NoIdToken,
    VaultAudienceNotBound,
    VaultAuthMountNotFound,
    VaultClaimsRejected,
    VaultHttpError,
    VaultIdTokenExpired,
    VaultIssuerRejected,
    VaultJwtError,
    VaultLoginRateLimited,
    VaultLoginRefused,
    VaultNotConfigured,
    VaultNotLoggedIn,
    VaultPermissionDenied,
    VaultRevokeFailed,
    VaultRoleMissing,
    VaultRoleNotFound,
    VaultRoleTypeOidc,
    VaultSealed,
    VaultSignatureRejected,
    VaultTimeout,
    VaultTokenFileOff,
    VaultUnreachable,
)
from ..identity import Identity, IdTokenService
from ..signin.errors import VaultOidcSignInEnded
from ..singleflight import SingleFlight
from .api import VaultApi, quote_path, ssl_context
from .ledger import TokenLedger
from .ratelimit import SlidingWindowLimit
from .tokenfile import TokenFile

T = TypeVar("T")

#: Renew (or log in again) this long before the token expires, at least.
MIN_RENEW_LEAD_SECONDS = 10.0
#: Retry delays after a failed renewal or re-login, in seconds (the last one repeats).
RETRY_DELAYS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
#: What the log says when the token expired while Vault could not renew it.
EXPIRED_IN_OUTAGE = "the Vault token expired during the outage; logging in again once Vault answers"
#: How long a valid token another server wrote in the token file is trusted before it is
#: checked again (it changes when that server logs in again; it is removed at its logout).
OTHER_TOKEN_RECHECK_SECONDS = 300.0


def _is_outage(error: VaultJwtError) -> bool:
    """Whether ``error`` says Vault is unavailable (it clears by itself), not that it refused."""
    if isinstance(error, (VaultUnreachable, VaultTimeout, VaultSealed)):
        return True
    return isinstance(error, VaultHttpError) and error.vault_status >= 500


def _env(*names: str) -> str:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return ""


#: Go's strconv.ParseBool, which the Vault CLI uses for VAULT_SKIP_VERIFY.
GO_TRUE = frozenset(("1", "t", "T", "TRUE", "true", "True"))
GO_FALSE = frozenset(("0", "f", "F", "FALSE", "false", "False"))


def parse_go_bool(value: str, name: str) -> bool:
    """``value`` as Go's ``strconv.ParseBool`` reads it (the Vault CLI's VAULT_SKIP_VERIFY).

    Raises
    ------
    ValueError
        For anything else (``yes``, ``on``, `` true``...): the CLI refuses those too.
    """
    if value in GO_TRUE:
        return True
    if value in GO_FALSE:
        return False
    raise ValueError(
        f"{name}={value!r} is not a boolean the Vault CLI accepts (1, t, T, TRUE, true, True, "
        "0, f, F, FALSE, false, False); fix it, or set c.VaultSession.tls_verify."
    )


def _skip_verify_env() -> tuple[str, str] | None:
    """``(name, value)`` of the first non-empty VAULT_SKIP_VERIFY / BAO_SKIP_VERIFY, as given."""
    for name in ("VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY"):
        value = os.environ.get(name, "")
        if value:
            return name, value
    return None


def plain_http_host(address: str) -> str | None:
    """The host when ``address`` is plain ``http://`` to a host that is not loopback, else None."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    if parts.scheme.lower() != "http" or not parts.hostname:
        return None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name
    return host


def plain_http_warning(address: str) -> str | None:
    """A warning when Vault's ``address`` is plain ``http://`` to a host that is not loopback
    (tokens and id_tokens would cross the network unencrypted), else None."""
    host = plain_http_host(address)
    if host is None:
        return None
    return (
        f"Vault is reached over plain http:// at {host}: the id_token and the Vault token "
        "cross the network unencrypted. Use an https:// address (VAULT_ADDR / "
        "c.VaultSession.address)."
    )


@dataclass(frozen=True)
class TokenInfo:
    """What the card shows about the Vault token (never the token itself).

    Attributes
    ----------
    accessor
        The token's accessor.
    display_name
        E.g. ``jwt-alice``.
    policies
        Its policies (token and identity policies).
    entity_id
        The identity entity, or None.
    renewable
        Whether it can be renewed.
    ttl_at_issue
        The TTL it got at login or its last renewal, in seconds.
    expire_time
        When it expires (epoch seconds, server clock).
    issue_time
        When it was issued (epoch seconds).
    max_expire_time
        Beyond this it cannot be renewed (epoch seconds), when known.
    """

    accessor: str
    display_name: str
    policies: tuple[str, ...]
    entity_id: str | None
    renewable: bool
    ttl_at_issue: float
    expire_time: float
    issue_time: float | None
    max_expire_time: float | None = None

    def renewed(self, ttl: float, renewable: bool, capped: bool, now: float) -> TokenInfo:
        """The info after a renewal that granted ``ttl`` seconds."""
        max_expire = now + ttl if capped else self.max_expire_time
        return TokenInfo(
            self.accessor,
            self.display_name,
            self.policies,
            self.entity_id,
            renewable,
            ttl,
            now + ttl,
            self.issue_time,
            max_expire,
        )


@dataclass(frozen=True)
class VaultStatus:
    """A snapshot of the session for the REST API (no secret in it)."""

    configured: bool
    hint: str | None
    address: str | None
    namespace: str | None
    auth_mount: str
    role: str | None
    tls_verify: bool
    ca: str | None
    token_file: str | None
    cli: str
    logged_in: bool
    logged_out_by_user: bool
    token: TokenInfo | None
    error: VaultJwtError | None
    #: Whose the token file is: ``session``, ``other`` (left alone), ``absent``; None when off.
    token_file_state: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tls_warning: str | None = None


class VaultSession(LoggingConfigurable):
    """The server owner's Vault/OpenBao session (one per Jupyter server).

    Create it with ``parent=serverapp`` and the id_token service; :meth:`close` it on shutdown.
    """

    address = Unicode(
        config=True,
        help="Vault/OpenBao address, e.g. https://vault.example.org:8200. Default: VAULT_ADDR, "
        "else BAO_ADDR. Empty: the Vault part of the sidebar is off and says how to set it.",
    )
    namespace = Unicode(
        config=True,
        help="Vault Enterprise / OpenBao (>= 2.3) namespace, sent as X-Vault-Namespace. "
        "Default: VAULT_NAMESPACE, else BAO_NAMESPACE.",
    )
    ca_cert = Unicode(
        config=True,
        help="PEM file of the CA certificates that verify Vault's TLS certificate. "
        "Default: VAULT_CACERT, else BAO_CACERT (else the system's CAs).",
    )
    ca_path = Unicode(
        config=True,
        help="Directory of CA certificates that verify Vault's TLS certificate. "
        "Default: VAULT_CAPATH, else BAO_CAPATH.",
    )
    tls_verify = Bool(
        config=True,
        help="Verify Vault's TLS certificate. On unless turned off here or with "
        "VAULT_SKIP_VERIFY / BAO_SKIP_VERIFY=true; the sidebar shows when it is off.",
    )
    auth_mount = Unicode(
        "jwt",
        config=True,
        help="Path of the JWT auth method (vault auth enable -path=<this> jwt).",
    )
    role = Unicode(
        "",
        config=True,
        help="Role of the JWT auth method to log in with (it needs role_type=jwt and the "
        "id_token's audience in bound_audiences). Empty: the auth method's default_role.",
    )
    request_timeout = Float(
        10.0,
        config=True,
        help="Timeout of each phase of a request to Vault (connect, each read...), in seconds.",
    )
    request_deadline = Float(
        30.0,
        config=True,
        help="Overall deadline of each request to Vault, from connecting to the last byte of "
        "the reply, in seconds (a Vault that answers slowly byte by byte is cut off here).",
    )
    max_reply_bytes = Int(
        32 * 1024 * 1024,
        config=True,
        help="Largest reply read from Vault, in bytes (a larger one is an error).",
    )
    max_connections = Int(
        16,
        config=True,
        help="Size of the connection pool to Vault (bounds concurrent requests).",
    )
    token_file = Unicode(
        "~/.vault-token",
        config=True,
        help="Where the Vault token is written (mode 0600, atomically) for the Vault/OpenBao "
        "CLI and hvac in kernels and terminals; removed at logout. Empty: not written.",
    )
    cli = CaselessStrEnum(
        ["vault", "bao"],
        default_value=None,
        allow_none=True,
        config=True,
        help="The command-line client that bash snippets and the copy-CLI action call: 'vault' "
        "or 'bao'. Default: 'bao' when only bao is on the server's PATH, else 'vault'.",
    )
    revoke_on_shutdown = Bool(
        True,
        config=True,
        help="Revoke every Vault token this server holds (and remove the token file when it "
        "holds ours) when the Jupyter server stops, SIGTERM and SIGINT included.",
    )
    revoke_replaced_tokens = Bool(
        True,
        config=True,
        help="Revoke the previous token after each new login (an id_token refresh, a forced "
        "login, the max TTL), once replaced_token_grace has passed. Off: replaced tokens live "
        "out their TTL unrenewed, or until logout or shutdown.",
    )
    replaced_token_grace = Float(
        60.0,
        config=True,
        help="Seconds a replaced token stays valid before it is revoked, so code in a kernel "
        "that read it from the token file just before it was replaced can finish (hvac's "
        "default request timeout is 30 s).",
    )
    revoke_timeout = Float(
        5.0,
        config=True,
        help="Time budget, in seconds, for revoking every token at logout and at shutdown "
        "(JupyterHub's spawners wait 10 s after SIGINT and 5 s after SIGTERM).",
    )
    force_login_limit = Int(
        5,
        config=True,
        help="Forced logins (POST vault/login?force=true) allowed per force_login_period; more "
        "are refused with HTTP 429 (vault_login_rate_limited). Each one makes a new token.",
    )
    force_login_period = Float(60.0, config=True, help="Window of force_login_limit, in seconds.")
    token_file_check_interval = Float(
        10.0,
        config=True,
        help="While logged in, how often (seconds) the token file is checked: when it is "
        "missing (another server of the same home logged out), this session's token is "
        "written again.",
    )

    @default("address")
    def _default_address(self) -> str:
        return _env("VAULT_ADDR", "BAO_ADDR")

    @default("namespace")
    def _default_namespace(self) -> str:
        return _env("VAULT_NAMESPACE", "BAO_NAMESPACE")

    @default("ca_cert")
    def _default_ca_cert(self) -> str:
        return _env("VAULT_CACERT", "BAO_CACERT")

    @default("ca_path")
    def _default_ca_path(self) -> str:
        return _env("VAULT_CAPATH", "BAO_CAPATH")

    @default("tls_verify")
    def _default_tls_verify(self) -> bool:
        found = _skip_verify_env()
        if found is None:
            return True
        try:
            return not parse_go_bool(found[1], found[0])
        except ValueError as e:
            raise TraitError(str(e)) from e

    def __init__(self, identity: IdTokenService, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._identity = identity
        self.api = VaultApi(
            self.address or "http://unconfigured.invalid",
            namespace=self.namespace,
            verify=ssl_context(self.tls_verify, self.ca_cert, self.ca_path),
            timeout=self.request_timeout,
            max_connections=self.max_connections,
            deadline=self.request_deadline,
            max_bytes=self.max_reply_bytes,
        )
        self._token: str | None = None
        self._info: TokenInfo | None = None
        self._id_token_digest: str | None = None
        self._logged_out_by_user = False
        self._error: VaultJwtError | None = None
        self._flight: SingleFlight[None] = SingleFlight()
        self._keepalive: asyncio.Task[None] | None = None
        self._file_watch: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._ledger = TokenLedger(self.api, self.log)
        self._force_limit = SlidingWindowLimit(self.force_login_limit, self.force_login_period)
        self._closed = False
        path = self.token_path
        vault_key = f"{self.api.address}\0{self.api.namespace}"
        self._file = TokenFile(path, vault_key) if path is not None else None
        self._checked_other: tuple[str, float] | None = None  # (digest, valid until)
        if self._file is not None and self._file.look().value == "other":
            self.log.info(
                "jupyterlab-vault-jwt: %s holds a token this server did not write: left as is",
                self._file.path,
            )
        identity.on_new_token(self._on_new_id_token)
        if self.configured:
            atexit.register(self._revoke_at_exit)
        if not self.tls_verify:
            self.log.warning(
                "jupyterlab-vault-jwt: TLS verification of %s is OFF (VaultSession.tls_verify)",
                self.address,
            )
        self.tls_warning = plain_http_warning(self.address) if self.address else None
        if self.tls_warning:
            self.log.warning("jupyterlab-vault-jwt: %s", self.tls_warning)

    # --- state -------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """Whether a Vault address is configured."""
        return bool(self.address)

    @property
    def token_path(self) -> Path | None:
        """The token-helper file, or None when switched off."""
        return Path(self.token_file).expanduser() if self.token_file else None

    @property
    def cli_name(self) -> str:
        """The CLI that snippets call: the ``cli`` trait, else what the server's PATH has."""
        if self.cli:
            return self.cli.lower()
        return "bao" if shutil.which("bao") and not shutil.which("vault") else "vault"

    @property
    def logged_in(self) -> bool:
        """Whether there is a token that has not expired yet."""
        info = self._info
        return self._token is not None and info is not None and info.expire_time > time.time()

    @property
    def accessor(self) -> str | None:
        """The current token's accessor (the catalog's cache key), or None."""
        return self._info.accessor if self.logged_in and self._info else None

    def status(self) -> VaultStatus:
        """A snapshot for the REST API."""
        path = self.token_path
        hint = None
        if not self.configured:
            hint = (
                "No Vault address is configured: set VAULT_ADDR (or BAO_ADDR) in the server's "
                "environment, or c.VaultSession.address, and restart the server. The JWT auth "
                "method is taken from c.VaultSession.auth_mount and c.VaultSession.role."
            )
        return VaultStatus(
            configured=self.configured,
            hint=hint,
            address=self.address or None,
            namespace=self.namespace or None,
            auth_mount=self._identity.vault_oidc.mount
            if self._identity.vault_oidc is not None
            else self.auth_mount,
            role=(self._identity.vault_oidc.role or None)
            if self._identity.vault_oidc is not None
            else (self.role or None),
            tls_verify=self.tls_verify,
            ca=(self.ca_cert or self.ca_path or None) if self.tls_verify else None,
            token_file=str(path) if path else None,
            cli=self.cli_name,
            logged_in=self.logged_in,
            logged_out_by_user=self._logged_out_by_user,
            token=self._info if self.logged_in else None,
            error=self._error,
            token_file_state=self._file.state.value
            if self._file is not None and self._file.state is not None
            else None,
            tls_warning=self.tls_warning,
        )

    @property
    def held_tokens(self) -> int:
        """How many tokens this server made and holds (current and in their grace period)."""
        return len(self._ledger)

    def require_token(self) -> str:
        """The current token.

        Raises
        ------
        VaultNotConfigured, VaultNotLoggedIn
        """
        self._require_configured()
        if not self.logged_in or self._token is None:
            raise VaultNotLoggedIn("You are not logged in to Vault: press Log in in the sidebar.")
        return self._token

    # --- login / logout ----------------------------------------------------------------------

    async def login(self, *, force: bool = False, requested: bool = False) -> None:
        """Log in with the current id_token (shared by concurrent callers).

        A session already opened with the same id_token is kept, unless ``force``.
        ``requested``: asked for through the REST API, where forced logins are rate-limited.

        Raises
        ------
        VaultLoginRateLimited
            Too many forced logins were asked for (``force_login_limit``).
        VaultJwtError
            Why it failed (also kept in :meth:`status` for the card).
        """
        self._require_configured()
        if force and requested:
            wait = self._force_limit.take()
            if wait > 0:
                raise VaultLoginRateLimited(
                    f"Too many forced Vault logins (at most {self.force_login_limit} in "
                    f"{self.force_login_period:g} s, each makes a new token): try again in "
                    f"{max(1, round(wait))} s.",
                    retry_after=wait,
                )
        self._logged_out_by_user = False
        await self._flight.run(lambda: self._login(force))

    async def adopt(self, token: str) -> TokenInfo:
        """Make ``token``, a Vault token obtained elsewhere (Vault's OIDC sign-in), the session's:
        held, renewed, written to the token file and revoked at the end like a login's.

        Raises
        ------
        VaultJwtError
            When Vault does not accept it (its lookup failed; it is revoked then).
        """
        self._require_configured()
        self._ledger.add(token)
        try:
            info = await self._lookup(token)
        except BaseException:
            self._spawn(self._ledger.revoke(token))
            raise
        self._ledger.describe(token, info.accessor, info.expire_time)
        self._logged_out_by_user = False
        old, self._token, self._info, self._id_token_digest = self._token, token, info, None
        if old and old != token:
            self._ledger.retire(
                old, self.replaced_token_grace if self.revoke_replaced_tokens else None
            )
        self._error = None
        await self._sync_token_file(token)
        self._start_keepalive()
        self.log.info(
            "jupyterlab-vault-jwt: Vault token of a sign-in at %s as %s (policies %s, TTL %.0f s)",
            self.address,
            info.display_name,
            ", ".join(info.policies),
            info.ttl_at_issue,
        )
        return info

    def holds(self, token: str) -> bool:
        """Whether ``token`` is the session's current token."""
        return self._token is not None and hmac.compare_digest(self._token, token)

    async def logout(self) -> None:
        """Revoke every token this server holds, remove the token file when it holds ours, and
        stay logged out until :meth:`login`."""
        self._logged_out_by_user = True
        self._stop_keepalive()
        had_token = self._token is not None
        self._token, self._info, self._id_token_digest = None, None, None
        self._error = None
        await self._release_token_file()
        if not len(self._ledger):
            if had_token:
                self.log.info("jupyterlab-vault-jwt: logged out of Vault")
            return
        report = await self._ledger.revoke_all(self.revoke_timeout)
        if not report.complete:
            self._error = VaultRevokeFailed(
                f"Logged out, but Vault did not revoke {report.failed + report.timed_out} of "
                f"this server's tokens (within {self.revoke_timeout:g} s); they stay valid until "
                "their TTL ends, and are no longer renewed."
            )
            self.log.warning(
                "jupyterlab-vault-jwt: revoking the Vault tokens at logout failed for %d of %d",
                report.failed + report.timed_out,
                report.revoked + report.failed + report.timed_out,
            )
            return
        self.log.info(
            "jupyterlab-vault-jwt: logged out of Vault (%d token(s) revoked)", report.revoked
        )

    async def use_token_file(self) -> None:
        """Write this session's token into the token file, over a token this server did not
        write (the user asked for it); from then on the file is the session's again.

        Raises
        ------
        VaultTokenFileOff
            No token file is configured.
        VaultNotLoggedIn
            Without a session.
        """
        if self._file is None:
            raise VaultTokenFileOff(
                "The token file is switched off (c.VaultSession.token_file is empty)."
            )
        token = self.require_token()
        await self._sync_token_file(token, take_over=True)
        self.log.info("jupyterlab-vault-jwt: the session's token written to %s", self._file.path)

    async def run(self, operation: Callable[[str], Awaitable[T]]) -> T:
        """Run ``operation(token)``; on a 403 with an invalid token, log in again and retry once.

        Raises
        ------
        VaultNotLoggedIn
            Without a session.
        VaultPermissionDenied
            When the token is valid and the operation is not allowed, or after the retry.
        """
        token = self.require_token()
        try:
            result = await operation(token)
        except VaultPermissionDenied:
            if await self._token_valid(token):
                raise
        except VaultJwtError as e:
            if _is_outage(e):
                self._note_outage(e)
            raise
        else:
            self._note_recovered()
            return result
        self.log.info("jupyterlab-vault-jwt: the Vault token is no longer valid; logging in again")
        self._ledger.forget(token)  # nothing left to revoke
        await self.login(force=True)
        return await operation(self.require_token())

    async def close(self) -> None:
        """On server shutdown: stop the keep-alive, revoke every token held (within
        ``revoke_timeout``) and remove the token file when it holds ours, if configured; close
        HTTP."""
        self._closed = True
        atexit.unregister(self._revoke_at_exit)
        self._stop_keepalive()
        for task in list(self._background):
            task.cancel()
        self._ledger.cancel_timers()
        if self.revoke_on_shutdown:
            self._token = self._info = None
            await self._release_token_file()
            if len(self._ledger):
                report = await self._ledger.revoke_all(self.revoke_timeout)
                if report.complete:
                    self.log.info(
                        "jupyterlab-vault-jwt: %d Vault token(s) revoked at shutdown",
                        report.revoked,
                    )
                else:
                    self.log.warning(
                        "jupyterlab-vault-jwt: %d Vault token(s) could not be revoked at "
                        "shutdown within %g s",
                        report.failed + report.timed_out,
                        self.revoke_timeout,
                    )
        await self.api.aclose()

    def _revoke_at_exit(self) -> None:
        """At interpreter exit when :meth:`close` never ran (a plain ``jupyter server`` without
        a terminal ends its event loop on SIGINT without the extensions' shutdown hooks):
        revoke what is held and release the file, with a blocking client, within the budget."""
        if self._closed or not self.revoke_on_shutdown:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            if self._file is not None:
                self._file.release()
        if not len(self._ledger):
            return
        headers = {"X-Vault-Namespace": self.namespace.strip("/")} if self.namespace else None
        with (
            contextlib.suppress(Exception),
            httpx.Client(
                base_url=f"{self.address.rstrip('/')}/v1/",
                verify=ssl_context(self.tls_verify, self.ca_cert, self.ca_path),
                headers=headers,
                follow_redirects=False,
            ) as client,
        ):
            report = self._ledger.revoke_all_blocking(self.revoke_timeout, client)
            self.log.info(
                "jupyterlab-vault-jwt: %d Vault token(s) revoked at exit, %d not",
                report.revoked,
                report.failed + report.timed_out,
            )

    # --- internals ---------------------------------------------------------------------------

    def _require_configured(self) -> None:
        if not self.configured:
            raise VaultNotConfigured(
                "No Vault address is configured: set VAULT_ADDR (or BAO_ADDR) or "
                "c.VaultSession.address, and restart the server."
            )

    async def _login(self, force: bool) -> None:
        try:
            await self._do_login(force)
        except VaultJwtError as e:
            self._error = e
            self.log.warning(
                "jupyterlab-vault-jwt: Vault login failed: %s (HTTP %s)", e.code, e.status
            )
            raise
        self._error = None

    async def _do_login(self, force: bool) -> None:
        vault_oidc = self._identity.vault_oidc
        if vault_oidc is not None:
            # Vault's own OIDC sign-in made the token: only a new sign-in makes another.
            raise VaultOidcSignInEnded(
                "This server signs in to Vault with Vault's OIDC auth method "
                f"(auth/{vault_oidc.mount}): click Sign in in the panel's Sign-in card"
                + (" again: the Vault token reached its maximum lifetime." if self._token else ".")
            )
        identity = await self._identity.current()
        if identity is None:
            raise NoIdToken(
                "There is no id_token to log in to Vault with. " + (self._identity.hint or "")
            )
        digest = hashlib.sha256(identity.id_token.encode()).hexdigest()
        if not force and self.logged_in and digest == self._id_token_digest:
            return
        body = {"jwt": identity.id_token}
        if self.role:
            body["role"] = self.role
        path = f"auth/{quote_path(self.auth_mount.strip('/'))}/login"
        try:
            reply = await self.api.request("POST", path, json=body)
        except VaultPermissionDenied as e:
            raise VaultAuthMountNotFound(
                f"Vault answered 'permission denied' to a login at {path}: is the JWT auth "
                f"method enabled at '{self.auth_mount}'"
                + (f" in namespace '{self.namespace}'" if self.namespace else "")
                + "? (c.VaultSession.auth_mount)"
            ) from e
        except VaultHttpError as e:
            if e.vault_status == 400:
                raise self._login_error(e, identity) from e
            raise
        auth = reply.get("auth") or {}
        token = auth.get("client_token")
        if not isinstance(token, str) or not token:
            raise VaultLoginRefused(f"Vault's answer to the login at {path} holds no token.")
        self._ledger.add(token)  # held (and so revoked at the end) from now on
        try:
            info = await self._lookup(token)
        except BaseException:
            self._spawn(self._ledger.revoke(token))
            raise
        self._ledger.describe(token, info.accessor, info.expire_time)
        if self._logged_out_by_user or self._closed:
            # Logged out (or shut down) while this login was in flight: do not keep the token.
            self._spawn(self._ledger.revoke(token))
            return
        old, self._token, self._info, self._id_token_digest = self._token, token, info, digest
        if old and old != token:
            self._ledger.retire(
                old, self.replaced_token_grace if self.revoke_replaced_tokens else None
            )
        await self._sync_token_file(token)
        self._start_keepalive()
        self.log.info(
            "jupyterlab-vault-jwt: logged in to Vault at %s as %s (policies %s, TTL %.0f s)",
            self.address,
            info.display_name,
            ", ".join(info.policies),
            info.ttl_at_issue,
        )

    def _login_error(self, error: VaultHttpError, identity: Identity) -> VaultLoginRefused:
        said = "; ".join(error.errors) or f"HTTP {error.vault_status}"
        low = said.lower()
        role = self.role or "(default_role)"
        mount = self.auth_mount
        claims = _claims(identity.id_token)
        if "missing role" in low:
            return VaultRoleMissing(
                f"No role is configured (c.VaultSession.role) and the JWT auth method at "
                f"auth/{mount} has no default_role: set the role to log in with."
            )
        if "role" in low and "could not be found" in low:
            return VaultRoleNotFound(
                f"Vault has no role '{role}' on the JWT auth method at auth/{mount}: set "
                "c.VaultSession.role to an existing role, or ask your Vault administrators."
            )
        if "oidc role_type" in low or "role_type" in low:
            return VaultRoleTypeOidc(
                f"The role '{role}' has role_type=oidc (the default), which refuses JWT logins: "
                f"its administrators must set role_type=jwt (auth/{mount}/role/{role})."
            )
        if "audience" in low or "(aud)" in low:
            aud = claims.get("aud")
            return VaultAudienceNotBound(
                f"Vault refused the id_token's audience ({_show(aud)}): the role '{role}' must "
                "list it in bound_audiences."
            )
        if "expired" in low or "(exp)" in low or "(nbf)" in low or "(iat)" in low:
            return VaultIdTokenExpired(
                "Vault found the id_token expired (or not yet valid): refresh it with the "
                "Refresh button, then log in again. If it keeps happening, check the clocks."
            )
        if "issuer" in low or "(iss)" in low:
            return VaultIssuerRejected(
                f"Vault does not accept the id_token's issuer ({_show(claims.get('iss'))}): the "
                f"auth method at auth/{mount} must trust it (bound_issuer / oidc_discovery_url)."
            )
        if "signature" in low or "no known key" in low:
            return VaultSignatureRejected(
                f"Vault could not verify the id_token's signature: the auth method at "
                f"auth/{mount} must trust your identity provider (oidc_discovery_url, jwks_url "
                "or jwt_validation_pubkeys)."
            )
        if "claim" in low or "bound" in low:
            return VaultClaimsRejected(
                f"Vault refused your id_token's claims for the role '{role}': {said}."
            )
        return VaultLoginRefused(f"Vault refused the login at auth/{mount}/login: {said}.")

    async def _lookup(self, token: str) -> TokenInfo:
        reply = await self.api.request("GET", "auth/token/lookup-self", token=token)
        data = reply.get("data") or {}
        now = time.time()
        ttl = float(data.get("ttl") or 0)
        creation_ttl = float(data.get("creation_ttl") or ttl)
        creation_time = data.get("creation_time")
        issue = float(creation_time) if isinstance(creation_time, int | float) else None
        explicit_max = float(data.get("explicit_max_ttl") or 0)
        policies = [*(data.get("policies") or []), *(data.get("identity_policies") or [])]
        return TokenInfo(
            accessor=str(data.get("accessor") or ""),
            display_name=str(data.get("display_name") or ""),
            policies=tuple(sorted(set(map(str, policies)))),
            entity_id=str(data["entity_id"]) if data.get("entity_id") else None,
            renewable=bool(data.get("renewable")),
            ttl_at_issue=creation_ttl,
            expire_time=now + ttl if ttl > 0 else now + 10 * 365 * 86400,
            issue_time=issue,
            max_expire_time=issue + explicit_max if issue is not None and explicit_max else None,
        )

    async def _token_valid(self, token: str) -> bool:
        try:
            await self.api.request("GET", "auth/token/lookup-self", token=token)
        except VaultPermissionDenied:
            return False
        return True

    def _on_new_id_token(self, identity: Identity) -> None:
        if self._token is None or self._logged_out_by_user:
            return
        self._spawn(self._relogin_quietly())

    async def _relogin_quietly(self) -> None:
        with contextlib.suppress(VaultJwtError):  # kept in status() and logged by _login
            await self.login()

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- keep-alive --------------------------------------------------------------------------

    def _start_keepalive(self) -> None:
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = asyncio.ensure_future(self._keep_alive())
        if self._file is not None and (self._file_watch is None or self._file_watch.done()):
            self._file_watch = asyncio.ensure_future(self._watch_token_file())

    def _stop_keepalive(self) -> None:
        for task in (self._keepalive, self._file_watch):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._keepalive = self._file_watch = None

    def _lead(self, info: TokenInfo) -> float:
        return max(MIN_RENEW_LEAD_SECONDS, info.ttl_at_issue / 3)

    async def _keep_alive(self) -> None:
        """Renew the token (or log in again) before it expires, for as long as the user has not
        logged out. Failures are retried with back-off; when the token expires during an outage,
        the session keeps trying to log in until Vault answers again (no click needed)."""
        failures = 0
        while not self._logged_out_by_user:
            info = self._info
            now = time.time()
            backoff = RETRY_DELAYS[min(max(failures, 1), len(RETRY_DELAYS)) - 1]
            if self._token is None or info is None:
                delay = backoff
            elif failures:
                delay = min(backoff, max(1.0, info.expire_time - now - 1))
            else:
                delay = max(1.0, info.expire_time - now - self._lead(info))
            await asyncio.sleep(delay)
            if self._logged_out_by_user:
                return
            try:
                if self._token is None:
                    await self.login(force=True)
                else:
                    await self._renew_or_login()
            except VaultOidcSignInEnded as e:
                self._error = e  # no login can renew it: the panel asks for a new sign-in
                if self._token is not None and not self.logged_in:
                    await self._expired(
                        "the Vault token of the Vault OIDC sign-in expired (its max TTL): sign "
                        "in again from the panel"
                    )
                    return
                failures += 1
            except VaultJwtError as e:
                failures += 1
                self._note_outage(e)
                if self._token is not None and not self.logged_in:
                    await self._expired()
                    failures = 1  # log in again soon: the back-off starts over
            else:
                failures = 0
                self._note_recovered()

    def _note_outage(self, error: VaultJwtError) -> None:
        """Keep ``error`` for the card; log it once per outage (not once per retry)."""
        if self._error is None or self._error.code != error.code:
            self.log.warning(
                "jupyterlab-vault-jwt: Vault is failing: %s (HTTP %s); retrying by itself",
                error.code,
                error.status,
            )
        self._error = error

    def _note_recovered(self) -> None:
        """Forget an availability error once Vault answers again."""
        if self._error is not None and _is_outage(self._error):
            self.log.info("jupyterlab-vault-jwt: Vault answers again")
            self._error = None

    async def _renew_or_login(self) -> None:
        info, token = self._info, self._token
        if info is None or token is None:
            return
        now = time.time()
        lead = self._lead(info)
        can_renew = info.renewable and (
            info.max_expire_time is None or info.max_expire_time - now > lead
        )
        if can_renew:
            increment = max(int(info.ttl_at_issue), 1)
            try:
                reply = await self.api.request(
                    "POST",
                    "auth/token/renew-self",
                    token=token,
                    json={"increment": f"{increment}s"},
                )
            except VaultPermissionDenied:
                pass  # the token is gone: log in again below
            else:
                auth = reply.get("auth") or {}
                ttl = float(auth.get("lease_duration") or 0)
                if self._token == token and ttl > 0:
                    capped = ttl + 1 < increment
                    self._info = info.renewed(ttl, bool(auth.get("renewable")), capped, now)
                    self._error = None
                    self.log.debug("jupyterlab-vault-jwt: Vault token renewed for %.0f s", ttl)
                    if not capped or ttl > lead:
                        return
        await self.login(force=True)

    async def _expired(self, why: str = EXPIRED_IN_OUTAGE) -> None:
        token, self._token, self._info = self._token, None, None
        if token is not None:
            self._ledger.forget(token)
            await self._release_token_file()
        self.log.warning("jupyterlab-vault-jwt: %s", why)

    # --- token file --------------------------------------------------------------------------

    async def _sync_token_file(self, token: str, *, take_over: bool = False) -> None:
        """Put ``token`` in the file when the file is ours or missing (or ``take_over``)."""
        file = self._file
        if file is None:
            return
        before = file.state
        try:
            state = await asyncio.to_thread(file.sync, token, take_over=take_over)
        except OSError as e:
            self.log.warning(
                "jupyterlab-vault-jwt: could not write the Vault token file %s: %s",
                file.path,
                e.strerror or type(e).__name__,
            )
            return
        if state.value == "other" and not take_over:
            await self._replace_dead_server_token(token)
            state = file.state or state
        if state != before and state.value == "other":
            self.log.info(
                "jupyterlab-vault-jwt: %s holds a token this server did not write: left as is",
                file.path,
            )

    async def _replace_dead_server_token(self, token: str) -> None:
        """When the file holds a token another server of ours wrote for this Vault (a sibling
        whose token was revoked, or a killed server's), ask Vault whether it is still valid, and
        replace it when it is not. A token the user wrote is never sent to Vault."""
        file = self._file
        if file is None:
            return
        with contextlib.suppress(OSError):
            other = await asyncio.to_thread(file.server_written_other)
            if other is None:
                return
            key = hashlib.sha256(other.encode()).hexdigest()
            checked = self._checked_other
            if checked is not None and checked[0] == key and time.time() < checked[1]:
                return
            try:
                valid = await self._token_valid(other)
            except VaultJwtError:
                return  # Vault is unavailable: look again at the next check
            if valid:
                self._checked_other = (key, time.time() + OTHER_TOKEN_RECHECK_SECONDS)
                return
            await asyncio.to_thread(file.replace_if, other, token)
            self.log.info(
                "jupyterlab-vault-jwt: %s held a token another server wrote that Vault no longer "
                "accepts: the session's token was written there",
                file.path,
            )

    async def _release_token_file(self) -> None:
        """Remove the file when it holds a token of ours."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self._file.release)

    async def _watch_token_file(self) -> None:
        """While logged in: put the session's token back into a missing file (another server of
        the same home logged out and removed its own), or over an older token of ours."""
        while not self._logged_out_by_user and not self._closed:
            await asyncio.sleep(max(0.05, self.token_file_check_interval))
            token = self._token
            if token is not None and self.logged_in:
                await self._sync_token_file(token)


def _claims(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value) if value is not None else "none"
