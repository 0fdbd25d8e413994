"""Every route of the extension is authenticated, authorised and owner-only.

The routes are read from the running server's own route table, not from a hand-kept list, so a
handler added later without the decorators (or outside the ``vault-jwt`` namespace, or not built
on ``BaseHandler``) fails here, statically and over HTTP.
"""

from __future__ import annotations

import json
import re

import pytest
import tornado.web
from jupyter_server.auth.decorator import authorized
from tornado.httpclient import HTTPClientError

from jupyter_extension_server.handlers import AUTH_RESOURCE, BaseHandler

from .conftest import HubUserIdentityProvider

PACKAGE = "jupyter_extension_server"
VERBS = tuple(method.lower() for method in tornado.web.RequestHandler.SUPPORTED_METHODS)
# Each use of a decorator wraps the method in a new function sharing one code object.
AUTHENTICATED = tornado.web.authenticated(lambda self: None).__code__
AUTHORIZED = authorized(lambda self: None).__code__


@pytest.fixture
def jp_server_auth_resources(jp_server_auth_core_resources):
    """pytest-jupyter's checking authorizer must expect our resource on our routes."""
    return {**jp_server_auth_core_resources, r"/vault-jwt/.*": AUTH_RESOURCE}


@pytest.fixture
def jp_server_config(jp_server_authorizer):
    """Our extension, with pytest-jupyter's authorizer: it checks the action and resource each
    ``@authorized`` asks about, and grants only what a test puts in ``permissions``."""
    return {
        "ServerApp": {
            "jpserver_extensions": {PACKAGE: True},
            "identity_provider_class": HubUserIdentityProvider,
            "authorizer_class": jp_server_authorizer,
        }
    }


def extension_routes(jp_serverapp) -> list[tuple[str, type]]:
    """``(pattern, handler class)`` of every route in the ``vault-jwt`` namespace or served by a
    handler of our package, walking the server's routers (host rules hold routers of path rules)."""
    routes = set()

    def walk(router) -> None:
        for rule in getattr(router, "rules", []):
            target = rule.target
            if isinstance(target, type):
                pattern = getattr(rule.matcher, "regex", re.compile("")).pattern
                if "vault-jwt" in pattern or target.__module__.startswith(PACKAGE):
                    routes.add((pattern, target))
            else:
                walk(target)

    web_app = jp_serverapp.web_app
    walk(web_app.default_router)
    walk(web_app.wildcard_router)
    return sorted(routes, key=lambda route: route[0])


def own_verbs(handler: type) -> list[str]:
    """The HTTP verbs whose method ``handler`` gets from a class of our package."""
    verbs = []
    for verb in VERBS:
        owner = next(c for c in handler.__mro__ if verb in c.__dict__)
        if owner.__module__.startswith(PACKAGE):
            verbs.append(verb)
    return verbs


def wrapper_codes(method) -> list:
    """Code objects of ``method`` and of every function it wraps, outermost first."""
    codes = [method.__code__]
    while hasattr(method, "__wrapped__"):
        method = method.__wrapped__
        codes.append(method.__code__)
    return codes


def url_of(pattern: str, base_url: str) -> list[str]:
    """The path parts to request a route pattern with jp_fetch."""
    path = pattern.removesuffix("$").removesuffix("/?")  # an optional trailing slash
    assert path.startswith(base_url), f"{pattern} is not joined to base_url {base_url}"
    assert not re.search(r"[()\[\]*+?\\]", path), f"give a sample URL for {pattern}"
    return path[len(base_url) :].split("/")


def test_the_routes_are_found_and_in_the_namespace(jp_serverapp, jp_base_url):
    routes = extension_routes(jp_serverapp)
    assert routes, "no vault-jwt route registered"
    patterns = [pattern for pattern, _ in routes]
    assert f"{jp_base_url}vault-jwt/identity$" in patterns
    assert f"{jp_base_url}vault-jwt/identity/refresh$" in patterns
    for pattern, handler in routes:
        assert pattern.startswith(f"{jp_base_url}vault-jwt/"), pattern
        # BaseHandler brings the owner check, Cache-Control and the JSON errors.
        assert issubclass(handler, BaseHandler), (pattern, handler)
        assert handler.auth_resource == AUTH_RESOURCE


