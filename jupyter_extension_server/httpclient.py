"""One pooled ``httpx.AsyncClient`` per service, created on first use and closed on shutdown."""

from __future__ import annotations

import httpx


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

    Notes
    -----
    Redirects are not followed: an API that redirects (e.g. to a login page) is an error to report,
    not a page to read. httpx logs each request's method, URL and status on the ``httpx`` logger,
    never its headers, so callers must keep secrets out of URLs.
    """

    def __init__(self, timeout: float, max_connections: int = 10) -> None:
        self._timeout = timeout
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

    @property
    def is_open(self) -> bool:
        """Whether a client exists and is not closed."""
        return self._client is not None and not self._client.is_closed

    async def aclose(self) -> None:
        """Close the client and its pooled connections (no-op when none was created)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
