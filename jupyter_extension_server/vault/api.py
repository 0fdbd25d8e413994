"""The HTTP API of one Vault/OpenBao server: one pooled async client, TLS, namespace, errors.

Every request goes to ``{address}/v1/{path}`` with the ``X-Vault-Token`` header (when a token is
given) and ``X-Vault-Namespace`` (when a namespace is configured). Transport failures and error
statuses become the domain errors of :mod:`.errors`, with messages that say what to do; replies
are returned as decoded JSON. Tokens and reply bodies are never logged: httpx logs the method, URL
and status only, and URLs never hold secrets (secret *names* are not secret).

Every request has an overall deadline and a cap on its reply's size (see
:func:`~..httpclient.bounded_request`), and its path is checked (:func:`.paths.check_api_path`):
a path with an empty, ``.`` or ``..`` segment never leaves this module.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import (
    VaultDeadlineExceeded,
    VaultHttpError,
    VaultNotFound,
    VaultPermissionDenied,
    VaultReplyTooLarge,
    VaultSealed,
    VaultTimeout,
    VaultTlsError,
    VaultUnreachable,
)
from ..httpclient import BoundedReply, DeadlineExceeded, ReplyTooLarge, bounded_request
from .paths import check_api_path

#: Methods Vault defines beyond HTTP's own (httpx sends any method name).
LIST = "LIST"
SCAN = "SCAN"


def quote_path(path: str) -> str:
    """URL-quote a Vault path, keeping its ``/`` separators.

    Every other character that is not unreserved is percent-encoded, so a secret named
    ``a%2Fb`` or ``x?y`` reaches Vault as that name, not as a separator or a query. Dot
    segments cannot be kept inside a name (URL libraries remove them): a path with an empty,
    ``.`` or ``..`` segment is refused.

    Raises
    ------
    UnsafePath
        See :func:`.paths.check_api_path`.
    """
    return quote(check_api_path(path), safe="/")


def _short(path: str) -> str:
    return path if len(path) <= 120 else f"{path[:120]}…"


def _tls_failure(error: BaseException) -> bool:
    """Whether a transport error (or what caused it) is a TLS certificate failure."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if isinstance(current, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def ssl_context(verify: bool, ca_cert: str = "", ca_path: str = "") -> ssl.SSLContext | bool:
    """What httpx's ``verify`` gets: a context trusting the configured CA, or False (explicit).

    Parameters
    ----------
    verify
        Verify Vault's certificate (the default everywhere; False only when configured so).
    ca_cert
        A PEM file of CA certificates (VAULT_CACERT), or empty for the system's.
    ca_path
        A directory of CA certificates (VAULT_CAPATH), or empty.
    """
    if not verify:
        return False
    if ca_cert or ca_path:
        return ssl.create_default_context(cafile=ca_cert or None, capath=ca_path or None)
    return ssl.create_default_context()


