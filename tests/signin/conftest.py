"""Sign-in tests against the real Keycloak of scripts/keycloak.sh (KC_URL, default
http://127.0.0.1:18080), realm ``jupyterhub`` with the public device client
``jupyterlab-device``. Nothing is started here; when Keycloak does not answer every test FAILS.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable

import httpx
import pytest

from .keycloak_user import ISSUER

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # faultproxy.py

# The browser sign-in test runs a real Jupyter server (jp_fetch); its async tests run in
# pytest-jupyter's loop, the others (marked asyncio) in pytest-asyncio's.
pytest_plugins = ("pytest_jupyter.jupyter_server",)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/signin/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def keycloak() -> None:
    url = f"{ISSUER}/.well-known/openid-configuration"
    try:
        status = httpx.get(url, timeout=30).status_code
    except httpx.HTTPError as e:
        status = f"{type(e).__name__}"
    if status != 200:
        pytest.fail(
            f"Keycloak does not answer at {url} ({status}): run `scripts/keycloak.sh start`",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def no_ambient_sources(monkeypatch) -> None:
    for var in (
        "JUPYTERHUB_API_URL",
        "JUPYTERHUB_USER",
        "JUPYTERHUB_API_TOKEN",
        "OIDC_ID_TOKEN",
        "OIDC_ID_TOKEN_FILE",
        "OIDC_ISSUER",
        "OIDC_CLIENT_ID",
    ):
        monkeypatch.delenv(var, raising=False)


async def wait_for(condition: Callable[[], object], timeout: float, what: str):
    """Wait until ``condition()`` is truthy (checked every 0.2 s); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.2)
