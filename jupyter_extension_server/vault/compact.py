"""The catalog reply made compact: paths grouped by folder, and gzip when the client takes it.

A catalog of 100,000 paths repeats its folders in every path. Each list of paths (``secrets``,
``unlisted``...) of a mount is sent as ``{folder: [name, ...]}`` in the order of the sorted list
(folder ``""`` for the mount's top), each folder once; the browser joins them back
(``src/catalog/compact.ts``). The JSON is then gzipped when the request's ``Accept-Encoding``
allows it.
"""

from __future__ import annotations

import gzip

#: gzip level of the catalog reply (it is compressed per request: fast wins).
GZIP_LEVEL = 1
#: Replies smaller than this are sent as they are.
GZIP_MIN_BYTES = 1024


def by_folder(paths: list[str]) -> dict[str, list[str]]:
    """``paths`` grouped by folder: ``{"a/b/": ["c", "d"], "": ["top"]}``."""
    folders: dict[str, list[str]] = {}
    for path in paths:
        cut = path.rfind("/") + 1
        folder = path[:cut]
        names = folders.get(folder)
        if names is None:
            folders[folder] = [path[cut:]]
        else:
            names.append(path[cut:])
    return folders


def joined(folders: dict[str, list[str]]) -> list[str]:
    """The inverse of :func:`by_folder` (for tests; the browser has its own)."""
    return [folder + name for folder, names in folders.items() for name in names]


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``q=0`` refuses it)."""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower().replace(" ", "")
            try:
                return not (q.startswith("q=") and float(q[2:] or 0) == 0)
            except ValueError:
                return False
    return False


def gzipped(body: bytes) -> bytes:
    """``body`` gzipped (level :data:`GZIP_LEVEL`, no time in the header)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
