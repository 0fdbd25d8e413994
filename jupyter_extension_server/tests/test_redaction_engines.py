"""When the fast search engine is missing, every layer still masks and its log says so once: the
kernel layer (a plainly named fake ipykernel Session records what would be sent) and the
server's service. The value never reaches the log."""

from __future__ import annotations

import logging

import pytest

from jupyter_extension_server.redaction import engines
from jupyter_extension_server.redaction.kernel import KernelRedactor
from jupyter_extension_server.redaction.service import RedactionService
from jupyter_extension_server.redaction.snippets import SecretRef

VALUE = "s3cr3t-value-of-the-kernel"


class EngineThatCannotLoad:
    """A fake engine whose library is missing in this environment (hyperscan on Linux ARM)."""

    name = "hyperscan"

    def __init__(self, patterns: list[str]) -> None:
        raise ImportError("No module named 'hyperscan'")


class FakeSession:
    """Fake of ipykernel's Session: records every message it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send(self, stream, msg_or_type, content=None, *args, **kw):
        self.sent.append((msg_or_type, content))


@pytest.fixture
def without_hyperscan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "NOTES", [])
    monkeypatch.setattr(engines, "_broken", set())
    monkeypatch.setattr(
        engines, "ENGINES", [EngineThatCannotLoad, engines.AhoCorasickEngine, engines.PythonEngine]
    )


@pytest.mark.usefixtures("without_hyperscan")
def test_the_kernel_layer_masks_with_the_next_engine_and_logs_it_once(caplog) -> None:
    session = FakeSession()
    redactor = KernelRedactor(session, logging.getLogger("kernel"))
    with caplog.at_level(logging.WARNING, logger="kernel"):
        redactor.add([("secret/app#password", VALUE)])
        redactor.add([("secret/app#token", "another-value-123")])
    redactor.send(None, "display_data", {"data": {"text/plain": f"x {VALUE} y"}})
    assert session.sent == [
        ("display_data", {"data": {"text/plain": "x [vault:secret/app#password] y"}})
    ]
    assert redactor.matcher.engine == "pyahocorasick"
    assert [r.getMessage() for r in caplog.records] == [
        "jupyterlab-vault-jwt redaction: hyperscan cannot be used here (ImportError: No module "
        "named 'hyperscan'); masking with pyahocorasick instead (slower)"
    ]
    assert VALUE not in caplog.text


@pytest.mark.usefixtures("without_hyperscan")
def test_the_server_layers_mask_with_the_next_engine_and_log_it(caplog) -> None:
    service = RedactionService(session=None)  # type: ignore[arg-type] (values given)
    service.add_values(SecretRef("secret", "app"), {"password": VALUE})
    with caplog.at_level(logging.WARNING):
        service.log.propagate = True
        assert service.matcher.redact(VALUE) == "[vault:secret/app#password]"
    assert "hyperscan cannot be used here" in caplog.text
    assert "masking with pyahocorasick instead" in caplog.text
    assert VALUE not in caplog.text


def test_hyperscan_is_the_engine_where_its_wheel_is_installed() -> None:
    pytest.importorskip("hyperscan")
    service = RedactionService(session=None)  # type: ignore[arg-type] (values given)
    service.add_values(SecretRef("secret", "app"), {"password": VALUE})
    assert service.matcher.engine == "hyperscan"
