"""Print the gzipped size of the built labextension's JavaScript (target <= 30 KB).

Usage: .venv/bin/python bench/bundle_size.py   (after `npm run build:prod`)
"""

import gzip
import sys
from pathlib import Path

TARGET_BYTES = 30 * 1024
STATIC = Path(__file__).resolve().parent.parent / "jupyter_extension_server/labextension/static"


def main() -> int:
    files = sorted(STATIC.glob("*.js"))
    if not files:
        print(f"no built JS in {STATIC}: run `npm run build:prod` first", file=sys.stderr)
        return 1
    total_raw = total_gz = 0
    for path in files:
        raw = path.read_bytes()
        gz = len(gzip.compress(raw, compresslevel=9))
        total_raw += len(raw)
        total_gz += gz
        print(f"{path.name:40s} {len(raw):>9,d} B raw {gz:>8,d} B gzipped")
    verdict = "meets" if total_gz <= TARGET_BYTES else "MISSES"
    print(
        f"{'total':40s} {total_raw:>9,d} B raw {total_gz:>8,d} B gzipped "
        f"({total_gz / 1024:.1f} KB; target <= {TARGET_BYTES // 1024} KB: {verdict}; "
        f"ratio to target {total_gz / TARGET_BYTES:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
