"""The broker's web server: one route, ``{prefix}id-token``, started by the hub.

JupyterHub starts it as a managed service (``c.JupyterHub.services`` entry with a ``command``,
set by :func:`jupyter_extension_server.hub.configure_jupyterhub`) and gives it, in the
environment, ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_API_TOKEN`` (the service's own token),
``JUPYTERHUB_SERVICE_NAME``, ``JUPYTERHUB_SERVICE_URL`` (where to listen) and
``JUPYTERHUB_SERVICE_PREFIX`` (``/services/<name>/``). The hub adds a proxy route from
``/services/<name>/`` to the service URL, and the proxy keeps the prefix, so the routes live
under the prefix both for direct calls and through the proxy.

Routes:

- ``GET|POST {prefix}id-token[?user=<name>]`` with ``Authorization: token <caller's token>``:
  ``{"id_token": "..."}`` for the token's own user (``user``, when given, must be that user),
  or ``{"error": {"code", "message"}}`` (see :class:`.broker.BrokerError`). Only the
  ``Authorization`` header counts: no cookie, no token in the URL, so a browser page cannot
  make another site's visitor call it, and no CORS header is ever sent.
- ``GET|POST {prefix}access-token[?user=<name>]``, the same way: ``{"access_token": "..."}``
  (the caller's own OIDC access token, never the refresh_token), only when the service runs
  with ``--allow-access-token`` and the caller's token holds the
  :data:`~.broker.ACCESS_TOKEN_SCOPE` custom scope; else ``access_token_not_allowed`` (403).
  A separate route, so a server that asks for the id_token never gets the access token.
- ``GET {prefix}`` (no credentials): ``{"service": "<name>"}``, a liveness check.

Run by hand (what the hub does): ``python -m jupyter_extension_server.hubservice``
(``--help`` for the options).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
from urllib.parse import urlparse

from tornado import httpserver, web

from .broker import BrokerError, IdTokenBroker

log = logging.getLogger("jupyter_extension_server.hubservice")

#: Default service name (``configure_jupyterhub(service_name=...)`` can change it).
DEFAULT_SERVICE_NAME = "vault-jwt-id-token"

_AUTH_HEADER = re.compile(r"(?:token|bearer)\s+(\S+)\s*", re.IGNORECASE)


class _JsonHandler(web.RequestHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def write_error(self, status_code: int, **kwargs) -> None:
        # tornado's own errors (405, 500...) as JSON too, without a traceback.
        self.finish(
            json.dumps({"error": {"code": "http_error", "message": self._reason or "error"}})
        )


class IdTokenHandler(_JsonHandler):
    """``GET|POST {prefix}id-token``: the caller's own id_token (``access-token``: the caller's
    own access token, when allowed)."""

    def initialize(self, broker: IdTokenBroker, field: str = "id_token") -> None:
        self.broker = broker
        self.field = field

    async def get(self) -> None:
        await self._answer()

    async def post(self) -> None:
        await self._answer()

    async def _answer(self) -> None:
        match = _AUTH_HEADER.fullmatch(self.request.headers.get("Authorization", ""))
        try:
            if match is None:
                raise BrokerError(
                    401,
                    "unauthenticated",
                    "Send the caller's JupyterHub API token: Authorization: token <token>.",
                )
            expected = self.get_query_argument("user", None)
            if self.field == "access_token":
                token = await self.broker.access_token_for(match.group(1), expected)
            else:
                token = await self.broker.id_token_for(match.group(1), expected)
        except BrokerError as e:
            self.set_status(e.status)
            self.finish(json.dumps(e.to_json()))
            return
        self.finish(json.dumps({self.field: token}))


class RootHandler(_JsonHandler):
    """``GET {prefix}``: liveness (no credentials, no data)."""

    def initialize(self, name: str) -> None:
        self.name = name

    def get(self) -> None:
        self.finish(json.dumps({"service": self.name}))


def _log_request(handler: web.RequestHandler) -> None:
    # Method, path and status only: the Authorization header is never logged, and the query
    # (a user name at most) is left out.
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    log.log(
        level,
        "%d %s %s %.1fms",
        status,
        handler.request.method,
        handler.request.path,
        1000 * handler.request.request_time(),
    )


def make_app(broker: IdTokenBroker, prefix: str) -> web.Application:
    """The tornado application serving under ``prefix`` (``/services/<name>/``)."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return web.Application(
        [
            (re.escape(prefix) + "id-token", IdTokenHandler, {"broker": broker}),
            (
                re.escape(prefix) + "access-token",
                IdTokenHandler,
                {"broker": broker, "field": "access_token"},
            ),
            (re.escape(prefix) + "?", RootHandler, {"name": broker.service_name}),
        ],
        log_function=_log_request,
        xsrf_cookies=False,  # no cookie is ever read: tokens come in the Authorization header
    )


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_extension_server.hubservice",
        description="The jupyterlab-vault-jwt id_token service, started by JupyterHub "
        "(configure_jupyterhub). Reads JUPYTERHUB_API_URL, JUPYTERHUB_API_TOKEN, "
        "JUPYTERHUB_SERVICE_NAME, JUPYTERHUB_SERVICE_URL and JUPYTERHUB_SERVICE_PREFIX.",
    )
    parser.add_argument(
        "--bind-url",
        default="",
        help="Where to listen (scheme ignored), e.g. http://0.0.0.0:8181 when the service URL "
        "names a host this process cannot bind (Kubernetes: http://hub:8181). "
        "Default: JUPYTERHUB_SERVICE_URL.",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=5.0,
        help="Timeout of each request to the hub's API, in seconds [5].",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=8.0,
        help="Overall deadline of one answer, in seconds [8]; keep it below the servers' "
        "c.IdTokenService.request_timeout (10).",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=20,
        help="Connections to the hub's API at most [20].",
    )
    parser.add_argument(
        "--allow-access-token",
        action="store_true",
        help="Also answer a caller's own OIDC access token (route access-token) to tokens "
        "holding the custom:vault-jwt:access-token scope. Off by default: only the id_token "
        "leaves the hub.",
    )
    parser.add_argument("--log-level", default="INFO", help="Log level [INFO].")
    args = parser.parse_args(argv)
    args.api_url = env.get("JUPYTERHUB_API_URL", "")
    args.api_token = env.get("JUPYTERHUB_API_TOKEN", "")
    args.name = env.get("JUPYTERHUB_SERVICE_NAME", DEFAULT_SERVICE_NAME)
    args.prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{args.name}/")
    args.bind_url = args.bind_url or env.get("JUPYTERHUB_SERVICE_URL", "")
    missing = [
        name
        for name, value in (
            ("JUPYTERHUB_API_URL", args.api_url),
            ("JUPYTERHUB_API_TOKEN", args.api_token),
            ("JUPYTERHUB_SERVICE_URL or --bind-url", args.bind_url),
        )
        if not value
    ]
    if missing:
        parser.error(
            f"{', '.join(missing)} not set: this service is meant to be started by JupyterHub "
            "(jupyter_extension_server.hub.configure_jupyterhub)"
        )
    return args


async def serve(args: argparse.Namespace) -> None:
    """Listen until SIGTERM or SIGINT."""
    bind = urlparse(args.bind_url)
    if not bind.port:
        raise SystemExit(f"the bind URL {args.bind_url!r} has no port")
    broker = IdTokenBroker(
        args.api_url,
        args.api_token,
        args.name,
        request_timeout=args.request_timeout,
        deadline=args.deadline,
        max_connections=args.max_connections,
        allow_access_token=args.allow_access_token,
    )
    server = httpserver.HTTPServer(make_app(broker, args.prefix))
    server.listen(bind.port, address=bind.hostname or "")
    log.info(
        "%s: id_token service listening on %s:%s under %s (access tokens: %s)",
        args.name,
        bind.hostname or "*",
        bind.port,
        args.prefix,
        "allowed" if args.allow_access_token else "not allowed",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        await broker.close()
        log.info("%s: stopped", args.name)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m jupyter_extension_server.hubservice``."""
    args = _parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="[%(levelname).1s %(asctime)s %(name)s] %(message)s",
    )
    # httpx logs each request's URL at INFO; the URLs hold user names only, never tokens,
    # but at fleet scale they are noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve(args))