class VaultApi:
    """Calls one Vault/OpenBao server.

    Parameters
    ----------
    address
        Base URL, e.g. ``https://vault.example.org:8200``.
    namespace
        Namespace sent as ``X-Vault-Namespace`` (empty: none).
    verify
        httpx ``verify``: an SSL context, True, or False (verification explicitly off).
    timeout
        Timeout of each phase of a request (connect, each read...), in seconds.
    deadline
        Overall deadline of each request (connect to the last byte of the reply), in seconds.
    max_bytes
        Largest reply body read, in bytes.
    max_connections
        Size of the connection pool (bounds concurrent requests too).
    ca_hint
        Names of the CA settings, for the TLS error message.

    Attributes
    ----------
    requests
        How many requests were sent (the benchmark reports it).
    """

    def __init__(
        self,
        address: str,
        namespace: str = "",
        verify: ssl.SSLContext | bool = True,
        timeout: float = 10.0,
        max_connections: int = 16,
        deadline: float = 30.0,
        max_bytes: int = 32 * 1024 * 1024,
        ca_hint: str = "VAULT_CACERT / VAULT_CAPATH (c.VaultSession.ca_cert / ca_path)",
    ) -> None:
        self.address = address.rstrip("/")
        self.namespace = namespace.strip("/")
        self._verify = verify
        self._timeout = timeout
        self._deadline = deadline
        self._max_bytes = max_bytes
        self._max_connections = max_connections
        self._ca_hint = ca_hint
        self._client: httpx.AsyncClient | None = None
        self.requests = 0

    def __repr__(self) -> str:
        return f"VaultApi({self.address!r}, namespace={self.namespace!r})"

    @property
    def client(self) -> httpx.AsyncClient:
        """The pooled client, created on first use (inside the running loop)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                base_url=f"{self.address}/v1/",
                verify=self._verify,
                timeout=self._timeout,
                limits=httpx.Limits(
                    max_connections=self._max_connections,
                    max_keepalive_connections=self._max_connections,
                ),
                follow_redirects=False,
                headers={"X-Vault-Namespace": self.namespace} if self.namespace else None,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the pooled connections (a later request opens new ones)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the decoded reply (``{}`` for 204).

        Parameters
        ----------
        method
            ``GET``, ``POST``, ``LIST``, ``SCAN``...
        path
            Path under ``/v1/``, already quoted (see :func:`quote_path`), without a leading ``/``.
        token
            Vault token for ``X-Vault-Token`` (never logged).
        json
            Request body.
        params
            Query parameters.

        Raises
        ------
        UnsafePath
            When the path has an empty, ``.`` or ``..`` segment (nothing is sent).
        VaultUnreachable, VaultTlsError, VaultTimeout
            Transport failures.
        VaultDeadlineExceeded, VaultReplyTooLarge
            The overall deadline or the size cap was hit.
        VaultSealed
            Vault answered 503 "Vault is sealed".
        VaultPermissionDenied, VaultNotFound, VaultHttpError
            Other error statuses (403, 404, the rest).
        """
        check_api_path(path)
        headers = {"X-Vault-Token": token} if token else None
        self.requests += 1
        try:
            response = await bounded_request(
                self.client,
                method,
                path.lstrip("/"),
                deadline=self._deadline,
                max_bytes=self._max_bytes,
                headers=headers,
                json=json,
                params=params,
            )
        except DeadlineExceeded as e:
            raise VaultDeadlineExceeded(
                f"Vault at {self.address} did not complete its answer to {method} "
                f"{_short(path)} within the deadline of {self._deadline:g} s (it is slow or "
                "stuck); try again, or raise c.VaultSession.request_deadline."
            ) from e
        except ReplyTooLarge as e:
            raise VaultReplyTooLarge(
                f"Vault's answer to {method} {_short(path)} is larger than the cap of "
                f"{self._max_bytes} bytes; raise c.VaultSession.max_reply_bytes if that is "
                "expected."
            ) from e
        except httpx.TimeoutException as e:
            raise VaultTimeout(
                f"Vault at {self.address} did not answer within {self._timeout:g} s; "
                "try again, or raise c.VaultSession.request_timeout."
            ) from e
        except httpx.HTTPError as e:
            if _tls_failure(e):
                raise VaultTlsError(
                    f"The TLS certificate of {self.address} could not be verified. Point "
                    f"{self._ca_hint} at the CA that signed it (or BAO_CACERT / BAO_CAPATH)."
                ) from e
            raise VaultUnreachable(
                f"Vault at {self.address} cannot be reached ({type(e).__name__}). Is the "
                "address right (VAULT_ADDR / c.VaultSession.address) and is Vault running?"
            ) from e
        except ssl.SSLError as e:  # pragma: no cover - httpx wraps these as ConnectError
            raise VaultTlsError(f"TLS with {self.address} failed; check {self._ca_hint}.") from e
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: BoundedReply) -> dict[str, Any]:
        status = response.status_code
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise VaultHttpError(
                    f"Vault answered {method} {path} with something that is not JSON; is "
                    f"{self.address} a Vault/OpenBao server?",
                    status,
                )
            return body
        errors = body.get("errors") if isinstance(body, dict) else None
        errors = [str(e).strip() for e in errors] if isinstance(errors, list) else []
        said = "; ".join(e for e in errors if e) or f"HTTP {status}"
        if status == 503 and any("sealed" in e.lower() for e in errors):
            raise VaultSealed(f"Vault at {self.address} is sealed; ask its operators to unseal it.")
        if status == 403:
            raise VaultPermissionDenied(f"Vault denied {method} {path}: {said}.", status, errors)
        if status == 404:
            missing = VaultNotFound(f"Vault has nothing at {path}.", status, errors)
            # KV v2 answers a read of a deleted or destroyed version with 404 and the version's
            # metadata (its data is null): kept so the catalog can say which it is.
            data = body.get("data") if isinstance(body, dict) else None
            meta = data.get("metadata") if isinstance(data, dict) else None
            missing.kv_metadata = meta if isinstance(meta, dict) else None
            raise missing
        if status in (502, 503, 504):
            raise VaultHttpError(
                f"Vault at {self.address} is unavailable (HTTP {status}: {said}); try again in "
                "a moment.",
                status,
                errors,
            )
        if status >= 500:
            raise VaultHttpError(
                f"Vault at {self.address} failed on {method} {path} (HTTP {status}: {said}), an "
                "error on Vault's side; it is retried by itself. If it persists, ask Vault's "
                "operators.",
                status,
                errors,
            )
        raise VaultHttpError(
            f"Vault refused {method} {path} (HTTP {status}: {said}).", status, errors
        )
