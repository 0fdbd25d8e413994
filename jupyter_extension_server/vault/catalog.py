"""The catalog: every KV (v1 and v2) secret path the Vault token can read, found in few requests.

1. ``GET sys/internal/ui/mounts`` (KV mounts) and ``GET sys/internal/ui/resultant-acl`` (the
   token's merged policy), together. Without the resultant ACL (a token lacking OpenBao's
   ``default`` policy gets 403) listing starts at each mount's root, and the catalog says so.
2. Starting folders per mount: its root, plus the literal folder of each ``list``/``scan`` rule
   under the mount's list prefix, glob or exact (:mod:`.acl`). One batched
   ``POST sys/capabilities-self`` tells which may be listed or scanned, under
   ``detailed-metadata/`` (KV v2: each secret's versions come with the listing) or
   ``metadata/``.
3. OpenBao (>= 2.2) ``SCAN`` lists a whole subtree in one request where the token has ``scan``;
   elsewhere a breadth-first ``LIST`` per folder, ``concurrency`` requests at a time. 404 is an
   empty folder; 403 ends that branch. LIST results are not ACL-filtered, so:
4. batched ``POST sys/capabilities-self`` on the read paths (``batch_size`` per request) keeps
   the paths with ``read`` (or ``root``). OpenBao answers for the path with trailing whitespace
   trimmed, so a name ending in whitespace is checked by reading it instead. Mounts configured
   as ``filtered_listings`` skip this: OpenBao (2.4+, ``list_scan_response_keys_filter_path`` on
   the read path) already filtered what LIST and SCAN returned there; its resultant ACL does not
   report such filters, so the administrator names the mounts.
5. exact-path ``read`` grants of the resultant ACL not found by listing are read once: a
   secret that does not exist is not shown; a deleted or destroyed one is marked.
6. read grants that no listing reached are named (``unbrowsable``), so the user can add such a
   path by hand.

A request failing with a timeout, a transport error, 429 or 5xx is sent again with back-off
(``retries``); a part still failing is left out and named (``MountCatalog.missing``), the rest
is kept. Only a failure of ``sys/internal/ui/mounts`` fails the catalog (at once: it is not
retried here, the browser reads the catalog again later).

Requests: mounts + resultant-acl + 1 capabilities + one per listed folder (or one per scanned
subtree) + ceil(leaves / batch_size). Results are cached per Vault token for ``cache_ttl``.
Names are data: every path goes into a URL through :func:`~.api.quote_path`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from traitlets import Bool, Float, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from ..errors import (
    BadRequest,
    VaultHttpError,
    VaultJwtError,
    VaultNotFound,
    VaultPermissionDenied,
    VaultReplyTooLarge,
    VaultTimeout,
    VaultUnreachable,
)
from ..singleflight import SingleFlight
from .acl import acl_pattern, exact_reads, read_grants, start_folders, unbrowsable
from .api import LIST, SCAN, VaultApi, quote_path
from .kv import (
    KvMount,
    SecretKeys,
    check_mount_name,
    check_secret_path,
    kv_mounts,
    read_key_names,
)
from .kvstate import secret_details, version_state
from .manual import ManualPaths
from .paths import shown, unsafe_reason
from .session import VaultSession


@dataclass(frozen=True)
class Missing:
    """A part of a mount that could not be read while building the catalog.

    Attributes
    ----------
    path
        The folder, subtree or secret, relative to the mount (``''``: the mount).
    what
        ``folder`` (its LIST failed), ``subtree`` (its SCAN failed), ``secret`` (reading it to
        check it failed) or ``read-check`` (capability checks of listed secrets failed).
    reason
        The error's message.
    """

    path: str
    what: str
    reason: str


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
    unchecked
        Listed, but their read access could not be checked (``capabilities-self`` denied or
        failed): reading one may be denied.
    states
        KV v2 secrets whose latest version is not readable: path -> ``deleted``,
        ``destroyed`` or ``metadata-only`` (see :mod:`.kvstate`).
    details
        KV v2 facts per secret where ``detailed-metadata/`` gave them: version count, last
        update, ``custom_metadata``.
    unbrowsable
        Read grants of the resultant ACL (as the policy writes them) that no listing reaches.
    missing
        Parts that could not be read (after retries): which, and why.
    manual
        Paths the user added by hand (:mod:`.manual`) that the token may read, not found
        otherwise.
    error
        Why nothing of this mount could be listed, or None.
    """

    mount: KvMount
    method: str = "none"
    secrets: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    unbrowsable: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    error: VaultJwtError | None = None


