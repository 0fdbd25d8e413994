"""The one matcher of every redaction layer: secret values (and their encodings) to markers.

From a set of ``(label, value)`` pairs it builds the variants of each value a program is likely to
print (the value itself, base64 standard and URL-safe with and without padding, URL-encoding,
JSON-escaping, HTML-escaping, hex in both cases) and finds them all in one pass of a
multi-literal search engine (:mod:`.engines`: Hyperscan where its wheel works, else a
``pyahocorasick`` automaton; no regular expression is built from values). Each hit
becomes a marker that names the secret, ``[vault:secret/apps/billing/db#password]``. Overlapping
hits are merged into one marker, so a value is never half-masked.

Values shorter than ``min_length`` characters are not masked: a short value (``1``, ``yes``,
``admin``) also occurs in ordinary output, and masking it would garble the output and, by marking
every place it appears, tell a reader where the value occurs.

:class:`StreamScrubber` is the variant for a stream of writes (stdout, stderr): it holds back the
longest tail of what it was given that is the start of some variant, so a value split across two
writes is still caught, and releases it when the next write shows it is not a value or when the
stream is flushed.
"""

from __future__ import annotations

import base64
import bisect
import html
import json
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from . import engines

#: Shortest value masked by default (see the module docstring).
DEFAULT_MIN_LENGTH = 6

#: Characters a marker shows as they are; any other is percent-encoded, so a hostile secret name
#: never brings markup (``<``, ``"``), a line break or a control character into an output.
_LABEL_SAFE = re.compile(r"[^A-Za-z0-9_.~/#:@+,=-]")


def safe_label(label: str) -> str:
    """``label`` with every character outside ``A-Z a-z 0-9 _.~/#:@+,=-`` percent-encoded."""
    return _LABEL_SAFE.sub(lambda m: urllib.parse.quote(m.group(), safe=""), label)


def marker(label: str) -> str:
    """The marker that replaces a value of the secret ``label`` (``mount/path#key``)."""
    return "[vault:" + safe_label(label) + "]"


