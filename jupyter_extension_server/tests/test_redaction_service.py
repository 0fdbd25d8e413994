"""The redaction service without Vault: a plainly named fake session answers the reads."""

from __future__ import annotations

import asyncio

from jupyter_extension_server.redaction.savehook import ScrubOutputsHook
from jupyter_extension_server.redaction.service import MAX_SECRETS_PER_CALL, RedactionService
from jupyter_extension_server.redaction.snippets import SecretRef


class FakeVaultSession:
    """Fake of VaultSession.run: every secret holds one password; counts the reads."""

    def __init__(self) -> None:
        self.reads = 0

    async def run(self, operation):
        self.reads += 1
        return {"password": f"password-{self.reads:06d}"}


def test_a_notebook_naming_thousands_of_secrets_reads_a_bounded_number():
    session = FakeVaultSession()
    service = RedactionService(session=session)  # type: ignore[arg-type]
    refs = [SecretRef("secret", f"app/{i}") for i in range(MAX_SECRETS_PER_CALL + 100)]
    failed = asyncio.run(service.learn(refs))
    assert session.reads == MAX_SECRETS_PER_CALL
    assert len(failed) == 100
    # those read are read again only after refresh_after
    read = sorted(service.known())
    assert len(read) == MAX_SECRETS_PER_CALL
    assert asyncio.run(service.learn(read[:10])) == []
    assert session.reads == MAX_SECRETS_PER_CALL


def test_the_hook_scrubs_and_leaves_notebooks_without_values_alone():
    service = RedactionService(session=FakeVaultSession())  # type: ignore[arg-type]
    service.add_values(SecretRef("secret", "app/db"), {"password": "s3cr3t-value", "port": 5432})
    hook = ScrubOutputsHook(service)
    plain = {
        "cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "text": "5432"}]}]
    }
    model = {"type": "notebook", "content": plain}
    hook(model=model, path="a.ipynb")
    assert model["content"]["cells"][0]["outputs"][0]["text"] == "5432"
    leak = {"output_type": "stream", "name": "stdout", "text": "pw=s3cr3t-value\n"}
    model = {"type": "notebook", "content": {"cells": [{"cell_type": "code", "outputs": [leak]}]}}
    hook(model=model, path="b.ipynb")
    out = model["content"]["cells"][0]["outputs"][0]["text"]
    assert out == "pw=[vault:secret/app/db#password]\n"
    service.user_enabled = False
    model = {"type": "notebook", "content": {"cells": [{"cell_type": "code", "outputs": [leak]}]}}
    hook(model=model, path="c.ipynb")
    assert model["content"]["cells"][0]["outputs"][0]["text"] == leak["text"]
