"""Secret paths the user added by hand, remembered per user on the server side.

Where grants sit below folders no policy lets the user list, no walk can find the secrets: the
user names them. They are kept in one JSON file in the user's Jupyter data directory (the
single-user server runs as the user), mode 0600 in a 0700 folder, per Vault server and
namespace::

    {"version": 1, "servers": {"https://vault.example.org\\u0000team": {"secret/": ["a/b"]}}}

Only names are stored (never a token or a value). A path is checked readable with
``sys/capabilities-self`` when added and again with every catalog build (see
:mod:`.catalog`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

#: Most paths remembered per Vault server (the file stays small).
MAX_PATHS = 1000


class ManualPaths:
    """The paths added by hand, in ``file``.

    Parameters
    ----------
    file
        The JSON file (created on the first addition, with its folder).
    """

    def __init__(self, file: str | Path) -> None:
        self.file = Path(file)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"version": 1, "servers": {}}
        if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
            return {"version": 1, "servers": {}}
        return data

    def _write(self, data: dict[str, Any]) -> None:
        folder = self.file.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".manual-", dir=folder)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, sort_keys=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def paths(self, server: str) -> dict[str, list[str]]:
        """Mount -> paths added for ``server`` (address and namespace)."""
        mounts = self._read()["servers"].get(server) or {}
        return {
            str(mount): sorted(p for p in paths if isinstance(p, str))
            for mount, paths in mounts.items()
            if isinstance(paths, list)
        }

    def add(self, server: str, mount: str, path: str) -> bool:
        """Remember ``path`` under ``mount``; False when it was already there.

        Raises
        ------
        ValueError
            When ``MAX_PATHS`` paths are already remembered for the server.
        """
        data = self._read()
        mounts = data["servers"].setdefault(server, {})
        paths = mounts.setdefault(mount, [])
        if path in paths:
            return False
        if sum(len(p) for p in mounts.values()) >= MAX_PATHS:
            raise ValueError(f"At most {MAX_PATHS} paths can be added by hand.")
        paths.append(path)
        paths.sort()
        self._write(data)
        return True

    def remove(self, server: str, mount: str, path: str) -> bool:
        """Forget ``path``; False when it was not there."""
        data = self._read()
        paths = (data["servers"].get(server) or {}).get(mount) or []
        if path not in paths:
            return False
        paths.remove(path)
        if not paths:
            del data["servers"][server][mount]
        self._write(data)
        return True
