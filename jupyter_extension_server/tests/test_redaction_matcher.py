"""The shared matcher: every encoding, markers, overlaps, streams, short values; each test runs
with every search engine (Hyperscan, pyahocorasick, plain Python), and the fallback from one
engine to the next."""

from __future__ import annotations

import base64
import html
import json
import urllib.parse

import pytest

from jupyter_extension_server.redaction import engines
from jupyter_extension_server.redaction.matcher import Matcher, StreamScrubber, marker

VALUE = "s3cr3t/p@ss+wörd&<x>"
LABEL = "secret/apps/billing/db#password"
MARK = "[vault:secret/apps/billing/db#password]"


@pytest.fixture(
    autouse=True,
    params=[engines.HyperscanEngine, engines.AhoCorasickEngine, engines.PythonEngine],
    ids=lambda engine: engine.name,
)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test of this module with each engine alone."""
    monkeypatch.setattr(engines, "ENGINES", [request.param])
    return request.param.name


@pytest.fixture
def matcher() -> Matcher:
    return Matcher([(LABEL, VALUE), ("secret/other#token", "tok-1234567890")])


@pytest.mark.parametrize(
    "form",
    [
        VALUE,
        json.dumps(VALUE)[1:-1],
        urllib.parse.quote(VALUE, safe=""),
        urllib.parse.quote_plus(VALUE),
        base64.b64encode(VALUE.encode()).decode(),
        base64.urlsafe_b64encode(VALUE.encode()).decode().rstrip("="),
        VALUE.encode().hex(),
        VALUE.encode().hex().upper(),
        html.escape(VALUE),
        repr(VALUE)[1:-1],
        # Go's encoding/json, as the vault / bao CLI print it
        json.dumps(VALUE, ensure_ascii=False)[1:-1]
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e"),
    ],
)
def test_each_encoding_becomes_the_marker(matcher: Matcher, form: str) -> None:
    text = f"before {form} after"
    assert matcher.redact(text) == f"before {MARK} after"
    assert matcher.labels_in(text) == {LABEL}


def test_value_inside_a_longer_string_and_repeated(matcher: Matcher) -> None:
    text = f"postgres://app:{VALUE}@db:5432/x and again{VALUE}!"
    assert matcher.redact(text) == f"postgres://app:{MARK}@db:5432/x and again{MARK}!"


def test_text_without_values_is_the_same_object(matcher: Matcher) -> None:
    text = "nothing secret here, s3cr3t alone is too short a prefix"
    assert matcher.redact(text) is text
    data = {"text/plain": [text], "n": 3}
    assert matcher.redact_data(data) is data


def test_nested_data_is_copied_not_changed(matcher: Matcher) -> None:
    data = {"text/html": f"<td>{html.escape(VALUE)}</td>", "application/json": {"k": [VALUE]}}
    out = matcher.redact_data(data)
    assert out == {"text/html": f"<td>{MARK}</td>", "application/json": {"k": [MARK]}}
    assert data["application/json"]["k"] == [VALUE]


def test_overlapping_values_merge_into_one_span() -> None:
    m = Matcher([("a#x", "abcdefgh"), ("b#y", "efghijkl")])
    assert m.redact("--abcdefghijkl--") == "--[vault:a#x][vault:b#y]--"


def test_short_values_are_not_masked() -> None:
    m = Matcher([("s#k", "12345"), ("s#long", "123456")], min_length=6)
    assert m.redact("12345 and 123456") == "12345 and [vault:s#long]"
    assert Matcher([("s#k", "12345")], min_length=3).redact("x12345x") == "x[vault:s#k]x"


def test_non_string_values_register_their_json_and_strings() -> None:
    m = Matcher([("s#opts", {"pool": "pool-secret-1", "n": 5})])
    assert m.redact("pool-secret-1") == "[vault:s#opts]"
    assert m.redact(json.dumps({"pool": "pool-secret-1", "n": 5})) == "[vault:s#opts]"


def test_hostile_labels_cannot_bring_markup_or_lines() -> None:
    label = 'secret/<img src=x onerror=alert(1)>\n"#k'
    assert marker(label) == "[vault:secret/%3Cimg%20src=x%20onerror=alert%281%29%3E%0A%22#k]"


def test_stream_catches_a_value_split_across_writes(matcher: Matcher) -> None:
    stream = StreamScrubber(matcher)
    shown = stream.write("log: " + VALUE[:7])
    assert shown == "log: "
    shown += stream.write(VALUE[7:] + " done\nnext tok-12")
    shown += stream.write("34567890\n")
    shown += stream.flush()
    assert shown == f"log: {MARK} done\nnext [vault:secret/other#token]\n"


def test_stream_releases_a_tail_that_is_not_a_value(matcher: Matcher) -> None:
    stream = StreamScrubber(matcher)
    assert stream.write("progress s3c") == "progress "
    assert stream.held == "s3c"
    assert stream.write("ond line\n") == "s3cond line\n"
    assert stream.write("plain") == "plain"
    assert stream.flush() == ""


def test_the_held_tail_is_the_longest_tail_that_starts_a_pattern() -> None:
    """prefix_tail against its definition, on texts built from the patterns' own pieces (and
    characters no pattern holds), so that long, short and no tails all occur."""
    import random

    rng = random.Random(14)  # noqa: S311 (test data, not a secret)
    values = ["tok-" + rng.randbytes(6).hex() for _ in range(20)] + ["a b\tc é😀 d"]
    m = Matcher((f"s#{n}", v) for n, v in enumerate(values))
    forms = sorted(m._labels)
    pieces = [f[: rng.randint(1, len(f))] for f in forms for _ in range(2)] + ["\n", " ", "~"]

    def expected(text: str) -> int:
        for at in range(max(0, len(text) - m.longest + 1), len(text)):
            if any(f.startswith(text[at:]) for f in forms):
                return len(text) - at
        return 0

    seen = set()
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        assert m.prefix_tail(text) == expected(text), text
        seen.add(min(expected(text), 3))
    assert seen == {0, 1, 2, 3}


def test_empty_matcher_passes_everything() -> None:
    m = Matcher([])
    assert not m
    stream = StreamScrubber(m)
    assert stream.write("abc") == "abc"


def test_the_engine_asked_for_is_used(engine: str, matcher: Matcher) -> None:
    assert matcher.engine == engine


def test_offsets_are_characters_in_non_ascii_text() -> None:
    m = Matcher([("s#k", "pässwörd-1"), ("s#j", "plain-value")])
    text = "é€😀 pässwörd-1 ü plain-value 😀"
    assert m.find(text) == [(4, 14, ["s#k"]), (17, 28, ["s#j"])]
    assert m.redact(text) == "é€😀 [vault:s#k] ü [vault:s#j] 😀"


def test_a_hit_inside_another_hit_joins_its_span() -> None:
    # Sorted by start, not by end: the short value ends before the long one that holds it.
    m = Matcher([("a#long", "xxabcdefghxx"), ("b#short", "abcdefgh"), ("c#far", "zz-value")])
    assert (
        m.redact("1 xxabcdefghxx 2 zz-value") == "1 [vault:a#long][vault:b#short] 2 [vault:c#far]"
    )


class EngineThatCannotLoad:
    """A fake engine whose library is missing (as hyperscan on Linux ARM)."""

    name = "missing-engine"

    def __init__(self, patterns: list[str]) -> None:
        raise ImportError("No module named 'missing_engine'")


class EngineThatRefuses:
    """A fake engine whose library refuses to build (as Hyperscan on a CPU without SSSE3); its
    error message quotes a pattern, which must not reach the log."""

    name = "refusing-engine"

    def __init__(self, patterns: list[str]) -> None:
        raise RuntimeError(f"cannot compile {patterns[0]!r}")


def test_a_missing_engine_falls_back_masks_and_is_noted_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "NOTES", [])
    monkeypatch.setattr(engines, "_broken", set())
    monkeypatch.setattr(
        engines, "ENGINES", [EngineThatCannotLoad, EngineThatRefuses, engines.PythonEngine]
    )
    for _ in range(2):
        m = Matcher([(LABEL, VALUE)])
        assert m.engine == "python"
        assert m.redact(f"x {VALUE} y") == f"x {MARK} y"
    assert engines.NOTES == [
        "missing-engine cannot be used here (ImportError: No module named 'missing_engine')",
        "refusing-engine cannot be used here (RuntimeError)",
    ]
    assert not any(VALUE in note for note in engines.NOTES)


def test_long_text_scanned_in_pieces_finds_values_across_their_edges_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "PIECE", 16)
    value = "abcdefghij-value"
    m = Matcher([("s#k", value)])
    for offset in range(40):
        text = "." * offset + value + "-" * 37
        assert m.find(text) == [(offset, offset + len(value), ["s#k"])], offset
    text = (value + ":") * 9
    assert m.redact(text) == "[vault:s#k]:" * 9