@dataclass
class Catalog:
    """Every readable secret of every KV mount, as of ``generated_at``."""

    mounts: list[MountCatalog]
    generated_at: float
    requests: int
    duration: float
    accessor: str | None = None
    notices: list[str] = field(default_factory=list)
    retried: int = 0
    #: The reply's JSON, once built (see ``handlers.catalog_body``); None after a change.
    encoded: bytes | None = None

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
    retries = Int(
        2,
        config=True,
        help="How many more times a catalog request is sent after a timeout, a transport "
        "failure, 429 or 5xx (a part still failing is left out and named in the reply).",
    )
    retry_backoff = Float(
        0.5,
        config=True,
        help="The first wait before such a retry, in seconds (doubled for each next one).",
    )

    filtered_listings = List(
        Unicode(),
        config=True,
        help="KV mounts (fnmatch patterns of their paths) whose list and scan policy rules carry "
        "OpenBao's list_scan_response_keys_filter_path pointing at the read path (KV v2 "
        "'<mount>/data/' + key), so that LIST and SCAN there return only what the token may "
        "read: the sys/capabilities-self check of the secrets listed there is skipped. OpenBao's "
        "resultant ACL does not say which rules filter, hence this setting; leave it empty unless "
        "every policy that lets users list such a mount filters it so (otherwise a listed secret "
        "the user may not read would be shown).",
    )

    manual_paths_file = Unicode(
        "",
        config=True,
        help="Where the secret paths the user added by hand are remembered (JSON, mode 0600). "
        "Empty: manual-paths.json in jupyterlab-vault-jwt/ under the Jupyter data directory.",
    )

    def __init__(self, session: VaultSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = session
        self._cache: dict[str, Catalog] = {}
        self._flight: SingleFlight[Catalog] = SingleFlight()
        file = self.manual_paths_file or os.path.join(
            jupyter_data_dir(), "jupyterlab-vault-jwt", "manual-paths.json"
        )
        self._manual = ManualPaths(file)

    @property
    def _server(self) -> str:
        """The key of the paths added by hand: the Vault server and namespace."""
        return f"{self._session.api.address}\0{self._session.api.namespace}"

    async def _kv_mount(self, token: str, mount: str) -> KvMount:
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
        return kv

    async def add_manual(self, mount: str, path: str) -> tuple[str, str]:
        """Add a secret path by hand, once ``sys/capabilities-self`` (or, for a name ending in
        whitespace, a read) says the token may read it; the cached catalog shows it at once.

        Returns
        -------
        tuple
            The mount (with its slash) and the path.

        Raises
        ------
        VaultPermissionDenied
            When the token may not read it (nothing is remembered).
        BadRequest, UnsafePath
            For a name that is not a secret path, or a mount that is not KV.
        """
        check_mount_name(mount)
        check_secret_path(path)

        async def add(token: str) -> KvMount:
            kv = await self._kv_mount(token, mount)
            builder = self._builder(token)
            if not (await _readable(builder, kv, [path])):
                raise VaultPermissionDenied(
                    f"Your Vault policies do not allow reading {shown(kv.path + path, 200)}: "
                    "it was not added.",
                    403,
                )
            return kv

        kv = await self._session.run(add)
        try:
            self._manual.add(self._server, kv.path, path)
        except ValueError as e:
            raise BadRequest(str(e)) from e
        catalog = self._cache.get(self._session.accessor or "")
        for result in catalog.mounts if catalog else []:
            if result.mount.path == kv.path and path not in result.secrets:
                result.manual = sorted({*result.manual, path})
                catalog.encoded = None
        return kv.path, path

    async def remove_manual(self, mount: str, path: str) -> bool:
        """Forget a path added by hand (no request to Vault); False when it was not there."""
        check_mount_name(mount)
        check_secret_path(path)
        name = mount if mount.endswith("/") else f"{mount}/"
        removed = self._manual.remove(self._server, name, path)
        catalog = self._cache.get(self._session.accessor or "")
        for result in catalog.mounts if catalog else []:
            if result.mount.path == name and path in result.manual:
                result.manual = [p for p in result.manual if p != path]
                catalog.encoded = None
        return removed

    def _builder(self, token: str) -> CatalogBuilder:
        return CatalogBuilder(
            self._session.api,
            token,
            concurrency=self.concurrency,
            batch_size=self.batch_size,
            use_scan=self.use_scan,
            include=self.include_mounts,
            exclude=self.exclude_mounts,
            retries=self.retries,
            retry_backoff=self.retry_backoff,
            filtered=self.filtered_listings,
        )

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
            kv = await self._kv_mount(token, mount)
            catalog = self._cache.get(self._session.accessor or "")
            listed = next((m for m in catalog.mounts if m.mount == kv), None) if catalog else None
            known = listed.details.get(path) if listed else None
            return await read_key_names(self._session.api, token, kv, path, known)

        return await self._session.run(read)

    async def _build_for(self, token: str) -> Catalog:
        builder = self._builder(token)
        catalog = await builder.build()
        catalog.accessor = self._session.accessor
        added = self._manual.paths(self._server)
        for result in catalog.mounts:
            known = {*result.secrets, *result.unlisted}
            wanted = [p for p in added.get(result.mount.path, []) if p not in known]
            if not wanted:
                continue
            try:
                result.manual = sorted(await _readable(builder, result.mount, wanted))
            except VaultJwtError as e:
                result.missing.append(
                    Missing("", "manual", f"The paths added by hand could not be checked: {e}")
                )
            catalog.requests = builder.requests
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


def _matches(path: str, patterns: list[str]) -> bool:
    bare = path.rstrip("/")
    return any(fnmatch.fnmatchcase(bare, p.rstrip("/")) for p in patterns)


#: Vault statuses worth another try (Vault or a proxy was busy or restarting).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retryable(error: VaultJwtError) -> bool:
    """Whether a failed request may succeed when sent again (timeouts, transport failures,
    429 and 5xx); a denial, a 404, a sealed Vault or a refused path may not."""
    if isinstance(error, VaultTimeout | VaultUnreachable):
        return True
    return (
        isinstance(error, VaultHttpError)
        and not isinstance(error, VaultPermissionDenied | VaultNotFound)
        and error.vault_status in RETRY_STATUSES
    )


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
    retries
        How many more times a request that failed in a retryable way is sent.
    retry_backoff
        The first wait before a retry, in seconds (doubled for each next one).
    filtered
        fnmatch patterns of mounts whose listings OpenBao filters to what the token may read
        (``list_scan_response_keys_filter_path`` on the read path): their leaves are not checked
        with ``capabilities-self``.
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
        retries: int = 2,
        retry_backoff: float = 0.5,
        filtered: list[str] | None = None,
    ) -> None:
        self._api = api
        self._token = token
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._concurrency = max(1, concurrency)
        self._batch_size = max(1, batch_size)
        self._use_scan = use_scan
        self._include = list(include or [])
        self._exclude = list(exclude or [])
        self._filtered = list(filtered or [])
        self._retries = max(0, retries)
        self._backoff = max(0.0, retry_backoff)
        self.requests = 0
        self.retried = 0
        self.notices: list[str] = []
        self._listed: dict[str, dict[str, bool]] = {}  # mount -> folder -> listed (or denied)
        self._scanned: dict[str, list[str]] = {}
        self._capabilities_denied = False

    async def _call(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        *,
        retry: bool = True,
    ) -> dict[str, Any]:
        """One request, sent again (with back-off) when it fails in a retryable way."""
        attempt = 0
        while True:
            try:
                async with self._limit:
                    self.requests += 1
                    return await self._api.request(
                        method, path, token=self._token, json=json, params=params
                    )
            except VaultJwtError as e:
                if not retry or attempt >= self._retries or not retryable(e):
                    raise
            attempt += 1
            self.retried += 1
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))

    async def build(self) -> Catalog:
        """Build the catalog.

        Raises
        ------
        VaultPermissionDenied
            When the token may not read ``sys/internal/ui/mounts`` (it is no longer valid).
        VaultJwtError
            Other failures of ``sys/internal/ui/mounts`` (unreachable, sealed, timeout...); any
            later request that fails only leaves its part out (see ``MountCatalog.missing``).
        """
        started = time.monotonic()
        # Not retried here: when it fails, the catalog fails at once (the browser reads it again
        # later by itself), and the resultant ACL is not waited for.
        acl_task = asyncio.ensure_future(self._resultant_acl())
        try:
            mounts_reply = await self._call("GET", "sys/internal/ui/mounts", retry=False)
        except BaseException:
            acl_task.cancel()
            raise
        acl = await acl_task
        mounts = [
            m
            for m in kv_mounts(mounts_reply)
            if (not self._include or _matches(m.path, self._include))
            and not _matches(m.path, self._exclude)
        ]
        results = [MountCatalog(m) for m in mounts]
        for m in mounts:
            self._listed[m.path] = {}
            self._scanned[m.path] = []
        starts = {m.path: _starts(acl or {}, m) for m in mounts}
        exact = {"exact_paths": (acl or {}).get("exact_paths")}
        exact_lists = {m.path: set(_starts(exact, m)) - {""} for m in mounts}
        probe = [
            prefix + folder for m in mounts for folder in starts[m.path] for prefix in _prefixes(m)
        ]
        caps, failed = await self._capabilities(probe)
        if failed is not None:
            self._note_capabilities(failed, "the starting folders")
        leaves = _ReadChecker(self, mounts)
        list_jobs: list[tuple[MountCatalog, str, str]] = []
        scan_jobs: list[tuple[MountCatalog, str, str]] = []
        for result in results:
            mount = result.mount
            scanned: list[str] = []
            for folder in starts[mount.path]:
                if any(folder.startswith(s) for s in scanned):
                    continue
                job = self._start_job(
                    caps, failed is not None, mount, folder, folder in exact_lists[mount.path]
                )
                if job is None:
                    continue
                kind, prefix = job
                if kind == "scan":
                    scanned.append(folder)
                    scan_jobs.append((result, folder, prefix))
                else:
                    list_jobs.append((result, folder, prefix))
        fallback = await asyncio.gather(*(self._scan(r, f, p, leaves) for r, f, p in scan_jobs))
        list_jobs.extend(job for job in fallback if job is not None)
        try:
            await self._walk(list_jobs, leaves)
            readable = await leaves.finish()
        finally:
            leaves.cancel()
        exact = {m.path: exact_reads(acl or {}, m) for m in mounts}
        await self._verify(results, readable, exact, leaves)
        for result in results:
            self._finish_mount(result, readable[result.mount.path], acl, leaves)
        catalog = Catalog(results, time.time(), self.requests, time.monotonic() - started)
        catalog.notices = list(dict.fromkeys(self.notices))
        catalog.retried = self.retried
        return catalog

    def _start_job(
        self,
        caps: dict[str, list[str]],
        unknown: bool,
        mount: KvMount,
        folder: str,
        exact_list: bool,
    ) -> tuple[str, str] | None:
        """How to list a starting folder: (``scan``|``list``, the API prefix), or None.

        ``detailed-metadata/`` (KV v2) is preferred where allowed: it gives each secret's
        versions in the same request. With capabilities unknown (the check failed or is
        denied) a LIST is tried: a 403 only ends that branch.
        """
        for prefix in _prefixes(mount):
            allowed = set(caps.get(prefix + folder, []))
            if self._use_scan and allowed & {"scan", "root"}:
                return "scan", prefix
            if allowed & {"list", "root"}:
                return "list", prefix
        if unknown or exact_list:
            # An exact `list` rule on a folder is matched by LIST (which tries the path with and
            # without its slash), not always by capabilities-self: try it.
            return "list", mount.list_prefix
        return None

    def _note_capabilities(self, error: VaultJwtError, what: str) -> None:
        if isinstance(error, VaultPermissionDenied):
            if not self._capabilities_denied:
                self._capabilities_denied = True
                self.notices.append(
                    "Your token may not call sys/capabilities-self (it lacks OpenBao's default "
                    "policy): folders were listed where LIST is allowed, and the secrets found "
                    "are shown unchecked (marked '?'): reading one may be denied."
                )
            return
        self.notices.append(
            f"Capabilities of {what} could not be checked ({error.message}); "
            "listing was tried instead."
        )

    async def _resultant_acl(self) -> dict[str, Any] | None:
        """The token's resultant ACL, or None (then listing starts at each mount's root)."""
        try:
            reply = await self._call("GET", "sys/internal/ui/resultant-acl")
        except VaultPermissionDenied:
            self.notices.append(
                "Your token may not read sys/internal/ui/resultant-acl (it lacks OpenBao's "
                "default policy), so the catalog was found by listing from each mount's root: "
                "secrets readable through exact-path grants, or below folders you may not "
                "list, are not shown (add them by hand)."
            )
            return None
        except VaultJwtError as e:
            self.notices.append(
                f"The resultant ACL could not be read ({e.message}), so the catalog was found "
                "by listing from each mount's root: secrets readable through exact-path "
                "grants, or below folders you may not list, are not shown."
            )
            return None
        return reply.get("data") or {}

    async def _capabilities(
        self, paths: list[str]
    ) -> tuple[dict[str, list[str]], VaultJwtError | None]:
        """``sys/capabilities-self`` for many paths, ``batch_size`` per request.

        OpenBao trims whitespace from the paths asked about and answers under the trimmed
        path: the answer is looked up under both. Returns the capabilities found and the first
        failure (the paths of a failed batch are missing from the answer).
        """
        unique = list(dict.fromkeys(paths))
        batches = [
            unique[i : i + self._batch_size] for i in range(0, len(unique), self._batch_size)
        ]
        replies = await asyncio.gather(
            *(self._call("POST", "sys/capabilities-self", json={"paths": b}) for b in batches),
            return_exceptions=True,
        )
        caps: dict[str, list[str]] = {}
        failure: VaultJwtError | None = None
        for batch, reply in zip(batches, replies, strict=True):
            if isinstance(reply, BaseException):
                if not isinstance(reply, VaultJwtError):
                    raise reply
                failure = failure or reply
                continue
            data = reply.get("data") if isinstance(reply.get("data"), dict) else reply
            for path in batch:
                value = data.get(path)
                if value is None:
                    value = data.get(path.strip())
                if value is None and len(batch) == 1:
                    value = data.get("capabilities")
                caps[path] = list(value or [])
        return caps, failure

    async def _scan(
        self, result: MountCatalog, folder: str, prefix: str, leaves: _ReadChecker
    ) -> tuple[MountCatalog, str, str] | None:
        """SCAN one subtree; on failure return it as a LIST job instead."""
        mount = result.mount
        try:
            reply = await self._call(SCAN, quote_path(prefix + folder))
        except VaultNotFound:
            result.method = _method(result.method, "scan")
            self._scanned[mount.path].append(folder)
            return None
        except VaultReplyTooLarge as e:
            if prefix == mount.list_prefix:
                result.missing.append(Missing(folder, "subtree", e.message))
                self._listed[mount.path][folder] = False
                return None
            # detailed-metadata/ of a huge subtree: its names alone fit
            return await self._scan(result, folder, mount.list_prefix, leaves)
        except VaultHttpError:  # not OpenBao >= 2.2, or scan refused after all: LIST instead
            return (result, folder, prefix)
        except VaultJwtError as e:
            result.missing.append(Missing(folder, "subtree", e.message))
            self._listed[mount.path][folder] = False
            return None
        result.method = _method(result.method, "scan")
        self._scanned[mount.path].append(folder)
        data = reply.get("data") or {}
        info = data.get("key_info") if isinstance(data.get("key_info"), dict) else {}
        for key in data.get("keys") or []:
            if isinstance(key, str) and key and not key.endswith("/"):
                leaves.add(mount, folder + key, info.get(key))
        return None

    async def _walk(self, jobs: list[tuple[MountCatalog, str, str]], leaves: _ReadChecker) -> None:
        """Breadth-first LIST from the given folders, ``concurrency`` at a time. A folder
        whose LIST fails (after its retries) is recorded as missing; the rest goes on."""
        queue: asyncio.Queue[tuple[MountCatalog, str, str]] = asyncio.Queue()
        seen: set[tuple[str, str]] = set()
        for result, folder, prefix in jobs:
            key = (result.mount.path, folder)
            if key in seen or any(folder.startswith(s) for s in self._scanned[key[0]]):
                continue
            seen.add(key)
            queue.put_nowait((result, folder, prefix))
        if queue.empty():
            return

        async def worker() -> None:
            while True:
                result, folder, prefix = await queue.get()
                try:
                    await self._list_one(result, folder, prefix, leaves, queue, seen)
                except VaultPermissionDenied:
                    self._listed[result.mount.path].setdefault(folder, False)
                except VaultJwtError as e:
                    self._listed[result.mount.path][folder] = False
                    result.missing.append(Missing(folder, "folder", e.message))
                finally:
                    queue.task_done()

        workers = [asyncio.ensure_future(worker()) for _ in range(self._concurrency)]
        try:
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _list_one(
        self,
        result: MountCatalog,
        folder: str,
        prefix: str,
        leaves: _ReadChecker,
        queue: asyncio.Queue[tuple[MountCatalog, str, str]],
        seen: set[tuple[str, str]],
    ) -> None:
        mount = result.mount
        try:
            reply = await self._call(LIST, quote_path(prefix + folder))
        except VaultPermissionDenied:
            if prefix == mount.list_prefix:
                raise
            # detailed-metadata/ denied below this folder: metadata/ may still be allowed
            reply = await self._call(LIST, quote_path(mount.list_prefix + folder))
            prefix = mount.list_prefix
        except VaultNotFound:
            result.method = _method(result.method, "list")
            self._listed[mount.path][folder] = True
            return
        result.method = _method(result.method, "list")
        self._listed[mount.path][folder] = True
        data = reply.get("data") or {}
        info = data.get("key_info") if isinstance(data.get("key_info"), dict) else {}
        for key in data.get("keys") or []:
            if not isinstance(key, str) or not key:
                continue
            if key.endswith("/"):
                sub = folder + key
                if unsafe_reason(sub, trailing_slash=True):
                    continue  # a folder no URL may carry (see .paths): it cannot be listed
                if (mount.path, sub) not in seen:
                    seen.add((mount.path, sub))
                    queue.put_nowait((result, sub, prefix))
            else:
                leaves.add(mount, folder + key, info.get(key))

    async def _verify(
        self,
        results: list[MountCatalog],
        readable: dict[str, set[str]],
        exact: dict[str, list[str]],
        leaves: _ReadChecker,
    ) -> None:
        """Read the secrets whose answer ``capabilities-self`` cannot give: exact-path grants
        not found by listing (they may not exist) and names ending in whitespace (OpenBao
        answers for the trimmed path). The values read are dropped at once."""
        jobs = []
        for result in results:
            mount = result.mount
            found = readable[mount.path]
            for rel in exact[mount.path]:
                if rel not in found and rel not in leaves.listed(mount):
                    jobs.append((result, rel, True))
            for rel in leaves.listed(mount):
                if rel != rel.rstrip() and not unsafe_reason(rel):
                    jobs.append((result, rel, False))
        answers = await asyncio.gather(*(self._probe(r.mount, rel) for r, rel, _ in jobs))
        for (result, rel, unlisted), (state, error) in zip(jobs, answers, strict=True):
            found = readable[result.mount.path]
            if error is not None:
                result.missing.append(Missing(rel, "secret", error))
                continue
            if state == "absent" or state == "denied":
                found.discard(rel)
                continue
            if unlisted:
                result.unlisted.append(rel)
            else:
                found.add(rel)
            if state not in ("live", None):
                result.states[rel] = state

    async def _probe(self, mount: KvMount, rel: str) -> tuple[str | None, str | None]:
        """Read one secret: (``live``, a KV v2 state, ``absent`` or ``denied``, None) or
        (None, why it failed). The value read is never kept."""
        try:
            await self._call("GET", quote_path(mount.read_path(rel)))
        except VaultNotFound as e:
            state = version_state(e.kv_metadata) if e.kv_metadata else None
            return (state or "absent"), None
        except VaultPermissionDenied:
            return "denied", None
        except VaultJwtError as e:
            return None, e.message
        return "live", None

    def _finish_mount(
        self,
        result: MountCatalog,
        found: set[str],
        acl: dict[str, Any] | None,
        leaves: _ReadChecker,
    ) -> None:
        mount = result.mount
        result.secrets = sorted(found)
        result.unlisted = sorted(set(result.unlisted) - found)
        result.unchecked = sorted(leaves.unchecked(mount) - found)
        for rel in result.secrets:
            meta = leaves.metadata(mount, rel)
            if meta is not None:
                details = secret_details(meta)
                result.details[rel] = details
                if details["state"]:
                    result.states[rel] = details["state"]
        if leaves.failure(mount):
            count, reason = leaves.failure(mount)
            result.missing.append(
                Missing(
                    "",
                    "read-check",
                    f"{count} listed secret(s) could not be checked for read access "
                    f"({reason}); they are shown unchecked.",
                )
            )
        listed = self._listed[mount.path]
        scanned = self._scanned[mount.path]

        def reached(folder: str) -> bool | None:
            if any(folder.startswith(s) for s in scanned):
                return True
            return listed.get(folder)

        if acl is not None:
            result.unbrowsable = [
                acl_pattern(path, acl) for path in unbrowsable(read_grants(acl, mount), reached)
            ]
        anything = result.secrets or result.unlisted or result.unchecked
        if not any(listed.values()) and not scanned and not anything and not result.missing:
            if acl is None:
                why = (
                    f"Nothing on {mount.path} could be listed (LIST is denied on its root), and "
                    "without the resultant ACL the grants below it cannot be found."
                )
            elif result.unbrowsable:
                why = (
                    f"No folder of {mount.path} may be listed with your Vault policies; these "
                    f"read grants cannot be browsed: {', '.join(result.unbrowsable)}. Add a "
                    "path by hand to use one."
                )
            else:
                why = (
                    f"Your Vault policies grant no list and no read on {mount.path} (rules "
                    "with '+' segments are not reported by OpenBao's resultant ACL: add such a "
                    "path by hand)."
                )
            result.error = VaultPermissionDenied(why, 403)


