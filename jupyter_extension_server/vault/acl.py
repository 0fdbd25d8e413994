"""What the token's resultant ACL (``sys/internal/ui/resultant-acl``) says about one KV mount.

- where listing can start: the literal folder of every ``list``/``scan`` rule under the mount's
  list prefix, glob or exact (``secret/metadata/team/`` as much as ``secret/metadata/team/*``);
- which secrets exact-path rules let the token read;
- which ``read`` grants no LIST can reach (their folder, or a folder above it, was not listed):
  the catalog names them instead of claiming nothing is allowed.

A policy path's *literal folder* is the part before its first glob, cut back to a ``/``:
``team/`` for ``team/*`` and ``team/ab*``, ``''`` for ``+/team/*`` and ``a*``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .kv import KvMount

#: Capabilities that let a folder be listed (root/sudo imply everything).
LISTING = frozenset({"list", "scan", "root", "sudo"})
#: Capabilities that let a secret be read.
READING = frozenset({"read", "root", "sudo"})


def literal_folder(rel: str) -> str:
    """The folder of a policy path (relative to a prefix) before its first ``+`` segment or
    ``*``, ending with ``/`` (``''`` for the top)."""
    cut = rel.find("*")
    if cut >= 0:
        rel = rel[:cut]
    parts = rel.split("/")
    for i, segment in enumerate(parts[:-1]):
        if segment == "+":
            parts = [*parts[:i], ""]
            break
    folder = "/".join(parts[:-1])
    return f"{folder}/" if folder else ""


def _rules(acl: dict[str, Any], kind: str) -> Iterator[tuple[str, set[str], dict[str, Any]]]:
    for path, rule in (acl.get(kind) or {}).items():
        if isinstance(path, str) and isinstance(rule, dict):
            yield path, set(rule.get("capabilities") or []), rule


def start_folders(acl: dict[str, Any], mount: KvMount, prefix: str | None = None) -> list[str]:
    """Folders (relative to the mount) where policy rules allow listing, shallowest first.

    ``prefix`` is the API prefix listed (default: the mount's list prefix).
    """
    prefix = mount.list_prefix if prefix is None else prefix
    folders: set[str] = set()
    for kind in ("glob_paths", "exact_paths"):
        for path, caps, _ in _rules(acl, kind):
            if not caps & LISTING or not path.startswith(prefix):
                continue
            rel = path[len(prefix) :]
            if kind == "exact_paths":
                # `list` on an exact folder: with or without its trailing slash
                folder = rel if rel.endswith("/") or not rel else f"{rel}/"
                if "+" in folder.split("/"):
                    folder = literal_folder(folder)
            else:
                folder = literal_folder(rel)
            if folder:
                folders.add(folder)
    return sorted(folders, key=lambda f: (f.count("/"), f))


def exact_reads(acl: dict[str, Any], mount: KvMount) -> list[str]:
    """Secrets (relative to the mount) that exact-path rules let the token read."""
    found = []
    for path, caps, _ in _rules(acl, "exact_paths"):
        if not caps & READING or not path.startswith(mount.read_prefix):
            continue
        rel = path[len(mount.read_prefix) :]
        if rel and not rel.endswith("/") and "+" not in rel.split("/"):
            found.append(rel)
    return sorted(found)


def read_grants(acl: dict[str, Any], mount: KvMount) -> list[tuple[str, str]]:
    """Glob ``read`` rules on the mount: (the rule's path as written in the ACL, its literal
    folder relative to the mount). Deny rules are not grants."""
    grants = []
    for kind in ("glob_paths", "exact_paths"):
        for path, caps, _ in _rules(acl, kind):
            if not caps & READING or "deny" in caps:
                continue
            glob = kind == "glob_paths" or "+" in path.split("/")
            if not glob:
                continue
            if path.startswith(mount.read_prefix):
                grants.append((path, literal_folder(path[len(mount.read_prefix) :])))
            elif mount.read_prefix.startswith(path) and kind == "glob_paths":
                grants.append((path, ""))  # e.g. `secret/*`: the whole mount
    return sorted(set(grants))


def unbrowsable(grants: list[tuple[str, str]], reached: Callable[[str], bool | None]) -> list[str]:
    """The grants whose literal folder no listing reached.

    ``reached(folder)`` is True when that folder was listed (or scanned, or lies in a scanned
    subtree), False when listing it was denied or failed, None when it was never tried. A folder
    never tried whose nearest tried ancestor was listed holds nothing (the listing would have
    named it): it is reached.
    """
    out = []
    for path, folder in grants:
        current: str | None = folder
        verdict: bool | None = None
        while current is not None:
            verdict = reached(current)
            if verdict is not None:
                break
            current = _parent(current)
        if not verdict:
            out.append(path)
    return out


def _parent(folder: str) -> str | None:
    if not folder:
        return None
    cut = folder[:-1].rfind("/")
    return folder[: cut + 1] if cut >= 0 else ""


def acl_pattern(path: str, acl: dict[str, Any]) -> str:
    """``path`` as the policy wrote it: glob rules get their ``*`` back."""
    return f"{path}*" if path in (acl.get("glob_paths") or {}) and "+" not in path else path
