"""A loopback TCP proxy that injects faults into HTTP/1.1 traffic, for fault tests.

It sits between a client (the server companion, a browser test's Jupyter server...) and an
upstream HTTP server (OpenBao, the hub...), forwards every request unchanged, and on demand:

``pass``
    forwards every request (the default).
``latency`` (``seconds``)
    waits that long before forwarding each request (its reply comes that much later; a request
    the client gave up on meanwhile still reaches the upstream).
``drip`` (``seconds``)
    forwards every request, and sends the upstream's reply back one byte every ``seconds``
    (a server stuck mid-reply: each read gets a byte in time, so per-read timeouts never fire;
    only an overall deadline ends the wait).
``pad`` (``size``)
    forwards every request, and grows each reply that has a ``Content-Length`` by ``size``
    bytes: spaces after its body, the header raised to match (a JSON body stays valid JSON;
    the upstream's own reply, only larger). Replies without one (chunked) pass unchanged.
    The mode as a reply starts to arrive applies to it. Not for ``HEAD`` requests.
``status`` (``code``)
    answers every request itself with that HTTP status and the JSON body
    ``{"errors": ["injected"]}`` (Vault's error shape), without reaching the upstream.
``drop``
    closes every connection, open or new, before answering (the client sees the server
    disconnect: "connection reset" / "server disconnected without sending a response").
``closed``
    stops listening (the port refuses connections) and closes the open ones; any other mode
    listens again on the same port.

It works on plain TCP. For HTTP/1.x it reads each request (head, then ``Content-Length`` or
chunked body) and acts per request, so pooled keep-alive connections see a mode change at their
next request; replies are piped back unparsed
(``pad`` alone parses them). A connection that does not start like HTTP (a TLS
ClientHello: an HTTPS upstream) is piped as raw bytes: ``latency`` delays each chunk the client
sends, ``drop``/``closed`` close it, and ``status`` (which cannot be injected into TLS) closes it
too. When the upstream cannot be reached, the client's connection is closed (as if the proxy were
the unreachable server).

In-process use (the tests' event loop)::

    async with FaultProxy(upstream="127.0.0.1:8200") as proxy:  # listens on a free port
        session = VaultSession(address=proxy.url, ...)
        await proxy.set_mode("latency", seconds=5)
        await proxy.set_mode("drip", seconds=1)
        await proxy.set_mode("pad", size=2 * 1024 * 1024)
        await proxy.set_mode("status", code=500)
        await proxy.set_mode("drop")
        await proxy.set_mode("pass")
        proxy.stats  # {"connections": .., "requests": .., "forwarded": .., "injected": ..,
                     #  "dropped": ..}

From another process (a browser test), through the control endpoint::

    python tests/faultproxy.py --listen 127.0.0.1:18611 --upstream 127.0.0.1:18200 \\
        --control 127.0.0.1:18612 [--mode pass|latency:5|drip:1|pad:1000|status:500|drop|closed]

prints one line ``faultproxy: ready ...`` once listening, runs until SIGINT/SIGTERM, and answers
on the control port (no authentication: bind it to loopback; JSON, CORS ``*``):

- ``GET /mode``: ``{"mode": "latency", "seconds": 5.0, "code": null, "stats": {...}}``
- ``POST /mode`` with ``{"mode": "pass"}``, ``{"mode": "latency", "seconds": 5}``,
  ``{"mode": "drip", "seconds": 1}``, ``{"mode": "pad", "size": 1000}``,
  ``{"mode": "status", "code": 500}``, ``{"mode": "drop"}`` or ``{"mode": "closed"}``: sets it
  and answers the same shape (400 ``{"error": ...}`` for a bad body).

e.g. ``curl -s -XPOST 127.0.0.1:18612/mode -d '{"mode":"status","code":500}'``, or
:func:`set_remote_mode` from Python. Standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

log = logging.getLogger("faultproxy")

MODES = ("pass", "latency", "drip", "pad", "status", "drop", "closed")
#: Longest request head accepted (bytes).
HEAD_LIMIT = 64 * 1024
INJECTED_BODY = b'{"errors": ["injected"]}'


@dataclass(frozen=True)
class Mode:
    """What the proxy does to each request.

    Attributes
    ----------
    name
        One of :data:`MODES`.
    seconds
        The delay of ``latency``.
    code
        The status of ``status``.
    size
        The bytes ``pad`` adds to each reply.
    """

    name: str = "pass"
    seconds: float = 0.0
    code: int | None = None
    size: int = 0

    @classmethod
    def parse(cls, data: Any) -> Mode:
        """A mode from ``{"mode": .., "seconds": .., "code": ..}``; ValueError when invalid."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        name = data.get("mode")
        if name not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if name in ("latency", "drip"):
            seconds = data.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError(f"{name} needs seconds >= 0")
            return cls(name, float(seconds))
        if name == "status":
            code = data.get("code")
            if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
                raise ValueError("status needs a code between 100 and 599")
            return cls(name, code=code)
        if name == "pad":
            size = data.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ValueError("pad needs a size >= 0 (bytes)")
            return cls(name, size=size)
        return cls(name)

    @classmethod
    def from_text(cls, text: str) -> Mode:
        """A mode from ``pass``, ``latency:5``, ``drip:1``, ``pad:1000``, ``status:500``,
        ``drop`` or ``closed``."""
        name, _, arg = text.partition(":")
        data: dict[str, Any] = {"mode": name}
        if name in ("latency", "drip"):
            data["seconds"] = float(arg)
        elif name == "status":
            data["code"] = int(arg)
        elif name == "pad":
            data["size"] = int(arg)
        return cls.parse(data)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of the control endpoint."""
        return {
            "mode": self.name,
            "seconds": self.seconds if self.name in ("latency", "drip") else None,
            "code": self.code if self.name == "status" else None,
            "size": self.size if self.name == "pad" else None,
        }


def _hostport(value: str | tuple[str, int]) -> tuple[str, int]:
    if isinstance(value, tuple):
        return value
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


@dataclass
class _Request:
    method: str
    raw: bytes
    close: bool


async def _read_request(reader: asyncio.StreamReader, prefix: bytes = b"") -> _Request | None:
    """One HTTP/1.x request (head and body, as received), or None at a clean end of stream.

    ``prefix`` is what was already read of it.
    """
    try:
        head = prefix + await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if (prefix + e.partial).strip():
            raise
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].strip().partition(" ")
    version = rest.rpartition(" ")[2].upper()
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip().lower()
    parts = [head]
    if "chunked" in headers.get("transfer-encoding", ""):
        while True:
            size_line = await reader.readuntil(b"\r\n")
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, up to the empty line
                    line = await reader.readuntil(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        break
                break
            parts.append(await reader.readexactly(size + 2))
    elif headers.get("content-length"):
        parts.append(await reader.readexactly(int(headers["content-length"])))
    connection = headers.get("connection", "")
    close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    return _Request(method.upper(), b"".join(parts), close)


def _response(code: int, body: bytes, *, close: bool, head_only: bool = False) -> bytes:
    try:
        reason = HTTPStatus(code).phrase
    except ValueError:
        reason = "Injected"
    head = (
        f"HTTP/1.1 {code} {reason}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
        "Access-Control-Allow-Headers: Content-Type\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("latin-1") + (b"" if head_only else body)


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None and not writer.is_closing():
        with contextlib.suppress(Exception):
            writer.close()


class _Connection:
    """One client connection and its (lazily opened) upstream connection."""

    def __init__(
        self, proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.proxy = proxy
        self.reader = reader
        self.writer = writer
        self.up_writer: asyncio.StreamWriter | None = None
        self.pump: asyncio.Task[None] | None = None

    async def run(self) -> None:
        proxy = self.proxy
        try:
            if proxy.mode.name in ("drop", "closed"):
                proxy.stats["dropped"] += 1
                return
            first = await self.reader.read(1)
            if not first:
                return
            if not first.isalpha():  # not an HTTP method: TLS or another protocol
                await self._raw(first)
                return
            prefix = first
            while proxy.mode.name not in ("drop", "closed"):
                request = await _read_request(self.reader, prefix)
                prefix = b""
                if request is None:
                    return
                proxy.stats["requests"] += 1
                mode = proxy.mode
                if proxy.select is not None and not proxy.select(request.raw):
                    mode = Mode()
                if mode.name == "latency" and mode.seconds > 0:
                    await asyncio.sleep(mode.seconds)
                    mode = proxy.mode if proxy.mode.name != "latency" else Mode()
                if mode.name in ("drop", "closed"):
                    proxy.stats["dropped"] += 1
                    return
                if mode.name == "status":
                    proxy.stats["injected"] += 1
                    assert mode.code is not None
                    self.writer.write(
                        _response(
                            mode.code,
                            INJECTED_BODY,
                            close=request.close,
                            head_only=request.method == "HEAD",
                        )
                    )
                    await self.writer.drain()
                    if request.close:
                        return
                    continue
                if not await self._forward(request):
                    return
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client or the upstream went away: so does this connection
        except ValueError:
            pass  # not HTTP
        finally:
            self.close()

    async def _upstream(self) -> asyncio.StreamWriter | None:
        """The upstream connection (opened, with its pump, when needed), or None if down."""
        if self.up_writer is None or self.up_writer.is_closing():
            host, port = self.proxy.upstream
            try:
                up_reader, self.up_writer = await asyncio.open_connection(host, port)
            except OSError:
                self.proxy.stats["dropped"] += 1
                return None  # upstream down: the client sees this server disconnect
            self.pump = asyncio.ensure_future(self._pipe(up_reader))
        return self.up_writer

    async def _forward(self, request: _Request) -> bool:
        upstream = await self._upstream()
        if upstream is None:
            return False
        self.proxy.stats["forwarded"] += 1
        upstream.write(request.raw)
        await upstream.drain()
        return True

    async def _raw(self, data: bytes) -> None:
        """Pipe a non-HTTP connection: latency per chunk; status, drop and closed close it."""
        proxy = self.proxy
        while data:
            if proxy.mode.name == "latency":
                await asyncio.sleep(proxy.mode.seconds)
            if proxy.mode.name in ("status", "drop", "closed"):
                proxy.stats["dropped"] += 1
                return
            upstream = await self._upstream()
            if upstream is None:
                return
            proxy.stats["forwarded"] += 1
            upstream.write(data)
            await upstream.drain()
            data = await self.reader.read(65536)

    async def _pipe(self, up_reader: asyncio.StreamReader) -> None:
        """Upstream -> client, unparsed (but in ``pad``); the end of either ends the client
        connection."""
        framed = True  # False after a reply pad could not frame: the rest is piped as is
        pending = b""  # bytes read past a padded reply: the start of the next one
        try:
            while True:
                chunk, pending = pending or await up_reader.read(65536), b""
                if not chunk:
                    break
                if framed and self.proxy.mode.name == "pad":  # the mode as the reply comes
                    framed, pending = await self._pad(up_reader, chunk, self.proxy.mode.size)
                    continue
                while chunk and self.proxy.mode.name == "drip":
                    self.writer.write(chunk[:1])
                    await self.writer.drain()
                    chunk = chunk[1:]
                    self.proxy.stats["dripped"] += 1
                    await asyncio.sleep(self.proxy.mode.seconds)
                self.writer.write(chunk)
                await self.writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.close()

    async def _pad(
        self, up_reader: asyncio.StreamReader, data: bytes, size: int
    ) -> tuple[bool, bytes]:
        """Pass one reply (``data`` is its start), ``size`` bytes larger when it has a
        Content-Length.

        Returns whether it was framed (False: it was passed as is, and the rest of the
        connection is piped unparsed) and the bytes read past its end.
        """
        while b"\r\n\r\n" not in data:
            more = await up_reader.read(65536) if len(data) <= HEAD_LIMIT else b""
            if not more:  # no head (or an end of stream): passed as is
                self.writer.write(data)
                await self.writer.drain()
                return False, b""
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = None
        for i, line in enumerate(lines):
            name, sep, value = line.partition(b":")
            if sep and name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value.strip())
                lines[i] = b"Content-Length: " + str(length + size).encode()
        if length is None:  # no length to raise (chunked): passed as is
            self.writer.write(data)
            await self.writer.drain()
            return False, b""
        if len(rest) < length:
            rest += await up_reader.readexactly(length - len(rest))
        body, after = rest[:length], rest[length:]
        self.writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body + b" " * size)
        await self.writer.drain()
        self.proxy.stats["padded"] += 1
        return True, after

    def close(self) -> None:
        _close(self.writer)
        _close(self.up_writer)
        pump = self.pump
        if pump is not None and pump is not asyncio.current_task():
            pump.cancel()


class FaultProxy:
    """The proxy (see the module docstring).

    Parameters
    ----------
    upstream
        ``"host:port"`` (or a tuple) of the server to forward to.
    listen
        Where to listen; port 0 picks a free port (kept across ``closed``).
    control
        Where the control endpoint listens (port 0: a free one), or None for none.
    mode
        The initial mode.
    """

    def __init__(
        self,
        upstream: str | tuple[str, int],
        listen: str | tuple[str, int] = "127.0.0.1:0",
        control: str | tuple[str, int] | None = None,
        mode: Mode | None = None,
    ) -> None:
        self.upstream = _hostport(upstream)
        self.host, self.port = _hostport(listen)
        self._control_at = _hostport(control) if control is not None else None
        self.control_port: int | None = None
        self.mode = mode or Mode()
        #: In-process only: when set, the mode applies to the requests it returns True for
        #: (given the raw request, head and body); the others pass.
        self.select: Callable[[bytes], bool] | None = None
        self.stats = {
            "connections": 0,
            "requests": 0,
            "forwarded": 0,
            "injected": 0,
            "dropped": 0,
            "dripped": 0,
            "padded": 0,
        }
        self._server: asyncio.Server | None = None
        self._control: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[Any], _Connection] = {}

    @property
    def url(self) -> str:
        """``http://host:port`` of the proxy."""
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str | None:
        """``http://host:port`` of the control endpoint, or None."""
        if self._control_at is None or self.control_port is None:
            return None
        return f"http://{self._control_at[0]}:{self.control_port}"

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> FaultProxy:
        """Listen (and serve the control endpoint)."""
        if self.mode.name != "closed":
            await self._listen()
        if self._control_at is not None and self._control is None:
            host, port = self._control_at
            self._control = await asyncio.start_server(
                self._serve_control, host, port, limit=HEAD_LIMIT
            )
            self.control_port = self._control.sockets[0].getsockname()[1]
        return self

    async def set_mode(
        self, name: str | Mode, *, seconds: float = 0.0, code: int = 500, size: int = 0
    ) -> Mode:
        """Switch to ``name`` (``latency`` and ``drip`` take ``seconds``, ``status`` takes
        ``code``, ``pad`` takes ``size``)."""
        if isinstance(name, Mode):
            mode = name
        else:
            mode = Mode.parse({"mode": name, "seconds": seconds, "code": code, "size": size})
        self.mode = mode
        if mode.name in ("drop", "closed"):
            if mode.name == "closed" and self._server is not None:
                self._server.close()
                self._server = None
            await self._close_connections()
        elif self._server is None:
            await self._listen()
        log.info("faultproxy: mode %s", mode.to_json())
        return mode

    async def close(self) -> None:
        """Stop listening, close every connection and the control endpoint."""
        for server in (self._server, self._control):
            if server is not None:
                server.close()
        self._server = self._control = None
        await self._close_connections()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, limit=HEAD_LIMIT
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_connections(self) -> None:
        tasks = list(self._connections)
        for task, connection in list(self._connections.items()):
            connection.close()
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        connection = _Connection(self, reader, writer)
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = connection
        try:
            await connection.run()
        except asyncio.CancelledError:
            pass  # closed by a mode change or close(): the connection is gone already
        finally:
            connection.close()
            self._connections.pop(task, None)
            if connection.pump is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await connection.pump

    async def _serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            head, _, body = request.raw.partition(b"\r\n\r\n")
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].split(b"?")[0]
            code, reply = 200, b""
            if request.method == "OPTIONS":
                code = 204
            elif target != b"/mode":
                code, reply = 404, b'{"error": "not found: use /mode"}'
            elif request.method == "POST":
                try:
                    mode = await self.set_mode(Mode.parse(json.loads(body or b"null")))
                except ValueError as e:  # json.JSONDecodeError is a ValueError
                    code, reply = 400, json.dumps({"error": str(e)}).encode()
                else:
                    reply = json.dumps({**mode.to_json(), "stats": self.stats}).encode()
            elif request.method == "GET":
                reply = json.dumps({**self.mode.to_json(), "stats": self.stats}).encode()
            else:
                code, reply = 405, b'{"error": "use GET or POST"}'
            writer.write(_response(code, reply, close=True))
            await writer.drain()
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            pass  # a broken request or a client gone: nothing to answer
        except asyncio.LimitOverrunError:
            pass  # a head too long: closed unanswered
        finally:
            _close(writer)