def test_every_verb_is_authenticated_then_authorized(jp_serverapp):
    checked = 0
    for pattern, handler in extension_routes(jp_serverapp):
        verbs = own_verbs(handler)
        assert verbs, f"{pattern} serves no verb of its own"
        for verb in verbs:
            method = getattr(handler, verb)
            codes = wrapper_codes(method)
            assert codes[0] is AUTHENTICATED, f"{handler.__name__}.{verb} needs @authenticated"
            assert codes[1] is AUTHORIZED, f"{handler.__name__}.{verb} needs @authorized next"
            assert not getattr(method, "__allow_unauthenticated", False), (handler, verb)
            checked += 1
    assert checked >= 2


def test_inherited_verbs_serve_nothing(jp_serverapp):
    # Verbs we do not define answer 405 (tornado), except CORS preflight (jupyter_server's
    # APIHandler.options), which returns headers and no data.
    from jupyter_server.base.handlers import APIHandler

    for _, handler in extension_routes(jp_serverapp):
        for verb in set(VERBS) - set(own_verbs(handler)):
            method = getattr(handler, verb)
            if verb == "options":
                assert method is APIHandler.options
            else:
                assert method is getattr(tornado.web.RequestHandler, verb), (handler, verb)


async def test_every_route_refuses_unauthenticated_requests(jp_serverapp, jp_fetch, jp_base_url):
    refused = 0
    for pattern, handler in extension_routes(jp_serverapp):
        for verb in own_verbs(handler):
            with pytest.raises(HTTPClientError) as info:
                await jp_fetch(
                    *url_of(pattern, jp_base_url),
                    method=verb.upper(),
                    headers={"Authorization": ""},
                    allow_nonstandard_methods=True,
                )
            assert info.value.code == 403, (pattern, verb)
            assert json.loads(info.value.response.body)["error"]["code"] == "forbidden"
            refused += 1
    assert refused >= 2


async def test_every_route_asks_the_authorizer(jp_serverapp, jp_fetch, jp_base_url, monkeypatch):
    # The checking authorizer fails the request (500) if @authorized asks about another resource
    # or action than vault-jwt and read (GET) / write (POST...). Granted, a request gets past the
    # authorizer: the identity routes answer 200, the Vault routes their own domain error (no
    # Vault is configured here), never forbidden or internal.
    routes = extension_routes(jp_serverapp)
    for permissions, expected in (({}, 403), ({"actions": ["read", "write"]}, 200)):
        granted = {**permissions, "resources": [AUTH_RESOURCE]} if permissions else {}
        monkeypatch.setattr(jp_serverapp.authorizer, "permissions", granted)
        for pattern, handler in routes:
            for verb in own_verbs(handler):
                try:
                    response = await jp_fetch(
                        *url_of(pattern, jp_base_url),
                        method=verb.upper(),
                        allow_nonstandard_methods=True,
                    )
                except HTTPClientError as e:
                    response = e.response
                body = json.loads(response.body)
                if expected == 200 and pattern.endswith("/identity/token$"):
                    # No id_token source here: the copy route says so.
                    assert (response.code, body["error"]["code"]) == (503, "no_id_token")
                elif expected == 200 and "/vault-jwt/redaction" in pattern and verb == "post":
                    # Past the authorizer: the POST routes refuse the empty body.
                    assert (response.code, body["error"]["code"]) == (400, "bad_request")
                elif expected == 200 and "/vault-jwt/signin/" in pattern:
                    # No sign-in is configured here: the sign-in actions say so.
                    assert (response.code, body["error"]["code"]) == (409, "signin_not_configured")
                elif expected == 200 and pattern.endswith("/s3/objects$"):
                    # Past the authorizer: the listing of a bucket refuses a missing bucket.
                    assert (response.code, body["error"]["code"]) == (400, "bad_request")
                elif expected == 200 and "/vault-jwt/s3/" in pattern and response.code != 200:
                    # No STS is configured here: renew and buckets say so.
                    assert (response.code, body["error"]["code"]) == (503, "s3_not_configured")
                elif expected == 200 and "/vault-jwt/vault" in pattern and response.code != 200:
                    assert body["error"]["code"] in ("vault_not_configured", "bad_request"), (
                        pattern,
                        verb,
                        body,
                    )
                else:
                    assert response.code == expected, (pattern, verb, response.body)
