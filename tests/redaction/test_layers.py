"""Secret values never reach the browser nor the saved notebook (issue 14), with real kernels,
the real server layers and a real OpenBao.

Each template's snippet runs in its kernel through the server's websocket (as the browser runs
it); then each way of printing the value runs, and what the browser receives must hold the
marker and neither the value nor the encoded form printed. The kernel layer (Python) is switched
off where a test checks the server alone (``VAULT_JWT_KERNEL_REDACTION=off`` in the kernel's
environment).
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from conftest import OWNER, PASSWORD, TOKEN, log_in, render, shown

pytestmark = pytest.mark.timeout(900)


def b64(value: str, url: bool = False) -> str:
    raw = value.encode()
    return (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()


#: Python ways of printing the value ``{v}`` -> the form that must not appear in the output.
PY_WAYS: dict[str, tuple[str, str]] = {
    "print": ("print({v})", PASSWORD),
    "repr in a list": ("print([{v}, 1])", PASSWORD),
    "f-string": ('print(f"password={{{v}}}!")', PASSWORD),
    "longer string": ('print("postgres://app:" + {v} + "@db:5432/x")', PASSWORD),
    "execute_result": ("{v}", PASSWORD),
    "exception": ('raise ValueError("cannot connect with " + {v})', PASSWORD),
    "logging": ('import logging; logging.getLogger("app").error("login %s", {v})', PASSWORD),
    "warnings": ('import warnings; warnings.warn("weak: " + {v})', PASSWORD),
    "display(HTML)": (
        "from IPython.display import HTML, display; display(HTML('<b>' + {v} + '</b>'))",
        PASSWORD,
    ),
    "display(JSON)": (
        "from IPython.display import JSON, display; display(JSON({{'p': {v}}}))",
        PASSWORD,
    ),
    "display(Markdown)": (
        "from IPython.display import Markdown; Markdown('*' + {v} + '*')",
        PASSWORD,
    ),
    "DataFrame": (
        "import pandas as pd; pd.DataFrame({{'user': ['app'], 'password': [{v}]}})",
        PASSWORD,
    ),
    "print(DataFrame)": (
        "import pandas as pd; print(pd.DataFrame({{'password': [{v}]}}).to_string())",
        PASSWORD,
    ),
    "base64": ("import base64; print(base64.b64encode({v}.encode()).decode())", b64(PASSWORD)),
    "base64 url-safe": (
        "import base64; print(base64.urlsafe_b64encode({v}.encode()).decode())",
        b64(PASSWORD, url=True),
    ),
    "url-encoded": (
        "import urllib.parse; print(urllib.parse.quote({v}, safe=''))",
        urllib.parse.quote(PASSWORD, safe=""),
    ),
    "json": ("import json; print(json.dumps({{'p': {v}}}))", json.dumps(PASSWORD)[1:-1]),
    "hex": ("print({v}.encode().hex())", PASSWORD.encode().hex()),
    "split across two writes": (
        "import sys\nsys.stdout.write({v}[:7]); sys.stdout.flush()\nprint({v}[7:])",
        PASSWORD,
    ),
}

#: The expression each Python template leaves the password in.
PY_VALUE = {"python": "{var}", "python-env": "os.environ['PASSWORD']"}


def check(messages: list[dict], forbidden: str, marker: str) -> str | None:
    text = shown(messages)
    decoded = json.loads(text)
    flat = json.dumps(decoded, ensure_ascii=False)
    if PASSWORD in flat or forbidden in flat:
        return f"the value reached the browser: {flat[:600]}"
    if marker not in flat:
        return f"no marker {marker}: {flat[:600]}"
    return None


async def run_python_matrix(kernel, template: str, stack) -> dict[str, str]:
    snippet = render(template, stack, "password")
    setup = await kernel.execute(snippet)
    assert not [m for m in setup if m["msg_type"] == "error"], shown(setup)
    var = snippet.split(" = client.secrets")[0].rsplit("\n", 1)[-1] if template == "python" else ""
    expression = PY_VALUE[template].format(var=var)
    if template == "python-env":
        await kernel.execute("import os")
    failures = {}
    for way, (code, forbidden) in PY_WAYS.items():
        messages = await kernel.execute(code.format(v=expression))
        problem = check(messages, forbidden, stack.marker("password"))
        if problem:
            failures[way] = problem
    return failures


@pytest.mark.parametrize("kernel_layer,protocol", [("on", "v1"), ("off", "v1"), ("off", "json")])
@pytest.mark.parametrize("template", ["python", "python-env"])
async def test_python_templates_every_way_of_printing(
    template, kernel_layer, protocol, stack, jp_fetch, start_kernel, monkeypatch
):
    """Off: the server layer alone, with JupyterLab's binary websocket protocol and JSON."""
    monkeypatch.setenv("VAULT_JWT_KERNEL_REDACTION", kernel_layer)
    await log_in(jp_fetch)
    kernel = await start_kernel("python3", v1=protocol == "v1")
    failures = await run_python_matrix(kernel, template, stack)
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


