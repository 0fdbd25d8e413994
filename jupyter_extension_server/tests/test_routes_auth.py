"""Every route of the extension is authenticated and authorised, taken from the server's own
route table (not a hand-kept list), so a handler added later without the decorators fails here.
"""

from __future__ import annotations

import re

import pytest
from tornado.httpclient import HTTPClientError

VERBS = ("get", "post", "put", "patch", "delete")


def extension_routes(jp_serverapp) -> list[tuple[str, type]]:
    """(pattern, handler class) of every route whose handler comes from our package, found by
    walking the server's routers (host rules contain routers of path rules)."""
    routes = []

    def walk(router):
        for rule in getattr(router, "rules", []):
            target = rule.target
            if isinstance(target, type):
                if target.__module__.startswith("jupyter_extension_server"):
                    routes.append((rule.matcher.regex.pattern, target))
            else:
                walk(target)

    walk(jp_serverapp.web_app.default_router)
    return sorted(set(routes), key=lambda route: route[0])


def decorators_of(method) -> list[str]:
    """Qualified names of the decorators' wrapper functions around ``method``, outermost first
    (``functools.wraps`` copies ``__qualname__``; the code object keeps the real one)."""
    names = []
    while hasattr(method, "__wrapped__"):
        names.append(method.__code__.co_qualname)
        method = method.__wrapped__
    return names


def test_the_route_table_has_our_routes(jp_serverapp):
    patterns = [pattern for pattern, _ in extension_routes(jp_serverapp)]
    assert any("vault-jwt/identity" in p for p in patterns), patterns
    assert all("vault-jwt" in p for p in patterns), patterns
    assert all(p.startswith("/a%40b/") for p in patterns), "routes are joined to base_url"


def test_every_verb_is_authenticated_and_authorized(jp_serverapp):
    checked = 0
    for pattern, handler in extension_routes(jp_serverapp):
        for verb in VERBS:
            method = handler.__dict__.get(verb)
            if method is None:
                continue
            wrappers = decorators_of(method)
            assert any(w.startswith("authenticated.") for w in wrappers), (pattern, verb)
            assert any(w.startswith("authorized.") for w in wrappers), (pattern, verb)
            checked += 1
    assert checked >= 2


async def test_every_route_refuses_unauthenticated_requests(no_source_env, jp_serverapp, jp_fetch):
    refused = 0
    for pattern, handler in extension_routes(jp_serverapp):
        path = re.sub(r"\$$", "", pattern).replace("/a%40b/", "", 1)
        assert "(" not in path, f"add a sample value for the parameters of {pattern}"
        for verb in VERBS:
            if verb not in handler.__dict__:
                continue
            kwargs = {"body": b""} if verb in ("post", "put", "patch") else {}
            with pytest.raises(HTTPClientError) as info:
                await jp_fetch(
                    *path.split("/"),
                    method=verb.upper(),
                    headers={"Authorization": ""},
                    **kwargs,
                )
            assert info.value.code == 403, (pattern, verb)
            refused += 1
    assert refused >= 2
