"""Every route, attacked: callers who must be refused, and hostile parameters (issue 11).

The routes and their verbs are enumerated from ``route_table`` (and checked against what the
running server registered); the parameters each handler reads are found in its source. Then:

- every route x every verb x (no credentials, another hub user, the login cookie without the
  XSRF token, the cookie with a foreign ``Referer``, a foreign ``Origin`` with the cookie and the
  XSRF token, a foreign ``Origin`` with the server's token): the expected refusal;
- every parameter x (``..``, ``.``, ``//``, ``%2e%2e``, ``..%2f``, backslash, NUL, 100 KB), sent
  by the owner with the cookie and the XSRF token (a request JupyterLab itself could make): 400;
- for every refused request, the fault proxy in front of the real OpenBao counts NO request;
- the route table of docs/security.md lists exactly the routes and verbs the server serves.

The reproductions of issue 11, item 1, are kept at the end.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import tornado.web
from tornado.httpclient import HTTPClientError, HTTPResponse

from jupyter_extension_server.handlers import NAMESPACE, BaseHandler
from jupyter_extension_server.routes import route_table

from .conftest import SECRET_VALUE

PACKAGE = "jupyter_extension_server"
VERBS = tuple(m.lower() for m in tornado.web.RequestHandler.SUPPORTED_METHODS)
XSRF = "adversarial-xsrf-0123456789"
FOREIGN = "https://evil.example"

#: The hostile values of every parameter, by name.
HOSTILE = {
    "dotdot": "../sys/mounts",
    "dot": "./app/db",
    "double-slash": "app//db",
    "pct-dotdot": "%2e%2e/sys/mounts",
    "dotdot-pct-slash": "..%2fsys%2fmounts",
    "backslash": "..\\sys\\mounts",
    "nul": "app/db\x00",
    "60KB": "a" * 60_000,
    "100KB": "a" * 100_000,
}


# --- enumeration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # relative to base_url, e.g. "vault-jwt/vault/catalog"
    handler: type[BaseHandler]
    verbs: tuple[str, ...]
    params: tuple[str, ...]

    def __str__(self) -> str:
        return self.path


def own_verbs(handler: type) -> tuple[str, ...]:
    verbs = []
    for verb in VERBS:
        owner = next(c for c in handler.__mro__ if verb in c.__dict__)
        if owner.__module__.startswith(PACKAGE):
            verbs.append(verb.upper())
    return tuple(verbs)


def params_of(handler: type) -> tuple[str, ...]:
    """The query parameters a handler reads (``get_query_argument("x"`` / ``_flag(self, "x")``),
    its own or inherited from a base class of this package (the sign-in callbacks share theirs)."""
    source = "\n".join(
        inspect.getsource(c) for c in handler.__mro__ if c.__module__.startswith(PACKAGE)
    )
    names = re.findall(r'get_query_argument\(\s*"([^"]+)"', source)
    names += re.findall(r'_flag\(\s*self,\s*"([^"]+)"', source)
    return tuple(sorted(set(names)))


def routes() -> list[Route]:
    """Every route of ``route_table`` (services are not needed to list them)."""
    found = []
    for pattern, handler, _ in route_table(None, None, None):  # type: ignore[arg-type]
        path = pattern.lstrip("/").removesuffix("/?")
        assert not re.search(r"[()\[\]*+?\\]", path), f"give a sample URL for {pattern}"
        found.append(Route(path, handler, own_verbs(handler), params_of(handler)))
    return found


ROUTES = routes()


def test_the_enumeration_covers_every_registered_route(jp_serverapp):
    registered = set()

    def walk(router) -> None:
        for rule in getattr(router, "rules", []):
            if isinstance(rule.target, type):
                pattern = getattr(rule.matcher, "regex", re.compile("")).pattern
                if f"/{NAMESPACE}/" in pattern:
                    registered.add(rule.target)
            else:
                walk(rule.target)

    walk(jp_serverapp.web_app.default_router)
    walk(jp_serverapp.web_app.wildcard_router)
    assert registered == {r.handler for r in ROUTES}
    assert len(ROUTES) >= 8
    # The parameters found in the handlers' sources are the ones the API documents.
    by_path = {r.path: r.params for r in ROUTES}
    assert by_path[f"{NAMESPACE}/vault/secret/keys"] == ("mount", "path")
    assert by_path[f"{NAMESPACE}/vault/catalog"] == ("refresh",)
    assert by_path[f"{NAMESPACE}/vault/catalog/manual"] == ("mount", "path")
    assert by_path[f"{NAMESPACE}/vault/login"] == ("force",)
    # The sign-in routes (issue 16) take no parameter, but the browser sign-in's callback.
    for action in ("", "/device", "/browser", "/vault-oidc", "/cancel", "/signout"):
        assert by_path[f"{NAMESPACE}/signin{action}"] == ()
    for callback in CALLBACKS:
        assert by_path[callback] == ("code", "error", "error_description", "state")
    # The object storage routes (issue 15) take no parameter, but the listing of a bucket.
    for action in ("", "/renew", "/revoke", "/buckets"):
        assert by_path[f"{NAMESPACE}/s3{action}"] == ()
    assert by_path[f"{NAMESPACE}/s3/objects"] == ("bucket", "prefix")


SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "security.md"
HTTP_VERB = r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b"


def documented_routes() -> set[tuple[str, str]]:
    """(verb, path) of every row of the route table of docs/security.md ("## Routes"): the
    first cell names the verbs and the path (`` `POST vault/login[?force=true]` ``,
    `` `POST`/`DELETE vault/catalog/manual?mount=&path=` ``)."""
    section = SECURITY_MD.read_text(encoding="utf-8").split("\n## Routes\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        path = re.search(HTTP_VERB + r"\s+([^\s`\[?{]+)", cell)
        assert path, f"no verb and path in the route table's row {line!r}"
        for verb in re.findall(HTTP_VERB, cell):
            found.add((verb, f"{NAMESPACE}/{path.group(2)}"))
    return found


def test_the_route_table_of_security_md_lists_every_route_and_verb():
    # The table the security review reads is the one the server serves: every verb of every
    # route is documented with its rule, and nothing documented is missing from the server.
    served = {(verb, route.path) for route in ROUTES for verb in route.verbs}
    documented = documented_routes()
    assert served - documented == set(), "served but not in docs/security.md"
    assert documented - served == set(), "in docs/security.md but not served"


# --- helpers -----------------------------------------------------------------------------------


async def fetch(jp_fetch, route: str, method: str, **kwargs) -> tuple[int, dict, bytes]:
    """Status, JSON body (``{}`` if not JSON) and raw body of one request; never raises."""
    kwargs.setdefault("allow_nonstandard_methods", True)
    if method == "POST":
        kwargs.setdefault("body", b"")
    try:
        response: HTTPResponse = await jp_fetch(*route.split("/"), method=method, **kwargs)
    except HTTPClientError as e:
        if e.response is None:
            return e.code, {}, b""
        response = e.response
    try:
        body = json.loads(response.body)
    except ValueError:
        body = {}
    return response.code, body, response.body or b""


def cookie_of(response_headers) -> str:
    cookies = response_headers.get_list("Set-Cookie")
    assert cookies, "the server set its login cookie"
    return "; ".join(c.split(";", 1)[0] for c in cookies)


async def log_in(jp_fetch, proxy) -> str:
    """Log the owner's session in to Vault (through the proxy) and build the catalog; the login
    cookie a browser then holds (set by a token-authenticated request)."""
    response = await jp_fetch(NAMESPACE, "vault", "login", method="POST", body=b"")
    assert json.loads(response.body)["state"] == "logged_in"
    await jp_fetch(NAMESPACE, "vault", "catalog")
    assert proxy.stats["requests"] > 0
    return cookie_of(response.headers)


def browser(cookie: str, *, xsrf: bool = True, **extra: str) -> dict[str, str]:
    """Headers of a cookie-authenticated request (JupyterLab sends X-XSRFToken on every verb)."""
    headers = {"Authorization": "", "Cookie": cookie + (f"; _xsrf={XSRF}" if xsrf else "")}
    if xsrf:
        headers["X-XSRFToken"] = XSRF
    headers.update(extra)
    return headers


# --- callers who must be refused ---------------------------------------------------------------

#: The browser sign-in's callback (issue 16) is a browser redirect from the identity provider: no
#: XSRF header can come with it. Its protection is the state, bound to the browser session and
#: single use (tests/signin/test_browser_keycloak.py): a cookie without XSRF reaches it and is
#: refused there (400 signin_state_mismatch, or 409 here, where no sign-in is configured), before
#: any request leaves the server.
CALLBACK = f"{NAMESPACE}/signin/callback"
#: The Vault OIDC sign-in's callback has the same guard (tests/signin/test_vault_oidc.py).
VAULT_OIDC_CALLBACK = f"{NAMESPACE}/signin/vault-oidc/callback"
CALLBACKS = (CALLBACK, VAULT_OIDC_CALLBACK)
CALLBACK_REFUSALS = {"signin_state_mismatch", "signin_not_configured"}
XSRF_LESS = {"cookie without XSRF", "cookie, foreign Referer, no Origin"}

#: caller -> (expected status, expected error code or None for jupyter_server's own reply)
CALLERS = {
    "no credentials": (403, "forbidden"),
    "another hub user": (403, "forbidden"),
    "cookie without XSRF": (403, "forbidden"),
    "cookie, foreign Referer, no Origin": (403, "forbidden"),
    "cookie + XSRF, foreign Origin": (404, None),
}
# (A request with the server's token and a foreign Origin is let through by jupyter_server: the
# token is a credential no cross-site page holds, unlike the cookie a browser adds by itself.)


def caller_headers(caller: str, cookie: str) -> dict[str, str]:
    return {
        "no credentials": {"Authorization": ""},
        "another hub user": {},  # the server's token, but the identity provider names mallory
        "cookie without XSRF": browser(cookie, xsrf=False),
        "cookie, foreign Referer, no Origin": browser(
            cookie, xsrf=False, Referer=f"{FOREIGN}/page.html"
        ),
        "cookie + XSRF, foreign Origin": browser(cookie, Origin=FOREIGN),
    }[caller]


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_every_route_refuses_the_caller_and_vault_sees_nothing(
    caller, jp_fetch, jp_serverapp, proxy, monkeypatch
):
    login_cookie = await log_in(jp_fetch, proxy)
    expected_status, expected_code = CALLERS[caller]
    headers = caller_headers(caller, login_cookie)
    if caller == "another hub user":
        monkeypatch.setattr(jp_serverapp.identity_provider, "username", "mallory")
    checked = 0
    for route in ROUTES:
        for verb in route.verbs:
            before = dict(proxy.stats)
            status, body, raw = await fetch(jp_fetch, route.path, verb, headers=dict(headers))
            where = f"{caller}: {verb} {route}"
            if route.path in CALLBACKS and caller in XSRF_LESS:
                assert status in (400, 409), (where, raw[:300])
                assert any(code.encode() in raw for code in CALLBACK_REFUSALS), (where, raw)
                assert proxy.stats["requests"] == before["requests"], f"{where} reached Vault"
                checked += 1
                continue
            assert status == expected_status, (where, raw[:300])
            if expected_code is not None:
                assert body["error"]["code"] == expected_code, (where, body)
            assert proxy.stats["requests"] == before["requests"], f"{where} reached Vault"
            assert SECRET_VALUE.encode() not in raw
            checked += 1
    assert checked >= len(ROUTES)


async def test_the_owner_in_a_browser_gets_through(jp_fetch, proxy):
    login_cookie = await log_in(jp_fetch, proxy)
    # The control: the same routes with the cookie, the XSRF token and a same-site page work
    # (GETs, and the POST that only reads), so the refusals above are about the attack.
    for route, verb in (
        ("identity", "GET"),
        ("vault", "GET"),
        ("vault/catalog", "GET"),
        ("identity/token", "POST"),
        ("signin", "GET"),
    ):
        status, body, _ = await fetch(
            jp_fetch, f"{NAMESPACE}/{route}", verb, headers=browser(login_cookie)
        )
        assert status == 200, (route, body)


# --- hostile parameters ------------------------------------------------------------------------


def good_params(route: Route, stack) -> dict[str, str]:
    values = {
        "mount": stack.kv1,
        "path": "app/db",
        "refresh": "false",
        "force": "false",
        # the browser sign-in's callback (no sign-in is started here: refused by its state)
        "code": "an-authorization-code",
        "state": "a-state",
        "error": "",
        "error_description": "",
        # one level of a bucket (object storage is not configured here: names are checked first)
        "bucket": "reader-data",
        "prefix": "team/",
    }
    return {name: values[name] for name in route.params}


@pytest.mark.parametrize("value_name", list(HOSTILE))
async def test_every_parameter_refuses_hostile_values_before_vault(
    value_name, jp_fetch, proxy, stack
):
    login_cookie = await log_in(jp_fetch, proxy)
    value = HOSTILE[value_name]
    checked = 0
    for route in ROUTES:
        # Every declared parameter, plus one the route does not read (a long one is refused
        # anywhere; short unknown ones are ignored).
        long = value_name.endswith("KB")
        names = [*route.params, "unread"] if long else list(route.params)
        for name in names:
            for verb in route.verbs:
                params = {**good_params(route, stack), name: value}
                before = dict(proxy.stats)
                status, body, raw = await fetch(
                    jp_fetch, route.path, verb, headers=browser(login_cookie), params=params
                )
                where = f"{verb} {route}?{name}={value_name}"
                if route.path in CALLBACKS and value_name not in ("100KB", "60KB", "nul"):
                    # Its parameters are never Vault names: any value is refused by the state.
                    assert status in (400, 409), (where, raw[:300])
                    assert any(code.encode() in raw for code in CALLBACK_REFUSALS), where
                elif value_name == "100KB":
                    # Longer than tornado's 64 KiB request head: the server closes the
                    # connection before any handler runs (the client reports 599).
                    assert status == 599, (where, raw[:300])
                else:
                    assert status == 400, (where, raw[:300])
                    expected = {
                        "60KB": "parameter_too_long",
                        "nul": "unsafe_path",
                        "refresh": "bad_request",
                        "force": "bad_request",
                    }
                    code = expected.get(value_name) or expected.get(name) or "unsafe_path"
                    assert body["error"]["code"] == code, (where, body)
                assert proxy.stats["requests"] == before["requests"], f"{where} reached Vault"
                # Parameters are never echoed at length.
                assert len(raw) < 1000, (where, len(raw))
                checked += 1
    assert checked >= 4


async def test_hostile_values_in_a_mount_name_too(jp_fetch, proxy, stack):
    login_cookie = await log_in(jp_fetch, proxy)
    for value in ("..", ".", "//", "%2e%2e", "..%2f", f"{stack.kv1}..\\", f"{stack.kv1}\x00"):
        before = proxy.stats["requests"]
        status, body, _ = await fetch(
            jp_fetch,
            f"{NAMESPACE}/vault/secret/keys",
            "GET",
            headers=browser(login_cookie),
            params={"mount": value, "path": "app/db"},
        )
        assert (status, body["error"]["code"]) == (400, "unsafe_path"), (value, body)
        assert proxy.stats["requests"] == before, f"mount={value!r} reached Vault"


async def test_a_real_read_still_works(jp_fetch, proxy, stack):
    login_cookie = await log_in(jp_fetch, proxy)
    for mount in (stack.kv1, stack.kv2, stack.kv2.rstrip("/")):
        status, body, raw = await fetch(
            jp_fetch,
            f"{NAMESPACE}/vault/secret/keys",
            "GET",
            headers=browser(login_cookie),
            params={"mount": mount, "path": "app/db"},
        )
        assert (status, body["keys"]) == (200, ["password"]), body
        assert SECRET_VALUE.encode() not in raw


# --- the reproductions of issue 11, item 1 -----------------------------------------------------


async def test_repro_dotdot_path_does_not_list_every_mount(jp_fetch, proxy, stack):
    login_cookie = await log_in(jp_fetch, proxy)
    # Was: 200 with the names of every mount (httpx removed the dot segments). The token may
    # read sys/mounts here, so only the guard stands between the request and the answer.
    for path in ("../sys/mounts", "../../sys/mounts", "app/../../sys/mounts"):
        for mount in (stack.kv1, stack.kv2):
            for headers in ({}, browser(login_cookie)):  # the server's token; the browser
                before = proxy.stats["requests"]
                status, body, raw = await fetch(
                    jp_fetch,
                    f"{NAMESPACE}/vault/secret/keys",
                    "GET",
                    headers=dict(headers),
                    params={"mount": mount, "path": path},
                )
                assert (status, body["error"]["code"]) == (400, "unsafe_path"), (path, body)
                assert "'..' segment" in body["error"]["message"]
                assert b"sys/" not in raw.replace(path.encode(), b"")
                assert proxy.stats["requests"] == before


async def test_repro_cross_site_get_with_only_the_cookie(jp_fetch, proxy, stack):
    login_cookie = await log_in(jp_fetch, proxy)
    # Was: 200 for a GET carrying only the login cookie, a foreign Referer and no Origin (an
    # <img src> on another site), for secret/keys and catalog?refresh=true.
    attack = {"Authorization": "", "Cookie": login_cookie, "Referer": f"{FOREIGN}/x.html"}
    for route, params in (
        ("vault/secret/keys", {"mount": stack.kv1, "path": "app/db"}),
        ("vault/catalog", {"refresh": "true"}),
        ("identity", {}),
    ):
        before = proxy.stats["requests"]
        status, body, _ = await fetch(
            jp_fetch, f"{NAMESPACE}/{route}", "GET", headers=dict(attack), params=params
        )
        assert (status, body["error"]["code"]) == (403, "forbidden"), (route, body)
        assert "xsrf" in body["error"]["message"].lower()
        assert proxy.stats["requests"] == before, f"{route} reached Vault"


async def test_the_url_builder_refuses_dot_segments_by_itself(jp_serverapp, proxy, stack):
    # The second guard: even a caller inside the server cannot send a dot segment.
    from jupyter_extension_server.errors import UnsafePath
    from jupyter_extension_server.vault.api import VaultApi, quote_path

    api = VaultApi(proxy.url)
    root = stack.bao.http.headers["X-Vault-Token"]
    try:
        for path in (
            f"{stack.kv1}../sys/mounts",
            f"{stack.kv1}./app/db",
            f"{stack.kv1}app//db",
            f"{stack.kv1}%2e%2e/sys/mounts",
            f"{stack.kv1}..%2fsys",
            f"{stack.kv1}app%2f..%2f..%2fsys%2fmounts",
        ):
            before = proxy.stats["requests"]
            with pytest.raises(UnsafePath):
                await api.request("GET", path, token=root)
            with pytest.raises(UnsafePath):
                quote_path(path)
            assert proxy.stats["requests"] == before, path
        # A name with an encoded slash (no dot segment) is still a name.
        assert quote_path(f"{stack.kv1}a%2Fb") == f"{stack.kv1}a%252Fb"
        reply = await api.request("GET", f"{stack.kv1}app/db", token=root)
        assert reply["data"] == {"password": SECRET_VALUE}
    finally:
        await api.aclose()


# --- the catalog reply (issue 13): grouped by folder, gzipped when the client takes it ---------


async def test_the_catalog_reply_is_grouped_by_folder_and_gzipped(jp_fetch, proxy, stack):
    import gzip

    login_cookie = await log_in(jp_fetch, proxy)
    for i in range(60):
        stack.bao.put(stack.kv1, 1, f"many/folder-{i % 3}/secret-{i:03d}", {"k": "v"})
    plain = await jp_fetch(
        NAMESPACE,
        "vault",
        "catalog",
        params={"refresh": "true"},
        headers=browser(login_cookie, **{"Accept-Encoding": "identity"}),
        decompress_response=False,
    )
    assert "Content-Encoding" not in plain.headers
    reply = json.loads(plain.body)
    assert reply["format"] == "by-folder" and reply["cached"] is False
    legacy = next(m for m in reply["mounts"] if m["path"] == stack.kv1)
    assert legacy["secrets"]["many/folder-0/"][:2] == ["secret-000", "secret-003"]
    assert legacy["secrets"]["app/"] == ["db"]
    packed = await jp_fetch(
        NAMESPACE,
        "vault",
        "catalog",
        headers=browser(login_cookie, **{"Accept-Encoding": "gzip, deflate"}),
        decompress_response=False,
    )
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    cached = json.loads(gzip.decompress(packed.body))
    assert cached["cached"] is True and cached["mounts"] == reply["mounts"]
    assert len(packed.body) < len(plain.body)
