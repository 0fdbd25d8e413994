"""Which secrets a cell reads, from the code the real templates render (hostile names included)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jupyter_extension_server.redaction.snippets import SecretRef, notebook_refs, secret_refs

REPO = Path(__file__).resolve().parents[2]
RENDER = REPO / "tests/snippets/render.cjs"

PATHS = [
    ("secret/", "apps/billing/db"),
    ("kv one/", 'it\'s "quoted"/$(rm -rf)/`x`'),
    ("secret/", "ünïcode/é\u202e/tab\there"),
]


TEMPLATES = [("python", "python"), ("python-env", "python"), ("r", "r"), ("bash", "bash")]
KEYS = [None, "pass word'\n"]
CASES = [(t, lang, m, p, k) for t, lang in TEMPLATES for m, p in PATHS for k in KEYS]


def ref(mount: str, path: str, key: str | None) -> dict:
    return {
        "address": "https://vault.example:8200",
        "namespace": None,
        "mount": mount,
        "path": path,
        "key": key,
        "version": 2,
        "caCert": None,
        "tlsVerify": True,
        "cli": "bao",
    }


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    """Every case rendered by the real templates, in one node call."""
    done = subprocess.run(
        [shutil.which("node") or "node", str(RENDER)],
        input=json.dumps([{"template": c[0], "ref": ref(*c[2:])} for c in CASES]),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_rendered_snippets_name_their_secret(rendered, index) -> None:
    template, language, mount, path, _key = CASES[index]
    assert "error" not in rendered[index], rendered[index]
    code = rendered[index]["code"]
    want = {SecretRef(mount.rstrip("/"), path)}
    assert secret_refs(code, language) == want, template
    assert secret_refs("x = 1\n" + code + "\nprint(x)", None) == want, template


def test_other_code_names_nothing() -> None:
    assert secret_refs("print('read_secret is a word')", "python") == set()
    assert secret_refs("client.read_secret(path=p)", "python") == set()
    assert secret_refs("echo vault kv get", "bash") == set()


def test_notebook_refs_reads_code_cells_in_the_notebook_language() -> None:
    code = "%time x = 1\nc.secrets.kv.v2.read_secret_version(path='a/b', mount_point='secret')\n"
    nb = {
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "markdown", "source": "read_secret(path='m/n', mount_point='x')"},
            {"cell_type": "code", "source": code.splitlines(keepends=True)},
        ],
    }
    assert notebook_refs(nb) == {SecretRef("secret", "a/b")}