BASH_WAYS: dict[str, tuple[str, str]] = {
    "echo": ('echo "$V"', PASSWORD),
    "longer string": ('echo "postgres://app:${V}@db/x"', PASSWORD),
    "stderr": ('echo "$V" >&2', PASSWORD),
    "base64": ("printf '%s' \"$V\" | base64 -w0; echo", b64(PASSWORD)),
    "hex": ("printf '%s' \"$V\" | od -An -tx1 | tr -d ' \\n'; echo", PASSWORD.encode().hex()),
    "json reply of the CLI": ('echo "$W"', json.dumps(PASSWORD)[1:-1]),
}


async def test_bash_template(stack, jp_fetch, start_kernel):
    await log_in(jp_fetch)
    kernel = await start_kernel("bash", v1=True)
    home = await kernel.execute("echo $HOME")
    assert "error" not in [m["msg_type"] for m in home]
    one = render("bash", stack, "password")
    whole = render("bash", stack, None)
    for snippet, name in ((one, "V"), (whole, "W")):
        var = snippet.split("=$(", 1)[0].rsplit("\n", 1)[-1]
        messages = await kernel.execute(f"{snippet}\n{name}=${var}")
        assert PASSWORD not in shown(messages)
    failures = {}
    for way, (code, forbidden) in BASH_WAYS.items():
        problem = check(await kernel.execute(code), forbidden, stack.marker("password"))
        if problem:
            failures[way] = problem
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


R_WAYS: dict[str, tuple[str, str]] = {
    "print": ("print(V)", PASSWORD),
    "cat": ('cat("pw:", V, "\\n")', PASSWORD),
    "message": ("message(V)", PASSWORD),
    "warning": ("warning(paste('weak', V))", PASSWORD),
    "stop": ("stop(paste('cannot connect with', V))", PASSWORD),
    "data.frame": ("data.frame(user = 'app', password = V)", PASSWORD),
    "base64": ("cat(jsonlite::base64_enc(V))", b64(PASSWORD)),
    "url-encoded": (
        "cat(utils::URLencode(V, reserved = TRUE))",
        urllib.parse.quote(PASSWORD, safe=""),
    ),
}


async def test_r_template(stack, jp_fetch, start_kernel):
    await log_in(jp_fetch)
    kernel = await start_kernel("ir", v1=True)
    snippet = render("r", stack, "password")
    var = snippet.split(" <- local(", 1)[0].rsplit("\n", 1)[-1]
    messages = await kernel.execute(f"{snippet}\nV <- {var}")
    assert not [m for m in messages if m["msg_type"] == "error"], shown(messages)
    failures = {}
    for way, (code, forbidden) in R_WAYS.items():
        problem = check(await kernel.execute(code), forbidden, stack.marker("password"))
        if problem:
            failures[way] = problem
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def leaking_notebook(stack, outputs_text: str) -> dict:
    snippet = render("python", stack, "password")
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": "a1",
                "metadata": {},
                "execution_count": 1,
                "source": snippet,
                "outputs": [],
            },
            {
                "cell_type": "code",
                "id": "a2",
                "metadata": {},
                "execution_count": 2,
                "source": "print(x)",
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": outputs_text},
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/html": f"<td>{PASSWORD}</td>", "text/plain": "x"},
                    },
                    {
                        "output_type": "error",
                        "ename": "ValueError",
                        "evalue": TOKEN,
                        "traceback": [f"ValueError: {TOKEN}"],
                    },
                ],
            },
        ],
    }