def variants(value: str) -> set[str]:
    """The forms of ``value`` that are masked: itself and its common encodings."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value, quote=False),
        html.escape(value),
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value, safe=""),
        urllib.parse.quote(value),
        raw.hex(),
        raw.hex().upper(),
    }
    # Go's encoding/json (the vault and bao CLIs' -format=json) also escapes <, > and &.
    for form in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        forms.add(form.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms.add(text)
        forms.add(text.rstrip("="))
    # repr() of a str: the escapes Python uses where they differ from JSON's (\x.., \', \\).
    forms.add(repr(value)[1:-1])
    return forms


class Matcher:
    """Finds registered values and their encodings in text and replaces them with markers.

    Parameters
    ----------
    secrets
        ``(label, value)`` pairs; a value that is not a string is registered as its JSON form
        and, for containers, each string inside it.
    min_length
        Values shorter than this (in characters) are not masked.
    """

    def __init__(
        self, secrets: Iterable[tuple[str, Any]] = (), min_length: int = DEFAULT_MIN_LENGTH
    ) -> None:
        self.min_length = max(1, int(min_length))
        self._labels: dict[str, str] = {}
        for label, value in secrets:
            for text in _strings(value):
                if len(text) < self.min_length:
                    continue
                for form in variants(text):
                    if len(form) >= self.min_length and form not in self._labels:
                        self._labels[form] = label
        # Sorted: a text is the start of some pattern when the first pattern not below it
        # starts with it (the stream's hold-back, without a second automaton).
        self._forms = sorted(self._labels)
        self._form_labels = [self._labels[form] for form in self._forms]
        self.longest = max(map(len, self._forms), default=0)
        self._heads = {form[:2] for form in self._forms} | {form[:1] for form in self._forms}
        # Every character of any pattern: a tail that starts a pattern holds only these.
        self._alphabet = "".join(sorted(set().union(*self._forms)))
        self._engine: engines.Engine | None = engines.build(self._forms) if self._forms else None

    def __bool__(self) -> bool:
        return bool(self._labels)

    @property
    def patterns(self) -> int:
        """How many patterns (values and encodings) the matcher holds."""
        return len(self._labels)

    @property
    def engine(self) -> str | None:
        """The name of the search engine in use (None without patterns)."""
        return self._engine.name if self._engine else None

    def find(self, text: str) -> list[tuple[int, int, list[str]]]:
        """Where values occur in ``text``: ``(start, end, labels)``, sorted, overlapping hits
        merged."""
        if self._engine is None or len(text) < self.min_length:
            return []
        hits = self._engine.hits(text)
        if not hits:
            return []
        hits.sort(key=lambda hit: (hit[0], -hit[1]))
        spans: list[tuple[int, int, list[str]]] = []
        for start, stop, index in hits:
            label = self._form_labels[index]
            if spans and start < spans[-1][1]:
                first, last, labels = spans[-1]
                if label not in labels:
                    labels.append(label)
                spans[-1] = (first, max(last, stop), labels)
            else:
                spans.append((start, stop, [label]))
        return spans

    def labels_in(self, text: str) -> set[str]:
        """The labels of the secrets whose values occur in ``text``."""
        return {label for _s, _e, labels in self.find(text) for label in labels}

    def redact(self, text: str) -> str:
        """``text`` with each value (or encoding of one) replaced by its secret's marker.

        Text without any value is returned as the same object.
        """
        return _replace(text, self.find(text))

    def redact_data(self, data: Any) -> Any:
        """``data`` (str, list, dict, as in a Jupyter message or notebook) with every string
        redacted; the same object when nothing changed."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, list):
            items = [self.redact_data(item) for item in data]
            if any(new is not old for new, old in zip(items, data, strict=True)):
                return items
            return data
        if isinstance(data, dict):
            changed = {}
            for key, value in data.items():
                new = self.redact_data(value)
                if new is not value:
                    changed[key] = new
            if changed:
                copy = dict(data)
                copy.update(changed)
                return copy
            return data
        return data

    def is_start(self, text: str) -> bool:
        """Whether ``text`` is the start of some pattern (or a whole one)."""
        if not text or text[:2] not in self._heads:
            return False
        at = bisect.bisect_left(self._forms, text)
        return at < len(self._forms) and self._forms[at].startswith(text)

    def prefix_tail(self, text: str) -> int:
        """Length of the longest proper tail of ``text`` that is the start of some pattern."""
        if not self._labels or self.longest < 2:
            return 0
        # Only the run of pattern characters at the very end can start a pattern (most output
        # ends in a character no pattern holds, such as a line break: then nothing is held).
        window = text[1 - self.longest :]
        run = len(window) - len(window.rstrip(self._alphabet))
        heads = self._heads
        for at in range(len(text) - run, len(text)):
            # Most tails fail on their first two characters, a set look-up.
            if text[at : at + 2] in heads and self.is_start(text[at:]):
                return len(text) - at
        return 0


def _replace(text: str, spans: list[tuple[int, int, list[str]]]) -> str:
    """``text`` with each span replaced by the markers of its labels."""
    if not spans:
        return text
    parts, cursor = [], 0
    for start, stop, labels in spans:
        parts.append(text[cursor:start])
        parts.append("".join(marker(label) for label in labels))
        cursor = stop
    parts.append(text[cursor:])
    return "".join(parts)


def _strings(value: Any) -> list[str]:
    """The strings to register for one value: itself, or its JSON form and the strings inside."""
    if isinstance(value, str):
        return [value]
    if value is None or isinstance(value, bool):
        return []
    out = []
    try:
        out.append(json.dumps(value))
    except (TypeError, ValueError):
        out.append(str(value))
    if isinstance(value, dict):
        for item in value.values():
            out.extend(_strings(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            out.extend(_strings(item))
    return out


class StreamScrubber:
    """Redacts a stream written in pieces, catching a value split across two writes.

    Each :meth:`write` returns what may be shown now; the longest tail that could be the start
    of a value is held back until the next write (or :meth:`flush`) tells.
    """

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._held = ""

    @property
    def held(self) -> str:
        """Text held back, not yet shown."""
        return self._held

    def write(self, text: str) -> str:
        """Take ``text``; return the redacted part that can be shown now."""
        text = self._held + text
        self._held = ""
        if not self.matcher:
            return text
        spans = self.matcher.find(text)
        hold = self.matcher.prefix_tail(text)
        # Do not cut inside a value found whole: hold only a tail that lies after the last hit
        # (then every hit lies before the tail: the spans found stand for the shorter text).
        if hold and not (spans and spans[-1][1] > len(text) - hold):
            self._held = text[-hold:]
            text = text[:-hold]
        return _replace(text, spans)

    def flush(self) -> str:
        """Release what is held (redacted)."""
        text, self._held = self._held, ""
        return self.matcher.redact(text) if text else ""