def _starts(acl: dict[str, Any], mount: KvMount) -> list[str]:
    """The starting folders of ``mount``: its root and those of the rules under each prefix it
    may be listed under, shallowest first."""
    folders = {f for prefix in _prefixes(mount) for f in start_folders(acl, mount, prefix)}
    return ["", *sorted(folders - {""}, key=lambda f: (f.count("/"), f))]


def _prefixes(mount: KvMount) -> list[str]:
    """The API prefixes a folder of ``mount`` may be listed under, preferred first."""
    if mount.version == 2:
        return [f"{mount.path}detailed-metadata/", mount.list_prefix]
    return [mount.list_prefix]


class _ReadChecker:
    """Collects the leaves found by SCAN and LIST and checks ``read`` on them in batches.

    A batch is sent as soon as ``batch_size`` new leaves are collected, so the capability
    checks (OpenBao evaluates each path on its own: the costliest part) run while the walk
    goes on; :meth:`finish` sends the rest and waits. Batches are only ever cut full, so the
    request count stays ceil(leaves / batch_size). A batch that fails (after its retries)
    leaves its secrets unchecked rather than failing the catalog.
    """

    def __init__(self, builder: CatalogBuilder, mounts: list[KvMount]) -> None:
        self._builder = builder
        self._seen: dict[str, set[str]] = {m.path: set() for m in mounts}
        # Mounts whose listings OpenBao filters to the readable: their leaves are not checked.
        self._filtered = {
            m.path for m in mounts if builder._filtered and _matches(m.path, builder._filtered)
        }
        self._meta: dict[str, dict[str, dict[str, Any]]] = {m.path: {} for m in mounts}
        self._unchecked: dict[str, set[str]] = {m.path: set() for m in mounts}
        self._failures: dict[str, tuple[int, str]] = {}
        self._pending: dict[str, tuple[str, str]] = {}
        self._batches: list[asyncio.Task[tuple[dict[str, list[str]], VaultJwtError | None]]] = []
        self._sent: list[dict[str, tuple[str, str]]] = []

    def add(self, mount: KvMount, leaf: str, meta: Any = None) -> None:
        """Queue one leaf (duplicates are ignored), with its KV v2 metadata when listed from
        ``detailed-metadata/``."""
        seen = self._seen[mount.path]
        if leaf in seen:
            return
        seen.add(leaf)
        if isinstance(meta, dict):
            self._meta[mount.path][leaf] = meta
        if mount.path in self._filtered:
            return  # listed, so readable (see finish)
        self._pending[mount.read_path(leaf)] = (mount.path, leaf)
        if len(self._pending) >= self._builder._batch_size:
            self._send()

    def listed(self, mount: KvMount) -> set[str]:
        """Every leaf found under ``mount``."""
        return self._seen[mount.path]

    def metadata(self, mount: KvMount, leaf: str) -> dict[str, Any] | None:
        """The leaf's KV v2 metadata, when it was listed with it."""
        return self._meta[mount.path].get(leaf)

    def unchecked(self, mount: KvMount) -> set[str]:
        """Leaves whose read check failed."""
        return self._unchecked[mount.path]

    def failure(self, mount: KvMount) -> tuple[int, str] | None:
        """How many leaves of ``mount`` could not be checked, and why."""
        return self._failures.get(mount.path)

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
        readable: dict[str, set[str]] = {
            mount: set(seen) if mount in self._filtered else set()
            for mount, seen in self._seen.items()
        }
        for batch, (caps, failure) in zip(self._sent, replies, strict=True):
            if failure is not None:
                if isinstance(failure, VaultPermissionDenied):
                    self._builder._note_capabilities(failure, "listed secrets")
                for mount, leaf in batch.values():
                    self._unchecked[mount].add(leaf)
                    count, _ = self._failures.get(mount, (0, ""))
                    self._failures[mount] = (count + 1, failure.message)
                continue
            for path, (mount, leaf) in batch.items():
                if set(caps.get(path, [])) & {"read", "root"}:
                    readable[mount].add(leaf)
        if self._builder._capabilities_denied:
            self._failures.clear()  # said once, in the catalog's notices
        return readable


async def _readable(builder: CatalogBuilder, mount: KvMount, paths: list[str]) -> set[str]:
    """Which of ``paths`` (under ``mount``) the token may read: ``capabilities-self`` in one
    batch, a read for names ending in whitespace (OpenBao answers for them trimmed)."""
    plain = [p for p in paths if p == p.rstrip()]
    caps, failure = await builder._capabilities([mount.read_path(p) for p in plain])
    if failure is not None:
        raise failure
    found = {p for p in plain if set(caps.get(mount.read_path(p), [])) & {"read", "root"}}
    for path in paths:
        if path != path.rstrip():
            state, error = await builder._probe(mount, path)
            if state not in (None, "absent", "denied"):
                found.add(path)
            elif error is not None:
                raise VaultHttpError(error, 502)
    return found


def _method(current: str, used: str) -> str:
    if current in ("none", used):
        return used
    return "scan+list"


def expected_requests(folders: int, leaves: int, batch_size: int = 500) -> int:
    """The request budget of a LIST build: folders + ceil(leaves / batch) + 3."""
    return folders + math.ceil(leaves / batch_size) + 3
