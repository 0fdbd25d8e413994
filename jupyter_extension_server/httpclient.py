"""One pooled ``httpx.AsyncClient`` per service, created on first use and closed on shutdown,
and :func:`bounded_request`: one request with an overall deadline and a cap on the reply's size.

httpx's ``timeout`` bounds each phase (connect, each read, ...): a server that sends one byte a
second never trips it. :func:`bounded_request` adds a deadline for the whole exchange (connect to
the last byte of the body) and stops reading once the body is larger than the cap; every call of
the companion to Vault and to JupyterHub goes through it.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from typing import Any

import httpx


class DeadlineExceeded(Exception):
    """The whole request (connect, send, reply head and body) took longer than its deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__(f"no complete reply within {deadline:g} s")
        self.deadline = deadline


class ReplyTooLarge(Exception):
    """The reply's body is larger than the cap (by its Content-Length, or as it was read)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"reply larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class BoundedReply:
    """A complete reply read within the limits: its status and body."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return jsonlib.loads(self.content)


async def bounded_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    deadline: float,
    max_bytes: int,
    **kwargs: Any,
) -> BoundedReply:
    """Send one request and read its whole reply within ``deadline`` and ``max_bytes``.

    Parameters
    ----------
    client
        The client to send it with (its own per-phase timeouts still apply).
    method, url
        The request; ``kwargs`` go to ``client.build_request`` (headers, json, params).
    deadline
        Seconds for the whole exchange.
    max_bytes
        Largest body read.

    Raises
    ------
    DeadlineExceeded, ReplyTooLarge
        When a limit is hit (the connection is closed, nothing of the reply is kept).
    httpx.HTTPError
        Transport failures, as httpx raises them.
    """
    request = client.build_request(method, url, **kwargs)
    try:
        async with asyncio.timeout(deadline):
            response = await client.send(request, stream=True)
            try:
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise ReplyTooLarge(max_bytes)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():  # decoded: the cap bounds memory
                    size += len(chunk)
                    if size > max_bytes:
                        raise ReplyTooLarge(max_bytes)
                    chunks.append(chunk)
            finally:
                await response.aclose()
    except TimeoutError as e:
        raise DeadlineExceeded(deadline) from e
    return BoundedReply(response.status_code, b"".join(chunks))


class SharedHttpClient:
    """Lazily created, pooled async HTTP client with a timeout.

    The client is created on first use, inside the running event loop, so a service can be built
    before the server's loop runs; :meth:`aclose` closes it (the extension calls it on shutdown),
    and a later use creates a new one.

    Parameters
    ----------
    timeout
        Timeout of each request (connect, read, write and pool), in seconds.
    max_connections
        Size of the connection pool.
    deadline
        Overall deadline of each request made with :meth:`request`, in seconds.
    max_bytes
        Largest reply body :meth:`request` reads.

    Notes
    -----
    Redirects are not followed: an API that redirects (e.g. to a login page) is an error to report,
    not a page to read. httpx logs each request's method, URL and status on the ``httpx`` logger,
    never its headers, so callers must keep secrets out of URLs.
    """

    def __init__(
        self,
        timeout: float,
        max_connections: int = 10,
        deadline: float = 30.0,
        max_bytes: int = 1024 * 1024,
    ) -> None:
        self._timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self._max_connections = max_connections
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client (created on first use)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                limits=httpx.Limits(
                    max_connections=self._max_connections,
                    max_keepalive_connections=self._max_connections,
                ),
                follow_redirects=False,
            )
        return self._client

    async def request(self, method: str, url: str, **kwargs: Any) -> BoundedReply:
        """One request within the deadline and size cap (see :func:`bounded_request`)."""
        return await bounded_request(
            self.client, method, url, deadline=self.deadline, max_bytes=self.max_bytes, **kwargs
        )

    @property
    def is_open(self) -> bool:
        """Whether a client exists and is not closed."""
        return self._client is not None and not self._client.is_closed

    async def aclose(self) -> None:
        """Close the client and its pooled connections (no-op when none was created)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
