"""The catalog: every KV (v1 and v2) secret path the Vault token can read, found in few requests.

1. ``GET sys/internal/ui/mounts`` (KV mounts) and ``GET sys/internal/ui/resultant-acl`` (the
   token's merged policy), together.
2. Starting folders per mount: its root, plus each folder of a policy glob under the mount's list
   prefix (``list`` on ``secret/metadata/team/*`` without ``list`` on the root still shows
   ``team/``). One batched ``POST sys/capabilities-self`` tells which of them may be listed, and
   which may be scanned.
3. OpenBao (>= 2.2) ``SCAN`` lists a whole subtree in one request where the token has ``scan``;
   elsewhere a breadth-first ``LIST`` per folder, ``concurrency`` requests at a time. 404 is an
   empty folder; 403 ends that branch. LIST results are not ACL-filtered, so:
4. batched ``POST sys/capabilities-self`` on the read paths (``batch_size`` per request) keeps
   the paths with ``read`` (or ``root``);
5. exact-path ``read`` grants of the resultant ACL add secrets that are readable but not listable.

Requests: mounts + resultant-acl + 1 capabilities + one per listed folder (or one per scanned
subtree) + ceil(leaves / batch_size). Results are cached per Vault token for ``cache_ttl``.
Names are data: every path goes into a URL through :func:`~.api.quote_path`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import time
from dataclasses import dataclass, field
from typing import Any

from traitlets import Bool, Float, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from ..errors import (
    BadRequest,
    VaultHttpError,
    VaultJwtError,
    VaultNotFound,
    VaultPermissionDenied,
)
from ..singleflight import SingleFlight
from .api import LIST, SCAN, VaultApi, quote_path
from .kv import (
    KvMount,
    SecretKeys,
    check_mount_name,
    check_secret_path,
    kv_mounts,
    read_key_names,
)
from .paths import shown, unsafe_reason
from .session import VaultSession


@dataclass
class MountCatalog:
    """The readable secrets of one KV mount.

    Attributes
    ----------
    mount
        The mount.
    method
        ``scan``, ``list`` (or both: ``scan+list``), or ``none`` (nothing could be listed).
    secrets
        Readable secret paths found by listing, relative to the mount, sorted.
    unlisted
        Readable by an exact-path grant, not found by listing (the folder is not listable).
    error
        What went wrong on this mount (the other mounts are still listed), or None.
    """

    mount: KvMount
    method: str = "none"
    secrets: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    error: VaultJwtError | None = None


@dataclass
class Catalog:
    """Every readable secret of every KV mount, as of ``generated_at``."""

    mounts: list[MountCatalog]
    generated_at: float
    requests: int
    duration: float
    accessor: str | None = None

    def mount(self, path: str) -> KvMount | None:
        """The mount at ``path`` (with or without its trailing slash), or None."""
        name = path if path.endswith("/") else f"{path}/"
        return next((m.mount for m in self.mounts if m.mount.path == name), None)


class SecretCatalog(LoggingConfigurable):
    """Builds and caches the catalog of the session's token. Configure with ``c.SecretCatalog``."""

    include_mounts = List(
        Unicode(),
        config=True,
        help="KV mounts to list, as fnmatch patterns of their paths (e.g. 'secret', 'team-*'). "
        "Empty: every KV mount the token sees.",
    )
    exclude_mounts = List(
        Unicode(),
        config=True,
        help="KV mounts never to list (fnmatch patterns of their paths); applied after "
        "include_mounts.",
    )
    concurrency = Int(
        8,
        config=True,
        help="How many LIST / capabilities requests run at once while building the catalog.",
    )
    batch_size = Int(
        500,
        config=True,
        help="How many paths one sys/capabilities-self request checks.",
    )
    cache_ttl = Float(
        300.0,
        config=True,
        help="How long a catalog is reused for the same Vault token, in seconds "
        "(Reload catalog builds a new one).",
    )
    use_scan = Bool(
        True,
        config=True,
        help="Use OpenBao's SCAN (one request per subtree) where the token has the 'scan' "
        "capability; LIST otherwise.",
    )

    def __init__(self, session: VaultSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = session
        self._cache: dict[str, Catalog] = {}
        self._flight: SingleFlight[Catalog] = SingleFlight()

    async def get(self, *, refresh: bool = False) -> tuple[Catalog, bool]:
        """The catalog of the current token: cached, or built (concurrent callers share one).

        Returns
        -------
        tuple
            The catalog, and whether it came from the cache.
        """
        self._session.require_token()
        accessor = self._session.accessor
        cached = self._cache.get(accessor or "")
        if (
            cached is not None
            and not refresh
            and time.time() - cached.generated_at < self.cache_ttl
        ):
            return cached, True
        catalog = await self._flight.run(lambda: self._session.run(self._build_for))
        self._cache = {catalog.accessor or "": catalog}
        return catalog, False

    async def key_names(self, mount: str, path: str) -> SecretKeys:
        """The key names of one secret (never its values).

        Both names are checked before anything is sent (:mod:`.paths`).
        """
        check_mount_name(mount)
        check_secret_path(path)

        async def read(token: str) -> SecretKeys:
            catalog = self._cache.get(self._session.accessor or "")
            kv = catalog.mount(mount) if catalog else None
            if kv is None:
                mounts = kv_mounts(
                    await self._session.api.request("GET", "sys/internal/ui/mounts", token=token)
                )
                name = mount if mount.endswith("/") else f"{mount}/"
                kv = next((m for m in mounts if m.path == name), None)
            if kv is None:
                raise BadRequest(f"'{shown(mount)}' is not a KV mount you can see in Vault.")
            return await read_key_names(self._session.api, token, kv, path)

        return await self._session.run(read)

    async def _build_for(self, token: str) -> Catalog:
        catalog = await CatalogBuilder(
            self._session.api,
            token,
            concurrency=self.concurrency,
            batch_size=self.batch_size,
            use_scan=self.use_scan,
            include=self.include_mounts,
            exclude=self.exclude_mounts,
        ).build()
        catalog.accessor = self._session.accessor
        total = sum(len(m.secrets) + len(m.unlisted) for m in catalog.mounts)
        self.log.info(
            "jupyterlab-vault-jwt: catalog of %d readable secrets in %d mounts: %d requests, "
            "%.2f s",
            total,
            len(catalog.mounts),
            catalog.requests,
            catalog.duration,
        )
        return catalog


def _glob_folders(acl: dict[str, Any], mount: KvMount) -> list[str]:
    """Folders (relative to the mount) that policy globs under its list prefix name."""
    folders = set()
    for path, rule in (acl.get("glob_paths") or {}).items():
        caps = set((rule or {}).get("capabilities") or [])
        if not caps & {"list", "scan", "root", "sudo"} or not path.startswith(mount.list_prefix):
            continue
        rel = path[len(mount.list_prefix) :]
        folder = rel[: rel.rfind("/") + 1] if "/" in rel else ""
        if folder:
            folders.add(folder)
    return sorted(folders, key=lambda f: (f.count("/"), f))


def _exact_reads(acl: dict[str, Any], mount: KvMount) -> list[str]:
    """Secrets (relative to the mount) that exact-path policy rules let the token read."""
    found = []
    for path, rule in (acl.get("exact_paths") or {}).items():
        caps = set((rule or {}).get("capabilities") or [])
        if not caps & {"read", "root"} or not path.startswith(mount.read_prefix):
            continue
        rel = path[len(mount.read_prefix) :]
        if rel and not rel.endswith("/"):
            found.append(rel)
    return found


def _matches(path: str, patterns: list[str]) -> bool:
    bare = path.rstrip("/")
    return any(fnmatch.fnmatchcase(bare, p.rstrip("/")) for p in patterns)


class CatalogBuilder:
    """One build of the catalog for one token (see the module docstring for the algorithm).

    Parameters
    ----------
    api
        The Vault API.
    token
        The Vault token (never logged).
    concurrency
        Requests in flight at once.
    batch_size
        Paths per ``sys/capabilities-self`` request.
    use_scan
        Use ``SCAN`` where allowed.
    include, exclude
        fnmatch patterns of mount paths.
    """

    def __init__(
        self,
        api: VaultApi,
        token: str,
        *,
        concurrency: int = 8,
        batch_size: int = 500,
        use_scan: bool = True,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> None:
        self._api = api
        self._token = token
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._concurrency = max(1, concurrency)
        self._batch_size = max(1, batch_size)
        self._use_scan = use_scan
        self._include = list(include or [])
        self._exclude = list(exclude or [])
        self.requests = 0

    async def _call(
        self, method: str, path: str, json: Any = None, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        async with self._limit:
            self.requests += 1
            return await self._api.request(
                method, path, token=self._token, json=json, params=params
            )

    async def build(self) -> Catalog:
        """Build the catalog.

        Raises
        ------
        VaultPermissionDenied
            When the token may not read ``sys/internal/ui/mounts`` (it is no longer valid).
        VaultJwtError
            Other failures that concern the whole catalog (unreachable, sealed, timeout...).
        """
        started = time.monotonic()
        mounts_reply, acl = await asyncio.gather(
            self._call("GET", "sys/internal/ui/mounts"), self._resultant_acl()
        )
        mounts = [
            m
            for m in kv_mounts(mounts_reply)
            if (not self._include or _matches(m.path, self._include))
            and not _matches(m.path, self._exclude)
        ]
        results = [MountCatalog(m) for m in mounts]
        starts = {m.path: ["", *_glob_folders(acl, m)] for m in mounts}
        caps = await self._capabilities(
            [m.list_prefix + folder for m in mounts for folder in starts[m.path]]
        )
        leaves = _ReadChecker(self, mounts)
        list_jobs: list[tuple[MountCatalog, str]] = []
        scan_jobs = []
        for result in results:
            mount = result.mount
            scanned: list[str] = []
            for folder in starts[mount.path]:
                if any(folder.startswith(s) for s in scanned):
                    continue
                allowed = set(caps.get(mount.list_prefix + folder, []))
                if self._use_scan and allowed & {"scan", "root"}:
                    scanned.append(folder)
                    scan_jobs.append((result, folder))
                elif allowed & {"list", "root"}:
                    list_jobs.append((result, folder))
            if not scanned and not any(r is result for r, _ in list_jobs):
                result.error = VaultPermissionDenied(
                    f"Your Vault policies allow no listing on {mount.path}.", 403
                )
        fallback = await asyncio.gather(*(self._scan(r, f, leaves) for r, f in scan_jobs))
        scanned = {
            (r.mount.path, f) for (r, f), back in zip(scan_jobs, fallback, strict=True) if not back
        }
        list_jobs.extend(job for job in fallback if job is not None)
        try:
            await self._walk(list_jobs, leaves, scanned)
            readable = await leaves.finish()
        finally:
            leaves.cancel()
        for result in results:
            mount = result.mount
            result.secrets = sorted(readable[mount.path])
            result.unlisted = sorted(set(_exact_reads(acl, mount)) - readable[mount.path])
            if result.unlisted and isinstance(result.error, VaultPermissionDenied):
                result.error = None
        return Catalog(results, time.time(), self.requests, time.monotonic() - started)

    async def _resultant_acl(self) -> dict[str, Any]:
        try:
            reply = await self._call("GET", "sys/internal/ui/resultant-acl")
        except VaultPermissionDenied:
            raise
        except VaultHttpError:
            return {}  # an old server without it: exact-path grants are not found
        return reply.get("data") or {}

    async def _capabilities(self, paths: list[str]) -> dict[str, list[str]]:
        """``sys/capabilities-self`` for many paths, ``batch_size`` per request."""
        unique = list(dict.fromkeys(paths))
        batches = [
            unique[i : i + self._batch_size] for i in range(0, len(unique), self._batch_size)
        ]
        replies = await asyncio.gather(
            *(self._call("POST", "sys/capabilities-self", json={"paths": b}) for b in batches)
        )
        caps: dict[str, list[str]] = {}
        for batch, reply in zip(batches, replies, strict=True):
            data = reply.get("data") if isinstance(reply.get("data"), dict) else reply
            for path in batch:
                value = data.get(path)
                if value is None and len(batch) == 1:
                    value = data.get("capabilities")
                caps[path] = list(value or [])
        return caps

    async def _scan(
        self, result: MountCatalog, folder: str, leaves: _ReadChecker
    ) -> tuple[MountCatalog, str] | None:
        """SCAN one subtree; on failure return it as a LIST job instead."""
        mount = result.mount
        try:
            reply = await self._call(SCAN, quote_path(mount.list_prefix + folder))
        except VaultNotFound:
            result.method = _method(result.method, "scan")
            return None
        except VaultHttpError:  # not OpenBao >= 2.2, or scan refused after all: LIST instead
            return (result, folder)
        result.method = _method(result.method, "scan")
        for key in (reply.get("data") or {}).get("keys") or []:
            if isinstance(key, str) and key and not key.endswith("/"):
                leaves.add(mount, folder + key)
        return None

    async def _walk(
        self,
        jobs: list[tuple[MountCatalog, str]],
        leaves: _ReadChecker,
        scanned: set[tuple[str, str]],
    ) -> None:
        """Breadth-first LIST from the given folders, ``concurrency`` at a time."""
        queue: asyncio.Queue[tuple[MountCatalog, str]] = asyncio.Queue()
        seen: set[tuple[str, str]] = set(scanned)  # a scanned subtree is not listed again
        for result, folder in jobs:
            if (result.mount.path, folder) not in seen:
                seen.add((result.mount.path, folder))
                queue.put_nowait((result, folder))
        failures: dict[str, list[VaultJwtError]] = {}

        async def worker() -> None:
            while True:
                result, folder = await queue.get()
                try:
                    await self._list_one(result, folder, leaves, queue, seen)
                except VaultPermissionDenied:
                    pass  # no list here: this branch ends
                except VaultJwtError as e:
                    failures.setdefault(result.mount.path, []).append(e)
                finally:
                    queue.task_done()

        if queue.empty():
            return
        workers = [asyncio.ensure_future(worker()) for _ in range(self._concurrency)]
        try:
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        for result, _ in jobs:
            errors = failures.pop(result.mount.path, None)
            if errors:
                result.error = errors[0].with_message(
                    f"{len(errors)} folder(s) of {result.mount.path} could not be listed: "
                    f"{errors[0].message}"
                )

    async def _list_one(
        self,
        result: MountCatalog,
        folder: str,
        leaves: _ReadChecker,
        queue: asyncio.Queue[tuple[MountCatalog, str]],
        seen: set[tuple[str, str]],
    ) -> None:
        mount = result.mount
        try:
            reply = await self._call(LIST, quote_path(mount.list_prefix + folder))
        except VaultNotFound:
            result.method = _method(result.method, "list")
            return
        result.method = _method(result.method, "list")
        for key in (reply.get("data") or {}).get("keys") or []:
            if not isinstance(key, str) or not key:
                continue
            if key.endswith("/"):
                sub = folder + key
                if unsafe_reason(sub, trailing_slash=True):
                    continue  # a folder no URL may carry (see .paths): it cannot be listed
                if (mount.path, sub) not in seen:
                    seen.add((mount.path, sub))
                    queue.put_nowait((result, sub))
            else:
                leaves.add(mount, folder + key)


class _ReadChecker:
    """Collects the leaves found by SCAN and LIST and checks ``read`` on them in batches.

    A batch is sent as soon as ``batch_size`` new leaves are collected, so the capability
    checks (OpenBao evaluates each path on its own: the costliest part) run while the walk
    goes on; :meth:`finish` sends the rest and waits. Batches are only ever cut full, so the
    request count stays ceil(leaves / batch_size).
    """

    def __init__(self, builder: CatalogBuilder, mounts: list[KvMount]) -> None:
        self._builder = builder
        self._seen: dict[str, set[str]] = {m.path: set() for m in mounts}
        self._pending: dict[str, tuple[str, str]] = {}
        self._batches: list[asyncio.Task[dict[str, list[str]]]] = []
        self._sent: list[dict[str, tuple[str, str]]] = []

    def add(self, mount: KvMount, leaf: str) -> None:
        """Queue one leaf (duplicates are ignored)."""
        seen = self._seen[mount.path]
        if leaf in seen:
            return
        seen.add(leaf)
        self._pending[mount.read_path(leaf)] = (mount.path, leaf)
        if len(self._pending) >= self._builder._batch_size:
            self._send()

    def _send(self) -> None:
        batch, self._pending = self._pending, {}
        self._sent.append(batch)
        self._batches.append(asyncio.ensure_future(self._builder._capabilities(list(batch))))

    def cancel(self) -> None:
        """Cancel the batches still in flight (after a failure elsewhere)."""
        for task in self._batches:
            task.cancel()

    async def finish(self) -> dict[str, set[str]]:
        """Check the rest; the readable leaves per mount."""
        if self._pending:
            self._send()
        replies = await asyncio.gather(*self._batches)
        readable: dict[str, set[str]] = {mount: set() for mount in self._seen}
        for batch, caps in zip(self._sent, replies, strict=True):
            for path, (mount, leaf) in batch.items():
                if set(caps.get(path, [])) & {"read", "root"}:
                    readable[mount].add(leaf)
        return readable


def _method(current: str, used: str) -> str:
    if current in ("none", used):
        return used
    return "scan+list"


def expected_requests(folders: int, leaves: int, batch_size: int = 500) -> int:
    """The request budget of a LIST build: folders + ceil(leaves / batch) + 3."""
    return folders + math.ceil(leaves / batch_size) + 3
