"""The compact catalog reply (vault/compact.py): paths grouped by folder, gzip negotiation."""

from __future__ import annotations

import gzip

from jupyter_extension_server.vault.compact import accepts_gzip, by_folder, gzipped, joined


def test_by_folder_groups_sorted_paths_and_joins_back():
    paths = ["a/b/c", "a/b/d", "a/e", "top", "ü/ключ 😀", "z/"]
    grouped = by_folder(paths)
    assert grouped == {"a/b/": ["c", "d"], "a/": ["e"], "": ["top"], "ü/": ["ключ 😀"], "z/": [""]}
    assert joined(grouped) == paths
    assert by_folder([]) == {}


def test_accepts_gzip():
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("br;q=1.0, gzip;q=0.8")
    assert accepts_gzip("*")
    assert not accepts_gzip("identity")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("gzip;q=nonsense")
    assert not accepts_gzip("")


def test_gzipped_round_trips():
    body = b'{"x": "' + b"a" * 5000 + b'"}'
    assert gzip.decompress(gzipped(body)) == body
    assert len(gzipped(body)) < len(body)
