"""The packaging check of the bundle's third-party licences: the labextension's
third-party-licenses.json, as installed, names every package bundled from node_modules (at least
the runtime dependencies that JupyterLab does not share: jose, qrcode-generator) with a licence id
and its text. Exit 1 with what is missing.

Usage: python scripts/check_licenses.py [PATH to third-party-licenses.json]
(default: the installed copy, found through ``jupyter --data-dir``-style paths of this Python)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_path

NAME = "jupyterlab-vault-jwt"
#: Bundled runtime dependencies (package.json dependencies that JupyterLab does not provide).
BUNDLED = ("jose", "qrcode-generator")


def find_report() -> Path:
    for base in jupyter_path("labextensions"):
        report = Path(base) / NAME / "static" / "third-party-licenses.json"
        if report.is_file():
            return report
    raise SystemExit(f"no installed {NAME} labextension with a third-party-licenses.json")


def main(argv: list[str]) -> int:
    report = Path(argv[1]) if len(argv) > 1 else find_report()
    packages = {entry["name"]: entry for entry in json.loads(report.read_text())["packages"]}
    problems = [f"{name}: not listed" for name in BUNDLED if name not in packages]
    for name, entry in sorted(packages.items()):
        if not entry.get("licenseId"):
            problems.append(f"{name}: no licence id")
        if not entry.get("extractedText", "").strip():
            problems.append(f"{name}: no licence text")
    if problems:
        print(f"{report}:", *problems, sep="\n  ")
        return 1
    print(f"{report}: {len(packages)} packages, each with its licence text: {', '.join(packages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
