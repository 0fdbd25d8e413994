"""Gzipped size of the built labextension's JavaScript: what JupyterLab loads at start-up against
the chunks loaded on first use (target: start-up <= 30 KB gzipped).

JupyterLab loads ``remoteEntry.*.js`` and then the chunks of the exposed modules ``./index`` /
``./extension`` and ``./style`` (read from the remote entry's module map); every other chunk
(the panel's views, the picker, the Settings Editor field...) is fetched by a dynamic
``import()`` when first needed.

Usage: .venv/bin/python bench/bundle_size.py   (after `npm run build:prod`)
"""

import gzip
import re
import sys
from pathlib import Path

TARGET_BYTES = 30 * 1024
STATIC = Path(__file__).resolve().parent.parent / "jupyter_extension_server/labextension/static"
# "./extension":()=>n.e(493).then(...) or Promise.all([n.e(12),n.e(34)]).then(...)
EXPOSED = re.compile(r'"\./(?:index|extension|style)":\(\)=>(.*?)\.then\(')
CHUNK_ID = re.compile(r"\.e\(\"?([\w-]+)\"?\)")


def gz_size(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def startup_files(files: list[Path]) -> set[Path]:
    """The remote entry, the chunks of its exposed start-up modules, and style.js."""
    entries = [f for f in files if f.name.startswith("remoteEntry.")]
    if len(entries) != 1:
        raise SystemExit(f"expected one remoteEntry.*.js in {STATIC}, found {len(entries)}")
    entry = entries[0]
    text = entry.read_text(encoding="utf-8", errors="replace")
    ids = {cid for loader in EXPOSED.findall(text) for cid in CHUNK_ID.findall(loader)}
    if not ids:
        raise SystemExit("no exposed module found in the remote entry: has the build changed?")
    chosen = {entry}
    for cid in ids:
        matches = [f for f in files if f.name.startswith(f"{cid}.")]
        if not matches:
            raise SystemExit(f"chunk {cid} of the remote entry not found")
        chosen.update(matches)
    chosen.update(f for f in files if f.name == "style.js")
    return chosen


def main() -> int:
    files = sorted(STATIC.glob("*.js"))
    if not files:
        print(f"no built JS in {STATIC}: run `npm run build:prod` first", file=sys.stderr)
        return 1
    startup = startup_files(files)
    totals = {"start-up": [0, 0], "lazy": [0, 0]}
    for group in ("start-up", "lazy"):
        print(f"{group}:")
        for path in files:
            if (path in startup) != (group == "start-up"):
                continue
            raw, gz = gz_size(path)
            totals[group][0] += raw
            totals[group][1] += gz
            print(f"  {path.name:40s} {raw:>9,d} B raw {gz:>8,d} B gzipped")
    s_raw, s_gz = totals["start-up"]
    l_raw, l_gz = totals["lazy"]
    verdict = "meets" if s_gz <= TARGET_BYTES else "MISSES"
    print(
        f"start-up total {s_raw:>9,d} B raw {s_gz:>8,d} B gzipped ({s_gz / 1024:.1f} KB; target "
        f"<= {TARGET_BYTES // 1024} KB: {verdict}; ratio to target {s_gz / TARGET_BYTES:.2f})"
    )
    print(
        f"lazy total     {l_raw:>9,d} B raw {l_gz:>8,d} B gzipped ({l_gz / 1024:.1f} KB, "
        f"loaded on first use; start-up share of all JS {s_gz / (s_gz + l_gz):.2f})"
    )
    return 0 if s_gz <= TARGET_BYTES else 2


if __name__ == "__main__":
    sys.exit(main())
