"""The state of a KV v2 secret from its metadata: live, deleted, destroyed or metadata-only.

KV v2 keeps versions: reading a secret reads its latest version, which may be soft-deleted
(``deletion_time`` in the past), destroyed, or absent (metadata written, no data yet). Such a
secret is listed like any other; its state and a few facts for the secret's details (version
count, last update, ``custom_metadata``) come from ``detailed-metadata/`` (LIST or SCAN, one
request for a whole folder or subtree), from ``metadata/<path>``, or from the metadata KV v2
sends with a 404.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

#: The states a secret row can be marked with.
DELETED = "deleted"
DESTROYED = "destroyed"
METADATA_ONLY = "metadata-only"

_FRACTION = re.compile(r"(\.\d{6})\d+")


def _when(value: Any) -> datetime | None:
    """An RFC 3339 time of Vault (nanoseconds allowed), or None."""
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _gone(version: dict[str, Any], now: datetime) -> str | None:
    if version.get("destroyed"):
        return DESTROYED
    deleted = _when(version.get("deletion_time"))
    if deleted is not None and deleted <= now:
        return DELETED
    return None


def version_state(version: dict[str, Any], now: datetime | None = None) -> str | None:
    """The state of one version's metadata (``{deletion_time, destroyed}``): None when live."""
    return _gone(version, now or datetime.now(UTC))


def secret_state(meta: dict[str, Any], now: datetime | None = None) -> str | None:
    """The state of a secret from its full metadata (``metadata/`` or ``detailed-metadata/``):
    None when its latest version is readable."""
    versions = meta.get("versions") if isinstance(meta.get("versions"), dict) else {}
    current = meta.get("current_version") or 0
    if not versions or not current:
        return METADATA_ONLY
    latest = versions.get(str(current))
    if not isinstance(latest, dict):
        return METADATA_ONLY
    return _gone(latest, now or datetime.now(UTC))


def secret_details(meta: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """What a secret's details show from its full metadata (never a value)."""
    now = now or datetime.now(UTC)
    versions = meta.get("versions") if isinstance(meta.get("versions"), dict) else {}
    live = sum(1 for v in versions.values() if isinstance(v, dict) and _gone(v, now) is None)
    custom = meta.get("custom_metadata")
    return {
        "versions": len(versions),
        "readable_versions": live,
        "current_version": meta.get("current_version") or 0,
        "updated_time": meta.get("updated_time") or None,
        "custom_metadata": custom if isinstance(custom, dict) else {},
        "state": secret_state(meta, now),
    }
