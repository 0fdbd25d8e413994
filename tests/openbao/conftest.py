"""Integration tests of the Vault session and the catalog against a REAL OpenBao.

The shared server is started beforehand (``scripts/openbao.sh start``; ``scripts/test.sh`` does
it) and found through ``OPENBAO_ADDR`` [http://127.0.0.1:18200] and ``OPENBAO_ROOT_TOKEN_FILE``
[<repo>/.stack/test/openbao/root_token]. When it does not answer, every test FAILS (no skip).
Tests that must seal a server or speak TLS start their own short-lived ``bao server -dev``.

Each test module gets its own KV mounts, policies and JWT auth mount (random names), removed at
the end. id_tokens are minted here with a throw-away RSA key that the JWT auth method trusts
(``jwt_validation_pubkeys``): OpenBao still validates every one of them for real.
"""

from __future__ import annotations

import os
import secrets
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from jupyter_extension_server.identity import IdTokenService
from jupyter_extension_server.vault.catalog import SecretCatalog
from jupyter_extension_server.vault.session import VaultSession

REPO = Path(__file__).resolve().parents[2]
ADDR = os.environ.get("OPENBAO_ADDR", "http://127.0.0.1:18200").rstrip("/")
ROOT_TOKEN_FILE = Path(
    os.environ.get("OPENBAO_ROOT_TOKEN_FILE", REPO / ".stack/test/openbao/root_token")
)
BAO = REPO / ".venv/bin/bao"
ISSUER = "https://idp.integration.invalid/realms/test"
AUDIENCE = "jupyterhub"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


class Bao:
    """Root-token admin client of a real OpenBao (plain httpx; names are quoted)."""

    def __init__(self, addr: str, token: str, verify: Any = True) -> None:
        self.addr = addr
        self.http = httpx.Client(
            base_url=f"{addr}/v1/", headers={"X-Vault-Token": token}, timeout=30, verify=verify
        )

    def call(self, method: str, path: str, json: Any = None, namespace: str = "") -> dict:
        headers = {"X-Vault-Namespace": namespace} if namespace else {}
        response = self.http.request(method, quote(path, safe="/"), json=json, headers=headers)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def put(self, mount: str, version: int, path: str, data: dict, namespace: str = "") -> None:
        if version == 2:
            # A KV v2 mount answers 400 "Upgrading from non-versioned to versioned data" for a
            # moment after it is enabled: wait for it (at most 10 s).
            deadline = time.monotonic() + 10
            while True:
                try:
                    self.call("POST", f"{mount}data/{path}", {"data": data}, namespace)
                    return
                except AssertionError as e:
                    if "Upgrading from non-versioned" not in str(e) or time.monotonic() > deadline:
                        raise
                time.sleep(0.2)
        else:
            self.call("POST", f"{mount}{path}", data, namespace)

    def kv(self, mount: str, version: int, namespace: str = "") -> None:
        self.call(
            "POST",
            f"sys/mounts/{mount.rstrip('/')}",
            {"type": "kv", "options": {"version": str(version)}},
            namespace,
        )

    def policy(self, name: str, hcl: str, namespace: str = "") -> None:
        self.call("PUT", f"sys/policies/acl/{name}", {"policy": hcl}, namespace)