def set_remote_mode(control_url: str, mode: str, **params: Any) -> dict[str, Any]:
    """``POST {control_url}/mode`` (from another process); the proxy's answer.

    Examples
    --------
    >>> set_remote_mode("http://127.0.0.1:18612", "latency", seconds=5)
    """
    data = json.dumps({"mode": mode, **params}).encode()
    request = urllib.request.Request(  # noqa: S310 - a loopback http URL given by the caller
        f"{control_url.rstrip('/')}/mode",
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


async def _main(args: argparse.Namespace) -> None:
    proxy = FaultProxy(args.upstream, args.listen, args.control, Mode.from_text(args.mode))
    await proxy.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"faultproxy: ready on {proxy.url} -> {proxy.upstream[0]}:{proxy.upstream[1]}; "
        f"control {proxy.control_url}; mode {proxy.mode.to_json()}",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await proxy.close()


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:0", help="host:port to listen on")
    parser.add_argument("--upstream", required=True, help="host:port to forward to")
    parser.add_argument("--control", default=None, help="host:port of the control endpoint")
    parser.add_argument(
        "--mode",
        default="pass",
        help="pass, latency:S, drip:S, pad:BYTES, status:CODE, drop, closed",
    )
    args = parser.parse_args(argv)
    try:
        Mode.from_text(args.mode)
    except ValueError as e:
        parser.error(f"--mode: {e}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
