"""Run one cell in a real Jupyter kernel through its client: what the OpenBao and object storage
snippet tests share (tests/openbao/test_snippets_run.py, tests/s3/test_snippets_seaweedfs.py)."""

from __future__ import annotations

from typing import Any


def run_cell(client: Any, code: str, timeout: float) -> tuple[str, str | None]:
    """Execute ``code`` as one cell: its stdout, and its error (``ename: evalue``, or the
    execution's status when it failed without one) or None."""
    out: list[str] = []
    errors: list[str] = []

    def hook(msg: dict) -> None:
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")

    reply = client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
    status = reply["content"]["status"]
    if status != "ok" and not errors:
        errors.append(f"execution {status}")
    return "".join(out), "; ".join(errors) or None
