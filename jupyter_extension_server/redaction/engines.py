"""The search engines behind the matcher: every occurrence of many literal strings in a text.

An engine is built from a list of patterns and answers, for a text, every hit
``(start, end, index)`` (character offsets, overlapping hits included, in no particular order).
Three engines, the fastest that works here is used (:func:`build`):

- ``hyperscan`` (Intel Hyperscan through the ``hyperscan`` wheel, which bundles the library): a
  vectorised multi-literal matcher, about 0.4 ns per character with thousands of patterns, ten
  times faster than an Aho-Corasick automaton walked byte by byte. No wheel for every platform
  (none for Linux on ARM), and it needs SSSE3 on x86.
- ``pyahocorasick``: one Aho-Corasick pass (about 10-15 ns per character).
- ``python``: ``str.find`` per pattern, so masking never depends on a compiled library; slow
  with many patterns (a kernel usually knows a few).

When a faster engine cannot be used, :data:`NOTES` says why (the layers log it): masking goes on,
slower, never off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

#: One sentence per engine that could not be used here, and why (logged by the layers).
NOTES: list[str] = []


class Engine(Protocol):
    """Finds every occurrence of its patterns."""

    #: The engine's name (``hyperscan``, ``pyahocorasick``, ``python``).
    name: str

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        """Every hit in ``text``: ``(start, end, pattern index)``, character offsets."""
        ...


#: Characters of long ASCII text scanned at a time (see HyperscanEngine.hits).
PIECE = 1 << 16


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class HyperscanEngine:
    """Hyperscan's literal matcher over the UTF-8 bytes of the text (block mode)."""

    name = "hyperscan"

    def __init__(self, patterns: Sequence[str]) -> None:
        import hyperscan

        raw = [_encode(p) for p in patterns]
        self._lengths = [len(r) for r in raw]
        self._longest = max(self._lengths, default=1)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        # Literal mode: the bytes are matched as they are (no pattern syntax), every end offset
        # of every pattern is reported (overlapping hits too); the start is end - length.
        self._db.compile(
            expressions=raw,
            ids=list(range(len(raw))),
            elements=len(raw),
            flags=[0] * len(raw),
            literal=True,
        )
        self._scratch_type = hyperscan.Scratch
        self._local = threading.local()  # scratch space is per thread

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._scratch_type(self._db)
        found: list[tuple[int, int, int]] = []
        lengths = self._lengths
        base = floor = 0  # where the piece scanned starts; hits ending at or before floor are
        # the previous piece's

        def on_match(index: int, _start: int, end: int, _flags: int, _context: Any) -> None:
            if end > floor:
                found.append((base + end - lengths[index], base + end, index))

        if len(text) <= PIECE or not text.isascii():
            data = _encode(text)
            self._db.scan(data, match_event_handler=on_match, scratch=scratch)
            if found and not text.isascii():
                found = _to_characters(data, found)
            return found
        # Long ASCII text (characters are bytes): pieces that overlap by the longest pattern
        # less one, so a value across two pieces is found whole, once. Pieces stay in the CPU's
        # cache, and no copy of the whole text is made (a fresh 10 MB buffer costs page faults).
        overlap = self._longest - 1
        for start in range(0, len(text), PIECE):
            base = max(0, start - overlap)
            floor = start - base
            piece = text[base : start + PIECE].encode("ascii")
            self._db.scan(piece, match_event_handler=on_match, scratch=scratch)
        return found


def _to_characters(data: bytes, hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Byte offsets into ``data`` (UTF-8) as character offsets (hits start and end on
    character boundaries: the patterns are whole UTF-8 sequences)."""
    offsets = sorted({o for start, end, _ in hits for o in (start, end)})
    position: dict[int, int] = {}
    byte = char = 0
    for offset in offsets:
        char += len(data[byte:offset].decode("utf-8", "surrogatepass"))
        byte = offset
        position[offset] = char
    return [(position[start], position[end], index) for start, end, index in hits]


class AhoCorasickEngine:
    """One pass of a ``pyahocorasick`` automaton over the text."""

    name = "pyahocorasick"

    def __init__(self, patterns: Sequence[str]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for index, pattern in enumerate(patterns):
            self._automaton.add_word(pattern, (index, len(pattern)))
        self._automaton.make_automaton()

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        return [
            (end + 1 - length, end + 1, index)
            for end, (index, length) in self._automaton.iter(text)
        ]


class PythonEngine:
    """``str.find`` for each pattern: no library needed, slow with many patterns."""

    name = "python"

    def __init__(self, patterns: Sequence[str]) -> None:
        self._patterns = list(patterns)

    def hits(self, text: str) -> list[tuple[int, int, int]]:
        found = []
        for index, pattern in enumerate(self._patterns):
            start = text.find(pattern)
            while start != -1:
                found.append((start, start + len(pattern), index))
                start = text.find(pattern, start + 1)
        return found


#: The engines, fastest first.
ENGINES: list[Callable[[Sequence[str]], Engine]] = [
    HyperscanEngine,
    AhoCorasickEngine,
    PythonEngine,
]

_lock = threading.Lock()
_broken: set[str] = set()


def build(patterns: Sequence[str], engines: Sequence[Callable[..., Engine]] = ()) -> Engine:
    """The fastest engine (of ``engines``, by default :data:`ENGINES`) that builds here.

    An engine that cannot be imported or fails to build is noted once in :data:`NOTES` and
    not tried again in this process.
    """
    choices = list(engines) or ENGINES
    for make in choices[:-1]:
        name = getattr(make, "name", repr(make))
        if name in _broken:
            continue
        try:
            return make(patterns)
        except Exception as e:  # an ImportError, or the library refused (e.g. no SSSE3)
            # The message of an import error only: a library's own may quote a pattern.
            why = f"{type(e).__name__}: {e}" if isinstance(e, ImportError) else type(e).__name__
            with _lock:
                if name not in _broken:
                    _broken.add(name)
                    NOTES.append(f"{name} cannot be used here ({why})")
    return choices[-1](patterns)