async def test_the_save_hook_alone_scrubs(stack, jp_fetch, jp_root_dir):
    """No kernel ran: the server reads the secret the notebook's snippet names when it saves."""
    await log_in(jp_fetch)
    model = {"type": "notebook", "content": leaking_notebook(stack, f"pw {PASSWORD}\n")}
    reply = await jp_fetch("api", "contents", "leak.ipynb", method="PUT", body=json.dumps(model))
    assert reply.code in (200, 201)
    saved = (jp_root_dir / "leak.ipynb").read_text()
    assert PASSWORD not in saved and TOKEN not in saved
    assert saved.count(stack.marker("password")) == 2
    assert stack.marker("token") in saved
    json.loads(saved)  # still a notebook


async def test_scan_names_the_secret_and_the_cell_never_the_value(stack, jp_fetch):
    await log_in(jp_fetch)
    notebook = leaking_notebook(stack, f"pw {PASSWORD}\n")
    reply = await jp_fetch(
        "vault-jwt", "redaction", "scan", method="POST", body=json.dumps({"notebook": notebook})
    )
    body = json.loads(reply.body)
    assert body["findings"] == [
        {"cell": 1, "secrets": sorted([stack.label("password"), stack.label("token")])}
    ]
    assert PASSWORD not in reply.body.decode() and TOKEN not in reply.body.decode()


async def test_nothing_else_changes(stack, jp_fetch, jp_root_dir, start_kernel, monkeypatch):
    """A notebook without values is saved byte for byte the same with and without masking, and
    plain output reaches the browser unchanged, while values are known."""
    monkeypatch.setenv("VAULT_JWT_KERNEL_REDACTION", "on")
    await log_in(jp_fetch)
    kernel = await start_kernel("python3")
    await kernel.execute(render("python", stack, "password"))  # values known everywhere
    code = "print('plain ' * 50); import sys; print('é\\u202e', file=sys.stderr); 42"
    plain = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": "c1",
                "metadata": {},
                "execution_count": 1,
                "source": render("python", stack, "password"),
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "pw-ok\nsecret\n"},
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": "42", "application/json": {"a": [1, "pw-"]}},
                    },
                ],
            }
        ],
    }
    outputs, files = [], []
    for enabled in (True, False):
        reply = await jp_fetch(
            "vault-jwt", "redaction", method="POST", body=json.dumps({"enabled": enabled})
        )
        assert json.loads(reply.body)["active"] is enabled
        name = f"plain-{enabled}.ipynb"
        body = json.dumps({"type": "notebook", "content": plain})
        await jp_fetch("api", "contents", name, method="PUT", body=body)
        files.append((jp_root_dir / name).read_bytes())
        messages = await kernel.execute(code)
        outputs.append(
            [
                {k: v for k, v in m["content"].items() if k != "execution_count"}
                for m in messages
                if m["msg_type"] in ("stream", "execute_result", "display_data", "error")
            ]
        )
    assert files[0] == files[1]
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("redaction_config", [{"mandatory": True}])
async def test_mandatory_masking_cannot_be_turned_off(jp_fetch, redaction_config):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("vault-jwt", "redaction", method="POST", body=json.dumps({"enabled": False}))
    assert refused.value.code == 403
    assert json.loads(refused.value.response.body)["error"]["code"] == "redaction_mandatory"
    reply = await jp_fetch("vault-jwt", "redaction")
    assert json.loads(reply.body)["active"] is True
    assert OWNER


class DirectKernel:
    """An ipykernel started by jupyter_client, no Jupyter server in between: the kernel layer
    alone."""

    def __init__(self, client) -> None:
        self.client = client

    async def execute(self, code: str, timeout: float = 120) -> list[dict]:
        msg_id = self.client.execute(code)
        out = []
        while True:
            msg = await self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            out.append({"msg_type": msg["msg_type"], "content": msg["content"]})
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out


@pytest.mark.parametrize("template", ["python", "python-env"])
async def test_the_kernel_layer_alone(template, stack, tmp_path):
    from jupyter_client.manager import AsyncKernelManager

    token = stack.bao.call(
        "POST", "auth/token/create", {"policies": [stack.role_policy], "ttl": "10m"}
    )["auth"]["client_token"]
    manager = AsyncKernelManager(kernel_name="python3")
    env = {
        **__import__("os").environ,
        "HOME": str(tmp_path),
        "VAULT_TOKEN": token,
        "VAULT_JWT_KERNEL_REDACTION": "on",
    }
    await manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        failures = await run_python_matrix(DirectKernel(client), template, stack)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
