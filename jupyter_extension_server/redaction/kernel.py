"""The kernel layer (Python): values a snippet reads are masked before they leave the kernel.

The Python snippets call :func:`protect` with what they read. The first call wraps ``send`` of
the kernel's ``Session`` (ipykernel's one session: stdout and stderr streams, ``display``, results,
errors and tracebacks, and so ``logging`` and ``warnings``, which write to stderr, all go through
it), so every output message is scrubbed by the shared matcher before it is sent; the
``execute_reply`` of a failed cell (its traceback) too. Stream text is scrubbed with a
:class:`~.matcher.StreamScrubber` per stream, so a value written in two pieces is still caught;
text held back is sent before the next message of another kind (the ``idle`` status at the
latest).

It does nothing outside an ipykernel (plain ``python``), and is switched off by
``VAULT_JWT_KERNEL_REDACTION=off`` in the kernel's environment (the server layers remain).
``VAULT_JWT_REDACTION_MIN_LENGTH`` (set by the Jupyter server for the kernels it starts) gives the
minimum value length.

The matcher uses the fastest search engine importable in the kernel's environment (see
:mod:`.engines`); when a faster one is missing there, masking goes on with a slower one and the
kernel's log says so (a warning in the terminal of the Jupyter server that runs the kernel).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from . import engines
from .matcher import DEFAULT_MIN_LENGTH, Matcher, StreamScrubber

#: Environment variable that switches this layer off (``off``, ``0``, ``false``, ``no``).
SWITCH = "VAULT_JWT_KERNEL_REDACTION"
#: Environment variable with the minimum value length.
MIN_LENGTH = "VAULT_JWT_REDACTION_MIN_LENGTH"

#: Message types whose content is scrubbed, and the content fields that hold output.
FIELDS = {
    "stream": ("text",),
    "display_data": ("data",),
    "update_display_data": ("data",),
    "execute_result": ("data",),
    "error": ("ename", "evalue", "traceback"),
    "execute_reply": ("ename", "evalue", "traceback"),
}


def enabled() -> bool:
    """Whether this layer is on in this kernel (``VAULT_JWT_KERNEL_REDACTION``)."""
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


class KernelRedactor:
    """The values known in this kernel and the wrapped ``Session.send``."""

    def __init__(self, session: Any, log: logging.Logger | None = None) -> None:
        self.session = session
        self.log = log or logging.getLogger(__name__)
        self._noted = 0
        self._send = session.send
        self._lock = threading.RLock()
        self._values: dict[str, Any] = {}
        try:
            minimum = int(os.environ.get(MIN_LENGTH, DEFAULT_MIN_LENGTH))
        except ValueError:
            minimum = DEFAULT_MIN_LENGTH
        self.matcher = Matcher((), minimum)
        self._streams: dict[str, tuple[StreamScrubber, Any, dict]] = {}
        session.send = self.send

    def add(self, pairs: list[tuple[str, Any]]) -> None:
        """Know more values (``(label, value)``)."""
        with self._lock:
            for label, value in pairs:
                self._values[label] = value
            self.matcher = Matcher(self._values.items(), self.matcher.min_length)
            # Said once per reason: masking goes on with a slower engine.
            for note in engines.NOTES[self._noted :]:
                self.log.warning(
                    "jupyterlab-vault-jwt redaction: %s; masking with %s instead (slower)",
                    note,
                    self.matcher.engine,
                )
            self._noted = len(engines.NOTES)

    def send(
        self, stream: Any, msg_or_type: Any, content: dict | None = None, *args: Any, **kw: Any
    ) -> Any:
        """``Session.send``, with outputs scrubbed."""
        if isinstance(msg_or_type, dict):
            msg_type = (msg_or_type.get("header") or {}).get("msg_type")
            body = msg_or_type.get("content")
        else:
            msg_type, body = msg_or_type, content
        with self._lock:
            if msg_type == "stream" and isinstance(body, dict):
                return self._send_stream(stream, msg_or_type, body, args, kw)
            self._flush_streams()
            fields = FIELDS.get(str(msg_type))
            if fields and isinstance(body, dict) and self.matcher:
                new = {k: self.matcher.redact_data(body[k]) for k in fields if k in body}
                if any(new[k] is not body[k] for k in new):
                    body = {**body, **new}
                    if isinstance(msg_or_type, dict):
                        msg_or_type = {**msg_or_type, "content": body}
                    else:
                        content = body
            return self._send(stream, msg_or_type, content, *args, **kw)

    def _send_stream(self, stream: Any, msg_or_type: Any, body: dict, args: tuple, kw: dict) -> Any:
        name = str(body.get("name"))
        scrubber, _stream, _kw = self._streams.get(name, (None, None, {}))
        if scrubber is None or scrubber.matcher is not self.matcher:
            held = scrubber.held if scrubber else ""
            scrubber = StreamScrubber(self.matcher)
            if held:
                scrubber.write(held)
        text = body.get("text") or ""
        shown = scrubber.write(text)
        self._streams[name] = (scrubber, stream, {"args": args, "kw": kw})
        if shown == text:
            same = None if isinstance(msg_or_type, dict) else body
            return self._send(stream, msg_or_type, same, *args, **kw)
        if not shown:
            return None
        body = {**body, "text": shown}
        if isinstance(msg_or_type, dict):
            return self._send(stream, {**msg_or_type, "content": body}, None, *args, **kw)
        return self._send(stream, "stream", body, *args, **kw)

    def _flush_streams(self) -> None:
        for name in list(self._streams):
            scrubber, stream, call = self._streams.pop(name)
            rest = scrubber.flush()
            if rest:
                kw = {k: v for k, v in call["kw"].items() if k != "header"}
                self._send(stream, "stream", {"name": name, "text": rest}, *call["args"], **kw)


_redactor: KernelRedactor | None = None


def _kernel_app() -> Any:
    try:
        from ipykernel.kernelapp import IPKernelApp
    except ImportError:
        return None
    if not IPKernelApp.initialized():
        return None
    return IPKernelApp.instance()


def protect(mount: str, path: str, value: Any, key: str | None = None) -> bool:
    """Mask ``value`` (a secret's value, or its ``key -> value`` dict when ``key`` is None) in
    this kernel's output, as ``[vault:<mount>/<path>#<key>]``.

    Returns whether this layer is active (False outside an ipykernel or when switched off).
    """
    global _redactor
    if not enabled():
        return False
    if _redactor is None:
        app = _kernel_app()
        session = getattr(app, "session", None)
        if session is None:
            return False
        _redactor = KernelRedactor(session, getattr(app, "log", None))
    name = f"{mount.rstrip('/')}/{path}"
    if key is not None:
        pairs = [(f"{name}#{key}", value)]
    elif isinstance(value, dict):
        pairs = [(f"{name}#{k}", v) for k, v in value.items()]
    else:
        pairs = [(name, value)]
    _redactor.add(pairs)
    return True
