"""KV secrets engines (v1 and v2): the mounts a token sees, their paths, and a secret's key names.

A KV v2 mount keeps secrets under ``<mount>data/<path>`` (read) and lists them under
``<mount>metadata/<folder>/``; a v1 mount uses ``<mount><path>`` for both. Key names are read
with the secret (KV has no call for names alone): the values stay in this process for the time of
the call and are never returned, logged or cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import (
    BadRequest,
    SecretNotFound,
    VaultJwtError,
    VaultNotFound,
    VaultPermissionDenied,
)
from .api import VaultApi, quote_path
from .kvstate import METADATA_ONLY, secret_details, version_state
from .paths import MAX_NAME_LENGTH, check_secret_name, shown

#: Longest secret path accepted from the browser.
MAX_PATH_LENGTH = MAX_NAME_LENGTH


@dataclass(frozen=True)
class KvMount:
    """A KV secrets engine mount.

    Attributes
    ----------
    path
        Mount path with its trailing slash, e.g. ``secret/``.
    version
        1 or 2.
    description
        The mount's description.
    """

    path: str
    version: int
    description: str = ""

    @property
    def list_prefix(self) -> str:
        """Where folders are listed: ``<mount>metadata/`` (v2) or ``<mount>`` (v1)."""
        return f"{self.path}metadata/" if self.version == 2 else self.path

    @property
    def read_prefix(self) -> str:
        """Where secrets are read: ``<mount>data/`` (v2) or ``<mount>`` (v1)."""
        return f"{self.path}data/" if self.version == 2 else self.path

    def read_path(self, secret: str) -> str:
        """The API path (unquoted) that reads ``secret`` (relative to the mount)."""
        return self.read_prefix + secret


@dataclass(frozen=True)
class SecretKeys:
    """The key names of one secret (never its values).

    Attributes
    ----------
    state
        KV v2: ``deleted``, ``destroyed`` or ``metadata-only`` when the latest version cannot
        be read (then ``keys`` is empty), else None.
    details
        KV v2, where the token may read ``metadata/<path>``: version count, readable versions,
        last update and ``custom_metadata`` (see :func:`.kvstate.secret_details`).
    """

    mount: str
    path: str
    version: int
    keys: list[str]
    metadata: dict[str, Any] | None
    state: str | None = None
    details: dict[str, Any] | None = None


def kv_mounts(reply: dict[str, Any]) -> list[KvMount]:
    """The KV mounts in a ``sys/internal/ui/mounts`` reply, sorted by path.

    The payload is under ``data.secret`` (``data`` itself on some older servers); a mount is KV v2
    when ``options.version == "2"``, else v1.
    """
    data = reply.get("data") or {}
    secret = data.get("secret") if isinstance(data.get("secret"), dict) else data
    mounts = []
    for path, mount in (secret or {}).items():
        if not isinstance(mount, dict) or mount.get("type") not in ("kv", "generic"):
            continue
        options = mount.get("options") or {}
        version = 2 if str(options.get("version", "1")) == "2" else 1
        name = path if path.endswith("/") else f"{path}/"
        mounts.append(KvMount(name, version, str(mount.get("description") or "")))
    return sorted(mounts, key=lambda m: m.path)


async def fetch_kv_mounts(api: VaultApi, token: str) -> list[KvMount]:
    """``GET sys/internal/ui/mounts``: the KV mounts the token may use."""
    return kv_mounts(await api.request("GET", "sys/internal/ui/mounts", token=token))


def check_secret_path(path: str) -> str:
    """Validate a secret path from the browser (relative to its mount).

    Raises
    ------
    BadRequest
        When it is empty or a folder.
    UnsafePath
        When it is too long, or has an empty, ``.`` or ``..`` segment, a backslash or a control
        character (see :mod:`.paths`).
    """
    if not path or path.endswith("/"):
        raise BadRequest("Give the path of one secret, relative to its mount (e.g. app/db).")
    return check_secret_name(path, "secret path")


def check_mount_name(mount: str) -> str:
    """Validate a mount name from the browser (``secret`` or ``secret/``).

    Raises
    ------
    BadRequest
        When it is empty.
    UnsafePath
        As :func:`check_secret_path` (one trailing ``/`` is allowed).
    """
    if not mount or mount == "/":
        raise BadRequest("Give the KV mount of the secret (e.g. secret/).")
    return check_secret_name(mount, "mount", trailing_slash=True)


async def _details(api: VaultApi, token: str, mount: KvMount, path: str) -> dict | None:
    """``GET <mount>metadata/<path>`` made into the secret's details, or None (not allowed,
    absent, or failing: details are optional)."""
    try:
        reply = await api.request("GET", quote_path(f"{mount.path}metadata/{path}"), token=token)
    except VaultJwtError:
        return None
    meta = reply.get("data")
    return secret_details(meta) if isinstance(meta, dict) else None


async def read_key_names(
    api: VaultApi, token: str, mount: KvMount, path: str, known: dict[str, Any] | None = None
) -> SecretKeys:
    """Read a secret and return its key names and (v2) version metadata, never the values.

    A KV v2 secret whose latest version is deleted or destroyed, or which has metadata and no
    data, is returned with its ``state`` and no keys (an older version may still be readable:
    ``details`` says how many are). ``known`` details (from the catalog's ``detailed-metadata/``
    listing) spare the request for ``metadata/<path>``.

    Raises
    ------
    SecretNotFound
        When nothing is at that path.
    VaultPermissionDenied
        When the token may not read it.
    """
    where = shown(f"{mount.path}{path}", 200)
    try:
        reply = await api.request("GET", quote_path(mount.read_path(path)), token=token)
    except VaultNotFound as e:
        if mount.version != 2:
            raise SecretNotFound(f"There is no secret at {where}.") from e
        details = known or await _details(api, token, mount, path)
        state = (details or {}).get("state")
        if state is None and e.kv_metadata:
            state = version_state(e.kv_metadata)
        if state is None:
            raise SecretNotFound(
                f"There is no secret at {where} (or it was deleted, and your policies do not "
                "allow reading its metadata to tell)."
            ) from e
        return SecretKeys(mount.path, path, 2, [], e.kv_metadata, state, details)
    except VaultPermissionDenied as e:
        raise VaultPermissionDenied(
            f"Your Vault policies do not allow reading {where}.", e.vault_status, e.errors
        ) from e
    data = reply.get("data") or {}
    metadata = None
    details = None
    if mount.version == 2:
        raw = data.get("metadata") or {}
        metadata = {
            key: raw.get(key)
            for key in ("version", "created_time", "deletion_time", "destroyed")
            if key in raw
        }
        data = data.get("data")
        details = known or await _details(api, token, mount, path)
        if details is None and isinstance(raw.get("custom_metadata"), dict):
            details = {"custom_metadata": raw["custom_metadata"]}
        if data is None:
            state = version_state(raw) or (details or {}).get("state") or METADATA_ONLY
            return SecretKeys(mount.path, path, 2, [], metadata, state, details)
    keys = sorted(str(k) for k in data) if isinstance(data, dict) else []
    return SecretKeys(mount.path, path, mount.version, keys, metadata, None, details)
