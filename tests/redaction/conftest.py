"""The redaction suite: a real Jupyter server with the extension, real kernels (ipykernel,
bash_kernel, IRkernel when installed) talked to over the server's kernel websocket, and a REAL
OpenBao (the shared one of the OpenBao tests: ``OPENBAO_ADDR``, ``OPENBAO_ROOT_TOKEN_FILE``,
started by ``scripts/test.sh``). Snippets are rendered by the real templates
(``tests/snippets/render.cjs``). The module gets its own KV mount, policy and JWT auth mount.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import secrets
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jupyter_extension_server.tests.conftest import HubUserIdentityProvider

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RENDER = REPO / "tests/snippets/render.cjs"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bao_helpers = _load("openbao_helpers_redaction", REPO / "tests/openbao/conftest.py")

pytest_plugins = ("pytest_jupyter.jupyter_server",)

OWNER = "alice"
#: The values the suite's secret holds: long, with characters every encoding changes.
PASSWORD = "pw-" + secrets.token_hex(6) + "/+&<é>"
TOKEN = "tok" + secrets.token_hex(10)


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.integration)


@dataclass
class Stack:
    bao: Any
    realm: Any
    mount: str  # "redact-1a2b3c/"
    path: str
    role: str
    role_policy: str

    def label(self, key: str) -> str:
        return f"{self.mount.rstrip('/')}/{self.path}#{key}"

    def marker(self, key: str) -> str:
        from jupyter_extension_server.redaction.matcher import marker

        return marker(self.label(key))


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    try:
        root = bao_helpers.ROOT_TOKEN_FILE.read_text().strip()
    except OSError as e:
        pytest.fail(
            f"the redaction suite needs a running OpenBao at {bao_helpers.ADDR} "
            f"(scripts/openbao.sh start): {e}",
            pytrace=False,
        )
    bao = bao_helpers.Bao(bao_helpers.ADDR, root)
    suffix = secrets.token_hex(3)
    mount = f"redact-{suffix}/"
    bao.kv(mount, 2)
    path = "apps/billing/db"
    bao.put(mount, 2, path, {"password": PASSWORD, "token": TOKEN, "port": 5432})
    policy = f"redact-{suffix}"
    bao.policy(policy, f'path "{mount}data/*" {{ capabilities = ["read"] }}\n')
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwt_mount = f"jwt-redact-{suffix}"
    bao_helpers.enable_jwt(bao, jwt_mount, key)
    realm = bao_helpers.Realm(bao, jwt_mount, key)
    lifetimes = {"token_ttl": "15m", "token_max_ttl": "30m"}  # no renewal during the suite
    role = realm.role("redact", [policy], **lifetimes)
    yield Stack(bao, realm, mount, path, role, policy)
    for where in (f"sys/auth/{jwt_mount}", f"sys/mounts/{mount.rstrip('/')}"):
        bao.call("DELETE", where)
    bao.call("DELETE", f"sys/policies/acl/{policy}")
    bao.http.close()


@pytest.fixture
def redaction_config() -> dict:
    """``c.RedactionService`` of the test's server (override in a test module)."""
    return {}


@pytest.fixture
def jp_server_config(stack, tmp_path, jp_home_dir, redaction_config) -> dict:
    id_token = tmp_path / "id_token"
    id_token.write_text(stack.realm.mint(lifetime=1800, preferred_username=OWNER, sub=OWNER))
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_extension_server": True},
            "identity_provider_class": HubUserIdentityProvider,
        },
        "IdTokenService": {
            "hub_user": OWNER,
            "hub_api_url": "",
            "hub_api_token": "",
            "env_var": "",
            "token_file": str(id_token),
        },
        "VaultSession": {
            "address": bao_helpers.ADDR,
            "auth_mount": stack.realm.mount,
            "role": stack.role,
            "token_file": str(jp_home_dir / ".vault-token"),
        },
        "RedactionService": redaction_config,
    }


@pytest.fixture
def kernelspecs(jp_data_dir) -> set[str]:
    """bash_kernel and IRkernel (when R has it) as kernel specs of the test's server."""
    names = {"python3"}
    specs = {
        "bash": {
            "argv": [sys.executable, "-m", "bash_kernel", "-f", "{connection_file}"],
            "display_name": "Bash",
            "language": "bash",
        }
    }
    r = shutil.which("R")
    if (
        r
        and subprocess.run(  # noqa: S603
            [r, "--slave", "-e", "library(IRkernel)"], capture_output=True, timeout=60
        ).returncode
        == 0
    ):
        specs["ir"] = {
            "argv": [r, "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"],
            "display_name": "R",
            "language": "R",
        }
    for name, spec in specs.items():
        folder = jp_data_dir / "kernels" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kernel.json").write_text(json.dumps(spec))
        names.add(name)
    return names


