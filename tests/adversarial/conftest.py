"""The adversarial route suite: a real Jupyter server with the extension, a REAL OpenBao behind
``tests/faultproxy.py`` (which counts every request that reaches it), and the real JWT login.

The Jupyter server is pytest-jupyter's (``jp_fetch``, ``jp_serverapp``; async tests run in its
event loop, so the proxy is started in that loop too). The OpenBao is the shared one of the
OpenBao tests (``OPENBAO_ADDR``, ``OPENBAO_ROOT_TOKEN_FILE``; started by ``scripts/test.sh``);
this module gets its own KV mounts, policy and JWT auth mount (random names), removed at the end.
"""

from __future__ import annotations

import importlib.util
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_extension_server.tests.conftest import HubUserIdentityProvider

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # tests/faultproxy.py
from faultproxy import FaultProxy  # noqa: E402


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# The OpenBao helpers of tests/openbao (admin client, JWT realm), loaded under another name: both
# folders have a conftest module.
bao_helpers = _load("openbao_helpers", HERE.parent / "openbao" / "conftest.py")

pytest_plugins = ("pytest_jupyter.jupyter_server",)

OWNER = "alice"
SECRET_VALUE = "adversarial-" + secrets.token_hex(8)


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@dataclass
class Stack:
    """What the suite set up in OpenBao."""

    bao: object
    realm: object
    kv2: str  # e.g. "adv-1a2b3c/"
    kv1: str  # e.g. "legacy-1a2b3c/"
    role: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """KV v2 and v1 mounts with one secret each, a policy that can also read ``sys/mounts`` (the
    target of the ``..`` reproduction), and a JWT role with it."""
    try:
        token = bao_helpers.ROOT_TOKEN_FILE.read_text().strip()
    except OSError as e:
        pytest.fail(
            f"the adversarial suite needs a running OpenBao at {bao_helpers.ADDR} with its root "
            f"token in {bao_helpers.ROOT_TOKEN_FILE} (scripts/openbao.sh start): {e}",
            pytrace=False,
        )
    bao = bao_helpers.Bao(bao_helpers.ADDR, token)
    suffix = secrets.token_hex(3)
    kv2, kv1 = f"adv-{suffix}/", f"legacy-{suffix}/"
    bao.kv(kv2, 2)
    bao.kv(kv1, 1)
    bao.put(kv2, 2, "app/db", {"password": SECRET_VALUE})
    bao.put(kv1, 1, "app/db", {"password": SECRET_VALUE})
    policy = f"adv-{suffix}"
    bao.policy(
        policy,
        f"""
path "{kv2}data/*" {{ capabilities = ["read"] }}
path "{kv2}metadata/*" {{ capabilities = ["list", "read"] }}
path "{kv1}*" {{ capabilities = ["read", "list"] }}
path "sys/mounts" {{ capabilities = ["read"] }}
""",
    )
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    mount = f"jwt-adv-{suffix}"
    bao_helpers.enable_jwt(bao, mount, key)
    realm = bao_helpers.Realm(bao, mount, key)
    lifetimes = {"token_ttl": "15m", "token_max_ttl": "30m"}  # no renewal during the suite
    role = realm.role("adv", [policy], **lifetimes)
    yield Stack(bao, realm, kv2, kv1, role)
    for path in (f"sys/auth/{mount}", f"sys/mounts/{kv2.rstrip('/')}", f"sys/mounts/{kv1}"):
        bao.call("DELETE", path.rstrip("/"))
    bao.call("DELETE", f"sys/policies/acl/{policy}")
    bao.http.close()


@pytest.fixture
def proxy(jp_asyncio_loop, stack) -> Iterator[FaultProxy]:
    """The fault proxy in front of the shared OpenBao, counting what reaches it."""
    upstream = bao_helpers.ADDR.split("://", 1)[1]
    proxy = FaultProxy(upstream=upstream)
    jp_asyncio_loop.run_until_complete(proxy.start())
    yield proxy
    jp_asyncio_loop.run_until_complete(proxy.close())


@pytest.fixture
def jp_server_config(proxy, stack, tmp_path) -> dict:
    """The extension, logged in users named like JupyterHub names them, the id_token in a file,
    Vault behind the proxy."""
    id_token = tmp_path / "id_token"
    id_token.write_text(stack.realm.mint(lifetime=1800, preferred_username=OWNER, sub=OWNER))
    home = tmp_path / "home"
    home.mkdir()
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        },
        "IdTokenService": {
            "hub_user": OWNER,  # the owner check; the token comes from the file
            "hub_api_url": "",
            "hub_api_token": "",
            "env_var": "",
            "token_file": str(id_token),
        },
        "VaultSession": {
            "address": proxy.url,
            "auth_mount": stack.realm.mount,
            "role": stack.role,
            "token_file": str(home / ".vault-token"),
        },
    }