@dataclass
class Realm:
    """A JWT auth mount trusting a test key, with a helper to mint id_tokens for it."""

    bao: Bao
    mount: str
    key: rsa.RSAPrivateKey
    roles: list[str] = field(default_factory=list)

    def mint(self, lifetime: int = 300, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "it-user",
            "preferred_username": "it-user",
            "groups": [],
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256")

    def role(self, name: str, policies: list[str], namespace: str = "", **extra: Any) -> str:
        body = {
            "role_type": "jwt",
            "bound_audiences": [AUDIENCE],
            "user_claim": "preferred_username",
            "groups_claim": "groups",
            "token_policies": ["default", *policies],
            "token_ttl": "5m",
            "token_max_ttl": "30m",
            **extra,
        }
        self.bao.call("POST", f"auth/{self.mount}/role/{name}", body, namespace)
        return name


def _pubkey(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def enable_jwt(bao: Bao, mount: str, key: rsa.RSAPrivateKey, namespace: str = "") -> None:
    bao.call("POST", f"sys/auth/{mount}", {"type": "jwt"}, namespace)
    bao.call(
        "POST",
        f"auth/{mount}/config",
        {"jwt_validation_pubkeys": [_pubkey(key)], "bound_issuer": ISSUER},
        namespace,
    )


@pytest.fixture(scope="session")
def bao() -> Iterator[Bao]:
    """The shared real OpenBao, as root. Fails every test when it is not up."""
    try:
        token = ROOT_TOKEN_FILE.read_text().strip()
        health = httpx.get(f"{ADDR}/v1/sys/health", timeout=10)
    except (OSError, httpx.HTTPError) as e:
        pytest.fail(
            f"the OpenBao tests need a running OpenBao at {ADDR} with its root token in "
            f"{ROOT_TOKEN_FILE} (run `scripts/openbao.sh start`): {type(e).__name__}: {e}",
            pytrace=False,
        )
    if health.status_code != 200:
        pytest.fail(f"OpenBao at {ADDR} is not ready (HTTP {health.status_code})", pytrace=False)
    client = Bao(ADDR, token)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def realm(bao: Bao, signing_key: rsa.RSAPrivateKey) -> Iterator[Realm]:
    """A fresh JWT auth mount for the module, removed afterwards."""
    mount = f"jwt-it-{secrets.token_hex(3)}"
    enable_jwt(bao, mount, signing_key)
    yield Realm(bao, mount, signing_key)
    bao.call("DELETE", f"sys/auth/{mount}")


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PrivateBao:
    """A short-lived dev OpenBao of one test (to seal it, or to speak TLS)."""

    addr: str
    root: Bao
    ca_file: Path | None


@pytest.fixture
def private_bao(request) -> Iterator[PrivateBao]:
    """``bao server -dev`` on a free loopback port; ``@pytest.mark.tls`` adds ``-dev-tls``."""
    tls = request.node.get_closest_marker("tls") is not None
    port = free_port()
    token = secrets.token_hex(16)
    workdir = Path(tempfile.mkdtemp(prefix="bao-it-"))
    args = [
        str(BAO),
        "server",
        "-dev",
        "-dev-no-store-token",
        f"-dev-listen-address=127.0.0.1:{port}",
    ]
    if tls:
        args += ["-dev-tls", f"-dev-tls-cert-dir={workdir}"]
    log = (workdir / "bao.log").open("wb")
    env = {**os.environ, "BAO_DEV_ROOT_TOKEN_ID": token, "HOME": str(workdir)}
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    scheme = "https" if tls else "http"
    addr = f"{scheme}://127.0.0.1:{port}"
    ca = workdir / "vault-ca.pem" if tls else None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                verify = ssl.create_default_context(cafile=ca) if ca and ca.exists() else not tls
                if httpx.get(f"{addr}/v1/sys/health", timeout=2, verify=verify).status_code == 200:
                    break
            except (httpx.HTTPError, OSError):
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError(f"private OpenBao did not start: {(workdir / 'bao.log')}")
            time.sleep(0.2)
        root = Bao(addr, token, verify=ssl.create_default_context(cafile=ca) if ca else True)
        yield PrivateBao(addr, root, ca)
        root.http.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@dataclass
class Companion:
    """The server companion's services, wired as the extension wires them, on a token file."""

    identity: IdTokenService
    session: VaultSession
    catalog: SecretCatalog
    id_token_file: Path
    vault_token_file: Path

    def set_id_token(self, token: str) -> None:
        tmp = self.id_token_file.with_suffix(".tmp")
        tmp.write_text(token)
        tmp.replace(self.id_token_file)

    async def close(self) -> None:
        await self.session.close()
        await self.identity.close()


def companion(
    tmp_path: Path, id_token: str, *, addr: str = ADDR, catalog: dict | None = None, **vault: Any
) -> Companion:
    """Build the services against a real OpenBao (``vault`` are ``VaultSession`` traits)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    id_file = tmp_path / "id_token"
    id_file.write_text(id_token)
    # a shared home (two servers of one user) is given as token_file=
    token_file = Path(vault.pop("token_file", tmp_path / "home" / ".vault-token"))
    token_file.parent.mkdir(exist_ok=True)
    identity = IdTokenService(
        hub_api_url="", hub_user="", hub_api_token="", env_var="", token_file=str(id_file)
    )
    session = VaultSession(
        identity=identity,
        address=addr,
        namespace=vault.pop("namespace", ""),
        token_file=str(token_file),
        **vault,
    )
    return Companion(
        identity, session, SecretCatalog(session=session, **(catalog or {})), id_file, token_file
    )