def render(template: str, stack: Stack, key: str | None) -> str:
    """A snippet of the real templates for the suite's secret."""
    ref = {
        "address": bao_helpers.ADDR,
        "namespace": None,
        "mount": stack.mount,
        "path": stack.path,
        "key": key,
        "version": 2,
        "caCert": None,
        "tlsVerify": True,
        "cli": "bao",
    }
    done = subprocess.run(  # noqa: S603
        [shutil.which("node") or "node", str(RENDER)],
        input=json.dumps([{"template": template, "ref": ref}]),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    [result] = json.loads(done.stdout)
    assert "error" not in result, result
    return result["code"]


async def log_in(jp_fetch) -> None:
    response = await jp_fetch("vault-jwt", "vault", "login", method="POST", body=b"")
    assert response.code == 200


class KernelClient:
    """One kernel of the test's server, driven over the server's websocket like the browser."""

    def __init__(self, ws: Any, kernel_id: str, v1: bool = False) -> None:
        self.ws = ws
        self.kernel_id = kernel_id
        self.session = uuid.uuid4().hex
        self.v1 = v1  # JupyterLab's binary protocol v1.kernel.websocket.jupyter.org

    async def _send(self, msg: dict) -> None:
        if not self.v1:
            await self.ws.write_message(json.dumps(msg))
            return
        from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

        parts = [
            json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata", "content")
        ]
        await self.ws.write_message(serialize_msg_to_ws_v1(parts, msg["channel"]), binary=True)

    def _decode(self, raw: Any) -> dict:
        if not self.v1:
            return json.loads(raw)
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        channel, parts = deserialize_msg_from_ws_v1(raw)
        header, parent, _metadata, content = (json.loads(p) for p in parts[:4])
        return {
            "channel": channel,
            "msg_type": header["msg_type"],
            "parent_header": parent,
            "content": content,
        }

    async def execute(self, code: str, timeout: float = 120) -> list[dict]:
        """Run ``code``; the IOPub messages of the request until the kernel is idle."""
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {
                "msg_id": msg_id,
                "username": OWNER,
                "session": self.session,
                "msg_type": "execute_request",
                "version": "5.3",
                "date": "",
            },
            "parent_header": {},
            "metadata": {},
            "content": {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            "channel": "shell",
            "buffers": [],
        }
        await self._send(msg)
        out: list[dict] = []

        async def collect() -> None:
            while True:
                raw = await self.ws.read_message()
                assert raw is not None, "the websocket closed"
                reply = self._decode(raw)
                if (reply.get("parent_header") or {}).get("msg_id") != msg_id:
                    continue
                if reply["channel"] != "iopub":
                    continue
                out.append(reply)
                if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
                    return

        await asyncio.wait_for(collect(), timeout)
        return out


@pytest.fixture
def start_kernel(jp_fetch, jp_ws_fetch, kernelspecs):
    """``await start_kernel(name)``: a KernelClient on a new kernel (the server shuts its
    kernels down when it stops)."""
    started: list[tuple[str, Any]] = []

    async def start(name: str = "python3", v1: bool = False) -> KernelClient:
        if name not in kernelspecs:
            pytest.skip(f"no {name} kernel on this machine")
        reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": name}))
        kernel_id = json.loads(reply.body)["id"]
        protocols = ["v1.kernel.websocket.jupyter.org"] if v1 else None
        ws = await jp_ws_fetch("api", "kernels", kernel_id, "channels", subprotocols=protocols)
        assert ws.selected_subprotocol == ("v1.kernel.websocket.jupyter.org" if v1 else None)
        started.append((kernel_id, ws))
        client = KernelClient(ws, kernel_id, v1)
        # wait until it answers (bash and R start slowly)
        await client.execute("1" if name != "bash" else "true", timeout=180)
        return client

    yield start
    for _kernel_id, ws in started:
        ws.close()


def shown(messages: list[dict]) -> str:
    """Everything the browser would show of these IOPub messages, as one JSON text."""
    keep = [m["content"] for m in messages if m["msg_type"] != "status"]
    return json.dumps(keep, ensure_ascii=False)
