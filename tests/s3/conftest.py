"""Object storage tests against the real SeaweedFS of scripts/seaweedfs.sh (S3 and STS at
S3_ENDPOINT, default http://127.0.0.1:18300, seeded by ``scripts/seaweedfs.sh seed``) whose STS
trusts the real Keycloak of scripts/keycloak.sh (KC_URL, realm ``jupyterhub``). Nothing is started
here; when either does not answer every test FAILS.

Roles (scripts/seaweedfs.sh): ``jupyter-management`` (group management: bucket management-data),
``jupyter-reader`` (group reader: bucket reader-data), ``jupyter-untrusted`` (trusts another IdP).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.s3 import S3Credentials

REPO = Path(__file__).resolve().parents[2]
S3_ENDPOINT = os.environ.get("S3_ENDPOINT", "http://127.0.0.1:18300").rstrip("/")
KC_URL = os.environ.get("KC_URL", "http://127.0.0.1:18080").rstrip("/")
KC_BASE = KC_URL.split("/realms/")[0]
ISSUER = f"{KC_BASE}/realms/jupyterhub"
HUB_CLIENT, HUB_SECRET = "jupyterhub", "jupyterhub-demo-secret"
PASSWORDS = {"alice": "alice-password", "bob": "bob-password"}
ROLE = "arn:aws:iam::role/jupyter-{}"

# The route tests run a real Jupyter server (jp_fetch); its async tests run in pytest-jupyter's
# loop, the others (marked asyncio) in pytest-asyncio's.
pytest_plugins = ("pytest_jupyter.jupyter_server",)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/s3/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def real_servers() -> None:
    for url, what in (
        (f"{S3_ENDPOINT}/status", "SeaweedFS: run `scripts/seaweedfs.sh start && seed`"),
        (f"{ISSUER}/.well-known/openid-configuration", "Keycloak: run `scripts/keycloak.sh start`"),
    ):
        try:
            status: Any = httpx.get(url, timeout=30).status_code
        except httpx.HTTPError as e:
            status = type(e).__name__
        if status != 200:
            pytest.fail(f"{url} does not answer ({status}): {what}", pytrace=False)


def id_token(user: str, client_id: str = HUB_CLIENT, secret: str | None = HUB_SECRET) -> str:
    """A real id_token of ``user`` from Keycloak (password grant of ``client_id``)."""
    return keycloak_tokens(user, client_id, secret)["id_token"]


def access_token(user: str) -> str:
    """A real access token of ``user`` from Keycloak (password grant of the hub's client)."""
    return keycloak_tokens(user)["access_token"]


def keycloak_tokens(
    user: str, client_id: str = HUB_CLIENT, secret: str | None = HUB_SECRET
) -> dict[str, Any]:
    """Keycloak's token reply for ``user`` (password grant of ``client_id``)."""
    data = {
        "grant_type": "password",
        "client_id": client_id,
        "username": user,
        "password": PASSWORDS[user],
        "scope": "openid",
    }
    if secret:
        data["client_secret"] = secret
    reply = httpx.post(f"{ISSUER}/protocol/openid-connect/token", data=data, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="session")
def other_client() -> Iterator[str]:
    """A Keycloak client (direct grants, groups in the id_token) the STS does not accept as an
    audience; removed at the end."""
    admin_token = httpx.post(
        f"{KC_BASE}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": os.environ.get("KC_BOOTSTRAP_ADMIN_USERNAME", "admin"),
            "password": os.environ.get("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin"),
        },
        timeout=60,
    ).json()["access_token"]
    client_id = f"s3-other-{uuid.uuid4().hex[:8]}"
    with httpx.Client(
        base_url=f"{KC_BASE}/admin/realms/jupyterhub",
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=60,
    ) as admin:
        created = admin.post(
            "/clients",
            json={
                "clientId": client_id,
                "publicClient": True,
                "directAccessGrantsEnabled": True,
                "standardFlowEnabled": False,
                "protocolMappers": [
                    {
                        "name": "groups",
                        "protocol": "openid-connect",
                        "protocolMapper": "oidc-group-membership-mapper",
                        "config": {
                            "claim.name": "groups",
                            "full.path": "false",
                            "id.token.claim": "true",
                        },
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        try:
            yield client_id
        finally:
            admin.delete(location)


@dataclass
class Companion:
    """The identity and S3 services of one Jupyter server, with a file as the id_token source."""

    identity: IdTokenService
    s3: S3Credentials
    id_token_file: Path
    credentials_file: Path

    async def new_id_token(self, token: str) -> None:
        tmp = self.id_token_file.with_suffix(".tmp")
        tmp.write_text(token)
        tmp.replace(self.id_token_file)
        await self.identity.refresh()

    async def close(self) -> None:
        await self.s3.close()
        await self.identity.close()


def companion(tmp_path: Path, token: str, **traits: Any) -> Companion:
    """The services against the real STS (``traits`` are ``S3Credentials`` traits)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    id_file = tmp_path / "id_token"
    id_file.write_text(token)
    credentials = tmp_path / "home" / ".aws" / "credentials"
    identity = IdTokenService(
        hub_api_url="", hub_user="", hub_api_token="", env_var="", token_file=str(id_file)
    )
    traits.setdefault("endpoint", S3_ENDPOINT)
    traits.setdefault("role_arn", ROLE.format("management"))
    traits.setdefault("duration_seconds", 900)
    traits.setdefault("credentials_file", str(credentials))
    return Companion(identity, S3Credentials(identity=identity, **traits), id_file, credentials)


async def wait_for(condition: Callable[[], object], timeout: float, what: str) -> Any:
    """Wait until ``condition()`` is truthy (checked every 0.2 s); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.2)


def admin_client():
    """boto3 as SeaweedFS's admin identity (scripts/seaweedfs.sh keeps its keys, 0600)."""
    keys = Path(os.environ.get("STACK_DIR", REPO / ".stack")) / "seaweedfs" / "admin_keys"
    if not keys.exists():
        pytest.fail(f"{keys} is missing: set STACK_DIR as for scripts/seaweedfs.sh", pytrace=False)
    access, secret, _ = keys.read_text().split()
    return boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )
