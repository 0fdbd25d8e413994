"""Integration tests against the real stack: Keycloak and JupyterHub (with
configurable-http-proxy), started beforehand by

    scripts/keycloak.sh install && KC_TOKEN_LIFESPAN=60 scripts/keycloak.sh start
    HUB_PORT=18000 scripts/hub.sh start

(scripts/test.sh does all of it). Nothing is started here. Addresses come from the
environment: KC_URL (Keycloak base URL or realm URL, default http://127.0.0.1:18080) and
HUB_URL (default http://127.0.0.1:18000). When either does not answer, every test FAILS
(no skipping): an integration run without the stack is a broken run.

The hub's refresh settings, when it was started with other than the defaults, are read from
HUB_REFRESH_LEAD_SECONDS [60] and HUB_AUTH_REFRESH_AGE [30], as demo/jupyterhub_config.py does.
"""

from __future__ import annotations

import os

import httpx
import pytest
from integration_stack import HUB_URL, KC_REALM_URL, HubBrowser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


def _answers(url: str) -> str | None:
    """None when ``url`` answers 200, else what went wrong."""
    try:
        response = httpx.get(url, timeout=10)
    except httpx.HTTPError as e:
        return f"{type(e).__name__}: {e}"
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


@pytest.fixture(scope="session", autouse=True)
def real_stack():
    """Fail every test (not skip) when Keycloak or the hub is not up."""
    problems = []
    for name, url, start in (
        (
            "Keycloak",
            f"{KC_REALM_URL}/.well-known/openid-configuration",
            "scripts/keycloak.sh start",
        ),
        ("JupyterHub", f"{HUB_URL}/hub/api", "scripts/hub.sh start"),
    ):
        problem = _answers(url)
        if problem:
            problems.append(f"{name} does not answer at {url} ({problem}): run `{start}`")
    if problems:
        pytest.fail(
            "the integration tests need the real stack (they start nothing):\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )


def _logged_in(name: str):
    """``name`` logged in at the hub through Keycloak: a browser session, closed after."""
    browser = HubBrowser()
    browser.login(name)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def alice():
    """alice at the hub (a browser session of the module)."""
    yield from _logged_in("alice")


@pytest.fixture(scope="module")
def bob():
    """bob at the hub (a browser session of the module)."""
    yield from _logged_in("bob")
