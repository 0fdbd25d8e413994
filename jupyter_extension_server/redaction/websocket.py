"""The wire layer: kernel output is scrubbed in the server before it reaches the browser.

:func:`connection_class` derives a class from the server's kernel websocket connection class
(``ServerApp.kernel_websocket_connection_class``, by default ``ZMQChannelsWebsocketConnection``)
that

- on the way in, reads the code of every ``execute_request``: when it holds snippets
  (:mod:`.snippets`), the server reads those secrets with the user's Vault token *before* the
  request goes on to the kernel, so their values are known before the kernel can print them;
- on the way out, rewrites IOPub ``stream``, ``display_data``, ``update_display_data``,
  ``execute_result`` and ``error`` messages, replacing every known value (and encoding) with its
  marker, and re-signs them. Each stream (stdout, stderr) goes through a
  :class:`~.matcher.StreamScrubber`, so a value split across two messages is caught; text held
  back is sent before the next message of any other kind (the kernel's ``idle`` status at the
  latest).

Messages the kernel sends elsewhere (comms of widgets) are not rewritten; see docs/redaction.md.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from jupyter_client.session import DELIM

from .matcher import StreamScrubber
from .service import RedactionService

#: IOPub messages whose content is rewritten, and the content fields that hold output.
OUTPUT_FIELDS = {
    "display_data": ("data",),
    "update_display_data": ("data",),
    "execute_result": ("data",),
    "error": ("ename", "evalue", "traceback"),
}
#: Shell replies that carry output: a failed cell's traceback.
REPLY_FIELDS = {"execute_reply": ("ename", "evalue", "traceback")}

#: Longest wait for Vault before an execute_request goes on without its values read.
LEARN_TIMEOUT = 10.0


def _bytes(part: Any) -> bytes:
    return part if isinstance(part, bytes) else bytes(getattr(part, "bytes", part))


def connection_class(base: type, service: RedactionService) -> type:
    """A subclass of ``base`` (a ZMQChannelsWebsocketConnection) that masks values."""

    class RedactingWebsocketConnection(base):  # type: ignore[misc, valid-type]
        """Kernel websocket connection that masks secret values (jupyterlab-vault-jwt)."""

        redaction = service

        def handle_incoming_message(self, incoming_msg: Any) -> None:
            pending = getattr(self, "_redaction_pending", None)
            code = self._snippet_code(incoming_msg) if self.redaction.active else None
            if code is None and (pending is None or pending.done()):
                super().handle_incoming_message(incoming_msg)
                return
            self._redaction_pending = asyncio.ensure_future(
                self._forward_after(pending, code, incoming_msg)
            )

        async def _forward_after(
            self, pending: asyncio.Future | None, code: str | None, incoming_msg: Any
        ) -> None:
            if pending is not None:
                await asyncio.wait([pending])
            if code is not None:
                try:
                    await asyncio.wait_for(self.redaction.learn_from_code(code), LEARN_TIMEOUT)
                except Exception:
                    self.log.warning(
                        "jupyterlab-vault-jwt: could not read the secrets of a snippet "
                        "before running it; its values are masked by the save layer only"
                    )
            super().handle_incoming_message(incoming_msg)

        def _snippet_code(self, incoming_msg: Any) -> str | None:
            """The code of an execute_request that holds a snippet's read call, else None."""
            try:
                if self.subprotocol == "v1.kernel.websocket.jupyter.org":
                    from jupyter_server.services.kernels.connection.base import (
                        deserialize_msg_from_ws_v1,
                    )

                    _channel, parts = deserialize_msg_from_ws_v1(incoming_msg)
                    header = json.loads(_bytes(parts[0]))
                    if header.get("msg_type") != "execute_request":
                        return None
                    content = json.loads(_bytes(parts[3]))
                else:
                    msg = json.loads(incoming_msg)
                    if (msg.get("header") or {}).get("msg_type") != "execute_request":
                        return None
                    content = msg.get("content") or {}
            except (ValueError, TypeError, IndexError, KeyError):
                return None
            code = content.get("code")
            if not isinstance(code, str) or not (
                "read_secret" in code or "kv get" in code or "encode(" in code
            ):
                return None
            return code

        def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
            channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
            if channel == "iopub" and self.redaction.active:
                for msg in self._redact(outgoing_msg):
                    super().handle_outgoing_message(stream, msg)
                return
            if channel == "shell" and self.redaction.active and self.redaction.matcher:
                outgoing_msg = self._redact_reply(outgoing_msg)
            super().handle_outgoing_message(stream, outgoing_msg)

        def _redact_reply(self, msg_list: list[Any]) -> list[Any]:
            """A shell reply with its traceback scrubbed (the same list when nothing changed)."""
            idents, parts = self.session.feed_identities(msg_list)
            parts = [_bytes(p) for p in parts]
            fields = REPLY_FIELDS.get(str(self.session.unpack(parts[1]).get("msg_type")))
            if not fields:
                return msg_list
            return self._scrubbed(idents, parts, fields) or msg_list

        def _scrubbed(
            self, idents: list[Any], parts: list[bytes], fields: tuple[str, ...]
        ) -> list[Any] | None:
            """The message with ``fields`` of its content scrubbed, or None when unchanged."""
            matcher = self.redaction.matcher
            content = self.session.unpack(parts[4])
            new = {key: matcher.redact_data(content[key]) for key in fields if key in content}
            if all(new[key] is content[key] for key in new):
                return None
            return self._rebuilt(idents, parts, {**content, **new})

        def _redact(self, msg_list: list[Any]) -> list[list[Any]]:
            """The messages to send for one IOPub message: held stream text first, then it."""
            matcher = self.redaction.matcher
            scrubbers: dict[str, tuple[StreamScrubber, list[bytes]]] = self.__dict__.setdefault(
                "_redaction_streams", {}
            )
            if not matcher and not scrubbers:
                return [msg_list]
            idents, parts = self.session.feed_identities(msg_list)
            parts = [_bytes(p) for p in parts]
            header = self.session.unpack(parts[1])
            msg_type = header.get("msg_type")
            out: list[list[Any]] = []
            if msg_type == "stream":
                content = self.session.unpack(parts[4])
                name = str(content.get("name"))
                scrubber, _last = scrubbers.get(name, (None, None))
                if scrubber is None or scrubber.matcher is not matcher:
                    held = scrubber.held if scrubber else ""
                    scrubber = StreamScrubber(matcher)
                    scrubber.write(held) if held else None
                text = content.get("text") or ""
                shown = scrubber.write(text)
                scrubbers[name] = (scrubber, parts)
                if shown == text:
                    return [msg_list]
                if not shown:
                    return []
                return [self._rebuilt(idents, parts, {**content, "text": shown})]
            for name in list(scrubbers):
                scrubber, last = scrubbers.pop(name)
                rest = scrubber.flush()
                if rest:
                    content = self.session.unpack(last[4])
                    last_header = {**self.session.unpack(last[1]), "msg_id": uuid.uuid4().hex}
                    out.append(self._rebuilt(idents, last, {**content, "text": rest}, last_header))
            fields = OUTPUT_FIELDS.get(str(msg_type))
            if not fields or not matcher:
                return [*out, msg_list]
            scrubbed = self._scrubbed(idents, parts, fields)
            return [*out, scrubbed or msg_list]

        def _rebuilt(
            self,
            idents: list[Any],
            parts: list[bytes],
            content: dict,
            header: dict | None = None,
        ) -> list[Any]:
            """``parts`` with a new content (and header), signed again."""
            frames = list(parts)
            if header is not None:
                frames[1] = self.session.pack(header)
            frames[4] = self.session.pack(content)
            frames[0] = self.session.sign(frames[1:5])
            return [*idents, DELIM, *frames]

    return RedactingWebsocketConnection
