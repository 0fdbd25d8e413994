"""The owner's temporary S3 credentials: STS ``AssumeRoleWithWebIdentity`` with the id_token,
kept fresh, written as a named profile of the AWS shared credentials file.

- **Assume**: :meth:`S3Credentials.renew` reads the current id_token from
  :class:`~..identity.IdTokenService` (with ``use_access_token``, the access token that the
  hub's id_token service hands out when the hub allows it, read for this call only) and calls
  the STS (:mod:`.sts`); concurrent callers share one call. The credentials stay on the
  server and go into ``[<profile>]`` of ``credentials_file`` (:mod:`.profile`: 0600, atomic,
  the user's other profiles and comments untouched), where boto3, s3fs, pandas, the AWS CLI
  and R read them; the credential_process helper (``python -m jupyter_extension_server.s3
  credential-process``) reads them from there too, so a long-lived boto3 session asks again
  when they expire.
- **Kept fresh**: a background task assumes the role again when a third of the credentials'
  lifetime is left (at least ``MIN_RENEW_LEAD_SECONDS``), and after each new id_token; failures
  are retried with back-off, and credentials that expire during an outage are removed from the
  file (the SDKs then fail plainly instead of with a stale key).
- **Revoke** (:meth:`S3Credentials.revoke`) and **shutdown**: the profile is removed from the file
  and nothing is renewed until :meth:`renew`. STS credentials cannot be revoked at the STS: they
  stay valid there until they expire (``duration_seconds`` bounds that).

Off unless ``c.S3Credentials.endpoint`` is set.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from traitlets import Bool, Float, Int, Unicode, default, validate
from traitlets.config import LoggingConfigurable

from ..errors import NoIdToken, VaultJwtError
from ..identity import Identity, IdTokenService
from ..singleflight import SingleFlight
from ..vault.api import ssl_context
from ..vault.session import _env, plain_http_host
from .buckets import list_buckets
from .errors import S3NoCredentials, S3NotConfigured, S3ProfileError, StsIdTokenExpired
from .objects import S3Listing, check_bucket, check_prefix, list_objects
from .profile import CredentialsFile, check_profile_name
from .sts import (
    StsCredentials,
    assume_role_with_web_identity,
    name_clock_skew,
    request_form,
    session_name,
)

#: Assume the role again this long before the credentials expire, at least.
MIN_RENEW_LEAD_SECONDS = 10.0
#: Retry delays after a failed renewal, in seconds (the last one repeats).
RETRY_DELAYS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0)


@dataclass
class S3Status:
    """A snapshot for the REST API (never a key)."""

    configured: bool
    endpoint: str
    s3_endpoint: str
    role_arn: str
    region: str
    profile: str
    credentials_file: str
    tls_verify: bool
    tls_warning: str | None
    active: bool
    expiration: float | None
    issued_at: float | None
    assumed_role_arn: str | None
    revoked_by_user: bool
    error: VaultJwtError | None
    hint: str | None


class S3Credentials(LoggingConfigurable):
    """The server owner's temporary S3 credentials (one per Jupyter server).

    Create it with ``parent=serverapp`` and the id_token service; :meth:`close` it on shutdown.
    """

    endpoint = Unicode(
        "",
        config=True,
        help="URL of the STS that answers AssumeRoleWithWebIdentity, e.g. https://s3.example.org "
        "(MinIO, Ceph RGW and SeaweedFS serve it on the S3 port; AWS: https://sts.amazonaws.com). "
        "Empty: object storage is off.",
    )
    s3_endpoint = Unicode(
        "",
        config=True,
        help="URL of the S3 API the credentials are for (the bucket list, the snippets). "
        "Default: the STS endpoint (where MinIO, Ceph RGW and SeaweedFS serve both).",
    )
    role_arn = Unicode(
        "",
        config=True,
        help="ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/jupyter. Its trust "
        "policy must allow sts:AssumeRoleWithWebIdentity for your identity provider and the "
        "id_token's audience.",
    )
    duration_seconds = Int(
        3600,
        config=True,
        help="Lifetime asked for the credentials, in seconds (the STS may cap it: AWS between "
        "900 and the role's maximum). 0: the STS's default.",
    )
    profile = Unicode(
        "jupyter",
        config=True,
        help="Name of the profile written to the credentials file (AWS_PROFILE=<this> in "
        "kernels, or profile_name=/--profile in code).",
    )
    credentials_file = Unicode(
        config=True,
        help="The AWS shared credentials file the profile is written to (0600). Default: "
        "AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. Empty: no file (credential_process "
        "then has nothing to read).",
    )
    region = Unicode(
        config=True,
        help="Region the credentials are used in (SigV4 signing of the bucket list; shown to "
        "snippets). Default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.",
    )
    ca_cert = Unicode(
        config=True,
        help="PEM file of the CA certificates that verify the STS's and S3's TLS certificates. "
        "Default: AWS_CA_BUNDLE (else the system's CAs).",
    )
    tls_verify = Bool(
        True,
        config=True,
        help="Verify the TLS certificates of the STS and S3. On unless turned off here; the "
        "panel shows when it is off.",
    )
    request_timeout = Float(
        10.0, config=True, help="Timeout of each phase of a request to the STS or S3, in seconds."
    )
    use_access_token = Bool(
        False,
        config=True,
        help="Send the OIDC access token instead of the id_token as the WebIdentityToken (some "
        "STS servers want it). The hub must allow it: configure_jupyterhub(c, "
        "allow_access_token=True); else the card shows access_token_not_allowed. The access "
        "token is read from the hub's id_token service for each AssumeRoleWithWebIdentity and "
        "kept in memory only for that request.",
    )
    remove_on_shutdown = Bool(
        True,
        config=True,
        help="Remove the profile from the credentials file when the server stops.",
    )

    @default("credentials_file")
    def _default_credentials_file(self) -> str:
        return _env("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"

    @default("region")
    def _default_region(self) -> str:
        return _env("AWS_REGION", "AWS_DEFAULT_REGION") or "us-east-1"

    @default("ca_cert")
    def _default_ca_cert(self) -> str:
        return _env("AWS_CA_BUNDLE")

    @validate("profile")
    def _check_profile(self, proposal: Any) -> str:
        try:
            return check_profile_name(proposal["value"])
        except ValueError as e:
            from traitlets import TraitError

            raise TraitError(f"c.S3Credentials.profile: {e}") from e

    def __init__(
        self, identity: IdTokenService, clock: Callable[[], float] = time.time, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._identity = identity
        self._clock = clock  # this server's clock, against the STS's verdict on expiry
        self._http = httpx.AsyncClient(
            verify=ssl_context(self.tls_verify, self.ca_cert),
            timeout=self.request_timeout,
            follow_redirects=False,
        )
        self._file = (
            CredentialsFile(Path(self.credentials_file), self.profile)
            if self.credentials_file
            else None
        )
        self._credentials: StsCredentials | None = None
        self._issued_at: float | None = None
        self._id_token_digest: str | None = None
        self._lifetime = 0.0
        self._error: VaultJwtError | None = None
        self._revoked_by_user = False
        self._flight: SingleFlight[None] = SingleFlight()
        self._keeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False
        identity.on_new_token(self._on_new_id_token)
        if self.configured and self.use_access_token:
            identity.want_access_token()
        if self.configured:
            atexit.register(self._remove_at_exit)
        if self.configured and not self.tls_verify:
            self.log.warning(
                "jupyterlab-vault-jwt: TLS verification of the STS %s is OFF "
                "(S3Credentials.tls_verify)",
                self.endpoint,
            )
        self.tls_warning = self._plain_http_warning()
        if self.tls_warning:
            self.log.warning("jupyterlab-vault-jwt: %s", self.tls_warning)

    def _plain_http_warning(self) -> str | None:
        """A warning when the STS or the S3 API is plain ``http://`` to a host that is not
        loopback (the id_token, the session token and the data would cross the network
        unencrypted), else None."""
        if not self.configured:
            return None
        for address, setting in (
            (self.endpoint, "c.S3Credentials.endpoint"),
            (self.s3_url, "c.S3Credentials.s3_endpoint"),
        ):
            host = plain_http_host(address)
            if host is not None:
                return (
                    f"Object storage is reached over plain http:// at {host}: the id_token, the "
                    "S3 session token and the data cross the network unencrypted. Use an "
                    f"https:// address ({setting})."
                )
        return None

    # --- state -------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """Whether an STS endpoint is configured."""
        return bool(self.endpoint)

    @property
    def active(self) -> bool:
        """Whether there are credentials that have not expired."""
        c = self._credentials
        return c is not None and c.expiration.timestamp() > time.time()

    @property
    def s3_url(self) -> str:
        """The S3 API's URL (``s3_endpoint``, else the STS's)."""
        return (self.s3_endpoint or self.endpoint).rstrip("/")

    def credentials(self) -> StsCredentials:
        """The current credentials (server side only: the bucket list).

        Raises
        ------
        S3NoCredentials
            Without credentials that are still valid.
        """
        if not self.active or self._credentials is None:
            raise S3NoCredentials(
                "There are no S3 credentials: press Renew in the Object storage card."
            )
        return self._credentials

    def status(self) -> S3Status:
        """A snapshot for the REST API."""
        c = self._credentials if self.active else None
        hint = None
        if not self.configured:
            hint = (
                "Object storage is off: set c.S3Credentials.endpoint (the STS URL) and "
                "c.S3Credentials.role_arn, and restart the server."
            )
        return S3Status(
            configured=self.configured,
            endpoint=self.endpoint,
            s3_endpoint=self.s3_url,
            role_arn=self.role_arn,
            region=self.region,
            profile=self.profile,
            credentials_file=str(self._file.path) if self._file else "",
            tls_verify=self.tls_verify,
            tls_warning=self.tls_warning,
            active=c is not None,
            expiration=c.expiration.timestamp() if c else None,
            issued_at=self._issued_at if c else None,
            assumed_role_arn=(c.assumed_role_arn or None) if c else None,
            revoked_by_user=self._revoked_by_user,
            error=self._error,
            hint=hint,
        )

    async def buckets(self) -> list[str]:
        """The buckets the credentials can list (S3 ``ListBuckets``).

        Raises
        ------
        S3NoCredentials
            Without credentials.
        S3Error
            Why listing failed.
        """
        self._require_configured()
        return await list_buckets(self._http, self.s3_url, self.credentials(), self.region)

    async def objects(self, bucket: str, prefix: str) -> S3Listing:
        """The folders and objects right under ``prefix`` of ``bucket`` (S3 ``ListObjectsV2``).

        Raises
        ------
        UnsafePath
            A bucket or prefix refused before anything else.
        S3NoCredentials
            Without credentials.
        S3Error
            Why listing failed (``s3_access_denied`` for a bucket the role may not list).
        """
        check_bucket(bucket)
        check_prefix(prefix)
        self._require_configured()
        return await list_objects(
            self._http, self.s3_url, self.credentials(), self.region, bucket, prefix
        )

    # --- renew / revoke ----------------------------------------------------------------------

    async def renew(self) -> None:
        """Assume the role with the current id_token (shared by concurrent callers) and write
        the profile; start keeping the credentials fresh.

        Raises
        ------
        S3Error
            Why it failed (also kept in :meth:`status` for the card).
        """
        self._require_configured()
        self._revoked_by_user = False
        try:
            await self._flight.run(self._assume_logged)
        finally:
            # Also after a failure: the keeper tries again with back-off (an STS that was
            # down at the first renew recovers by itself).
            if not self._closed:
                self._start_keeper()

    async def revoke(self) -> None:
        """Forget the credentials, remove the profile, stop renewing until :meth:`renew`."""
        self._revoked_by_user = True
        self._stop_keeper()
        had = self._credentials is not None
        self._credentials, self._issued_at, self._id_token_digest = None, None, None
        self._error = None
        await self._remove_profile()
        if had:
            self.log.info("jupyterlab-vault-jwt: S3 credentials dropped and profile removed")

    async def close(self) -> None:
        """On server shutdown: stop renewing, remove the profile (if configured), close HTTP."""
        self._closed = True
        atexit.unregister(self._remove_at_exit)
        self._stop_keeper()
        for task in list(self._background):
            task.cancel()
        if self.remove_on_shutdown and self._credentials is not None:
            self._credentials = None
            await self._remove_profile()
        await self._http.aclose()

    def _remove_at_exit(self) -> None:
        """At interpreter exit when :meth:`close` never ran (JupyterHub's spawners send SIGINT
        first, which ends a server without a terminal before the extensions' shutdown hooks, as
        for the Vault session): remove the profile, as a shutdown does."""
        if self._closed or not self.remove_on_shutdown or self._credentials is None:
            return
        self._closed = True
        self._credentials = None
        if self._file is not None:
            with contextlib.suppress(Exception):
                self._file.remove()

    # --- internals ---------------------------------------------------------------------------

    def _require_configured(self) -> None:
        if not self.configured:
            raise S3NotConfigured(
                "Object storage is off: set c.S3Credentials.endpoint and c.S3Credentials."
                "role_arn, and restart the server."
            )

    async def _assume_logged(self) -> None:
        try:
            await self._assume()
        except VaultJwtError as e:
            self._error = e
            self.log.warning(
                "jupyterlab-vault-jwt: S3 credentials failed: %s (HTTP %s)", e.code, e.status
            )
            raise
        self._error = None

    async def _assume(self) -> None:
        identity = await self._identity.current()
        if identity is None:
            raise NoIdToken(
                "There is no id_token to get S3 credentials with. " + (self._identity.hint or "")
            )
        # The access token (when configured) is read now, for this request only: the hub
        # refreshes it together with the id_token, so the id_token still says when to renew.
        web_identity = (
            await self._identity.access_token() if self.use_access_token else identity.id_token
        )
        form = request_form(
            self.role_arn,
            web_identity,
            session_name(self._identity.owner or _claim_name(identity) or "jupyter"),
            self.duration_seconds or None,
        )
        try:
            credentials = await assume_role_with_web_identity(self._http, self.endpoint, form)
        except StsIdTokenExpired as e:
            named = name_clock_skew(e, identity.exp, self._clock())
            if named is e:
                raise
            raise named from e
        now = time.time()
        if self._revoked_by_user or self._closed:
            return  # revoked while the STS answered: drop them
        await self._write_profile(credentials)
        self._credentials, self._issued_at = credentials, now
        self._lifetime = max(0.0, credentials.expiration.timestamp() - now)
        self._id_token_digest = hashlib.sha256(identity.id_token.encode()).hexdigest()
        self.log.info(
            "jupyterlab-vault-jwt: S3 credentials for %s valid until %s (profile %s)",
            self.role_arn,
            credentials.expiration.isoformat(),
            self.profile,
        )

    async def _write_profile(self, c: StsCredentials) -> None:
        if self._file is None:
            return
        values = {
            "aws_access_key_id": c.access_key_id,
            "aws_secret_access_key": c.secret_access_key,
            "aws_session_token": c.session_token,
            "x_jupyter_expiration": c.expiration.astimezone(timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        }
        try:
            await asyncio.to_thread(self._file.write, values)
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise S3ProfileError(
                f"The credentials file {self._file.path} could not be written "
                f"({getattr(e, 'strerror', None) or type(e).__name__})."
            ) from e

    async def _remove_profile(self) -> None:
        if self._file is None:
            return
        try:
            await asyncio.to_thread(self._file.remove)
        except (OSError, UnicodeDecodeError) as e:
            self.log.warning(
                "jupyterlab-vault-jwt: the S3 profile could not be removed from %s (%s)",
                self._file.path,
                getattr(e, "strerror", None) or type(e).__name__,
            )

    def _on_new_id_token(self, identity: Identity) -> None:
        if self._revoked_by_user or self._closed:
            return
        if self._credentials is None and self._error is None:
            return  # never asked for: nothing to renew
        # Also after a failure (an expired or skewed id_token): a new one is worth a try now.
        digest = hashlib.sha256(identity.id_token.encode()).hexdigest()
        if digest == self._id_token_digest:
            return
        self._spawn(self._renew_quietly())

    async def _renew_quietly(self) -> None:
        with contextlib.suppress(VaultJwtError):  # kept in status() and logged
            await self._flight.run(self._assume_logged)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _start_keeper(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.ensure_future(self._keep_fresh())

    def _stop_keeper(self) -> None:
        task = self._keeper
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._keeper = None

    def _lead(self) -> float:
        return max(MIN_RENEW_LEAD_SECONDS, self._lifetime / 3)

    async def _keep_fresh(self) -> None:
        """Assume the role again before the credentials expire, until revoked or closed."""
        failures = 0
        while not self._revoked_by_user and not self._closed:
            c = self._credentials
            now = time.time()
            backoff = RETRY_DELAYS[min(max(failures, 1), len(RETRY_DELAYS)) - 1]
            if c is None:
                delay = backoff
            elif failures:
                delay = min(backoff, max(1.0, c.expiration.timestamp() - now - 1))
            else:
                delay = max(1.0, c.expiration.timestamp() - now - self._lead())
            await asyncio.sleep(delay)
            if self._revoked_by_user or self._closed:
                return
            try:
                await self._flight.run(self._assume_logged)
            except VaultJwtError as e:
                failures += 1
                if self._credentials is not None and not self.active:
                    self._credentials = None
                    await self._remove_profile()
                    self.log.warning(
                        "jupyterlab-vault-jwt: the S3 credentials expired while renewing failed "
                        "(%s); profile removed, trying again by itself",
                        e.code,
                    )
            else:
                failures = 0


def _claim_name(identity: Identity) -> str:
    """``preferred_username`` (else ``sub``) of the id_token, for the STS session name."""
    import jwt

    try:
        claims = jwt.decode(identity.id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    return str(claims.get("preferred_username") or claims.get("sub") or "")


def expiration_text(when: float) -> str:
    """An expiry time as ISO 8601 UTC (the credential_process format)."""
    return datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
